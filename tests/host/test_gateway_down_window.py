"""
Answers to one kiosk sealed by several gateway workers stay inside the kiosk's replay window (issue 16).

Each worker reserves its sealing numbers in blocks (lib12333.host.gateway.counters).  When two
workers answer the same kiosk in turn, one of them could seal with a number of an old block,
far below what the other has already sent: the kiosk's window (the firmware's ReplayWindow(64))
refuses it as stale, and an applied loss report is never confirmed.  Here the kiosk checks every
answer in commit order with the core's own window, as the firmware does.
"""

from lib12333 import identifiers
from lib12333.host.gateway import admin, db
from lib12333.host.gateway.centre import Centre
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.secure.replay import ReplayWindow

KEY = bytes(range(16))
UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
NOW = 1_796_083_200 + 2 * 3600
SSN = "33010619850312004" + identifiers.citizen_id_check_digit("33010619850312004")
KIOSK_WINDOW = 64  # firmware/app.py: the kiosk's window for frames from the centre


def query(seq):
    payload = msg.encode(msg.CARD_STATUS_QUERY, {"ssn": SSN, "card": "A38612750", "name": "李明华"})
    return frame_mod.seal(aes.AES128(KEY), frame_mod.Frame(msg.CARD_STATUS_QUERY, 1001, seq, NOW, payload,
                                                           frame_mod.UP))


def answers(conn, after):
    rows = conn.execute("SELECT id, body FROM outgoing WHERE kind = 'frame' AND id > ? ORDER BY id", (after,))
    return [(r[0], bytes(r[1])) for r in rows.fetchall()]


def _centre_db(gateway_db):
    """A gateway database with kiosk 1001 and one registered card; its URL."""
    url = gateway_db("centre.db")
    setup = db.connect(url)
    admin.add_device(setup, 1001, KEY, now=NOW)
    admin.add_card(setup, "A38612750", SSN, "李明华", "330100", now=NOW)
    setup.close()
    return url


def test_answers_by_two_workers_in_turn_are_all_accepted_by_the_kiosk(gateway_db):
    url = _centre_db(gateway_db)
    a = Centre(db.connect(url), UNIT)
    b = Centre(db.connect(url), UNIT)
    a.worker, b.worker = "a", "b"
    # a answers once, b answers many times (several of its blocks), then a again, then both in turn
    order = [a] + [b] * 80 + [a] + [b, a] * 20
    window = ReplayWindow(KIOSK_WINDOW)
    cipher = aes.AES128(KEY)
    seen = 0
    for seq, worker in enumerate(order, start=1):
        assert worker.handle("+8613912345678", query(seq), NOW + seq) == "applied"
        for out_id, body in answers(worker.conn, seen):
            seen = out_id
            f = frame_mod.open(cipher, body, direction=frame_mod.DOWN)
            assert window.classify(f.seq) == 0, "answer %d sealed with %d, kiosk has seen up to %d" % (
                seq, f.seq, window.highest)
            window.accept(f.seq)
    assert seen and window.highest >= len(order)


def test_an_answer_delivered_after_several_worker_switches_is_stale_and_the_kiosks_retry_recovers(gateway_db):
    # The bound holds when an answer is sealed, not when it is delivered: here the answer to frame 1 waits
    # (its send failed) while five workers in turn answer frames 2..6, each from a new block.  The kiosk
    # drops it as below its window; its retry of frame 1 is answered again, from ``applied``, and accepted.
    url = _centre_db(gateway_db)
    workers = [Centre(db.connect(url), UNIT) for _ in range(5)]
    for i, w in enumerate(workers):
        w.worker = "w%d" % i
    cipher = aes.AES128(KEY)
    sealed = []
    for seq in range(1, 7):
        worker = workers[(seq - 1) % len(workers)]
        assert worker.handle("+8613912345678", query(seq), NOW + seq) == "applied"
        sealed.append(frame_mod.open(cipher, answers(worker.conn, 0)[-1][1], direction=frame_mod.DOWN).seq)
    window = ReplayWindow(KIOSK_WINDOW)
    for seq in sealed[1:]:  # delivered first
        window.accept(seq)
    assert window.classify(sealed[0]) == 2  # TOO_OLD: the late answer is dropped by the kiosk
    retry = workers[0].handle("+8613912345678", query(1), NOW + 100)
    assert retry == "duplicate"
    again = frame_mod.open(cipher, answers(workers[0].conn, 0)[-1][1], direction=frame_mod.DOWN)
    assert again.seq > window.highest - KIOSK_WINDOW and window.classify(again.seq) == 0
