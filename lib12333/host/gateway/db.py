"""
The centre's SQLite database: schema, migrations, connection settings.

The schema is versioned with ``PRAGMA user_version``; ``connect`` applies the
migrations that are missing, each in its own transaction, so a database of any
earlier version (or a new file) is brought up to date and a kill during a
migration leaves the previous version intact.  Connections use the WAL journal
with ``synchronous=FULL``: a transaction that returned is on disk, and a kill at
any moment leaves the last committed state.

Tables (docs/gateway.md describes every column):

    devices         kiosks: id, key, name, region, status (active / revoked), the persisted
                    replay window of their frames, the next sequence number for frames to them
    cards           the card registry: card number, social-security number, name, loss state
    card_events     every state change of a card, with channel, device and frame sequence
    applied         (device, seq) of every frame applied, with the reply: the exactly-once key
    outgoing        replies and citizen notices waiting to be sent (written in the same
                    transaction as the change they announce)
    service_records one row per kiosk transaction, for lib12333 cdr stats / report annual
    peers           other centres this one relays to or for, with the pairwise key (migration 2)
    relays_out      requests relayed to the responsible centre, keyed by the kiosk's (device, seq)
    relays_in       requests applied for a peer, keyed by (peer, origin device, origin seq)
    device_keys     every key a device id has had: generation, first sequence number, retired (migration 3)
    kiosk_status    the newest status report of each kiosk: firmware, signal, backlog, errors (migration 6)
    meta            name/value facts about the file itself, e.g. that it is a backup copy (migration 3)
    workers         gateway workers sharing the database and their last heartbeat (migration 4)
    console_*       the centre console's accounts, sessions, log-in attempts, audit log, request
                    claims and handle key (migration 5; lib12333.host.console.store, docs/console.md)
"""

import sqlite3

MIGRATIONS = (
    # 1: the first schema
    """
    CREATE TABLE devices (
        device_id INTEGER PRIMARY KEY,
        key BLOB NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        region TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
        added_at INTEGER NOT NULL,
        window BLOB,
        down_seq INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE cards (
        card_no TEXT PRIMARY KEY,
        ssn TEXT NOT NULL,
        name TEXT NOT NULL,
        region TEXT NOT NULL DEFAULT '',
        state INTEGER NOT NULL,
        since INTEGER NOT NULL DEFAULT 0,
        until INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE card_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        card_no TEXT NOT NULL REFERENCES cards (card_no),
        at INTEGER NOT NULL,
        action TEXT NOT NULL,
        channel TEXT NOT NULL,
        from_state INTEGER NOT NULL,
        to_state INTEGER NOT NULL,
        device_id INTEGER,
        seq INTEGER
    );
    CREATE TABLE applied (
        device_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        msg_type INTEGER NOT NULL,
        applied_at INTEGER NOT NULL,
        reply_type INTEGER NOT NULL,
        reply_payload BLOB NOT NULL,
        PRIMARY KEY (device_id, seq)
    );
    CREATE TABLE outgoing (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('frame', 'notice')),
        to_number TEXT NOT NULL,
        body BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL DEFAULT 0,
        sent_at INTEGER,
        failed TEXT
    );
    CREATE INDEX outgoing_due ON outgoing (sent_at, next_at);
    CREATE TABLE service_records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        service TEXT NOT NULL,
        region TEXT NOT NULL,
        category TEXT NOT NULL,
        queue TEXT NOT NULL,
        arrival INTEGER NOT NULL,
        answer INTEGER,
        end_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        agent TEXT NOT NULL,
        caller TEXT NOT NULL
    );
    """,
    # 2: centre-to-centre relaying (lib12333.host.gateway.relay)
    """
CREATE TABLE IF NOT EXISTS peers (
    code TEXT PRIMARY KEY,
    peer_id INTEGER NOT NULL UNIQUE,
    number TEXT NOT NULL,
    key BLOB NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    added_at INTEGER NOT NULL,
    up_seq INTEGER NOT NULL DEFAULT 1,
    down_seq INTEGER NOT NULL DEFAULT 1,
    in_window BLOB,
    answer_window BLOB
);
CREATE TABLE IF NOT EXISTS relays_out (
    device_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    msg_type INTEGER NOT NULL,
    peer_code TEXT NOT NULL REFERENCES peers (code),
    relay_seq INTEGER NOT NULL,
    kiosk_number TEXT NOT NULL,
    frame BLOB NOT NULL,
    rule TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'answered')),
    created_at INTEGER NOT NULL,
    answered_at INTEGER,
    PRIMARY KEY (device_id, seq)
);
CREATE TABLE IF NOT EXISTS relays_in (
    peer_code TEXT NOT NULL,
    origin_device INTEGER NOT NULL,
    origin_seq INTEGER NOT NULL,
    relay_seq INTEGER NOT NULL,
    msg_type INTEGER NOT NULL,
    applied_at INTEGER NOT NULL,
    reply_type INTEGER NOT NULL,
    reply_payload BLOB NOT NULL,
    PRIMARY KEY (peer_code, origin_device, origin_seq)
);
    """,
    # 3: provisioning and restores (issue 13): every provisioning of a device id gets a fresh key and a first
    # sequence number (key history in device_keys, lib12333.host.gateway.provisioning); meta marks a backup
    # copy that must be restored with `gateway restore` (lib12333.host.gateway.backup)
    """
ALTER TABLE devices ADD COLUMN key_generation INTEGER NOT NULL DEFAULT 1;
ALTER TABLE devices ADD COLUMN seq_floor INTEGER NOT NULL DEFAULT 1;
CREATE TABLE device_keys (
    device_id INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    key BLOB NOT NULL,
    first_seq INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    retired_at INTEGER,
    PRIMARY KEY (device_id, generation)
);
CREATE INDEX device_keys_key ON device_keys (key);
INSERT INTO device_keys (device_id, generation, key, first_seq, added_at)
    SELECT device_id, 1, key, 1, added_at FROM devices;
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 4: several workers on one database (issue 16, lib12333.host.gateway.workers): the worker that
    # is sending an outgoing row and until when; the workers and their last heartbeat
    """
ALTER TABLE outgoing ADD COLUMN claimed_by TEXT;
ALTER TABLE outgoing ADD COLUMN claimed_until INTEGER;
CREATE TABLE workers (
    name TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    frames INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX applied_device_time ON applied (device_id, applied_at);
    """,
    # 5: the centre console's tables (lib12333.host.console, issue 17).  IF NOT EXISTS: a SQLite file the
    # console used before this migration already has them (they were versioned apart, in console_meta).
    # console_meta holds the key of the console's card handles; the index serves the figures page.
    """
CREATE TABLE IF NOT EXISTS console_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS console_users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'technician', 'administrator')),
    pw_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS console_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES console_users (username),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS console_login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    at INTEGER NOT NULL,
    ok INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS console_attempts_client ON console_login_attempts (client, at);
CREATE INDEX IF NOT EXISTS console_attempts_user ON console_login_attempts (username, at);
CREATE TABLE IF NOT EXISTS console_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS console_claims (
    ref TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    claimed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS console_service_arrival ON service_records (channel, arrival);
    """,
    # 6: kiosk status reports (issue 17, lib12333.host.gateway.kiosk_status): the newest report per kiosk
    """
CREATE TABLE kiosk_status (
    device_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    reported_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    firmware TEXT NOT NULL,
    rssi INTEGER NOT NULL,
    ber INTEGER NOT NULL,
    backlog INTEGER NOT NULL,
    oldest_age INTEGER NOT NULL,
    storage_errors INTEGER NOT NULL,
    modem_errors INTEGER NOT NULL,
    card_errors INTEGER NOT NULL,
    uptime INTEGER NOT NULL,
    boots INTEGER NOT NULL
);
    """,
)
VERSION = len(MIGRATIONS)


def open_existing(path, **kw):
    """``sqlite3.connect`` that never creates a file: FileNotFoundError when ``path`` does not exist."""
    import errno
    import os
    from urllib.parse import quote

    if not os.path.isfile(path):
        raise FileNotFoundError(errno.ENOENT, "no such database (read-only commands create none)", str(path))
    return sqlite3.connect("file:" + quote(os.path.abspath(path)) + "?mode=rw", uri=True, **kw)


def owner_only(path):
    """Create ``path`` readable by its owner only, or tighten it (and its -wal / -shm) if it exists.

    The gateway database holds every device key in clear and the request store personal
    data: neither may be world-readable whatever the umask.  SQLite creates -wal and -shm
    with the permissions of the database file, so the main file's mode is what counts;
    existing ones are tightened too (files created by an older lib12333 were 0644).
    """
    import os

    if not isinstance(path, str) or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    except OSError:
        return  # no such folder, read-only...: sqlite3 reports it in its own words
    for name in (path, path + "-wal", path + "-shm"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def use_wal(conn, timeout):
    """``PRAGMA journal_mode=WAL``, waiting up to ``timeout`` seconds for other processes opening the file.

    Two processes opening a new database at once (a gateway and its console; two workers): the change
    of journal mode may be answered "database is locked" at once, without SQLite's busy wait, when the
    other one is creating the tables.  Tried again until the other is done.
    """
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def connect(path, create=True):
    """Open (and create or migrate) the gateway database at ``path``; ``create=False``: only an existing file.

    ``path`` may be a ``postgresql://`` URL: the same schema on PostgreSQL (lib12333.host.gateway.pg).
    """
    from lib12333.host.gateway import pg

    if pg.is_url(path):
        conn = pg.PgConnection(path)
        if not create and not pg.has_schema(conn):  # a read-only command on the wrong (empty) database
            conn.close()
            raise pg.BackendError("PostgreSQL: %s has no gateway tables (a mistyped database name?); create them "
                                  "with `lib12333 gateway migrate --db URL`" % pg.masked(path))
        pg.migrate(conn, MIGRATIONS)
        return conn
    refuse_other_urls(path)
    # One thread at a time uses a connection; it may be opened in another (the gateway's loop thread).
    kw = {"isolation_level": None, "timeout": 30, "check_same_thread": False}
    if create:
        owner_only(path)
    conn = sqlite3.connect(path, **kw) if create else open_existing(path, **kw)
    use_wal(conn, kw["timeout"])
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return conn


def refuse_other_urls(path):
    """ValidationError for ``scheme://...`` other than PostgreSQL's, which would otherwise be taken as a
    SQLite file name (mysql://..., postgresql+psycopg://..., PostgreSQL://...)."""
    import re

    if isinstance(path, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", path):
        from lib12333.errors import ValidationError
        from lib12333.host.gateway import pg

        scheme = path.split("://", 1)[0]
        raise ValidationError("%s: unsupported database URL (scheme %r): give a SQLite file path or "
                              "postgresql://user@host:port/dbname (lower case)" % (pg.masked(path), scheme),
                              field="db")


def is_url(path):
    """True for a ``postgresql://`` location (lib12333.host.gateway.pg), False for a SQLite file."""
    return isinstance(path, str) and (path.startswith("postgresql://") or path.startswith("postgres://"))


def is_postgresql(conn):
    return getattr(conn, "backend", "sqlite") == "postgresql"


def version(conn):
    if is_postgresql(conn):
        from lib12333.host.gateway import pg

        return pg.version(conn)
    return conn.execute("PRAGMA user_version").fetchone()[0]


def integrity(conn):
    """"ok", or what the database found wrong.  PostgreSQL: every gateway table is read through once
    (a damaged page or index raises); SQLite: PRAGMA integrity_check."""
    if not is_postgresql(conn):
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
    for (table,) in tables:
        conn.execute('SELECT COUNT(*) FROM "%s"' % table).fetchone()
    return "ok"


def migrate(conn):
    """Apply the missing migrations, one transaction each.  The version is read inside the transaction
    (under SQLite's write lock): two processes opening a new file at once take turns, and the second
    finds the tables made."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = version(conn)
            if current > VERSION:
                from lib12333.errors import StorageError

                raise StorageError("database schema version %d is newer than this lib12333 (%d)"
                                   % (current, VERSION))
            if current == VERSION:
                conn.execute("COMMIT")
                return
            for statement in MIGRATIONS[current].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("PRAGMA user_version = %d" % (current + 1))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


class Transaction:
    """``with Transaction(conn):`` -- BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception.
    Inside another transaction it is a savepoint, so a caller can make several steps one commit.

    PostgreSQL runs it SERIALIZABLE; ``row_locks=True``: READ COMMITTED, for a caller that locks every
    row it reads to change (``SELECT ... FOR UPDATE``) -- the kiosk frames (group_commit.py).
    SQLite has one writer at a time either way."""

    def __init__(self, conn, row_locks=False):
        self.conn = conn
        self.savepoint = None
        self.begin = "BEGIN IMMEDIATE /*PG: ROW LOCKS*/" if row_locks else "BEGIN IMMEDIATE"

    def __enter__(self):
        if self.conn.in_transaction:
            self.savepoint = "sp_%x" % id(self)
            self.conn.execute("SAVEPOINT " + self.savepoint)
        else:
            self.conn.execute(self.begin)
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if self.savepoint is not None:
            if exc_type:
                self.conn.execute("ROLLBACK TO " + self.savepoint)
            self.conn.execute("RELEASE " + self.savepoint)
            return False
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return False
            except sqlite3.DatabaseError:
                self._rollback()
                raise
        self._rollback()
        return False

    def _rollback(self):
        # SQLite has already rolled back after some errors (SQLITE_FULL): a second ROLLBACK would
        # raise "no transaction is active" and hide the real error.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


def again_on_conflict(body, tries=5):
    """``body()``, one transaction, run again when PostgreSQL aborted it because another transaction
    (a gateway worker applying a kiosk's frame) changed a row it read or waited for (``pg.Conflict``).

    For the administration's commands and the console's writes (``console.store._retried``), which stay
    SERIALIZABLE: one that waits for a kiosk's row locked by a worker is aborted when the worker
    commits ("could not serialize access due to concurrent update").
    """
    import time

    from lib12333.host.gateway.pg import Conflict

    for attempt in range(tries):
        try:
            return body()
        except Conflict:
            if attempt == tries - 1:
                raise
            time.sleep(0.005 * (attempt + 1))


def storage_error(exc, what="gateway database"):
    """The lib12333 StorageError for the sqlite3 error ``exc`` (a full disk, an unreadable file)."""
    from lib12333.errors import StorageError

    text = str(exc)
    if "full" in text:
        text += " (free space on its disk: nothing was applied, the message is handled again after a restart)"
    err = StorageError("%s: %s" % (what, text))
    err.__cause__ = exc
    return err
