"""
Citizen requests through the centre gateway (issue 10): the kiosk gets the reference number, asks for the
status by frame, the back office closes the request with ``gateway request update`` and the citizen gets
the completion SMS, and asks by SMS (查询 <reference>) -- answered only to the number the request was filed
with.  Centre-level tests on real SQLite files, the CLI as a subprocess, and one whole hall end to end.
"""

import json
import os
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333 import citizen_requests as R
from lib12333 import refnum
from lib12333.host.gateway import admin, db, request_desk
from lib12333.host.gateway.centre import Centre
from lib12333.host.requests_store import RequestStore
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.sms.policy import Policy
from tests.host.polling import insert_card_when_ready, wait_until
from tests.hypothesis_profiles import examples

KEY = bytes(range(16))
KEY2 = bytes(range(16, 32))
UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
NOW = 1_780_000_000  # 2026-05-28 CST
PHONE = "13912345678"
OTHER = "13700001111"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture()
def centre(tmp_path):
    path = str(tmp_path / "centre.db")
    conn = db.connect(path)
    admin.add_device(conn, 1001, KEY, name="hall", region="330106", now=NOW)
    admin.add_device(conn, 1002, KEY2, name="hall 2", region="330106", now=NOW)
    c = Centre(conn, UNIT, temp_days=7, centre_code="330100", requests=RequestStore(admin.requests_path(path)))
    c.db_path = path
    yield c
    c.requests.close()
    conn.close()


def request_frame(seq, kind=msg.COMPLAINT, phone=PHONE, device=1001, key=KEY, text="自助终端留言：请回电受理"):
    payload = msg.encode(msg.REQUEST, {"kind": kind, "category": "1000", "phone": phone, "text": text})
    return frame_mod.seal(aes.AES128(key), frame_mod.Frame(msg.REQUEST, device, seq, NOW, payload, frame_mod.UP))


def query_frame(seq, ref_device, ref_seq, device=1001, key=KEY):
    payload = msg.encode(msg.STATUS_QUERY, {"ref_device": ref_device, "ref_seq": ref_seq})
    return frame_mod.seal(aes.AES128(key), frame_mod.Frame(msg.STATUS_QUERY, device, seq, NOW, payload,
                                                           frame_mod.UP))


def outgoing(c):
    return c.conn.execute("SELECT kind, to_number, body FROM outgoing ORDER BY id").fetchall()


def last_reply(c, key=KEY):
    kind, _to, body = [r for r in outgoing(c) if r[0] == "frame"][-1]
    f = frame_mod.open(aes.AES128(key), bytes(body), direction=frame_mod.DOWN)
    return f.msg_type, msg.decode(f.msg_type, f.payload)


def texts(c):
    return [(r[1], bytes(r[2]).decode("utf-8")) for r in outgoing(c) if r[0] == "notice"]


def file_request(c, seq=1, **kw):
    assert c.handle("+8613800571001", request_frame(seq, **kw), NOW + 5) == "applied"
    t, fields = last_reply(c)
    return fields["text"]


# ------------------------------------------------------------------ kiosk frames


def test_request_frame_is_answered_with_its_reference_once(centre):
    assert centre.handle("+8613800571001", request_frame(7), NOW + 5) == "applied"
    t, fields = last_reply(centre)
    assert t == msg.STATUS_ANSWER
    ref = fields["text"]
    assert fields == {"ref_device": 1001, "ref_seq": 7, "status": msg.ST_RECEIVED, "updated": NOW + 5, "text": ref}
    p = R.parse_ref(ref)
    assert (p["kind"], p["centre"], p["device"], p["day"], p["seq"]) == ("complaint", "330100", "K01",
                                                                         (2026, 5, 29), 1)
    req = centre.requests.get(ref)
    assert (req.state, req.contact, req.subject) == (R.ACCEPTED, PHONE, "自助终端留言：请回电受理")
    # The kiosk lost the answer and sends the frame again: the same reference, still one request.
    assert centre.handle("+8613800571001", request_frame(7), NOW + 60) == "duplicate"
    assert last_reply(centre) == (msg.STATUS_ANSWER, fields)
    assert len(centre.requests.list()) == 1
    # No SMS to the citizen for an accepted request: the kiosk shows the reference.
    assert texts(centre) == []


def test_two_kiosks_on_one_day_get_distinct_sequences(centre):
    a = file_request(centre, 1)
    b = file_request(centre, 2, kind=msg.CONSULTATION)
    assert centre.handle("x", request_frame(1, device=1002, key=KEY2), NOW + 5) == "applied"
    c = last_reply(centre, KEY2)[1]["text"]
    assert (a[0], b[0], c[0]) == ("T", "Z", "T")
    assert (a[7:10], b[7:10], c[7:10]) == ("K01", "K01", "K02")
    assert (R.parse_ref(a)["seq"], R.parse_ref(b)["seq"], R.parse_ref(c)["seq"]) == (1, 2, 1)


def test_status_query_by_the_kiosks_own_frame_follows_the_lifecycle(centre):
    ref = file_request(centre, 3)
    assert centre.handle("x", query_frame(4, 1001, 3), NOW + 10) == "applied"
    assert last_reply(centre) == (msg.STATUS_ANSWER, {"ref_device": 1001, "ref_seq": 4, "status": msg.ST_RECEIVED,
                                                      "updated": NOW + 5, "text": ref + " 受理"})
    centre.requests.apply(ref, "start", "330100", NOW + 20, "agent-1")
    centre.handle("x", query_frame(5, 1001, 3), NOW + 30)
    assert last_reply(centre)[1]["text"] == ref + " 处理中"
    assert last_reply(centre)[1]["status"] == msg.ST_IN_PROGRESS
    centre.requests.apply(ref, "transfer", "330100", NOW + 40, "agent-2", target="330200")
    centre.handle("x", query_frame(6, 1001, 3), NOW + 50)
    assert last_reply(centre)[1]["text"] == ref + " 转办中"


def test_status_query_never_answers_for_another_kiosk_or_an_unknown_frame(centre):
    file_request(centre, 3)
    # kiosk 1002 asks about kiosk 1001's frame 3
    assert centre.handle("x", query_frame(1, 1001, 3, device=1002, key=KEY2), NOW + 10) == "applied"
    assert last_reply(centre, KEY2)[1] == {"ref_device": 1002, "ref_seq": 1, "status": msg.ST_UNKNOWN,
                                           "updated": 0, "text": ""}
    centre.handle("x", query_frame(9, 1001, 99), NOW + 10)  # no such frame
    assert last_reply(centre)[1]["status"] == msg.ST_UNKNOWN
    # a frame that was not a request (a status query) is not a request either
    centre.handle("x", query_frame(10, 1001, 9), NOW + 10)
    assert last_reply(centre)[1]["status"] == msg.ST_UNKNOWN


def test_status_query_by_typed_reference_digits(centre):
    ref = file_request(centre, 3)
    number = request_desk.typed_number(ref)
    assert number == refnum.day_number(2026, 5, 29) * 10000 + 1
    centre.handle("x", query_frame(4, 0, number), NOW + 10)
    assert last_reply(centre)[1]["text"] == ref + " 受理"
    # the same digits typed at another kiosk name that kiosk's (non-existent) request
    centre.handle("x", query_frame(4, 0, number, device=1002, key=KEY2), NOW + 10)
    assert last_reply(centre, KEY2)[1]["status"] == msg.ST_UNKNOWN
    for bad in (number + 1, number - 1, 0, 4294967295):
        centre.handle("x", query_frame(5 + bad % 7 + (bad & 0xFF), 0, bad), NOW + 10)
        assert last_reply(centre)[1]["status"] == msg.ST_UNKNOWN, bad


def test_typed_reference_digits_match_the_whole_device_not_its_last_two_digits(centre):
    # Kiosks 1001 and 1101 both write K01 in their references (device id mod 100).
    key3 = bytes(range(32, 48))
    admin.add_device(centre.conn, 1101, key3, name="hall 3", region="330106", now=NOW)
    ref = file_request(centre, 3)
    number = request_desk.typed_number(ref)
    centre.handle("x", query_frame(1, 0, number, device=1101, key=key3), NOW + 10)
    assert last_reply(centre, key3)[1] == {"ref_device": 1101, "ref_seq": 1, "status": msg.ST_UNKNOWN, "updated": 0,
                                           "text": ""}
    # Kiosk 1101's own request shares the K01 day counter and is found by its own digits only.
    assert centre.handle("x", request_frame(2, device=1101, key=key3), NOW + 20) == "applied"
    own = last_reply(centre, key3)[1]["text"]
    assert own[7:10] == "K01" and own != ref
    centre.handle("x", query_frame(3, 0, request_desk.typed_number(own), device=1101, key=key3), NOW + 30)
    assert last_reply(centre, key3)[1]["text"] == own + " 受理"
    centre.handle("x", query_frame(4, 0, request_desk.typed_number(own)), NOW + 30)
    assert last_reply(centre)[1]["status"] == msg.ST_UNKNOWN
    # A request filed before the key named the origin centre (kiosk-<device>-<seq>) is still the kiosk's.
    old = centre.requests.create("complaint", "330100", "K01", (2026, 5, 29), NOW, subject="旧留言",
                                 idem="kiosk-1101-77")
    centre.handle("x", query_frame(5, 0, request_desk.typed_number(old.ref), device=1101, key=key3), NOW + 40)
    assert last_reply(centre, key3)[1]["text"] == old.ref + " 受理"
    centre.handle("x", query_frame(6, 0, request_desk.typed_number(old.ref)), NOW + 40)
    assert last_reply(centre)[1]["status"] == msg.ST_UNKNOWN


def test_sms_answers_to_many_spoofed_numbers_stop_at_the_outgoing_queue_bound(centre):
    # Issue 13 finding 8: the per-number limit alone does not bound a flood from many (spoofed) numbers.
    ref = file_request(centre, 1)
    centre.repeats.max_queued = 8
    outcomes = [centre.handle_text("+861370000%04d" % i, "查询 " + ref, NOW + 10 + i) for i in range(20)]
    waiting = centre.conn.execute("SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL").fetchone()[0]
    assert waiting == 8 and outcomes.count("limited") == 20 - 7  # the kiosk's answer is one of the 8
    for (out_id,) in centre.conn.execute("SELECT id FROM outgoing").fetchall():
        centre.mark_sent(out_id, NOW + 40)
    assert centre.handle_text("+86" + PHONE, "查询 " + ref, NOW + 50) == "answered"


def test_the_gateway_reads_what_the_kiosk_types():
    from lib12333.refnum import typed_number as typed_ref_number  # what the kiosk's 办件进度 uses

    for day in ((2000, 1, 1), (2000, 2, 29), (2000, 3, 1), (2013, 3, 1), (2026, 12, 31), (2099, 12, 31)):
        ref = R.make_ref(R.KINDS[0], "330100", "K01", day, 7)
        assert typed_ref_number(ref[10:20]) == request_desk.typed_number(ref), day


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ref_device=st.one_of(st.just(0), st.just(1001), st.integers(0, 2**32 - 1)),
       ref_seq=st.one_of(st.integers(0, 2**32 - 1), st.integers(0, 40000 * 10000)))
def test_fuzz_status_queries_always_get_an_answer(centre, ref_device, ref_seq):
    if not centre.requests.list():
        file_request(centre, 1)
    seq = centre.conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] + 1
    assert centre.handle("x", query_frame(seq, ref_device, ref_seq), NOW + 10) == "applied"
    t, fields = last_reply(centre)
    assert t == msg.STATUS_ANSWER and fields["ref_seq"] == seq and fields["ref_device"] == 1001
    found = fields["status"] != msg.ST_UNKNOWN
    assert found == (fields["text"] != "")
    if found:
        assert (ref_device, ref_seq) in ((1001, 1), (0, refnum.day_number(2026, 5, 29) * 10000 + 1))


# ------------------------------------------------------------------ back office and notices


def test_update_close_queues_one_signed_one_part_notice(centre):
    ref = file_request(centre, 3)
    policy = Policy(UNIT, one_part_notices=True)
    request_desk.update(centre.conn, centre.requests, policy, ref, "start", NOW + 10)
    assert texts(centre) == []  # no notice for an intermediate step
    req, event, notice = request_desk.update(centre.conn, centre.requests, policy, ref, "close", NOW + 20,
                                             note="已电话答复：按月领取", idem="form-77")
    assert (req.state, event.action, event.actor) == (R.DONE, "complete", "330100")
    assert notice == "【杭州市人力资源社会保障电话咨询服务中心】您的投诉（%s）已办结，凭编号在终端或拨12333查询。" % ref
    assert len(notice) <= 70 and PHONE not in notice and "按月领取" not in notice
    # retried (lost answer, crash between the two databases): still one event, still one notice
    request_desk.update(centre.conn, centre.requests, policy, ref, "close", NOW + 30, note="已电话答复：按月领取",
                        idem="form-77")
    # a start run twice without a key is refused (a new transition), not applied twice
    from lib12333.errors import StateError

    with pytest.raises(StateError):
        request_desk.update(centre.conn, centre.requests, policy, ref, "start", NOW + 30)


def test_default_key_close_retried_after_a_lost_notice_queues_it(centre):
    ref = file_request(centre, 3)
    policy = Policy(UNIT, one_part_notices=True)
    request_desk.update(centre.conn, centre.requests, policy, ref, "start", NOW + 10)
    # the step was committed in the request store, then the process died before queuing the notice
    request_desk.update(centre.conn, centre.requests, policy, ref, "close", NOW + 20, note="ok", notify=False)
    assert texts(centre) == []
    req, event, notice = request_desk.update(centre.conn, centre.requests, policy, ref, "close", NOW + 30,
                                             note="ok")
    assert (event.at, len(req.history)) == (NOW + 20, 2)  # the recorded step
    assert texts(centre) == [(PHONE, notice)]
    request_desk.update(centre.conn, centre.requests, policy, ref, "close", NOW + 40, note="ok")
    assert len(texts(centre)) == 1
    assert texts(centre) == [(PHONE, notice)]
    assert len(centre.requests.get(ref).history) == 2
    due = centre.due(NOW + 40)
    assert [(d[1], d[2]) for d in due] == [("frame", "+8613800571001"), ("notice", PHONE)]


def test_returned_request_notice_and_refused_steps(centre):
    ref = file_request(centre, 3)
    policy = Policy(UNIT, one_part_notices=True)
    from lib12333.errors import StateError, ValidationError

    with pytest.raises(ValidationError):
        request_desk.update(centre.conn, centre.requests, policy, ref, "return", NOW + 10)  # needs a reason
    with pytest.raises(StateError):
        request_desk.update(centre.conn, centre.requests, policy, ref, "close", NOW + 10, note="x")  # not started
    req, _e, notice = request_desk.update(centre.conn, centre.requests, policy, ref, "return", NOW + 10,
                                          note="不属于本中心受理范围")
    assert req.state == R.RETURNED and "已退回" in notice
    assert texts(centre) == [(PHONE, notice)]


def test_request_without_contact_gets_no_notice(centre):
    ref = file_request(centre, 3, phone="")
    policy = Policy(UNIT, one_part_notices=True)
    request_desk.update(centre.conn, centre.requests, policy, ref, "start", NOW + 10)
    _r, _e, notice = request_desk.update(centre.conn, centre.requests, policy, ref, "close", NOW + 20, note="ok")
    assert notice is None and texts(centre) == []


def test_transfer_steps_default_to_the_responsible_centre(centre):
    ref = file_request(centre, 3)
    policy = Policy(UNIT, one_part_notices=True)
    request_desk.update(centre.conn, centre.requests, policy, ref, "transfer", NOW + 10, target="330200")
    req, event, _n = request_desk.update(centre.conn, centre.requests, policy, ref, "accept-transfer", NOW + 20)
    assert (event.actor, req.owner, req.state) == ("330200", "330200", R.ACCEPTED)


# ------------------------------------------------------------------ SMS queries


def test_sms_query_answers_only_the_filing_number(centre):
    ref = file_request(centre, 3)
    assert centre.handle_text("+86" + PHONE, "查询 " + ref, NOW + 10) == "answered"
    assert centre.handle_text("+86" + PHONE, "cx " + R.format_ref(ref).lower(), NOW + 11) == "answered"
    assert centre.handle_text("+86" + OTHER, "查询 " + ref, NOW + 12) == "answered"
    assert centre.handle_text("+86" + PHONE, "查询：" + ref[:-1] + "0", NOW + 13) == "answered"  # check char
    assert centre.handle_text("+86" + PHONE, "你好，请问养老金什么时候发", NOW + 14) == "ignored"
    status = "【杭州市人力资源社会保障电话咨询服务中心】您的投诉（%s）目前状态：受理。" % ref
    neutral = UNIT + request_desk.NOT_FOUND
    assert texts(centre) == [("+86" + PHONE, status), ("+86" + PHONE, status), ("+86" + OTHER, neutral),
                             ("+86" + PHONE, neutral)]
    assert ref not in neutral and len(neutral) <= 70 and len(status) <= 70


def test_sms_answers_are_limited_per_number_and_day(centre):
    ref = file_request(centre, 3)
    outcomes = [centre.handle_text("+86" + OTHER, "查询 " + ref, NOW + 10 + i) for i in range(12)]
    assert outcomes == ["answered"] * request_desk.ANSWERS_PER_DAY + ["limited"] * 2
    assert centre.handle_text("+86" + PHONE, "查询 " + ref, NOW + 30) == "answered"  # others still answered
    assert centre.handle_text("+86" + OTHER, "查询 " + ref, NOW + 10 + 86400) == "answered"  # a day later
    assert len(texts(centre)) == request_desk.ANSWERS_PER_DAY + 2


def test_request_filed_without_phone_is_not_answered_by_sms(centre):
    ref = file_request(centre, 3, phone="")
    centre.handle_text("+86" + PHONE, "查询 " + ref, NOW + 10)
    assert texts(centre) == [("+86" + PHONE, UNIT + request_desk.NOT_FOUND)]


def test_phone_normalisation():
    n = request_desk.normalize_phone
    assert n("+8613912345678") == n("008613912345678") == n("13912345678") == n("8613912345678") == PHONE
    assert n("") == "" and n(None) == ""


def _mutate(data):
    ref = "T330100K0126052900016"
    text = list("查询 " + ref)
    for pos, ch in data:
        text[pos % len(text)] = ch
    return "".join(text)


QUERIES = st.one_of(
    st.text(max_size=80),
    st.builds(lambda w, t: w + t, st.sampled_from(["查询", "CX", "cx ", "查询 ", "查询：", " CX-"]),
              st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcz- ：\x00", max_size=30)),
    st.builds(_mutate, st.lists(st.tuples(st.integers(0, 30), st.characters()), max_size=3)),
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=QUERIES, sender=st.one_of(st.just("+86" + PHONE), st.text(alphabet="+0123456789", max_size=16)))
def test_fuzz_sms_reply_never_raises_and_never_discloses(centre, text, sender):
    existing = centre.requests.list()
    ref = existing[0].ref if existing else file_request(centre, 3)
    assert ref == "T330100K0126052900016"
    policy = Policy(UNIT, one_part_notices=True)
    reply = request_desk.sms_reply(centre.requests, policy, sender, text)
    assert reply is None or (reply.startswith(UNIT) and len(reply) <= 70)
    if reply is not None and request_desk.normalize_phone(sender) != PHONE:
        assert ref not in reply and reply == UNIT + request_desk.NOT_FOUND
    if reply is not None and ref in reply:
        assert R.parse_ref(request_desk.parse_query(text))["ref"] == ref


# ------------------------------------------------------------------ the CLI


def cli(*args):
    return subprocess.run([sys.executable, "-m", "lib12333", "gateway", "request"] + list(args), cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_cli_list_show_update(centre):
    ref = file_request(centre, 3)
    p = cli("list", "--db", centre.db_path, "--json")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert [(r["ref"], r["state"], r["contact"]) for r in rows] == [(ref, "accepted", "139****5678")]
    assert PHONE not in p.stdout
    p = cli("show", "--db", centre.db_path, R.format_ref(ref), "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["ref"] == ref
    p = cli("update", "--db", centre.db_path, ref, "start", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["state"] == "in_progress"
    p = cli("update", "--db", centre.db_path, R.format_ref(ref), "close", "--note", "已电话答复", "--unit", UNIT,
            "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert (out["state"], out["event"]["action"], out["contact"]) == ("done", "complete", "139****5678")
    assert out["notice"] == "%s您的投诉（%s）已办结，凭编号在终端或拨12333查询。" % (UNIT, ref)
    assert texts(centre) == [(PHONE, out["notice"])]
    p = cli("update", "--db", centre.db_path, ref, "start")  # 办结 is final
    assert p.returncode != 0 and "Traceback" not in p.stderr
    p = cli("update", "--db", centre.db_path, "T330100K01", "start")
    assert p.returncode != 0 and "Traceback" not in p.stderr


# ------------------------------------------------------------------ a whole hall


def _add_phone(hall, number):
    """A second citizen's phone on the hall's emulated network (added in the network's own thread)."""
    from lib12333.host.modem.emulator import EmulatedModem
    from lib12333.host.modem.transport import SerialModem

    done = threading.Event()
    box = []

    def add():
        sim = hall.sim
        m = EmulatedModem(sim, len(sim.modems), number)
        sim.modems.append(m)
        import selectors

        sim.sel.register(m.master, selectors.EVENT_READ, m)
        box.append(m)
        done.set()

    hall.sim.call(add)
    assert done.wait(5)
    phone = SerialModem(box[0].path)
    phone.init(30)
    return phone


def _locked_pump(hall):
    """Let the test send from the citizen's phone while the hall's phone thread pumps it."""
    lock = threading.Lock()
    pump = hall.phone.pump

    def locked(timeout=0.1):
        with lock:
            return pump(timeout)

    hall.phone.pump = locked
    return lock


@pytest.mark.slow
def test_end_to_end_complaint_reference_close_notice_and_sms_query(tmp_path):
    from lib12333.host import demo

    hall = demo.Hall(str(tmp_path), demo.Transcript(echo=False))
    other = None
    try:
        lock = _locked_pump(hall)
        insert_card_when_ready(hall, 60)
        hall.press(["4"])
        assert hall.wait_screen("请选择留言类型", 30)
        hall.press(["2", "2"])  # 投诉, 养老保险
        assert hall.wait_screen("请输入您的手机号码", 30)
        hall.press(list(demo.CITIZEN_PHONE) + ["ok"])
        assert hall.wait_screen("投诉留言", 30)
        hall.press(["1"])
        assert hall.wait_screen("受理编号：", 60), "the kiosk did not show the reference"
        shown = [line for lines in hall.shown for line in lines]
        refs = [line.split("：", 1)[1] for line in shown if line.startswith("受理编号：")]
        ref = refs[-1].replace("-", "")
        assert R.parse_ref(ref)["kind"] == "complaint"
        # back office: visible in the list, then closed
        p = cli("list", "--db", hall.db_path, "--json")
        assert p.returncode == 0, p.stderr
        assert [r["ref"] for r in json.loads(p.stdout)] == [ref]
        # the kiosk's 办件进度 for this session shows the state
        hall.press(["ok"])
        assert hall.wait_screen("1 信息查询", 30)
        hall.press(["3"])
        assert hall.wait_screen("2 办件进度", 30)
        hall.press(["2"])
        assert hall.wait_screen("本次办理的留言", 30)
        hall.press(["1"])
        assert hall.wait_screen("状态：受理", 60), "no status answer at the kiosk"
        p = cli("update", "--db", hall.db_path, ref, "start")
        assert p.returncode == 0, p.stderr
        p = cli("update", "--db", hall.db_path, ref, "close", "--note", "已电话答复", "--unit", demo.UNIT)
        assert p.returncode == 0, p.stderr
        notice = "%s您的投诉（%s）已办结，凭编号在终端或拨12333查询。" % (demo.UNIT, ref)
        assert wait_until(lambda: notice in hall.phone_messages, 60), hall.phone_messages
        assert len(notice) <= 70  # one part
        # the citizen asks by SMS from the phone the request was filed with
        with lock:
            hall.phone.engine.send_sms(demo.CENTRE_NUMBER, text="查询 " + ref, report=False)
        status = "%s您的投诉（%s）目前状态：办结。" % (demo.UNIT, ref)
        assert wait_until(lambda: status in hall.phone_messages, 60), hall.phone_messages
        # somebody else asks about the same reference
        other = _add_phone(hall, "+8613700001111")
        other.send(demo.CENTRE_NUMBER, "查询 " + ref)
        got = []
        other.wait_for(lambda e: e.kind == "message" and (got.append(e.message.text) or True), 60)
        assert got == [demo.UNIT + request_desk.NOT_FOUND]
    finally:
        if other is not None:
            other.close()
        hall.close()
