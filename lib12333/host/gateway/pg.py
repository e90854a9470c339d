"""
The gateway store on PostgreSQL (psycopg 3): the same tables, migrations and SQL as SQLite.

``db.connect("postgresql://...")`` returns a ``PgConnection``: the small part of the
``sqlite3.Connection`` interface the gateway uses (``execute`` with ``?`` parameters,
``fetchone`` / ``fetchall`` / ``rowcount``, ``in_transaction``), so every module of the
gateway runs unchanged on both back ends and the SQL is written once.  The few SQLite
words PostgreSQL spells differently are rewritten here, in one table (``_REWRITES``),
and every statement is tested on both (tests/host/gateway_backends.py).

Transactions: ``BEGIN IMMEDIATE`` (SQLite: one writer at a time) becomes
``BEGIN ISOLATION LEVEL SERIALIZABLE``: several gateway workers may handle frames at
once, and PostgreSQL aborts the one whose reads another changed (SQLSTATE 40001) --
``Conflict`` -- instead of letting both apply.  ``Centre.handle`` runs it again from the
start; the unique keys (``applied``, ``relays_in``...) make a second application
impossible whatever happens.

Errors: every psycopg error is raised as ``BackendError``, a ``sqlite3.DatabaseError``,
so the handlers that turn a database failure into "nothing applied, retry later"
(``storage_error``) cover both back ends.  A lost connection (server restart, network)
is ``ConnectionLost``: the transaction it was in is rolled back by the server; the next
``execute`` reconnects.
"""

import re
import sqlite3

# SQLite spelling -> PostgreSQL spelling, applied to each statement once (then cached).
_REWRITES = (
    (re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b"), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bBEGIN IMMEDIATE\b"), "BEGIN ISOLATION LEVEL SERIALIZABLE"),
    # "window" is a reserved word in PostgreSQL (window functions); a quoted name is the column in both.
    (re.compile(r'(?<!")\bwindow\b(?!")'), '"window"'),
    (re.compile(r"\bROLLBACK TO (?!SAVEPOINT)"), "ROLLBACK TO SAVEPOINT "),
    # Row locks SQLite has no words for (BEGIN IMMEDIATE already holds its only write lock): written as a
    # comment SQLite skips, e.g. "/*PG: FOR UPDATE*/", and made a clause here.
    (re.compile(r"/\*PG: ([^*]*)\*/"), r"\1"),
)
_INSERT_OR = re.compile(r"^\s*INSERT OR (IGNORE|REPLACE) INTO (\w+)\s*\(([^)]*)\)(.*)$", re.S)
_CACHE = {}


class BackendError(sqlite3.DatabaseError):
    """A PostgreSQL error, raised as the sqlite3 error class the gateway's handlers already catch."""


class Conflict(BackendError):
    """Another worker changed what this transaction read (serialization failure, deadlock): run it again."""


class ConnectionLost(BackendError):
    """The connection to PostgreSQL broke; the open transaction was rolled back by the server."""


def translate(sql):
    """The PostgreSQL text of the SQLite statement ``sql``."""
    out = _CACHE.get(sql)
    if out is not None:
        return out
    text = sql
    m = _INSERT_OR.match(text)
    if m:
        verb, table, cols, rest = m.groups()
        names = [c.strip() for c in cols.split(",")]
        if verb == "IGNORE":
            tail = " ON CONFLICT DO NOTHING"
        else:  # OR REPLACE: every table it is used on has its first column as the key (meta)
            tail = " ON CONFLICT (%s) DO UPDATE SET %s" % (
                names[0], ", ".join("%s = excluded.%s" % (n, n) for n in names[1:]))
        text = "INSERT INTO %s (%s)%s%s" % (table, cols, rest.rstrip(), tail)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = text.replace("%", "%%").replace("?", "%s")
    _CACHE[sql] = text
    return text


def _wrap(exc):
    import psycopg

    state = getattr(exc, "sqlstate", None) or ""
    if state in ("40001", "40P01"):
        cls = Conflict
    elif isinstance(exc, psycopg.OperationalError) and (state.startswith("08") or state.startswith("57P") or not state):
        cls = ConnectionLost
    else:
        cls = BackendError
    text = str(exc).strip() or type(exc).__name__
    if state.startswith("53"):  # insufficient resources: disk full, out of memory, too many connections
        text += " (the database server's disk is full or it is out of resources)"
    err = cls("PostgreSQL: %s" % text)
    err.sqlstate = state
    err.__cause__ = exc
    return err


class Cursor:
    def __init__(self, rows, rowcount):
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchall(self):
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self):
        return iter(self.fetchall())


class PgConnection:
    """A psycopg connection in autocommit mode speaking the gateway's SQLite dialect."""

    backend = "postgresql"

    def __init__(self, url, connect_timeout=10):
        self.url = url
        self.connect_timeout = connect_timeout
        self._conn = None
        self._open()

    def _open(self):
        import psycopg

        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout)
        except psycopg.Error as exc:
            raise _wrap(exc) from exc

    @property
    def in_transaction(self):
        import psycopg.pq

        if self._conn is None or self._conn.closed:
            return False
        return self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def execute(self, sql, params=()):
        import psycopg

        if self._conn is None or self._conn.closed:
            if sql.strip().upper().startswith(("ROLLBACK", "COMMIT", "RELEASE")):
                return Cursor([], 0)  # the server rolled the transaction (and its savepoints) back with the connection
            self._open()
        text = translate(sql)
        try:
            # psycopg (prepare left to it) prepares a statement on the server after prepare_threshold (5) runs,
            # so the hot path parses and plans each of its statements once per connection
            cur = self._conn.execute(text, tuple(params) if params else None)
            rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in cur.fetchall()] \
                if cur.description else []
            return Cursor(rows, cur.rowcount)
        except psycopg.Error as exc:
            if self._conn.closed or isinstance(exc, psycopg.OperationalError) and self._conn.broken:
                self._conn = None
            raise _wrap(exc) from exc

    def executescript(self, script):
        for statement in script.split(";"):
            if statement.strip():
                self.execute(statement)

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def is_url(path):
    return isinstance(path, str) and (path.startswith("postgresql://") or path.startswith("postgres://"))


def masked(url):
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def migrate(conn, migrations):
    """Apply the missing ``migrations`` (one transaction each); several workers starting at once take turns."""
    from lib12333.errors import StorageError

    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    while True:
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(12333)")  # one migrating worker at a time
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            current = 0 if row is None else row[0]
            if current > len(migrations):
                raise StorageError("database schema version %d is newer than this lib12333 (%d)"
                                   % (current, len(migrations)))
            if current == len(migrations):
                conn.execute("COMMIT")
                return
            conn.executescript(migrations[current])
            if row is None:
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (current + 1,))
            else:
                conn.execute("UPDATE schema_version SET version = ?", (current + 1,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def version(conn):
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return 0 if row is None else row[0]
