"""
Citizen requests in a SQLite file or in the gateway's PostgreSQL database: the store a
centre gateway uses.

It implements the store interface of ``lib12333.citizen_requests`` on a real database:

- every change is one ``BEGIN IMMEDIATE … COMMIT`` transaction (WAL journal,
  ``synchronous=FULL``), so a power cut leaves either the old or the new state,
  never half of a transition;
- every transition carries an idempotency key, unique per request in the
  ``events`` table; applying a key again returns the recorded event and changes
  nothing, so a kiosk or a gateway may retry after a lost reply or a crash and
  the transition still happens exactly once;
- creating a request takes an idempotency key too (the kiosk's journal id), and
  reference sequence numbers are allocated per centre, device and day inside
  the same transaction.

With a ``postgresql://`` URL the tables live in the gateway's own database (the same
statements, through ``lib12333.host.gateway.pg``), so several workers and consoles on
other machines share one store: a transaction that another changed underneath is
aborted by the server (serialisable isolation) and run again here from the start.

The transition rules themselves are not repeated here: the store loads the
request, calls ``lib12333.citizen_requests.apply`` and writes the result.

    store = RequestStore("centre.db")
    req = store.create("complaint", "330100", "K01", (2013, 3, 1), at=1000,
                       subject="…", contact="139…", idem="kiosk-K01-000123")
    store.apply(req.ref, "start", actor="330100", at=1010, idem="agent-77-1")
"""

import sqlite3

from lib12333 import citizen_requests as R
from lib12333.errors import StorageError, ValidationError

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    ref TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    centre TEXT NOT NULL,
    owner TEXT NOT NULL,
    pending_owner TEXT,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    subject TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    create_idem TEXT NOT NULL UNIQUE,
    events INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS requests_owner_state ON requests (owner, state);
CREATE TABLE IF NOT EXISTS events (
    ref TEXT NOT NULL REFERENCES requests (ref),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    idem TEXT NOT NULL,
    note TEXT,
    target TEXT,
    PRIMARY KEY (ref, seq),
    UNIQUE (ref, idem)
);
CREATE TABLE IF NOT EXISTS sequences (
    centre TEXT NOT NULL,
    device TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (centre, device, day)
);
"""

_REQ_COLS = "ref, kind, centre, owner, pending_owner, state, created_at, updated_at, subject, contact"
_EV_COLS = "seq, action, from_state, to_state, actor, at, idem, note, target"


_RETRIES = 20  # serialisation conflicts with other workers before giving up (StorageError)


class RequestStore:
    """SQLite file or PostgreSQL database; one instance per connection, used by one thread at a time."""

    def __init__(self, path, timeout=10.0, fault=None, create=True):
        # ``fault`` is a test hook called after the writes and before COMMIT;
        # ``create=False`` opens an existing file only (FileNotFoundError otherwise), for read-only commands
        self._fault = fault
        from lib12333.host.gateway import pg

        if pg.is_url(path):
            self._open_pg(path, create)
            return
        kw = {"timeout": timeout, "isolation_level": None, "check_same_thread": False}
        if not create:
            from lib12333.host.gateway.db import open_existing

            self._db = open_existing(path, **kw)
        try:
            # One thread at a time uses a store, but it may be opened in another (a gateway's loop thread).
            if create:
                from lib12333.host.gateway.db import owner_only

                owner_only(path)  # contact numbers and subjects: personal data
                self._db = sqlite3.connect(path, **kw)
            from lib12333.host.gateway.db import use_wal

            use_wal(self._db, timeout)
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StorageError("request database " + str(path) + " cannot be used: " + str(exc)) from exc

    def _open_pg(self, url, create):
        from lib12333.host.gateway import pg

        try:
            self._db = pg.PgConnection(url)
            if not create:
                if self._db.execute("SELECT to_regclass('requests')").fetchone()[0] is None:
                    raise StorageError("no requests in %s: it was never used by a gateway" % pg.masked(url))
                return
            self._db.execute("BEGIN")
            try:
                self._db.execute("SELECT pg_advisory_xact_lock(12334)")  # workers starting at once take turns
                self._db.executescript(SCHEMA)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise StorageError("request database %s cannot be used: %s" % (pg.masked(url), exc)) from exc

    def close(self):
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ transactions

    def _begin(self):
        self._db.execute("BEGIN IMMEDIATE")

    def _commit(self):
        if self._fault is not None:
            self._fault()
        self._db.execute("COMMIT")

    def _rollback(self):
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    # ------------------------------------------------------------ reading

    def _load(self, ref):
        row = self._db.execute("SELECT " + _REQ_COLS + " FROM requests WHERE ref = ?", (ref,)).fetchone()
        if row is None:
            return None
        history = [R.Event(*ev) for ev in self._db.execute(
            "SELECT " + _EV_COLS + " FROM events WHERE ref = ? ORDER BY seq", (ref,))]
        return R.Request(row[0], row[1], row[2], row[6], row[8], row[9], owner=row[3], state=row[5],
                         pending_owner=row[4], history=history, updated_at=row[7])

    def get(self, ref):
        """The request ``ref`` with its history; StorageError when unknown."""
        req = self._load(ref)
        if req is None:
            raise StorageError("no request " + str(ref))
        return req

    def creation_key(self, ref):
        """The idempotency key ``ref`` was created with (who filed it), or None when there is no such request."""
        row = self._db.execute("SELECT create_idem FROM requests WHERE ref = ?", (ref,)).fetchone()
        return None if row is None else row[0]

    def list(self, owner=None, state=None, limit=100):
        """Requests, newest first, optionally only those of ``owner`` and/or in ``state``."""
        where = []
        args = []
        if owner is not None:
            where.append("owner = ?")
            args.append(owner)
        if state is not None:
            if state not in R.STATES:
                raise ValidationError("unknown state", field="state", expected=" | ".join(R.STATES))
            where.append("state = ?")
            args.append(state)
        sql = "SELECT ref FROM requests" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY created_at DESC, ref DESC LIMIT ?"
        args.append(int(limit))
        refs = [r[0] for r in self._db.execute(sql, args)]
        return [self._load(ref) for ref in refs]

    # ------------------------------------------------------------ writing

    def _transaction(self, body, *args):
        """``body(*args)`` in one transaction, committed when it returns (``body`` may commit a read-only
        one itself); a database error rolls it back whole and is a StorageError."""
        self._begin()
        try:
            result = body(*args)
            if self._db.in_transaction:
                self._commit()
            return result
        except sqlite3.DatabaseError as exc:
            self._rollback()
            raise StorageError("request database: " + str(exc)) from exc
        except BaseException:
            self._rollback()
            raise

    def _retrying(self, body, *args):
        """``body(*args)`` as one transaction, run again when another worker's commit aborted it."""
        from lib12333.host.gateway import pg

        for left in range(_RETRIES, 0, -1):
            try:
                return self._transaction(body, *args)
            except StorageError as exc:
                cause = exc.__cause__
                # a conflict, or the same idempotency key inserted by another worker at the same moment
                again = isinstance(cause, pg.Conflict) or getattr(cause, "sqlstate", "") == "23505"
                if not again or left == 1:
                    raise
                import random
                import time

                time.sleep(random.uniform(0, 0.002 * (_RETRIES - left + 1)))  # let the other commit first

    def create(self, kind, centre, device, day, at, subject, contact="", idem=None):
        """Accept a new request (受理); idempotent on ``idem`` (default: derived from nothing, always new)."""
        if idem is not None and (not isinstance(idem, str) or not idem or len(idem) > 64):
            raise ValidationError("idempotency key must be text of 1-64 characters", field="idem")
        return self._retrying(self._create, kind, centre, device, day, at, subject, contact, idem)

    def _create(self, kind, centre, device, day, at, subject, contact, idem):
        if idem is not None:
            row = self._db.execute("SELECT ref FROM requests WHERE create_idem = ?", (idem,)).fetchone()
            if row is not None:
                self._db.execute("COMMIT")
                return self._load(row[0])
        dkey = "%04d-%02d-%02d" % tuple(day)
        row = self._db.execute("SELECT last FROM sequences WHERE centre = ? AND device = ? AND day = ?",
                               (centre, device, dkey)).fetchone()
        seq = (row[0] if row else 0) + 1
        req = R.new_request(kind, centre, device, day, seq, at, subject, contact)
        if row:
            self._db.execute("UPDATE sequences SET last = ? WHERE centre = ? AND device = ? AND day = ?",
                             (seq, centre, device, dkey))
        else:
            self._db.execute("INSERT INTO sequences (centre, device, day, last) VALUES (?, ?, ?, ?)",
                             (centre, device, dkey, seq))
        self._db.execute(
            "INSERT INTO requests (" + _REQ_COLS + ", create_idem, events) VALUES (?,?,?,?,?,?,?,?,?,?,?,0)",
            (req.ref, req.kind, req.centre, req.owner, req.pending_owner, req.state, req.created_at,
             req.updated_at, req.subject, req.contact, idem if idem is not None else "ref:" + req.ref))
        return req

    def apply(self, ref, action, actor, at, idem, note=None, target=None):
        """Apply one transition exactly once; returns the ``Event`` (recorded or new)."""
        return self._retrying(self._apply, ref, action, actor, at, idem, note, target)

    def _apply(self, ref, action, actor, at, idem, note, target):
        req = self._load(ref)
        if req is None:
            raise StorageError("no request " + str(ref))
        before = len(req.history)
        event = R.apply(req, action, actor, at, idem, note, target)
        if len(req.history) == before:  # a retry: nothing to write
            self._db.execute("COMMIT")
            return event
        self._db.execute(
            "INSERT INTO events (ref, " + _EV_COLS + ") VALUES (?,?,?,?,?,?,?,?,?,?)",
            (ref, event.seq, event.action, event.from_state, event.to_state, event.actor, event.at,
             event.idem, event.note, event.target))
        cur = self._db.execute(
            "UPDATE requests SET owner = ?, pending_owner = ?, state = ?, updated_at = ?, events = ? "
            "WHERE ref = ? AND events = ?",
            (req.owner, req.pending_owner, req.state, req.updated_at, event.seq, ref, before))
        if cur.rowcount != 1:
            raise StorageError("request " + ref + " changed underneath this transaction")
        return event

    def integrity(self):
        """Problems found by cross-checking requests against their events ([] when consistent)."""
        problems = []
        for ref, state, events in self._db.execute("SELECT ref, state, events FROM requests"):
            rows = self._db.execute("SELECT seq, to_state FROM events WHERE ref = ? ORDER BY seq", (ref,)).fetchall()
            if [r[0] for r in rows] != list(range(1, events + 1)):
                problems.append(ref + ": events are not numbered 1.." + str(events))
            last = rows[-1][1] if rows else R.ACCEPTED
            if last != state:
                problems.append(ref + ": state " + state + " but last event leads to " + last)
        return problems
