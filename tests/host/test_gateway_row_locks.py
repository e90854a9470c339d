"""
The races the kiosk frames' row locks are for (lib12333.host.gateway.group_commit: on PostgreSQL a
group runs READ COMMITTED with row locks, not SERIALIZABLE), run on a real server.

Each test pauses worker A inside its transaction, at a chosen point, while worker B (another
connection, another ``Centre``) handles a frame that touches the same rows; then lets A commit.
Without the lock the test is about, B reads what A has not committed yet and the end state is
wrong (two transitions of one card, a deadlock between two workers); with it, B waits and then
starts from A's committed state.
"""

import threading

import pytest

from lib12333 import lossreport
from lib12333.host.console.store import ConsoleStore
from lib12333.host.gateway import admin, db
from lib12333.host.gateway.centre import Centre
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from tests.host.test_gateway import CARD, KEY, NAME, NOW, SSN, UNIT, kiosk_frame

KEY2 = bytes(range(16, 32))
WAIT = 20  # seconds: generous for a loaded machine; a test passes long before


@pytest.fixture()
def two_workers(pg_server):
    where = pg_server.new_database()
    conn = db.connect(where)
    admin.add_device(conn, 1001, KEY, region="330106", now=NOW)
    admin.add_device(conn, 1002, KEY2, region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    a = Centre(db.connect(where), UNIT, centre_code="330100")
    b = Centre(db.connect(where), UNIT, centre_code="330100")
    a.worker, b.worker = "a", "b"
    yield conn, a, b
    for c in (conn, a.conn, b.conn):
        c.close()


class Pause:
    """Stops ``centre`` the first time it reaches ``method`` (after running it) until ``go()``."""

    def __init__(self, centre, method):
        self.reached, self._go = threading.Event(), threading.Event()
        original = getattr(centre, method)

        def paused(*args, **kwargs):
            result = original(*args, **kwargs)
            if not self.reached.is_set():
                self.reached.set()
                assert self._go.wait(WAIT), "never released"
            return result

        setattr(centre, method, paused)

    def go(self):
        self._go.set()


def in_thread(fn, *args):
    box = {}

    def run():
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 -- handed to the test
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


def result(thread, box):
    thread.join(WAIT)
    assert not thread.is_alive(), "still waiting"
    if "error" in box:
        raise box["error"]
    return box["result"]


def other_kiosk_frame(seq):
    return kiosk_frame(seq, device=1002, key=KEY2)


def test_one_card_reported_from_two_kiosks_at_once_changes_once(two_workers):
    conn, a, b = two_workers
    pause = Pause(a, "_save_card")  # A has read the card and written its new state, not committed
    ta, box_a = in_thread(a.handle_many, [("+8613800000001", kiosk_frame(1), NOW)])
    assert pause.reached.wait(WAIT)
    tb, box_b = in_thread(b.handle_many, [("+8613800000002", other_kiosk_frame(1), NOW + 1)])
    tb.join(1.0)
    assert tb.is_alive()  # B waits for the card's lock ...
    pause.go()
    assert [o.kind for o in result(ta, box_a)] == ["applied"]
    assert [o.kind for o in result(tb, box_b)] == ["applied"]  # ... then answers from A's committed state
    events = conn.execute("SELECT device_id, from_state, to_state FROM card_events WHERE card_no = ? ORDER BY at",
                          (CARD,)).fetchall()
    assert events == [(1001, lossreport.NORMAL, lossreport.TEMP_LOST)], events  # one transition, by the first kiosk
    notices = conn.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'notice'").fetchone()[0]
    assert notices == 1  # the citizen is told once; the second kiosk's answer says "already reported"
    assert a.stats["conflicts"] == b.stats["conflicts"] == 0


def test_one_frame_arriving_at_two_workers_at_once_is_applied_once(two_workers):
    conn, a, b = two_workers
    frame = kiosk_frame(1)
    pause = Pause(a, "_answer")  # A has applied the frame and queued its answer, not committed
    ta, box_a = in_thread(a.handle_many, [("+8613800000001", frame, NOW)])
    assert pause.reached.wait(WAIT)
    tb, box_b = in_thread(b.handle_many, [("+8613800000001", frame, NOW)])
    tb.join(1.0)
    assert tb.is_alive()  # the kiosk's row is locked
    pause.go()
    assert [o.kind for o in result(ta, box_a)] == ["applied"]
    assert [o.kind for o in result(tb, box_b)] == ["duplicate"]  # B found it in `applied`, answered it again
    assert conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 1


def test_two_frames_of_one_kiosk_at_two_workers_are_both_applied_with_distinct_answer_numbers(two_workers):
    conn, a, b = two_workers
    status = kiosk_frame(2, msg_type=msg.CARD_STATUS_QUERY, fields={"ssn": SSN, "card": CARD, "name": NAME})
    pause = Pause(a, "_answer")
    ta, box_a = in_thread(a.handle_many, [("+8613800000001", kiosk_frame(1), NOW)])
    assert pause.reached.wait(WAIT)
    tb, box_b = in_thread(b.handle_many, [("+8613800000001", status, NOW)])
    tb.join(1.0)
    assert tb.is_alive()
    pause.go()
    assert [o.kind for o in result(ta, box_a)] == ["applied"]
    assert [o.kind for o in result(tb, box_b)] == ["applied"]
    assert conn.execute("SELECT seq FROM applied ORDER BY seq").fetchall() == [(1,), (2,)]
    answers = [frame_mod.peek(bytes(body)).seq
               for (body,) in conn.execute("SELECT body FROM outgoing WHERE kind = 'frame'").fetchall()]
    assert len(answers) == 2 and len(set(answers)) == 2  # never the same key and number twice
    # B sealed from the newest block for the kiosk: within one block of the highest reserved number
    highest = conn.execute("SELECT down_seq FROM devices WHERE device_id = 1001").fetchone()[0]
    assert all(highest - 16 <= n < highest for n in answers[1:]), (answers, highest)


def test_two_groups_naming_the_same_kiosks_in_opposite_orders_do_not_deadlock(two_workers):
    conn, a, b = two_workers
    # A: kiosk 1001 then 1002; B: 1002 then 1001.  Locked one frame at a time, A would hold 1001 and
    # wait for 1002 while B held 1002 and waited for 1001: a deadlock PostgreSQL breaks after a second
    # by failing one of them.  The group locks its kiosks first, in id order: B simply waits.
    # (Each group's second frame is a replay not answered again -- the repeat bound -- so it takes the
    # kiosk's lock without reserving sealing numbers first, which would have made B wait earlier.)
    assert a.handle("+8613800000002", other_kiosk_frame(1), NOW) == "applied"
    assert b.handle("+8613800000001", kiosk_frame(1), NOW) == "applied"
    a.repeats.per_hour = b.repeats.per_hour = 0
    pause = Pause(a, "_answer")  # after A's first frame
    group_a = [("+8613800000001", kiosk_frame(2), NOW), ("+8613800000002", other_kiosk_frame(1), NOW)]
    group_b = [("+8613800000002", other_kiosk_frame(2), NOW), ("+8613800000001", kiosk_frame(1), NOW)]
    ta, box_a = in_thread(a.handle_many, group_a)
    assert pause.reached.wait(WAIT)
    tb, box_b = in_thread(b.handle_many, group_b)
    tb.join(1.0)
    pause.go()
    assert [o.kind for o in result(ta, box_a)] == ["applied", "duplicate"]
    assert [o.kind for o in result(tb, box_b)] == ["applied", "duplicate"]
    assert a.stats["conflicts"] == b.stats["conflicts"] == 0
    assert conn.execute("SELECT device_id, seq FROM applied ORDER BY device_id, seq").fetchall() == [
        (1001, 1), (1001, 2), (1002, 1), (1002, 2)]


def test_a_card_lifted_at_the_counter_while_a_kiosk_reports_it_again_ends_lifted(two_workers):
    conn, a, _b = two_workers
    assert a.handle("+8613800000001", kiosk_frame(1), NOW) == "applied"  # 临时挂失
    pause = Pause(a, "_save_card")  # the kiosk reports it again (refused: already lost), not committed
    ta, box_a = in_thread(a.handle_many, [("+8613800000001", kiosk_frame(2), NOW + 60)])
    assert pause.reached.wait(WAIT)
    office = ConsoleStore(a.conn.url)  # the console's transactions stay SERIALIZABLE
    try:
        tl, box_l = in_thread(office.change_card, CARD, lossreport.Policy(7), lossreport.RELEASE_TEMPORARY,
                              lossreport.COUNTER, NOW + 61)
        tl.join(1.0)
        assert tl.is_alive()  # the counter's change waits for the kiosk's transaction ...
        pause.go()
        assert [o.kind for o in result(ta, box_a)] == ["applied"]
        assert result(tl, box_l) is None  # ... and then applies to the state it committed
    finally:
        office.close()
    assert conn.execute("SELECT state FROM cards WHERE card_no = ?", (CARD,)).fetchone()[0] == lossreport.NORMAL
    actions = [r[0] for r in conn.execute("SELECT action FROM card_events WHERE card_no = ? ORDER BY id",
                                          (CARD,)).fetchall()]
    assert actions == [lossreport.REPORT_TEMPORARY, lossreport.RELEASE_TEMPORARY], actions


def test_a_kiosk_report_during_a_counter_lift_starts_from_the_lifted_state(two_workers):
    # The other order from the test above: the counter's transaction has written, the kiosk's frame
    # comes next.  Without the card's lock the kiosk read the committed state (lost), answered
    # "already reported" and wrote it back over the lift once the counter committed.
    conn, a, _b = two_workers
    assert a.handle("+8613800000001", kiosk_frame(1), NOW) == "applied"  # 临时挂失
    office = ConsoleStore(a.conn.url)
    try:
        pause = Pause(office, "_write_card")  # the lift written, not committed
        tl, box_l = in_thread(office.change_card, CARD, lossreport.Policy(7), lossreport.RELEASE_TEMPORARY,
                              lossreport.COUNTER, NOW + 60)
        assert pause.reached.wait(WAIT)
        ta, box_a = in_thread(a.handle_many, [("+8613800000001", kiosk_frame(2), NOW + 61)])
        ta.join(1.0)
        assert ta.is_alive()  # the kiosk's report waits for the card ...
        pause.go()
        assert result(tl, box_l) is None
        assert [o.kind for o in result(ta, box_a)] == ["applied"]  # ... and reports the lifted card again
    finally:
        office.close()
    assert conn.execute("SELECT state FROM cards WHERE card_no = ?", (CARD,)).fetchone()[0] == lossreport.TEMP_LOST
    actions = [r[0] for r in conn.execute("SELECT action FROM card_events WHERE card_no = ? ORDER BY id",
                                          (CARD,)).fetchall()]
    assert actions == [lossreport.REPORT_TEMPORARY, lossreport.RELEASE_TEMPORARY, lossreport.REPORT_TEMPORARY]
    assert conn.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'notice'").fetchone()[0] == 2


def test_one_late_frame_arriving_at_two_workers_at_once_is_applied_once(two_workers):
    # A frame below the replay window (a late retry) writes no window and reserves nothing ahead, so
    # only the kiosk's row lock makes the second worker wait for the first one's ``applied`` row.
    # (The tests above pass without the device locks: there the second worker's reservation of sealing
    # numbers, an UPDATE of the same row, happens to wait for the first worker's transaction.)
    conn, a, b = two_workers
    status = {"ssn": SSN, "card": CARD, "name": NAME}
    assert a.handle("+8613800000001", kiosk_frame(300, msg_type=msg.CARD_STATUS_QUERY, fields=status),
                    NOW) == "applied"
    late = kiosk_frame(10)  # 290 below the newest: under the 256-wide window, never applied
    pause = Pause(a, "_answer")
    ta, box_a = in_thread(a.handle_many, [("+8613800000001", late, NOW + 60)])
    assert pause.reached.wait(WAIT)
    tb, box_b = in_thread(b.handle_many, [("+8613800000001", late, NOW + 60)])
    tb.join(1.0)
    assert tb.is_alive()  # the kiosk's row is locked
    pause.go()
    assert [o.kind for o in result(ta, box_a)] == ["applied"]
    assert [o.kind for o in result(tb, box_b)] == ["duplicate"]
    assert conn.execute("SELECT seq FROM applied ORDER BY seq").fetchall() == [(10,), (300,)]
    assert conn.execute("SELECT COUNT(*) FROM card_events WHERE action = ?",
                        (lossreport.REPORT_TEMPORARY,)).fetchone()[0] == 1


@pytest.mark.parametrize("command", ["revoke", "replace"])
def test_a_kiosk_revoked_or_replaced_while_a_worker_applies_its_frame_waits_and_then_succeeds(two_workers, command):
    # The administration's transactions stay SERIALIZABLE: waiting for the kiosk's row, they were
    # aborted once the worker committed ("could not serialize access due to concurrent update") and
    # the command failed; they run again like the console's.
    from lib12333.host.gateway import provisioning

    conn, a, _b = two_workers
    pause = Pause(a, "_answer")
    ta, box_a = in_thread(a.handle_many, [("+8613800000001", kiosk_frame(1), NOW)])
    assert pause.reached.wait(WAIT)
    admin_conn = db.connect(conn.url)
    try:
        if command == "revoke":
            tc, box_c = in_thread(admin.revoke_device, admin_conn, 1001)
        else:
            tc, box_c = in_thread(provisioning.replace_device, admin_conn, 1001, None, None, NOW + 5)
        tc.join(1.0)
        assert tc.is_alive()  # waits for the kiosk's row ...
        pause.go()
        assert [o.kind for o in result(ta, box_a)] == ["applied"]
        result(tc, box_c)  # ... and then goes through
    finally:
        admin_conn.close()
    status, generation, floor = conn.execute("SELECT status, key_generation, seq_floor FROM devices"
                                             " WHERE device_id = 1001").fetchone()
    if command == "revoke":
        assert status == "revoked"
    else:
        assert (status, generation) == ("active", 2) and floor > 1  # above the frame just applied
