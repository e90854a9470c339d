"""
Centre-to-centre relay (lib12333/host/gateway/relay.py, issue 8) on two real SQLite files.

杭州 (330100, centre A) receives a kiosk's loss report for a card issued in 南京;
the rules (preset ``city``: card of another province -> transfer to the card's
province through the national platform) name 江苏 (320000, centre B).  A relays,
B applies once and answers, A hands the answer to the kiosk.  Frames are carried
between the two Centre objects by hand, so every loss, duplicate and reordering
is under the test's control.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333 import identifiers, lossreport
from lib12333.compat import data_path
from lib12333.errors import ValidationError
from lib12333.host.gateway import admin, db, outcomes, relay
from lib12333.host.gateway.centre import Centre
from lib12333.host.testing import frame as FS
from lib12333.routing import loader
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from tests.hypothesis_profiles import examples

KIOSK_KEY = bytes(range(16))
PEER_KEY = bytes(range(100, 116))
A_NUMBER, B_NUMBER, KIOSK_NUMBER = "+8613800571000", "+8613800250000", "+8613800571001"
SSN = "32010619850312004" + identifiers.citizen_id_check_digit("32010619850312004")
CARD, NAME, PHONE = "B38612751", "王小明", "13912345678"
NOW = 1_796_083_200 + 2 * 3600  # 2026-12-01 10:00 CST
RULES = loader.loads(open(data_path("route-city.json"), "rb").read(), source="city")


def _centre(path, code, unit, peer_code, peer_number):
    conn = db.connect(str(path))
    c = Centre(conn, unit, temp_days=7, centre_code=code)
    relay.add_peer(conn, peer_code, peer_number, PEER_KEY, name="peer", now=NOW)
    c.relay = relay.Relay(conn, code if code.endswith("0000") else code[:2] + "0000", RULES)
    return c


@pytest.fixture()
def pair(gateway_db):
    a = _centre(gateway_db("hangzhou.db"), "330100", "【杭州市人力资源社会保障电话咨询服务中心】", "320000", B_NUMBER)
    b = _centre(gateway_db("jiangsu.db"), "320000", "【江苏省人力资源社会保障电话咨询服务中心】", "330000", A_NUMBER)
    admin.add_device(a.conn, 1001, KIOSK_KEY, name="西湖区大厅", region="330106", phone=KIOSK_NUMBER, now=NOW)
    admin.add_card(b.conn, CARD, SSN, NAME, "320100", now=NOW)
    return a, b


def kiosk_frame(seq, card_region="320100", msg_type=msg.LOSS_REPORT, fields=None):
    if fields is None:
        fields = {"ssn": SSN, "card": CARD, "phone": PHONE, "name": NAME}
        if card_region:
            fields["card_region"] = card_region
    payload = msg.encode(msg_type, fields)
    return frame_mod.seal(aes.AES128(KIOSK_KEY), frame_mod.Frame(msg_type, 1001, seq, NOW, payload, frame_mod.UP))


def take(c, to=None):
    """Unsent outgoing rows (kind, to, body) of centre ``c``, marked sent."""
    rows = c.conn.execute("SELECT id, kind, to_number, body FROM outgoing WHERE sent_at IS NULL ORDER BY id").fetchall()
    out = []
    for row in rows:
        if to is None or row[2] == to:
            c.mark_sent(row[0], NOW)
            out.append((row[1], row[2], bytes(row[3])))
    return out


def kiosk_reply(body):
    f = frame_mod.open(aes.AES128(KIOSK_KEY), body, direction=frame_mod.DOWN)
    return f, msg.decode(f.msg_type, f.payload)


def card_state(b):
    return b.conn.execute("SELECT state FROM cards WHERE card_no = ?", (CARD,)).fetchone()[0]


def test_loss_report_relayed_applied_once_and_answered_end_to_end(pair):
    a, b = pair
    assert a.handle(KIOSK_NUMBER, kiosk_frame(1), NOW) == "relayed"
    # Nothing applied or answered at A yet; one RELAY frame queued for B.
    assert a.conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 0
    (kind, to, relay_frame), = take(a)
    assert (kind, to) == ("frame", B_NUMBER)
    head = frame_mod.peek(relay_frame)
    assert (head.msg_type, head.device_id, head.seq, head.direction) == (msg.RELAY, 330000, 1, frame_mod.UP)

    assert b.handle(A_NUMBER, relay_frame, NOW + 1) == "relay-applied"
    assert card_state(b) == lossreport.TEMP_LOST
    rows = take(b)
    assert [(r[0], r[1]) for r in rows] == [("frame", A_NUMBER), ("notice", PHONE)]
    notice = rows[1][2].decode()
    assert notice.startswith("【江苏省") and "2751" in notice and "临时挂失" in notice
    event = b.conn.execute("SELECT action, channel, device_id, seq FROM card_events").fetchall()
    assert event == [(lossreport.REPORT_TEMPORARY, lossreport.KIOSK, 1001, 1)]  # origin device and seq

    assert a.handle(B_NUMBER, rows[0][2], NOW + 2) == "relay-answered"
    (kind, to, body), = take(a)
    assert (kind, to) == ("frame", KIOSK_NUMBER)
    f, fields = kiosk_reply(body)
    assert (f.msg_type, fields["ref_seq"], fields["result"], fields["state"]) == (
        msg.ACK, 1, msg.ACK_APPLIED, lossreport.TEMP_LOST)
    assert fields["until"] == NOW + 1 + 7 * 86400
    assert a.conn.execute("SELECT device_id, seq, reply_type FROM applied").fetchall() == [(1001, 1, msg.ACK)]
    # A later kiosk retry is answered from A's applied table, without bothering B.
    assert a.handle(KIOSK_NUMBER, kiosk_frame(1), NOW + 3) == "duplicate"
    assert [r[1] for r in take(a)] == [KIOSK_NUMBER]


def test_retries_and_lost_answers_apply_once(pair):
    a, b = pair
    assert a.handle(KIOSK_NUMBER, kiosk_frame(7), NOW) == "relayed"
    (_, _, first), = take(a)
    # The kiosk retries before B answered: the same RELAY bytes go out again.
    assert a.handle(KIOSK_NUMBER, kiosk_frame(7), NOW + 60) == "relaying"
    (_, to, second), = take(a)
    assert to == B_NUMBER and second == first
    assert b.handle(A_NUMBER, first, NOW + 61) == "relay-applied"
    lost_answer = take(b)  # B's answer and notice; the answer is lost on the way
    assert b.handle(A_NUMBER, second, NOW + 62) == "duplicate"
    (_, _, answer_again), = take(b)  # only the answer again, no second notice
    assert b.conn.execute("SELECT COUNT(*) FROM relays_in").fetchone()[0] == 1
    assert b.conn.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 1
    assert len(lost_answer) == 2
    assert a.handle(B_NUMBER, answer_again, NOW + 63) == "relay-answered"
    # The first answer arrives late: ignored (replay window / already answered), no second kiosk reply.
    assert a.handle(B_NUMBER, lost_answer[0][2], NOW + 64) == "duplicate"
    assert [r[1] for r in take(a)] == [KIOSK_NUMBER]


def test_own_province_card_is_applied_locally(pair, tmp_path):
    a, _b = pair
    admin.add_card(a.conn, "A38612750", SSN, NAME, "330100", now=NOW)
    fields = {"ssn": SSN, "card": "A38612750", "phone": "", "name": NAME, "card_region": "330100"}
    assert a.handle(KIOSK_NUMBER, kiosk_frame(2, fields=fields), NOW) == "applied"
    assert a.conn.execute("SELECT COUNT(*) FROM relays_out").fetchone()[0] == 0
    # Without the card region (older kiosk firmware) the rules cannot tell: applied here (unknown card).
    assert a.handle(KIOSK_NUMBER, kiosk_frame(3, card_region=None), NOW) == "applied"
    f, fields = kiosk_reply(take(a)[-1][2])
    assert (f.msg_type, fields["code"]) == (msg.ERROR, msg.E_UNKNOWN_CARD)


def test_transfer_without_a_registered_peer_is_applied_locally(pair):
    a, _b = pair
    assert a.handle(KIOSK_NUMBER, kiosk_frame(4, card_region="440300"), NOW) == "applied"
    f, fields = kiosk_reply(take(a)[0][2])
    assert fields["code"] == msg.E_UNKNOWN_CARD


def test_forged_and_unknown_peer_frames_are_rejected(pair):
    a, b = pair
    a.handle(KIOSK_NUMBER, kiosk_frame(5), NOW)
    (_, _, relay_frame), = take(a)
    tampered = bytearray(relay_frame)
    tampered[-1] ^= 1
    out = b.handle(A_NUMBER, bytes(tampered), NOW)
    assert out.kind == outcomes.REJECTED and out.reason.startswith("peer 330000")
    payload = msg.encode(msg.RELAY, {"origin_device": 1, "origin_seq": 1, "origin_time": NOW,
                                     "inner_type": msg.LOSS_REPORT, "inner": b""})
    stranger = frame_mod.seal(aes.AES128(PEER_KEY), frame_mod.Frame(msg.RELAY, 440000, 1, NOW, payload, frame_mod.UP))
    assert b.handle("+8613800000000", stranger, NOW) == outcomes.Outcome(outcomes.REJECTED, "unknown peer 440000")
    assert b.conn.execute("SELECT COUNT(*) FROM relays_in").fetchone()[0] == 0
    assert card_state(b) == lossreport.NORMAL
    # The genuine frame still works afterwards.
    assert b.handle(A_NUMBER, relay_frame, NOW) == "relay-applied"


def test_answer_for_a_request_never_relayed_is_rejected(pair):
    a, b = pair
    payload = msg.encode(msg.RELAY_ANSWER, {"origin_device": 1001, "origin_seq": 99, "reply_type": msg.ACK,
                                            "reply": msg.encode(msg.ACK, {"ref_seq": 99, "result": 0, "state": 3,
                                                                          "until": 0})})
    forged = frame_mod.seal(aes.AES128(PEER_KEY),
                            frame_mod.Frame(msg.RELAY_ANSWER, 320000, 1, NOW, payload, frame_mod.DOWN))
    out = a.handle(B_NUMBER, forged, NOW)
    assert out.kind == outcomes.REJECTED and out.reason.startswith("answer from 320000 for device 1001 seq 99")
    assert a.conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 0


def test_malformed_inner_payload_gets_an_error_answer(pair):
    a, b = pair
    payload = msg.encode(msg.RELAY, {"origin_device": 1001, "origin_seq": 9, "origin_time": NOW,
                                     "inner_type": msg.LOSS_REPORT, "inner": b"\x01\x02"})
    data = frame_mod.seal(aes.AES128(PEER_KEY), frame_mod.Frame(msg.RELAY, 330000, 50, NOW, payload, frame_mod.UP))
    assert b.handle(A_NUMBER, data, NOW) == "relay-applied"
    (_, _, answer), = take(b)
    f = frame_mod.open(aes.AES128(PEER_KEY), answer, direction=frame_mod.DOWN)
    fields = msg.decode(f.msg_type, f.payload)
    assert (f.device_id, fields["reply_type"]) == (320000, msg.ERROR)
    assert msg.decode(msg.ERROR, fields["reply"])["code"] == msg.E_MALFORMED


def test_peer_registration_checks_and_listing(pair):
    a, _b = pair
    with pytest.raises(ValidationError):
        relay.add_peer(a.conn, "320000", B_NUMBER, PEER_KEY)  # twice
    for code, key in (("3200", PEER_KEY), ("000000", PEER_KEY), ("440000", b"short")):
        with pytest.raises(ValidationError):
            relay.add_peer(a.conn, code, "+861", key)
    peers = relay.list_peers(a.conn)
    assert peers == [{"code": "320000", "name": "peer", "number": identifiers.mask_phone(B_NUMBER),
                      "status": "active", "relays_sent": 0, "answers_sent": 0}]
    assert B_NUMBER not in str(peers)


# ------------------------------------------------------------------ fuzz: mutated centre-to-centre frames


def _fresh_pair():
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp(prefix="relay-fuzz-"))
    return pair.__wrapped__(lambda name: str(d / name))  # SQLite: a new pair per example


@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_peer_frames_never_escape_and_never_apply_twice(data):
    a, b = _fresh_pair()
    assert a.handle(KIOSK_NUMBER, kiosk_frame(1), NOW) == "relayed"
    (_, _, relay_frame), = take(a)
    mutated = data.draw(FS.mutations(relay_frame))
    outcome = b.handle(A_NUMBER, mutated, NOW)
    assert outcome.kind in (outcomes.RELAY_APPLIED, outcomes.DUPLICATE, outcomes.REJECTED)
    if outcome == "relay-applied":
        assert mutated == relay_frame or frame_mod.peek(mutated).msg_type == msg.RELAY
    assert b.handle(A_NUMBER, relay_frame, NOW + 1) in ("relay-applied", "duplicate")
    assert b.conn.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 1
    answer = [r for r in take(b) if r[0] == "frame"][-1][2]
    mutated_answer = data.draw(FS.mutations(answer))
    outcome = a.handle(B_NUMBER, mutated_answer, NOW + 2)
    assert outcome.kind in (outcomes.RELAY_ANSWERED, outcomes.DUPLICATE, outcomes.REJECTED)
    assert a.handle(B_NUMBER, answer, NOW + 3) in ("relay-answered", "duplicate")
    assert a.conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 1
    for c in (a, b):
        c.conn.close()


def test_card_status_query_is_relayed_and_answered(pair):
    a, b = pair
    assert a.handle(KIOSK_NUMBER, kiosk_frame(1), NOW) == "relayed"
    assert b.handle(A_NUMBER, take(a)[0][2], NOW + 1) == "relay-applied"
    assert a.handle(B_NUMBER, take(b)[0][2], NOW + 2) == "relay-answered"
    take(a)
    query = {"ssn": SSN, "card": CARD, "name": NAME, "card_region": "320100"}
    assert a.handle(KIOSK_NUMBER, kiosk_frame(2, msg_type=msg.CARD_STATUS_QUERY, fields=query), NOW + 60) == "relayed"
    (_, to, relay_frame), = take(a)
    assert to == B_NUMBER and frame_mod.peek(relay_frame).seq == 2  # A's second relay to B
    assert b.handle(A_NUMBER, relay_frame, NOW + 61) == "relay-applied"
    (_, _, answer), = take(b)  # no notice for a query
    assert a.handle(B_NUMBER, answer, NOW + 62) == "relay-answered"
    f, fields = kiosk_reply(take(a)[0][2])
    assert (f.msg_type, fields["ref_seq"], fields["state"], fields["since"]) == (
        msg.CARD_STATUS_ANSWER, 2, lossreport.TEMP_LOST, NOW + 1)
    # The kiosk's down counter advanced once per reply: ACK was 1, this answer 2.
    assert f.seq == 2


# ------------------------------------------------------------------ issue 13 finding 3: relay idempotency key


def _relayed_request(inner_seq, relay_seq, text):
    inner = msg.encode(msg.REQUEST, {"kind": msg.COMPLAINT, "category": "1000", "phone": PHONE, "text": text})
    payload = msg.encode(msg.RELAY, {"origin_device": 1001, "origin_seq": inner_seq, "origin_time": NOW,
                                     "inner_type": msg.REQUEST, "inner": inner})
    return frame_mod.seal(aes.AES128(PEER_KEY), frame_mod.Frame(msg.RELAY, 330000, relay_seq, NOW, payload,
                                                                frame_mod.UP))


def test_a_relayed_request_never_takes_the_reference_of_a_local_kiosk_with_the_same_id_and_seq(pair, tmp_path):
    from lib12333.host.requests_store import RequestStore

    _a, b = pair
    b.requests = RequestStore(str(tmp_path / "jiangsu.db.requests"))
    # B's own kiosk 1001 (its own key) files request seq 5 ...
    own_key = bytes(range(50, 66))
    admin.add_device(b.conn, 1001, own_key, name="鼓楼区大厅", region="320106", now=NOW)
    own = msg.encode(msg.REQUEST, {"kind": msg.COMPLAINT, "category": "1000", "phone": "13700001111",
                                   "text": "江苏的市民留言"})
    data = frame_mod.seal(aes.AES128(own_key), frame_mod.Frame(msg.REQUEST, 1001, 5, NOW, own, frame_mod.UP))
    assert b.handle("+8613800250001", data, NOW) == "applied"
    (_, _, body), = take(b)
    f = frame_mod.open(aes.AES128(own_key), body, direction=frame_mod.DOWN)
    own_ref = msg.decode(f.msg_type, f.payload)["text"]
    # ... and A relays ITS kiosk 1001's request seq 5: a different citizen, a different request.
    assert b.handle(A_NUMBER, _relayed_request(5, 1, "浙江的市民留言"), NOW + 1) == "relay-applied"
    (_, to, answer), = take(b)
    f = frame_mod.open(aes.AES128(PEER_KEY), answer, direction=frame_mod.DOWN)
    fields = msg.decode(f.msg_type, f.payload)
    relayed_ref = msg.decode(fields["reply_type"], fields["reply"])["text"]
    assert relayed_ref != own_ref
    assert b.requests.get(relayed_ref).subject == "浙江的市民留言"
    assert b.requests.get(own_ref).subject == "江苏的市民留言"
    assert len(b.requests.list()) == 2
    # A retry of A's relay (a new relay frame, same origin) is still the same request.
    assert b.handle(A_NUMBER, _relayed_request(5, 2, "浙江的市民留言"), NOW + 2) == "duplicate"
    assert len(b.requests.list()) == 2
    take(b)
    # A's kiosk asks for the status of its frame 5 (relayed): it is told about its own request only.
    query = msg.encode(msg.RELAY, {"origin_device": 1001, "origin_seq": 6, "origin_time": NOW,
                                   "inner_type": msg.STATUS_QUERY,
                                   "inner": msg.encode(msg.STATUS_QUERY, {"ref_device": 1001, "ref_seq": 5})})
    data = frame_mod.seal(aes.AES128(PEER_KEY), frame_mod.Frame(msg.RELAY, 330000, 3, NOW, query, frame_mod.UP))
    assert b.handle(A_NUMBER, data, NOW + 3) == "relay-applied"
    (_, _, answer), = take(b, A_NUMBER)
    f = frame_mod.open(aes.AES128(PEER_KEY), answer, direction=frame_mod.DOWN)
    fields = msg.decode(f.msg_type, f.payload)
    assert msg.decode(fields["reply_type"], fields["reply"])["text"] == relayed_ref + " 受理"
    b.requests.close()


def test_a_relay_far_below_the_peers_window_is_applied_once_if_never_seen(pair):
    # Issue 13 finding 5, on the centre-to-centre link: relays_in is the exactly-once table.
    _a, b = pair

    def relay_of(origin_seq, relay_seq, inner_type=msg.CARD_STATUS_QUERY):
        fields = {"ssn": SSN, "card": CARD, "name": NAME}
        if inner_type == msg.LOSS_REPORT:
            fields["phone"] = PHONE
        payload = msg.encode(msg.RELAY, {"origin_device": 1001, "origin_seq": origin_seq, "origin_time": NOW,
                                         "inner_type": inner_type, "inner": msg.encode(inner_type, fields)})
        return frame_mod.seal(aes.AES128(PEER_KEY), frame_mod.Frame(msg.RELAY, 330000, relay_seq, NOW, payload,
                                                                    frame_mod.UP))

    late = relay_of(2, 1, msg.LOSS_REPORT)  # lost on the way, A's newer relays get through
    for seq in range(2, 302):
        assert b.handle(A_NUMBER, relay_of(1000 + seq, seq), NOW) == "relay-applied"
    assert b.handle(A_NUMBER, late, NOW + 60) == "relay-applied"
    assert card_state(b) == lossreport.TEMP_LOST
    assert b.handle(A_NUMBER, late, NOW + 120) == "duplicate"
    assert b.conn.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 1


def test_a_request_too_long_to_relay_is_applied_here_not_lost(pair, tmp_path):
    # A rule set that relays every kiosk request; a REQUEST near the frame limit leaves no room for the
    # RELAY header: it is applied by the kiosk's own centre (as when no peer is registered).
    import json

    from lib12333.host.requests_store import RequestStore

    a, _b = pair
    a.relay.rules = loader.loads(json.dumps({"schema": "lib12333-routing/1", "name": "all", "rules": [
        {"name": "all-to-jiangsu", "priority": 99, "when": {"channel": ["kiosk"]},
         "then": {"action": "transfer", "centre": "320000", "queue": "transfer-in"}},
        {"name": "default", "priority": 0, "then": {"action": "queue", "centre": "city", "queue": "general"}},
    ]}).encode(), "all")
    a.requests = RequestStore(str(tmp_path / "hangzhou.db.requests"))
    fields = {"kind": msg.CONSULTATION, "category": "1000", "phone": "", "text": "留" * 160}
    assert a.handle(KIOSK_NUMBER, kiosk_frame(1, msg_type=msg.REQUEST, fields=fields), NOW) == "applied"
    (_, to, body), = take(a)
    f, answer = kiosk_reply(body)
    assert (to, f.msg_type, answer["ref_seq"], answer["status"]) == (KIOSK_NUMBER, msg.STATUS_ANSWER, 1,
                                                                     msg.ST_RECEIVED)
    assert a.requests.get(answer["text"]).subject == "留" * 160
    # A short one is relayed as the rules say.
    fields["text"] = "留言"
    assert a.handle(KIOSK_NUMBER, kiosk_frame(2, msg_type=msg.REQUEST, fields=fields), NOW) == "relayed"
    a.requests.close()
