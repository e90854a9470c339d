"""
The centre gateway when something fails in the middle (issue 13): a configuration that cannot produce the
citizen's notice, a full disk, a frame far below the replay window, replayed frames in bulk.  Real SQLite
files throughout; a full disk is a real one (SQLite's page limit on the connection, or a full device).
"""

import os
import subprocess
import sys
import time

import pytest

from lib12333 import lossreport
from lib12333.errors import ConfigError
from lib12333.host.gateway import admin, db, outcomes
from lib12333.host.gateway.centre import Centre
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.sms.policy import Policy
from tests.host import test_gateway as G
from tests.host.test_gateway import CARD, KEY, NAME, NOW, ROOT, SSN, UNIT, kiosk_frame

centre = G.centre  # the fixture: a real centre.db with kiosk 1001 and one card

LONG_UNIT = "【" + "杭州市人力资源和社会保障局电话咨询服务中心西湖区分中心" * 2 + "】"
PHONE = "13912345678"  # the citizen's number in tests.host.test_gateway.kiosk_frame


def count(c, table):
    return c.conn.execute("SELECT COUNT(*) FROM %s" % table).fetchone()[0]


def card_state(c):
    return c.conn.execute("SELECT state FROM cards WHERE card_no = ?", (CARD,)).fetchone()[0]


def replies(c):
    rows = c.conn.execute("SELECT body FROM outgoing WHERE kind = 'frame' ORDER BY id").fetchall()
    out = []
    for (body,) in rows:
        f = frame_mod.open(aes.AES128(KEY), bytes(body), direction=frame_mod.DOWN)
        out.append((f.msg_type, msg.decode(f.msg_type, f.payload)))
    return out


def notices(c):
    return [bytes(r[0]).decode() for r in c.conn.execute("SELECT body FROM outgoing WHERE kind = 'notice'")]


def cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "lib12333"] + list(args), cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=60)


# ------------------------------------------------------------------ finding 7: apply + reply + notice, one unit


def test_a_unit_too_long_for_a_one_part_notice_is_refused_at_start(centre):
    with pytest.raises(ConfigError) as err:
        Centre(centre.conn, LONG_UNIT, centre_code="330100")
    assert "unit" in str(err.value) and "one-part notice" in str(err.value)
    with pytest.raises(ConfigError):
        Centre(centre.conn, UNIT, centre_code="33010")


def test_the_gateway_command_refuses_such_a_unit_before_opening_the_modem(tmp_path):
    r = cli("gateway", "--modem", str(tmp_path / "no-such-port"), "--db", str(tmp_path / "c.db"), "--unit", LONG_UNIT)
    assert r.returncode == 3, r.stderr
    assert "one-part notice" in r.stderr and "Traceback" not in r.stderr
    assert "no-such-port" not in r.stderr  # refused before the modem was touched


def test_a_failure_after_the_card_changed_rolls_everything_back_and_the_retry_applies_once(centre):
    # The notice cannot be written (the unit's name changed under a running centre): nothing may stay half done.
    centre.sms_policy = Policy(LONG_UNIT, one_part_notices=True)
    outcome = centre.handle("+8613800571001", kiosk_frame(1), NOW)
    assert outcome.kind == outcomes.DEFERRED, outcome
    assert card_state(centre) == lossreport.NORMAL
    assert (count(centre, "card_events"), count(centre, "applied"), count(centre, "outgoing"),
            count(centre, "service_records")) == (0, 0, 0, 0)
    # Fixed: the kiosk's retry is applied once, answered "applied", and the citizen is told.
    centre.sms_policy = Policy(UNIT, one_part_notices=True)
    assert centre.handle("+8613800571001", kiosk_frame(1), NOW + 60) == "applied"
    assert card_state(centre) == lossreport.TEMP_LOST
    assert [(t, f["result"]) for t, f in replies(centre)] == [(msg.ACK, msg.ACK_APPLIED)]
    assert len(notices(centre)) == 1 and count(centre, "card_events") == 1


# ------------------------------------------------------------------ finding 4: a full disk is temporary


_PG_TABLES = ("applied", "cards", "card_events", "devices", "outgoing", "service_records")
# on PostgreSQL the citizen requests are tables of the gateway's database: "their disk is full" is these
_PG_REQUEST_TABLES = ("requests", "events", "sequences")


def fill_up(conn, margin=0, tables=_PG_TABLES):
    """Let the database file grow by ``margin`` pages at most: SQLite then fails every write that needs more.

    PostgreSQL has no per-database size limit: a trigger makes the server fail every write with the
    error of a full disk (SQLSTATE 53100), as it does when a table cannot be extended."""
    if db.is_postgresql(conn):
        conn.execute("CREATE OR REPLACE FUNCTION disk_is_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                     " RAISE EXCEPTION USING ERRCODE = 'disk_full', MESSAGE = 'could not extend file:"
                     " No space left on device'; END $$")
        for table in tables:
            conn.execute("CREATE TRIGGER full_%s BEFORE INSERT OR UPDATE ON %s FOR EACH STATEMENT"
                         " EXECUTE FUNCTION disk_is_full()" % (table, table))
        return
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute("PRAGMA max_page_count = %d" % (pages + margin))


def free_space(conn, tables=_PG_TABLES):
    if db.is_postgresql(conn):
        for table in tables:
            conn.execute("DROP TRIGGER full_%s ON %s" % (table, table))
        return
    conn.execute("PRAGMA max_page_count = 1073741823")


def request_frame(seq, text="自助终端留言：请回电受理"):
    payload = msg.encode(msg.REQUEST, {"kind": msg.COMPLAINT, "category": "1000", "phone": PHONE, "text": text})
    return frame_mod.seal(aes.AES128(KEY), frame_mod.Frame(msg.REQUEST, 1001, seq, NOW, payload, frame_mod.UP))


def window(c):
    return c.conn.execute("SELECT window FROM devices WHERE device_id = 1001").fetchone()[0]


def test_a_full_request_store_answers_nothing_and_the_retry_is_applied_once(centre, tmp_path):
    from lib12333.host.requests_store import RequestStore

    centre.requests = RequestStore(admin.requests_path(centre.db_path))
    store_conn = centre.requests._db
    fill_up(store_conn, tables=_PG_REQUEST_TABLES)
    # Requests of 360 bytes each: the file's free room is used up after a few, then the disk is "full".
    seq, outcome = 0, "applied"
    while outcome == "applied":
        seq += 1
        outcome = centre.handle("+8613800571001", request_frame(seq, "留言" * 60), NOW + seq)
        assert seq < 100, "the request store never filled up"
    assert outcome.kind == outcomes.DEFERRED and "full" in outcome.reason, outcome
    applied_before, window_before = count(centre, "applied"), window(centre)
    assert applied_before == seq - 1
    assert centre.conn.execute("SELECT COUNT(*) FROM applied WHERE seq = ?", (seq,)).fetchone()[0] == 0
    assert len(replies(centre)) == seq - 1  # no answer at all: not a permanent "malformed"
    assert window(centre) == window_before  # the retry is not a replay
    # Every retry while the disk is full changes nothing; after space is freed the retry is applied once.
    assert centre.handle("+8613800571001", request_frame(seq, "留言" * 60), NOW + 200).kind == outcomes.DEFERRED
    free_space(store_conn, tables=_PG_REQUEST_TABLES)
    assert centre.handle("+8613800571001", request_frame(seq, "留言" * 60), NOW + 300) == "applied"
    typ, fields = replies(centre)[-1]
    assert typ == msg.STATUS_ANSWER and fields["ref_seq"] == seq and fields["status"] == msg.ST_RECEIVED
    assert centre.requests.get(fields["text"]).subject == "留言" * 60
    assert len(centre.requests.list()) == seq
    assert centre.handle("+8613800571001", request_frame(seq, "留言" * 60), NOW + 400) == "duplicate"
    assert len(centre.requests.list()) == seq
    centre.requests.close()


def test_a_full_gateway_database_raises_storage_error_and_changes_nothing(centre):
    from lib12333.errors import StorageError

    query = {"ssn": SSN, "card": CARD, "name": NAME}
    fill_up(centre.conn)
    seq = 0
    with pytest.raises(StorageError) as err:
        while True:
            seq += 1
            assert centre.handle("x", kiosk_frame(seq, msg.CARD_STATUS_QUERY, query), NOW + seq) == "applied"
            assert seq < 500, "the gateway database never filled up"
    assert "full" in str(err.value) and "gateway database" in str(err.value)
    assert count(centre, "applied") == seq - 1
    # The loss report that comes in while the disk is full: nothing half done, not even the card.
    seq += 1
    with pytest.raises(StorageError):
        centre.handle("x", kiosk_frame(seq), NOW + seq)
    assert card_state(centre) == lossreport.NORMAL and count(centre, "card_events") == 0
    applied, events = count(centre, "applied"), 0
    free_space(centre.conn)
    assert centre.handle("x", kiosk_frame(seq), NOW + 1000) == "applied"
    assert count(centre, "applied") == applied + 1
    assert count(centre, "card_events") == events + 1


@pytest.fixture()
def small_disk(tmp_path):
    """A real 2 MB tmpfs (needs root and mount(2); skipped elsewhere -- the page-limit tests above still run)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % r.stderr.decode(errors="replace").strip())
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill_disk(folder):
    """Write a filler file until the disk refuses another byte; returns its path."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass
    return filler


def test_the_gateway_on_a_full_disk_exits_4_keeps_the_sms_and_applies_it_after_a_restart(small_disk):
    from lib12333.host.modem.network import Simulator
    from lib12333.host.modem.transport import SerialModem

    centre_number, kiosk_number = "+8610657112333", "+8613800571001"
    path = str(small_disk / "centre.db")
    conn = db.connect(path)
    admin.add_device(conn, 1001, KEY, name="hall", region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    conn.close()
    sim = Simulator(numbers=[centre_number, kiosk_number]).start()
    kiosk = SerialModem(sim.modems[1].path)
    procs = []

    def start_gateway():
        env = dict(os.environ, PYTHONPATH=ROOT)
        proc = subprocess.Popen([sys.executable, "-m", "lib12333", "gateway", "--modem", sim.modems[0].path,
                                 "--db", path, "--unit", UNIT, "--centre-code", "330100"], cwd=ROOT, env=env,
                                stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        assert "gateway: modem" in proc.stderr.readline()
        return proc

    def applied():
        c = db.connect(path, create=False)
        try:
            return c.execute("SELECT COUNT(*) FROM applied").fetchone()[0], c.execute(
                "SELECT state FROM cards").fetchone()[0]
        finally:
            c.close()

    try:
        gateway = start_gateway()
        filler = fill_disk(small_disk)
        kiosk.engine.start(kiosk.clock())
        kiosk.init()
        kiosk.engine.send_sms(centre_number, data=kiosk_frame(1), port=frame_mod.PORT)
        kiosk.wait_for(lambda ev: ev.kind in ("sent", "send-failed"), 30)
        assert gateway.wait(60) == 4
        err = gateway.stderr.read()
        assert "error: gateway database: database or disk is full" in err, err
        assert "Traceback" not in err
        # Space is freed; the restarted gateway finds the SMS still on its modem and applies it once.
        os.unlink(filler)
        assert applied() == (0, lossreport.NORMAL)
        gateway = start_gateway()
        deadline = time.monotonic() + 60
        while applied()[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert applied() == (1, lossreport.TEMP_LOST)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
        kiosk.close()
        sim.stop()


# ------------------------------------------------------------------ finding 5: below the replay window


def test_a_request_far_below_the_window_is_applied_once_if_it_was_never_seen(centre):
    # After reboots that skip blocks, queries have moved the window to 600; the loss report seq 2 arrives late.
    query = {"ssn": SSN, "card": CARD, "name": NAME}
    for seq in range(300, 601):
        assert centre.handle("x", kiosk_frame(seq, msg.CARD_STATUS_QUERY, query), NOW + 10) == "applied"
    assert centre.handle("+8613800571001", kiosk_frame(2), NOW + 3600) == "applied"
    assert card_state(centre) == lossreport.TEMP_LOST
    typ, fields = replies(centre)[-1]
    assert (typ, fields["ref_seq"], fields["result"]) == (msg.ACK, 2, msg.ACK_APPLIED)
    assert len(notices(centre)) == 1
    # Its retry, and a replay of it, are duplicates: applied once.
    assert centre.handle("+8613800571001", kiosk_frame(2), NOW + 7200) == "duplicate"
    assert count(centre, "card_events") == 1 and len(notices(centre)) == 1
    # The window itself did not move back.
    assert centre.handle("x", kiosk_frame(601, msg.CARD_STATUS_QUERY, query), NOW + 7200) == "applied"


def test_a_never_seen_frame_older_than_the_retry_horizon_is_answered_busy_not_applied(centre):
    query = {"ssn": SSN, "card": CARD, "name": NAME}
    for seq in range(300, 601):
        centre.handle("x", kiosk_frame(seq, msg.CARD_STATUS_QUERY, query, time=NOW), NOW)
    late = NOW + centre.late_horizon + 60
    assert centre.handle("x", kiosk_frame(3, time=NOW), late) == "applied"
    assert replies(centre)[-1] == (msg.ERROR, {"ref_seq": 3, "code": msg.E_BUSY, "state": 0})
    assert card_state(centre) == lossreport.NORMAL and count(centre, "card_events") == 0


# ------------------------------------------------------------------ finding 8: replay amplification


def queued_frames(c):
    return c.conn.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'frame'").fetchone()[0]


def test_a_repeated_answer_says_duplicate_and_the_kiosk_shows_it_was_accepted_before(centre):
    from firmware.screens import describe_reply

    assert centre.handle("+8613800571001", kiosk_frame(1), NOW) == "applied"
    assert centre.handle("+8613800571001", kiosk_frame(1), NOW + 60) == "duplicate"
    (t1, first), (t2, second) = replies(centre)
    assert (t1, t2) == (msg.ACK, msg.ACK)
    assert (first["result"], second["result"]) == (msg.ACK_APPLIED, msg.ACK_DUPLICATE)
    assert dict(first, result=msg.ACK_DUPLICATE) == second  # otherwise the same answer
    screen = describe_reply(msg.ACK, second, "loss")
    assert screen["title"] == "挂失成功" and screen["lines"][0] == "（该申请此前已受理）"


def test_a_hundred_replays_of_one_frame_queue_a_bounded_number_of_answers(centre):
    data = kiosk_frame(1)
    assert centre.handle("+8613800571001", data, NOW) == "applied"
    outcomes = [centre.handle("+86139%08d" % i, data, NOW + i) for i in range(100)]  # spoofed senders
    limit = centre.repeats.per_hour
    assert 1 <= limit <= 10
    assert outcomes.count("duplicate") == limit
    assert outcomes.count("duplicate: not answered (re-answer limit)") == 100 - limit
    assert queued_frames(centre) == 1 + limit
    assert count(centre, "card_events") == 1 and len(notices(centre)) == 1
    # An hour later the kiosk's genuine retry is answered again.
    assert centre.handle("+8613800571001", data, NOW + 3700) == "duplicate"
    assert queued_frames(centre) == 2 + limit


def test_re_answers_stop_when_the_outgoing_queue_is_full_but_new_requests_are_still_answered(centre):
    query = {"ssn": SSN, "card": CARD, "name": NAME}
    centre.repeats.max_queued = 5
    for seq in range(1, 6):
        assert centre.handle("x", kiosk_frame(seq, msg.CARD_STATUS_QUERY, query), NOW) == "applied"
    assert centre.handle("x", kiosk_frame(1, msg.CARD_STATUS_QUERY, query), NOW + 1) == \
        "duplicate: not answered (outgoing queue full)"
    assert queued_frames(centre) == 5
    # A new request is an obligation, not an amplification: always answered.
    assert centre.handle("x", kiosk_frame(6), NOW + 2) == "applied"
    assert queued_frames(centre) == 6
    # Once the queue drains, the retry is answered.
    for (out_id,) in centre.conn.execute("SELECT id FROM outgoing").fetchall():
        centre.mark_sent(out_id, NOW + 3)
    assert centre.handle("x", kiosk_frame(1, msg.CARD_STATUS_QUERY, query), NOW + 4) == "duplicate"
