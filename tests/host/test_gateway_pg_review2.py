"""
Review of the PostgreSQL hot path (issue 16, second review): prepared statements across schema
changes, a transaction lost with its connection, forged frames and row locks.

Real PostgreSQL server (tests/host/pg_server.py), real connections; no stubs.
"""

import psycopg
import pytest

from lib12333.errors import StorageError
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


def test_forged_frames_do_not_lock_a_kiosk_row_nor_make_another_workers_group_conflict(pg_server):
    url = pg_server.new_database()
    F.setup(url, 3)
    reports = {}  # kiosk -> [(sender, frame of seq 1), (sender, frame of seq 2)]
    for sender, data in sorted(F.frames(3, per_kiosk=2, replay_share=0), key=lambda f: frame_mod.peek(f[1]).seq):
        reports.setdefault(int(sender[-4:]), []).append((sender, data))
    forged = bytearray(reports[1002][1][1])
    forged[-1] ^= 1  # kiosk 1002's header, a tag that does not verify
    a = Centre(db.connect(url), F.UNIT, centre_code="330100")
    b = Centre(db.connect(url), F.UNIT, centre_code="330100")
    a.worker, b.worker = "a", "b"
    real = Centre._handle_frame
    steps = []

    def after_first_frame_b_answers_1002(self, sender, data, now):
        out = real(self, sender, data, now)
        if self is a and not steps:
            steps.append(1)
            # worker b commits an answer to kiosk 1002 while a's group is open (a has read nothing of 1002)
            assert b.handle(*reports[1002][0], F.NOW) == "applied"
        return out

    Centre._handle_frame = after_first_frame_b_answers_1002
    try:
        outcomes = a.handle_many([(*reports[1001][0], F.NOW), (reports[1002][1][0], bytes(forged), F.NOW),
                                  (*reports[1003][0], F.NOW)])
    finally:
        Centre._handle_frame = real
    assert [o.split(":")[0] for o in outcomes] == ["applied", "rejected", "applied"]
    # The forged frame read kiosk 1002's row without locking it: no serialization failure for the group.
    assert a.stats["conflicts"] == 0
    other = db.connect(url)
    assert other.execute("SELECT device_id, seq FROM applied ORDER BY device_id").fetchall() == [(1001, 1), (1002, 1), (1003, 1)]


def _query(key, device, seq):
    from lib12333.secure import aes
    from lib12333.secure import messages as msg

    payload = msg.encode(msg.CARD_STATUS_QUERY, {"ssn": F.ssn_of(device), "card": F.card_of(device), "name": "李明华"})
    return frame_mod.seal(aes.AES128(key), frame_mod.Frame(msg.CARD_STATUS_QUERY, device, seq, F.NOW, payload,
                                                           frame_mod.UP))


def test_a_key_replaced_by_another_process_is_not_trusted_from_the_workers_memory(gateway_db):
    from lib12333.host.gateway import provisioning

    url = gateway_db("centre.db")
    F.setup(url, 1)
    centre = Centre(db.connect(url), F.UNIT, centre_code="330100")
    assert centre.handle("+8613900001001", _query(F.kiosk_key(1001), 1001, 1), F.NOW) == "applied"
    new_key, first = provisioning.replace_device(db.connect(url), 1001, key=bytes(range(16)), now=F.NOW)
    # the old key opened 1001's last frame in this worker's memory: a frame under it is refused all the same
    outcome = centre.handle("+8613900001001", _query(F.kiosk_key(1001), 1001, 2), F.NOW)
    assert outcome.startswith("rejected") and "retired key generation 1" in outcome
    assert centre.handle("+8613900001001", _query(new_key, 1001, first), F.NOW) == "applied"
    assert centre.handle("+8613900001001", _query(F.kiosk_key(1001), 1001, first + 1), F.NOW).startswith("rejected")
    other = db.connect(url)
    assert other.execute("SELECT seq FROM applied WHERE device_id = 1001 ORDER BY seq").fetchall() == [(1,), (first,)]


def test_a_block_reserved_before_a_lost_connection_is_not_used_after_it(pg_server):
    # A reservation the client saw committed can still be lost by the server: a crash with
    # synchronous_commit off, a failover to an asynchronous standby.  Another worker then reserves the
    # same numbers again; the first must not seal with its block from before (the same key and nonce).
    from lib12333.host.gateway.counters import NeedNumbers
    from lib12333.secure import aes

    url = pg_server.new_database()
    F.setup(url, 1)
    a = Centre(db.connect(url), F.UNIT, centre_code="330100")
    b = Centre(db.connect(url), F.UNIT, centre_code="330100")
    a.counters.reserve_all(a.conn, [NeedNumbers(a.counters, "devices", "down_seq", 1001)])
    _terminate(pg_server, a.conn)
    lost = db.connect(url)  # the server comes back without that commit
    lost.execute("UPDATE devices SET down_seq = 1 WHERE device_id = 1001")
    key = F.kiosk_key(1001)
    assert b.handle("+8613900001001", _query(key, 1001, 1), F.NOW) == "applied"
    with pytest.raises(StorageError):  # the worker notices the lost connection (the service retries)
        a.handle("+8613900001001", _query(key, 1001, 2), F.NOW)
    assert a.handle("+8613900001001", _query(key, 1001, 2), F.NOW) == "applied"
    assert b.handle("+8613900001001", _query(key, 1001, 3), F.NOW) == "applied"
    sealed = [frame_mod.open(aes.AES128(key), bytes(body), direction=frame_mod.DOWN).seq
              for (body,) in lost.execute("SELECT body FROM outgoing WHERE kind = 'frame' ORDER BY id").fetchall()]
    assert len(sealed) == 3 and len(set(sealed)) == 3, sealed


def test_a_group_mixing_two_key_generations_of_one_kiosk_applies_only_the_current_one(gateway_db):
    from lib12333.host.gateway import provisioning

    url = gateway_db("centre.db")
    F.setup(url, 1)
    centre = Centre(db.connect(url), F.UNIT, centre_code="330100")
    old = F.kiosk_key(1001)
    assert centre.handle("+8613900001001", _query(old, 1001, 1), F.NOW) == "applied"  # old key in memory
    new_key, first = provisioning.replace_device(db.connect(url), 1001, key=bytes(range(16)), now=F.NOW)
    outcomes = centre.handle_many([("+8613900001001", _query(old, 1001, 2), F.NOW),
                                   ("+8613900001001", _query(new_key, 1001, first), F.NOW),
                                   ("+8613900001001", _query(old, 1001, first + 1), F.NOW),
                                   ("+8613900001001", _query(new_key, 1001, first), F.NOW)])
    assert [o.split(":")[0] for o in outcomes] == ["rejected", "applied", "rejected", "duplicate"]
    other = db.connect(url)
    assert other.execute("SELECT seq FROM applied WHERE device_id = 1001 ORDER BY seq").fetchall() == [(1,), (first,)]


def test_replays_past_the_repeat_bound_reserve_no_sealing_numbers(gateway_db):
    # A captured frame replayed to two workers in turn: each switch of worker needs a new block, but a
    # replay that is not answered (the repeat bound) must not reserve one -- nor drop the other's block.
    url = gateway_db("centre.db")
    F.setup(url, 1)
    a = Centre(db.connect(url), F.UNIT, centre_code="330100")
    b = Centre(db.connect(url), F.UNIT, centre_code="330100")
    a.worker, b.worker = "a", "b"
    frame = _query(F.kiosk_key(1001), 1001, 1)
    assert a.handle("+8613900001001", frame, F.NOW) == "applied"
    for centre in (a, b):
        centre.repeats.per_hour = 2
    outcomes = [(a, b)[i % 2].handle("+8613900001001", frame, F.NOW + i) for i in range(1, 41)]
    assert outcomes.count("duplicate") == 4 and len(outcomes) == 40  # 2 answered by each, the rest refused
    other = db.connect(url)
    down = other.execute("SELECT down_seq FROM devices WHERE device_id = 1001").fetchone()[0]
    assert down <= 1 + 16 * 6, down  # a block for the first answer and for each answered switch, no more
    assert a.stats["reserved"] + b.stats["reserved"] <= 6
