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

import os
import re
import sqlite3

# SQLite spelling -> PostgreSQL spelling, applied to each statement once (then cached).
_REWRITES = (
    (re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b"), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    # A transaction that takes its own row locks (``Transaction(conn, row_locks=True)``: the kiosk frames,
    # group_commit.py explains why that is enough) runs READ COMMITTED; every other one SERIALIZABLE.
    (re.compile(r"\bBEGIN IMMEDIATE /\*PG: ROW LOCKS\*/"), "BEGIN ISOLATION LEVEL READ COMMITTED"),
    (re.compile(r"\bBEGIN IMMEDIATE\b"), "BEGIN ISOLATION LEVEL SERIALIZABLE"),
    # "window" is a reserved word in PostgreSQL (window functions); a quoted name is the column in both.
    (re.compile(r'(?<!")\bwindow\b(?!")'), '"window"'),
    (re.compile(r"\bROLLBACK TO (?!SAVEPOINT)"), "ROLLBACK TO SAVEPOINT "),
    (re.compile(r"\binstr\("), "strpos("),  # the same arguments: (text, what to find)
    # Row locks SQLite has no words for (BEGIN IMMEDIATE already holds its only write lock): written as a
    # comment SQLite skips, e.g. "/*PG: FOR UPDATE*/", and made a clause here.
    (re.compile(r"/\*PG: ([^*]*)\*/"), r"\1"),
)
_INSERT_OR = re.compile(r"^\s*INSERT OR (IGNORE|REPLACE) INTO (\w+)\s*\(([^)]*)\)(.*)$", re.S)
_CACHE = {}
# INSERT OR REPLACE on a table whose key has several columns: how many of the listed columns (first) it is.
_REPLACE_KEYS = {"link_message_ids": 2}
_CREATE_IF_MISSING = re.compile(r"^\s*CREATE (TABLE|INDEX) IF NOT EXISTS\s+(\w+)", re.I)


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
        else:  # OR REPLACE: the table's key is its first column(s), as _REPLACE_KEYS says
            width = _REPLACE_KEYS.get(table, 1)
            tail = " ON CONFLICT (%s) DO UPDATE SET %s" % (
                ", ".join(names[:width]), ", ".join("%s = excluded.%s" % (n, n) for n in names[width:]))
        text = "INSERT INTO %s (%s)%s%s" % (table, cols, rest.rstrip(), tail)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = text.replace("%", "%%").replace("?", "%s")
    _CACHE[sql] = text
    return text


def password(url):
    """The password written in ``url`` (``user:PASSWORD@`` or ``?password=``, percent-decoded), or None."""
    from urllib.parse import parse_qs, unquote, urlsplit

    try:
        parts = urlsplit(url)
        secret = parts.password
    except ValueError:
        return None
    if secret:
        return unquote(secret)
    given = parse_qs(parts.query).get("password")
    return given[-1] if given else None


def _hide(text, url):
    """``text`` without the password of ``url`` in any spelling (libpq quotes it in some messages)."""
    from urllib.parse import urlsplit

    try:
        raw = urlsplit(url).password
    except ValueError:
        raw = None
    for secret in sorted({s for s in (raw, password(url)) if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return masked(text)


def _wrap(exc, url=None):
    import psycopg

    state = getattr(exc, "sqlstate", None) or ""
    if state in ("40001", "40P01") or state == "0A000" and "cached plan" in str(exc):
        # 0A000 "cached plan must not change result type": a migration changed a column's type under a
        # statement psycopg had prepared; psycopg prepares it again on the next run: run the transaction again.
        cls = Conflict
    elif isinstance(exc, psycopg.OperationalError) and (state.startswith("08") or state.startswith("57P") or not state):
        cls = ConnectionLost
    else:
        cls = BackendError
    text = str(exc).strip() or type(exc).__name__
    if url is not None:
        text = _hide(text, url)
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
        self._created = set()  # CREATE ... IF NOT EXISTS statements already run (_create_once)
        # True from a connection lost inside a transaction to the caller's ROLLBACK (see ``execute``).
        self._lost_transaction = False
        # How many times a connection was opened: what was reserved through an earlier one may have been
        # lost by the server since (lib12333.host.gateway.counters drops its blocks then).
        self.epoch = 0
        self._open()

    def _open(self):
        import psycopg

        # LIB12333_PG_PREPARE=0: no server-side prepared statements, for a pooler in transaction mode
        # (pgbouncer before 1.21), where the next transaction may run on another server connection.
        prepare = {"prepare_threshold": None} if os.environ.get("LIB12333_PG_PREPARE", "1") == "0" else {}
        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout, **prepare)
        except psycopg.Error as exc:
            raise _wrap(exc, self.url) from None  # psycopg's own text may quote the password
        self.epoch += 1

    @property
    def in_transaction(self):
        import psycopg.pq

        if self._lost_transaction:
            return True  # until the caller's ROLLBACK: its statements belong to the lost transaction
        if self._conn is None or self._conn.closed:
            return False
        return self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def execute(self, sql, params=()):
        import psycopg

        if self._lost_transaction:
            # The server rolled the transaction back with the connection.  Undoing is fine; anything else
            # would run on a new connection outside any transaction (half of a frame's work committed on
            # its own), and a COMMIT must not look successful.  The caller's ROLLBACK ends it.
            word = sql.strip().upper()
            if word.startswith(("ROLLBACK TO", "RELEASE")):
                return Cursor([], 0)
            if word.startswith("ROLLBACK"):
                self._lost_transaction = False
                return Cursor([], 0)
            raise _lost()
        if self._conn is None or self._conn.closed:
            if sql.strip().upper().startswith("ROLLBACK"):
                return Cursor([], 0)
            self._open()
        if _CREATE_IF_MISSING.match(sql):
            return self._create_once(sql)
        text = translate(sql)
        inside = self.in_transaction
        try:
            # psycopg (prepare left to it) prepares a statement on the server after prepare_threshold (5) runs,
            # so the hot path parses and plans each of its statements once per connection
            cur = self._conn.execute(text, tuple(params) if params else None)
            rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in cur.fetchall()] \
                if cur.description else []
            return Cursor(rows, cur.rowcount)
        except psycopg.Error as exc:
            raise self._failed(exc, inside) from exc

    def _failed(self, exc, inside):
        """The BackendError for psycopg's ``exc``; a broken connection is dropped (the next call reconnects,
        or, ``inside`` a transaction, the caller's ROLLBACK first)."""
        import psycopg

        if self._conn.closed or isinstance(exc, psycopg.OperationalError) and self._conn.broken:
            self._lost_transaction = inside
            self._conn = None
        return _wrap(exc, self.url)

    def executemany(self, sql, seq_of_params):
        """One statement for many rows (psycopg sends them in one pipeline), like sqlite3's."""
        import psycopg

        if self._lost_transaction:
            raise _lost()
        if self._conn is None or self._conn.closed:
            self._open()
        inside = self.in_transaction
        try:
            with self._conn.cursor() as cur:
                cur.executemany(translate(sql), [tuple(p) for p in seq_of_params])
                return Cursor([], cur.rowcount)
        except psycopg.Error as exc:
            raise self._failed(exc, inside) from exc

    def _create_once(self, sql):
        """``CREATE TABLE IF NOT EXISTS`` (the links' tables, made at their first use): PostgreSQL's catalogue
        refuses a second one created at the same moment by another worker, so a missing one is made under
        the migrations' advisory lock; one that exists is remembered and not asked for again."""
        import psycopg

        if sql in self._created:
            return Cursor([], 0)
        name = _CREATE_IF_MISSING.match(sql).group(2)
        if self.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0]:
            self._created.add(sql)  # made and committed earlier (or by this very transaction)
            return Cursor([], 0)
        own = not self.in_transaction
        if own:
            self.execute("BEGIN")
        try:
            self.execute("SELECT pg_advisory_xact_lock(12333)")  # held until this transaction ends
            try:
                self._conn.execute(translate(sql), prepare=False)
            except psycopg.Error as exc:
                raise _wrap(exc, self.url) from exc
            if own:
                self.execute("COMMIT")
        except BaseException:
            if own and self.in_transaction:
                self.execute("ROLLBACK")
            raise
        return Cursor([], 0)

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
    """The URL without its password (``user:PASSWORD@`` or ``?password=``), for messages and logs."""
    text = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&#\s]*", r"\1***", text)


def migrate(conn, migrations):
    """Apply the missing ``migrations`` (one transaction each); several workers starting at once take turns."""
    from lib12333.errors import StorageError

    while True:
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(12333)")  # one migrating worker at a time
            # Under the lock: two workers creating it at once collide in PostgreSQL's catalogue.
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
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


def has_schema(conn):
    """True when the gateway's tables were created in this database (``gateway migrate``)."""
    return conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]


def version(conn):
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return 0 if row is None else row[0]


def _lost():
    err = ConnectionLost("PostgreSQL: the connection was lost with the transaction in progress (rolled back)")
    err.sqlstate = "08003"
    return err
