"""
Review of the PostgreSQL hot path (issue 16, second review): prepared statements across schema
changes, a transaction lost with its connection, forged frames and row locks.

Real PostgreSQL server (tests/host/pg_server.py), real connections; no stubs.
"""

import psycopg
import pytest

from lib12333.host.gateway import db
from lib12333.host.gateway.centre import Centre
from lib12333.host.gateway.pg import ConnectionLost, PgConnection
from lib12333.secure import frame as frame_mod
from tests.host import gateway_fleet as F


def _terminate(server, conn):
    """pg_terminate_backend of ``conn``'s server process, from another session."""
    pid = conn._conn.info.backend_pid
    with psycopg.connect(server.url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_column_added_or_retyped_by_a_migration_while_a_worker_runs_does_not_stop_it(pg_server):
    url = pg_server.new_database()
    worker, migrator = PgConnection(url), PgConnection(url)
    worker.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
    worker.execute("INSERT INTO t (id, v) VALUES (1, 2)")
    for _ in range(8):  # past psycopg's prepare threshold: prepared on the server
        assert worker.execute("SELECT id, v FROM t WHERE id = ?", (1,)).fetchone() == (1, 2)
    migrator.execute("ALTER TABLE t ADD COLUMN w INTEGER")
    assert worker.execute("SELECT id, v FROM t WHERE id = ?", (1,)).fetchone() == (1, 2)
    migrator.execute("ALTER TABLE t ALTER COLUMN v TYPE TEXT")
    # The prepared plan's result type changed: PostgreSQL refuses it ("cached plan must not change result
    # type") on this connection for good unless the statement is prepared again.  At most the transaction
    # in progress fails (the caller runs it again); the next one works.
    worker.execute("BEGIN")
    with pytest.raises(db.sqlite3.DatabaseError):
        worker.execute("SELECT id, v FROM t WHERE id = ?", (1,))
    worker.execute("ROLLBACK")
    assert worker.execute("SELECT id, v FROM t WHERE id = ?", (1,)).fetchone() == (1, "2")
    assert worker.execute("SELECT id, v FROM t WHERE id = ?", (1,)).fetchone() == (1, "2")


def test_a_group_meeting_a_plan_outdated_by_a_migration_runs_again_at_once(pg_server):
    url = pg_server.new_database()
    F.setup(url, 8)
    by_kiosk = {}
    for sender, data in sorted(F.frames(8, per_kiosk=1, replay_share=0), key=lambda f: frame_mod.peek(f[1]).device_id):
        by_kiosk[int(sender[-4:])] = (sender, data)
    centre = Centre(db.connect(url), F.UNIT, centre_code="330100")
    for d in range(1001, 1008):  # the hot path's statements are prepared on the server by now
        assert centre.handle(*by_kiosk[d], F.NOW) == "applied"
    migrator = db.connect(url)
    migrator.execute("ALTER TABLE devices ALTER COLUMN region TYPE VARCHAR(12)")  # a later migration's kind
    # Not a storage failure (the service would back off and the SMS wait): a conflict, run again at once.
    assert centre.handle_many([(*by_kiosk[1008], F.NOW)]) == ["applied"]
    assert centre.stats["conflicts"] >= 1


def test_a_transaction_lost_with_its_connection_is_neither_continued_nor_committed(pg_server):
    url = pg_server.new_database()
    conn = PgConnection(url)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
    conn.execute("INSERT INTO t (id) VALUES (1)")
    _terminate(pg_server, conn)
    with pytest.raises(ConnectionLost):
        conn.execute("INSERT INTO t (id) VALUES (2)")
    # Whoever goes on after the error must not run statements on a new connection, outside any
    # transaction, as if they belonged to the lost one -- nor be told COMMIT succeeded.
    assert conn.in_transaction
    with pytest.raises(ConnectionLost):
        conn.execute("INSERT INTO t (id) VALUES (3)")
    with pytest.raises(ConnectionLost):
        conn.execute("SAVEPOINT sp")
    conn.execute("ROLLBACK TO sp")  # undoing is always fine: the server undid everything
    conn.execute("RELEASE sp")
    with pytest.raises(ConnectionLost):
        conn.execute("COMMIT")
    conn.execute("ROLLBACK")  # the end of the lost transaction: the next statement reconnects
    assert not conn.in_transaction
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    conn.execute("INSERT INTO t (id) VALUES (4)")
    assert conn.execute("SELECT id FROM t").fetchall() == [(4,)]
