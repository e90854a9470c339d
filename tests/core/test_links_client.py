"""The sans-IO link engine (lib12333.links.client) driven by scripted gateway PDUs; CPython and MicroPython."""

import unittest

from lib12333.links import cmpp, sgip, smgp, smpp, wire
from lib12333.links.client import BOUND, DOWN, Link
from lib12333.links.dialect_sgip import SgipDialect
from lib12333.links.dialects import CmppDialect, SmgpDialect, SmppDialect
from lib12333.links.incoming import Session
from lib12333.sms import ucs2

WALL = (12, 3, 9, 58, 7)


class Peer:
    """The gateway's side of the conversation, built from the same codecs."""

    def __init__(self, codec_encode, codec_decode, minimum):
        self.encode = codec_encode
        self.decode = codec_decode
        self.framer = wire.Framer(minimum)

    def read(self, link):
        return [self.decode(raw) for raw in self.framer.feed(link.data_to_send())]


def smpp_peer():
    return Peer(smpp.encode, smpp.decode, 16)


def cmpp_peer():
    c = cmpp.Codec(3)
    return Peer(c.encode, c.decode, 12)


def kinds(link):
    return [e.kind for e in link.events()]


def bound_smpp(**options):
    link = Link(SmppDialect("sp", "pw", source="10657"), 0.0, **options)
    peer = smpp_peer()
    link.connected(0.0, WALL)
    (bind,) = peer.read(link)
    link.receive(peer.encode(wire.Pdu(smpp.BIND_TRANSCEIVER | smpp.RESP, bind.seq, {"system_id": "ismg"}, 0)), 0.1)
    if kinds(link) != ["bound"]:
        raise AssertionError("not bound")
    return link, peer


class SmppLink(unittest.TestCase):
    def test_bind_then_window_limits_what_is_in_flight(self):
        link, peer = bound_smpp(window=2)
        self.assertEqual(link.state, BOUND)
        ids = [link.submit("13912345678", text="hello %d" % i) for i in range(3)]
        sent = peer.read(link)
        self.assertEqual([p.command for p in sent], [smpp.SUBMIT_SM, smpp.SUBMIT_SM])
        self.assertEqual(sent[0].fields["short_message"], b"hello 0")
        self.assertEqual(sent[0].fields["registered_delivery"], 1)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, sent[0].seq, {"message_id": "m0"}, 0)), 0.2)
        evs = link.events()
        self.assertEqual([(e.kind, e.id, e.message_ids) for e in evs], [("submitted", ids[0], ["m0"])])
        (third,) = peer.read(link)
        self.assertEqual(third.fields["short_message"], b"hello 2")

    def test_throttled_submit_is_sent_again_after_the_pause(self):
        link, peer = bound_smpp(throttle_pause=1.0)
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, s.seq, {}, smpp.THROTTLED)), 0.2)
        self.assertEqual(kinds(link), ["throttled"])
        self.assertEqual(peer.read(link), [])
        link.poll(1.3)
        (again,) = peer.read(link)
        self.assertNotEqual(again.seq, s.seq)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, again.seq, {"message_id": "7"}, 0)), 1.4)
        self.assertEqual([(e.kind, e.id) for e in link.events()], [("submitted", mid)])

    def test_permanent_error_fails_the_message_with_the_code(self):
        link, peer = bound_smpp()
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, s.seq, {}, 0x0B)), 0.2)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id, ev.code), ("submit-failed", mid, 0x0B))
        self.assertIn("ESME_RINVDSTADR", str(ev.error))

    def test_drop_with_requests_in_the_window_makes_them_ambiguous_and_resends(self):
        link, peer = bound_smpp()
        mid = link.submit("13912345678", text="x")
        peer.read(link)
        link.connection_lost(0.5)
        evs = link.events()
        self.assertEqual([e.kind for e in evs], ["ambiguous", "down"])
        self.assertEqual(evs[1].ambiguous, [mid])
        self.assertEqual(link.state, DOWN)
        self.assertFalse(link.wants_connection(1.0))
        self.assertTrue(link.wants_connection(1.5))  # back-off of 1 s
        peer = smpp_peer()
        link.connected(1.5, WALL)
        (bind,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.BIND_TRANSCEIVER | smpp.RESP, bind.seq, {"system_id": "i"}, 0)), 1.6)
        sent = peer.read(link)
        self.assertEqual([p.fields["short_message"] for p in sent], [b"x"])

    def test_deliver_is_acknowledged_only_after_confirm(self):
        link, peer = bound_smpp()
        link.receive(smpp.encode(wire.Pdu(smpp.DELIVER_SM, 41, {
            "source_addr": "13912345678", "destination_addr": "10657", "data_coding": 8,
            "short_message": ucs2.encode("查询")}, 0)), 0.3)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.message.text, ev.message.number), ("deliver", "查询", "13912345678"))
        self.assertEqual(peer.read(link), [])
        link.confirm(ev.token)
        (resp,) = peer.read(link)
        self.assertEqual((resp.command, resp.seq, resp.status), (smpp.DELIVER_SM | smpp.RESP, 41, 0))

    def test_long_deliver_is_joined_and_every_part_acknowledged(self):
        link, peer = bound_smpp()
        text = "社" * 100
        from lib12333.links import content

        for i, part in enumerate(content.parts(text=text, ref=9)):
            link.receive(smpp.encode(wire.Pdu(smpp.DELIVER_SM, 50 + i, {
                "source_addr": "13912345678", "esm_class": smpp.ESM_UDHI, "data_coding": 8,
                "short_message": part.octets}, 0)), 0.3)
        (ev,) = link.events()
        self.assertEqual((ev.message.text, ev.message.parts), (text, 2))
        link.confirm(ev.token)
        self.assertEqual(sorted(p.seq for p in peer.read(link)), [50, 51])

    def test_receipt_matched_to_the_submission(self):
        link, peer = bound_smpp()
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, s.seq, {"message_id": "abc"}, 0)), 0.2)
        link.events()
        receipt = smpp.receipt_text("abc", "DELIVRD").encode()
        link.receive(smpp.encode(wire.Pdu(smpp.DELIVER_SM, 60, {"esm_class": smpp.ESM_RECEIPT,
                                                                "short_message": receipt}, 0)), 0.3)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id, ev.part, ev.delivered, ev.stat), ("report", mid, 0, True, "DELIVRD"))

    def test_enquire_link_when_idle_and_drop_when_unanswered(self):
        link, peer = bound_smpp(keepalive=30.0, response_timeout=5.0)
        link.poll(30.2)
        (ka,) = peer.read(link)
        self.assertEqual(ka.command, smpp.ENQUIRE_LINK)
        self.assertFalse(link.wants_close())
        link.poll(35.3)
        self.assertTrue(link.wants_close())

    def test_peer_enquire_link_and_unbind_are_answered(self):
        link, peer = bound_smpp()
        link.receive(smpp.encode(wire.Pdu(smpp.ENQUIRE_LINK, 70)) + smpp.encode(wire.Pdu(smpp.UNBIND, 71)), 0.5)
        self.assertEqual([(p.command, p.seq) for p in peer.read(link)],
                         [(smpp.ENQUIRE_LINK | smpp.RESP, 70), (smpp.UNBIND | smpp.RESP, 71)])
        self.assertEqual(kinds(link), ["unbound"])
        self.assertTrue(link.wants_close())

    def test_rate_limit_spaces_submits(self):
        link, peer = bound_smpp(rate=2)
        for i in range(5):
            link.submit("13912345678", text=str(i))
        self.assertEqual(len(peer.read(link)), 2)
        self.assertAlmostEqual(link.next_deadline(), 0.6, 3)
        link.poll(0.6)
        self.assertEqual(len(peer.read(link)), 1)

    def test_deadline_fails_a_message_never_accepted(self):
        link = Link(SmppDialect("sp", "pw"), 0.0)
        mid = link.submit("13912345678", text="x", deadline=10.0)
        link.poll(10.0)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id, ev.ambiguous), ("submit-failed", mid, False))

    def test_deadline_with_the_submit_in_the_window_is_ambiguous(self):
        link, peer = bound_smpp(response_timeout=60.0)
        mid = link.submit("13912345678", text="x", deadline=5.0)
        peer.read(link)
        link.poll(5.0)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id, ev.ambiguous), ("submit-failed", mid, True))
        self.assertIn("may have been taken", str(ev.error))

    def test_garbage_stream_closes_the_connection(self):
        link, peer = bound_smpp()
        link.receive(b"\xff\xff\xff\xff", 0.3)
        self.assertEqual(kinds(link), ["bad-pdu"])
        self.assertTrue(link.wants_close())


class CmppLink(unittest.TestCase):
    def bound(self):
        link = Link(CmppDialect("901234", "s3cret", service_id="RSJ", src_id="1065712333"), 0.0)
        peer = cmpp_peer()
        link.connected(0.0, WALL)
        (con,) = peer.read(link)
        self.assertEqual(con.fields["Timestamp"], 1203095807)
        self.assertEqual(con.fields["AuthenticatorSource"], cmpp.authenticator("901234", "s3cret", 1203095807))
        auth = cmpp.ismg_authenticator(0, con.fields["AuthenticatorSource"], "s3cret")
        link.receive(peer.encode(wire.Pdu(cmpp.CONNECT | cmpp.RESP, con.seq,
                                          {"Status": 0, "AuthenticatorISMG": auth, "Version": 0x30})), 0.1)
        return link, peer

    def test_connect_checks_the_gateway_authenticator(self):
        link = Link(CmppDialect("901234", "s3cret"), 0.0)
        peer = cmpp_peer()
        link.connected(0.0, WALL)
        (con,) = peer.read(link)
        link.receive(peer.encode(wire.Pdu(cmpp.CONNECT | cmpp.RESP, con.seq,
                                          {"Status": 0, "AuthenticatorISMG": b"\x00" * 16, "Version": 0x30})), 0.1)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.code), ("bind-failed", -2))
        link2, _ = self.bound()
        self.assertEqual(kinds(link2), ["bound"])

    def test_timeout_resends_the_same_sequence_and_duplicate_result_settles_it(self):
        link, peer = self.bound()
        link.events()
        mid = link.submit("13912345678", text="您好")
        (s,) = peer.read(link)
        self.assertEqual((s.fields["Msg_Fmt"], s.fields["Dest_terminal_Id"]), (8, ["13912345678"]))
        link.poll(10.2)
        (again,) = peer.read(link)
        self.assertEqual(again, s)
        link.receive(peer.encode(wire.Pdu(cmpp.SUBMIT | cmpp.RESP, s.seq,
                                          {"Msg_Id": cmpp.msg_id(12, 3, 9, 58, 8, 1, 1), "Result": 0})), 10.3)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id), ("submitted", mid))

    def test_report_and_duplicate_deliver_by_msg_id(self):
        link, peer = self.bound()
        link.events()
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        ismg_id = cmpp.msg_id(12, 3, 9, 58, 8, 77, 5)
        link.receive(peer.encode(wire.Pdu(cmpp.SUBMIT | cmpp.RESP, s.seq, {"Msg_Id": ismg_id, "Result": 0})), 0.2)
        link.events()
        report = cmpp.Codec(3).encode_report({"Msg_Id": ismg_id, "Stat": "DELIVRD", "Dest_terminal_Id": "13912345678"})
        deliver = peer.encode(wire.Pdu(cmpp.DELIVER, 90, {"Msg_Id": cmpp.msg_id(12, 3, 9, 58, 9, 77, 6),
                                                          "Registered_Delivery": 1, "Msg_Content": report}))
        link.receive(deliver, 0.3)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id, ev.delivered), ("report", mid, True))
        link.receive(deliver, 0.4)  # the gateway sends it again before we confirmed: one event only
        self.assertEqual(link.events(), [])
        link.confirm(ev.token)
        self.assertEqual([p.seq for p in peer.read(link)], [90, 90])
        link.receive(deliver, 0.5)  # and again after the commit: acknowledged at once
        self.assertEqual(link.events(), [])
        self.assertEqual([p.seq for p in peer.read(link)], [90])

    def gb_deliver(self, seq, content, udhi=0):
        return wire.Pdu(cmpp.DELIVER, seq, {"Msg_Id": cmpp.msg_id(12, 3, 9, 58, 9, 77, seq),
                                            "Src_terminal_Id": "13912345678", "Msg_Fmt": cmpp.FMT_GB,
                                            "TP_udhi": udhi, "Msg_Content": content})

    def test_gb_text_is_decoded_by_the_callers_codec_after_the_parts_are_joined(self):
        # 查询 in GBK is B2E9 D1AF; the operator cut the long message inside 询 (D1 | AF)
        table = {b"\xb2\xe9\xd1\xaf": "查询", b"CX \xb2\xe9": "CX 查"}
        link, peer = self.bound()
        link.gb_decode = table.__getitem__
        link.events()
        link.receive(peer.encode(self.gb_deliver(92, b"CX \xb2\xe9")), 0.3)
        (one,) = link.events()
        self.assertEqual((one.kind, one.message.text), ("deliver", "CX 查"))
        head = b"\x05\x00\x03\x2a\x02"
        link.receive(peer.encode(self.gb_deliver(93, head + b"\x01\xb2\xe9\xd1", 1)), 0.4)
        link.receive(peer.encode(self.gb_deliver(94, head + b"\x02\xaf", 1)), 0.5)
        (whole,) = link.events()
        self.assertEqual((whole.kind, whole.message.text), ("deliver", "查询"))

    def test_gb_text_without_a_codec_or_with_a_failing_one_is_kept_readable(self):
        link, peer = self.bound()
        link.events()
        link.receive(peer.encode(self.gb_deliver(95, b"CX \xb2\xe9")), 0.3)
        (ev,) = link.events()
        self.assertEqual(ev.message.text, "CX \ufffd\ufffd")

        def broken(octets):
            raise ValueError("not GB")
        link.gb_decode = broken
        link.receive(peer.encode(self.gb_deliver(96, b"CX T1\xff")), 0.4)
        (ev,) = link.events()
        self.assertEqual(ev.message.text, "CX T1\ufffd")

    def test_a_deliver_not_confirmed_before_a_drop_is_handed_on_again(self):
        link, peer = self.bound()
        link.events()
        mo = peer.encode(wire.Pdu(cmpp.DELIVER, 91, {"Msg_Id": cmpp.msg_id(12, 3, 9, 58, 9, 77, 7),
                                                     "Src_terminal_Id": "13912345678", "Msg_Content": b"CX T1"}))
        link.receive(mo, 0.3)
        (first,) = link.events()
        link.connection_lost(0.4)  # the centre never confirmed: nothing was acknowledged
        link.events()
        self.assertEqual(peer.read(link), [])
        peer = cmpp_peer()
        link.connected(1.5, WALL)
        (con,) = peer.read(link)
        auth = cmpp.ismg_authenticator(0, con.fields["AuthenticatorSource"], "s3cret")
        link.receive(peer.encode(wire.Pdu(cmpp.CONNECT | cmpp.RESP, con.seq,
                                          {"Status": 0, "AuthenticatorISMG": auth, "Version": 0x30})), 1.6)
        link.receive(mo, 1.7)  # the gateway sends it again
        again = [e for e in link.events() if e.kind == "deliver"]
        self.assertEqual([e.message.text for e in again], ["CX T1"])
        link.confirm(first.token)  # a token of the lost connection acknowledges nothing
        self.assertEqual(peer.read(link), [])
        link.confirm(again[0].token)
        self.assertEqual([(p.command, p.seq) for p in peer.read(link)], [(cmpp.DELIVER | cmpp.RESP, 91)])

    def test_flow_control_result_pauses(self):
        link, peer = self.bound()
        link.events()
        link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(peer.encode(wire.Pdu(cmpp.SUBMIT | cmpp.RESP, s.seq, {"Msg_Id": b"\x00" * 8, "Result": 8})), 0.2)
        self.assertEqual(kinds(link), ["throttled"])


class SmgpLink(unittest.TestCase):
    def test_login_submit_report_and_duplicate_report(self):
        link = Link(SmgpDialect("33012345", "s3cret", service_id="RSJ", src_id="10657112333"), 0.0)
        peer = Peer(smgp.encode, smgp.decode, 12)
        link.connected(0.0, WALL)
        (login,) = peer.read(link)
        self.assertEqual(login.fields["AuthenticatorClient"], smgp.authenticator("33012345", "s3cret", 1203095807))
        auth = smgp.server_authenticator(0, login.fields["AuthenticatorClient"], "s3cret")
        link.receive(smgp.encode(wire.Pdu(smgp.LOGIN | smgp.RESP, login.seq,
                                          {"Status": 0, "AuthenticatorServer": auth, "ServerVersion": 0x30})), 0.1)
        self.assertEqual(kinds(link), ["bound"])
        mid = link.submit("13312345678", text="社" * 80)
        parts = peer.read(link)
        self.assertEqual([p.fields["MsgFormat"] for p in parts], [8, 8])
        self.assertEqual([smgp.option(p, smgp.TAG_TP_UDHI) for p in parts], [b"\x01", b"\x01"])
        ids = [bytes((0x12, 0x34, 0x56, 0x12, 0x03, 0x09, 0x58, 0, 0, i)) for i in (1, 2)]
        for p, raw in zip(parts, ids):
            link.receive(smgp.encode(wire.Pdu(smgp.SUBMIT | smgp.RESP, p.seq, {"MsgID": raw, "Status": 0})), 0.2)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id, ev.message_ids), ("submitted", mid, [ids[0].hex(), ids[1].hex()]))
        deliver = smgp.encode(wire.Pdu(smgp.DELIVER, 33, {"MsgID": b"\x99" * 10, "IsReport": 1,
                                                          "MsgContent": smgp.report_text(ids[1], "DELIVRD")}))
        link.receive(deliver, 0.3)
        link.receive(deliver, 0.35)
        (rep,) = link.events()
        self.assertEqual((rep.kind, rep.id, rep.part, rep.delivered), ("report", mid, 1, True))
        link.confirm(rep.token)
        self.assertEqual([(p.command, p.seq) for p in peer.read(link)],
                         [(smgp.DELIVER | smgp.RESP, 33), (smgp.DELIVER | smgp.RESP, 33)])


class SgipLinks(unittest.TestCase):
    def test_submit_on_ours_report_and_deliver_on_theirs(self):
        link = Link(SgipDialect("centre", "pw", sp_number="10655512333", corp_id="12345"), 0.0)
        peer = Peer(sgip.encode, sgip.decode, 20)
        link.connected(0.0, WALL)
        (bind,) = peer.read(link)
        self.assertEqual((bind.fields["LoginType"], bind.seq[1]), (1, 1203095807))
        link.receive(sgip.encode(wire.Pdu(sgip.BIND | sgip.RESP, bind.seq, {"Result": 0})), 0.1)
        self.assertEqual(kinds(link), ["bound"])
        mid = link.submit("13012345678", text="CX")
        (sub,) = peer.read(link)
        self.assertEqual((sub.fields["UserNumber"], sub.fields["ReportFlag"]), (["8613012345678"], 1))
        link.receive(sgip.encode(wire.Pdu(sgip.SUBMIT | sgip.RESP, sub.seq, {"Result": 0})), 0.2)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.message_ids), ("submitted", [sgip.message_id(sub.seq)]))
        link.poll(100.0)
        self.assertEqual(peer.read(link), [])  # SGIP has no keep-alive command

        # the SMG's own connection to us
        s = Session(link, {"smg": "pw2"}, 0.3)
        smg = Peer(sgip.encode, sgip.decode, 20)
        s.receive(sgip.encode(wire.Pdu(sgip.BIND, (2000000001, 1, 1), {"LoginType": 2, "LoginName": "smg",
                                                                         "LoginPassword": "pw2"})), 0.3)
        (resp,) = smg.read(s)
        self.assertEqual((resp.command, resp.fields["Result"]), (sgip.BIND | sgip.RESP, 0))
        report = sgip.encode(wire.Pdu(sgip.REPORT, (2000000001, 1, 2), {
            "SubmitSequenceNumber": bytes.fromhex(sgip.message_id(sub.seq)), "UserNumber": "8613012345678",
            "State": 0}))
        s.receive(report, 0.4)
        s.receive(report, 0.45)  # sent twice: handed on once
        (rep,) = s.events()[1:]
        self.assertEqual((rep.kind, rep.id, rep.delivered), ("report", mid, True))
        self.assertEqual(smg.read(s), [])
        s.confirm(rep.token)
        self.assertEqual([p.command for p in smg.read(s)], [sgip.REPORT | sgip.RESP] * 2)
        s.receive(sgip.encode(wire.Pdu(sgip.DELIVER, (2000000001, 1, 3), {
            "UserNumber": "8613012345678", "SPNumber": "10655512333", "MessageContent": b"CX T1"})), 0.5)
        (mo,) = s.events()
        self.assertEqual((mo.kind, mo.message.text, mo.message.number), ("deliver", "CX T1", "13012345678"))
        s.confirm(mo.token)
        (ack,) = smg.read(s)
        self.assertEqual((ack.command, ack.seq), (sgip.DELIVER | sgip.RESP, (2000000001, 1, 3)))

    def test_a_wrong_login_is_refused_and_closed(self):
        link = Link(SgipDialect("centre", "pw"), 0.0)
        s = Session(link, {"smg": "pw2"}, 0.0)
        s.receive(sgip.encode(wire.Pdu(sgip.BIND, (1, 1, 1), {"LoginType": 2, "LoginName": "smg",
                                                                "LoginPassword": "nope"})), 0.1)
        resp = sgip.decode(s.data_to_send())
        self.assertEqual(resp.fields["Result"], 1)
        self.assertTrue(s.wants_close())


class Flow(unittest.TestCase):
    def test_backoff_doubles_to_its_ceiling_and_resets(self):
        from lib12333.links.flow import Backoff

        b = Backoff(1.0, 60.0)
        self.assertEqual([b.next_delay() for _ in range(8)], [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0])
        b.reset()
        self.assertEqual(b.next_delay(), 1.0)

    def test_rate_allows_a_burst_then_one_per_interval(self):
        from lib12333.links.flow import Rate

        r = Rate(4, 0.0)
        self.assertEqual([r.take(0.0) for _ in range(5)], [True, True, True, True, False])
        self.assertAlmostEqual(r.ready_at(0.0), 0.25, 6)
        self.assertFalse(r.take(0.2))
        self.assertTrue(r.take(0.3))
        self.assertTrue(Rate(None, 0.0).take(0.0))

    def test_reconnect_waits_longer_after_each_failed_bind(self):
        link = Link(SmppDialect("sp", "pw"), 0.0, backoff=1.0)
        peer = smpp_peer()
        t = 0.0
        waits = []
        for _ in range(3):
            link.connected(t, WALL)
            (bind,) = peer.read(link)
            link.receive(smpp.encode(wire.Pdu(smpp.BIND_TRANSCEIVER | smpp.RESP, bind.seq, {}, 0x0E)), t)
            self.assertEqual([e.kind for e in link.events()], ["bind-failed"])
            self.assertTrue(link.wants_close())
            link.connection_lost(t)
            link.events()
            waits.append(link.next_deadline() - t)
            t = link.next_deadline()
            peer = smpp_peer()
        self.assertEqual(waits, [1.0, 2.0, 4.0])
