"""
Row locks of the relay's frames on a real PostgreSQL server (group_commit.py: READ COMMITTED with row locks).

A peer's frame locks the peer's row (relay.py ``handle``); a kiosk frame relayed to that peer inserts
into ``relays_out``, whose foreign key to ``peers`` takes a KEY SHARE lock on the same row.  A
``FOR UPDATE`` lock conflicts with KEY SHARE, so a peer's answer to a kiosk (peer row, then the
kiosk's row) and the kiosk's next relayed request (kiosk row, then the peer's key) waited for each
other in a circle until PostgreSQL broke it after ``deadlock_timeout`` and one group ran again.
"""

from lib12333.host.gateway import admin, db, relay
from lib12333.host.gateway.centre import Centre
from lib12333.secure import messages as msg
from tests.host.test_gateway_relay import (
    A_NUMBER,
    B_NUMBER,
    CARD,
    KIOSK_KEY,
    KIOSK_NUMBER,
    NAME,
    NOW,
    PEER_KEY,
    RULES,
    SSN,
    kiosk_frame,
)
from tests.host.test_gateway_row_locks import Pause, in_thread, result

A_UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
B_UNIT = "【江苏省人力资源社会保障电话咨询服务中心】"


def _worker(url, name):
    c = Centre(db.connect(url), A_UNIT, temp_days=7, centre_code="330100")
    c.relay = relay.Relay(c.conn, "330000", RULES)
    c.worker = name
    return c


def _two_workers_and_the_peer(pg_server, tmp_path):
    """Centre A (PostgreSQL, kiosk 1001, peer 320000) with two workers; centre B (SQLite) holding the card."""
    url = pg_server.new_database()
    conn = db.connect(url)
    relay.add_peer(conn, "320000", B_NUMBER, PEER_KEY, name="peer", now=NOW)
    admin.add_device(conn, 1001, KIOSK_KEY, name="西湖区大厅", region="330106", phone=KIOSK_NUMBER, now=NOW)
    a1, a2 = _worker(url, "a1"), _worker(url, "a2")
    b = Centre(db.connect(str(tmp_path / "jiangsu.db")), B_UNIT, temp_days=7, centre_code="320000")
    relay.add_peer(b.conn, "330000", A_NUMBER, PEER_KEY, name="peer", now=NOW)
    b.relay = relay.Relay(b.conn, "320000", RULES)
    admin.add_card(b.conn, CARD, SSN, NAME, "320100", now=NOW)
    return conn, a1, a2, b


def test_a_peer_answer_and_the_kiosks_next_relayed_request_do_not_deadlock(pg_server, tmp_path):
    conn, a1, a2, b = _two_workers_and_the_peer(pg_server, tmp_path)
    try:
        assert a2.handle(KIOSK_NUMBER, kiosk_frame(1), NOW) == "relayed"
        (relay_frame,), = conn.execute("SELECT body FROM outgoing WHERE to_number = ?", (B_NUMBER,)).fetchall()
        assert b.handle(A_NUMBER, bytes(relay_frame), NOW + 1) == "relay-applied"
        (answer,), = b.conn.execute("SELECT body FROM outgoing WHERE kind = 'frame'").fetchall()

        # worker a2: the kiosk's next request (relayed too) has locked the kiosk's row ...
        pause = Pause(a2, "_device")
        ty, box_y = in_thread(a2.handle_many, [(KIOSK_NUMBER, kiosk_frame(2), NOW + 2)])
        assert pause.reached.wait(20)
        # ... worker a1: the peer's answer to the first one locks the peer's row, then waits for the kiosk's
        tx, box_x = in_thread(a1.handle_many, [(B_NUMBER, bytes(answer), NOW + 3)])
        tx.join(1.0)
        assert tx.is_alive()
        pause.go()  # a2 inserts into relays_out: the foreign key's KEY SHARE lock on the peer's row
        assert [o.kind for o in result(ty, box_y)] == ["relayed"]
        assert [o.kind for o in result(tx, box_x)] == ["relay-answered"]
        assert a1.stats["conflicts"] == a2.stats["conflicts"] == 0  # no deadlock broken by the server
        assert conn.execute("SELECT seq, state FROM relays_out ORDER BY seq").fetchall() == [
            (1, "answered"), (2, "waiting")]
        assert conn.execute("SELECT device_id, seq FROM applied").fetchall() == [(1001, 1)]
    finally:
        for c in (conn, a1.conn, a2.conn, b.conn):
            c.close()


def test_one_relay_arriving_at_two_workers_of_the_responsible_centre_is_applied_once(pg_server, tmp_path):
    # Without the peer row's lock the second worker read relays_in before the first committed, applied
    # the request again and stopped on relays_in's primary key (a plain database error: the worker exits).
    a = Centre(db.connect(str(tmp_path / "hangzhou.db")), A_UNIT, temp_days=7, centre_code="330100")
    relay.add_peer(a.conn, "320000", B_NUMBER, PEER_KEY, name="peer", now=NOW)
    a.relay = relay.Relay(a.conn, "330000", RULES)
    admin.add_device(a.conn, 1001, KIOSK_KEY, name="西湖区大厅", region="330106", phone=KIOSK_NUMBER, now=NOW)
    url = pg_server.new_database()
    conn = db.connect(url)
    relay.add_peer(conn, "330000", A_NUMBER, PEER_KEY, name="peer", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "320100", now=NOW)
    workers = []
    for name in ("b1", "b2"):
        c = Centre(db.connect(url), B_UNIT, temp_days=7, centre_code="320000")
        c.relay = relay.Relay(c.conn, "320000", RULES)
        c.worker = name
        workers.append(c)
    b1, b2 = workers
    try:
        assert a.handle(KIOSK_NUMBER, kiosk_frame(1), NOW) == "relayed"
        (relay_frame,), = a.conn.execute("SELECT body FROM outgoing WHERE to_number = ?", (B_NUMBER,)).fetchall()
        relay_frame = bytes(relay_frame)
        pause = Pause(b1.relay, "_answer")  # b1 has applied the relay and queued its answer, not committed
        t1, box_1 = in_thread(b1.handle_many, [(A_NUMBER, relay_frame, NOW + 1)])
        assert pause.reached.wait(20)
        t2, box_2 = in_thread(b2.handle_many, [(A_NUMBER, relay_frame, NOW + 1)])
        t2.join(1.0)
        assert t2.is_alive()  # the peer's row is locked
        pause.go()
        assert [o.kind for o in result(t1, box_1)] == ["relay-applied"]
        assert [o.kind for o in result(t2, box_2)] == ["duplicate"]
        assert conn.execute("SELECT COUNT(*) FROM relays_in").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'notice'").fetchone()[0] == 1
    finally:
        for c in (a.conn, conn, b1.conn, b2.conn):
            c.close()


def test_a_peer_answer_and_a_group_with_that_kiosk_and_that_peer_do_not_deadlock(pg_server, tmp_path):
    # Worker a2's group: a frame of kiosk 1001, then an answer from the peer (to another relayed request).
    # Worker a1: an answer from the peer to kiosk 1001.  Locked as each frame comes, a2 held the kiosk and
    # waited for the peer while a1 held the peer and waited for the kiosk.  The group locks the kiosks its
    # peers' answers are for and the peers themselves up front, after its kiosks, in one order.
    conn, a1, a2, b = _two_workers_and_the_peer(pg_server, tmp_path)
    status = {"ssn": SSN, "card": CARD, "name": NAME, "card_region": "320100"}
    try:
        assert a1.handle(KIOSK_NUMBER, kiosk_frame(1), NOW) == "relayed"
        assert a1.handle(KIOSK_NUMBER, kiosk_frame(2, msg_type=msg.CARD_STATUS_QUERY, fields=status), NOW) == "relayed"
        for (body,) in conn.execute("SELECT body FROM outgoing WHERE to_number = ? ORDER BY id", (B_NUMBER,)).fetchall():
            assert b.handle(A_NUMBER, bytes(body), NOW + 1) == "relay-applied"
        first, second = [bytes(r[0]) for r in b.conn.execute(
            "SELECT body FROM outgoing WHERE kind = 'frame' ORDER BY id").fetchall()]
        local = kiosk_frame(3, card_region="330100")  # a card of our own province: applied here
        pause = Pause(a2, "_device")
        ty, box_y = in_thread(a2.handle_many, [(KIOSK_NUMBER, local, NOW + 2), (B_NUMBER, second, NOW + 2)])
        assert pause.reached.wait(20)
        tx, box_x = in_thread(a1.handle_many, [(B_NUMBER, first, NOW + 3)])
        tx.join(1.0)
        assert tx.is_alive()
        pause.go()
        assert [o.kind for o in result(ty, box_y)] == ["applied", "relay-answered"]
        assert [o.kind for o in result(tx, box_x)] == ["relay-answered"]
        assert a1.stats["conflicts"] == a2.stats["conflicts"] == 0  # no deadlock broken by the server
        assert conn.execute("SELECT seq FROM applied ORDER BY seq").fetchall() == [(1,), (2,), (3,)]
    finally:
        for c in (conn, a1.conn, a2.conn, b.conn):
            c.close()
