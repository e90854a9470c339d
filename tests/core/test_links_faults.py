"""Faults an independent review found in the link engine: answers to the wrong request, nacks, bad TLVs.
CPython and MicroPython."""

import unittest

from lib12333.links import cmpp, smpp, wire
from lib12333.links.client import Link
from lib12333.links.dialects import CmppDialect
from tests.core.test_links_client import WALL, bound_smpp, cmpp_peer, kinds, smpp_peer


def connect_cmpp(link):
    """Connect ``link`` (CMPP 3.0, secret "s3cret") to a gateway that accepts it; the peer."""
    peer = cmpp_peer()
    link.connected(0.0, WALL)
    (con,) = peer.read(link)
    auth = cmpp.ismg_authenticator(0, con.fields["AuthenticatorSource"], "s3cret")
    link.receive(peer.encode(wire.Pdu(cmpp.CONNECT | cmpp.RESP, con.seq,
                                      {"Status": 0, "AuthenticatorISMG": auth, "Version": 0x30})), 0.1)
    return peer


def bound_cmpp():
    link = Link(CmppDialect("901234", "s3cret"), 0.0)
    peer = connect_cmpp(link)
    if kinds(link) != ["bound"]:
        raise AssertionError("not bound")
    return link, peer


class WrongAnswers(unittest.TestCase):
    def test_smpp_enquire_link_resp_on_a_submits_sequence_does_not_settle_it(self):
        link, peer = bound_smpp(response_timeout=5.0)
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.ENQUIRE_LINK | smpp.RESP, s.seq, {}, 0)), 0.3)
        self.assertEqual(kinds(link), ["bad-pdu"])
        self.assertEqual(link.pending(), 1)
        # the real answer still settles it
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, s.seq, {"message_id": "m1"}, 0)), 0.4)
        self.assertEqual([(e.kind, e.id, e.message_ids) for e in link.events()], [("submitted", mid, ["m1"])])

    def test_cmpp_active_test_resp_on_a_submits_sequence_is_a_bad_pdu_not_a_crash(self):
        link, peer = bound_cmpp()
        link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(peer.encode(wire.Pdu(cmpp.ACTIVE_TEST | cmpp.RESP, s.seq, {"Reserved": 0})), 0.3)
        self.assertEqual(kinds(link), ["bad-pdu"])
        self.assertEqual(link.pending(), 1)

    def test_smpp_generic_nack_with_status_zero_is_not_an_acceptance(self):
        link, peer = bound_smpp(throttle_pause=1.0)
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.GENERIC_NACK, s.seq, {}, 0)), 0.3)
        self.assertEqual(kinds(link), [])
        self.assertEqual(link.pending(), 1)
        link.poll(1.4)
        (again,) = peer.read(link)
        self.assertEqual(again.command, smpp.SUBMIT_SM)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, again.seq, {"message_id": "m2"}, 0)), 1.5)
        self.assertEqual([(e.kind, e.id) for e in link.events()], [("submitted", mid)])

    def test_smpp_generic_nack_with_a_status_fails_by_that_status(self):
        link, peer = bound_smpp()
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.GENERIC_NACK, s.seq, {}, 0x0B)), 0.3)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id, ev.code), ("submit-failed", mid, 0x0B))


class BadReceipts(unittest.TestCase):
    def test_receipted_message_id_not_ascii_is_a_bad_pdu_and_acknowledged(self):
        link, peer = bound_smpp()
        text = smpp.receipt_text("abc", "DELIVRD").encode()
        link.receive(smpp.encode(wire.Pdu(smpp.DELIVER_SM, 77, {"esm_class": smpp.ESM_RECEIPT, "short_message": text,
                                                                "options": [(smpp.TAG_RECEIPTED_MESSAGE_ID,
                                                                             b"\xff\xfe\x00")]}, 0)), 0.3)
        self.assertEqual(kinds(link), ["bad-pdu"])
        (resp,) = peer.read(link)
        self.assertEqual((resp.command, resp.seq), (smpp.DELIVER_SM | smpp.RESP, 77))

    def test_receipted_message_id_tlv_names_the_submission(self):
        link, peer = bound_smpp()
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, s.seq, {"message_id": "A1"}, 0)), 0.2)
        link.events()
        text = smpp.receipt_text("other", "DELIVRD").encode()
        link.receive(smpp.encode(wire.Pdu(smpp.DELIVER_SM, 78, {"esm_class": smpp.ESM_RECEIPT, "short_message": text,
                                                                "options": [(smpp.TAG_RECEIPTED_MESSAGE_ID,
                                                                             b"A1\x00")]}, 0)), 0.3)
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id, ev.message_id, ev.delivered), ("report", mid, "A1", True))


class ReceiptIdSpellings(unittest.TestCase):
    def report_for(self, accepted_id, receipt_id):
        link, peer = bound_smpp()
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, s.seq, {"message_id": accepted_id}, 0)), 0.2)
        link.events()
        text = smpp.receipt_text(receipt_id, "DELIVRD").encode()
        link.receive(smpp.encode(wire.Pdu(smpp.DELIVER_SM, 78, {"esm_class": smpp.ESM_RECEIPT,
                                                                "short_message": text}, 0)), 0.3)
        (ev,) = link.events()
        return mid, ev

    def test_hex_submit_id_and_zero_padded_decimal_receipt_id_are_one_message(self):
        mid, ev = self.report_for("6B2BC", "0000438972")
        self.assertEqual((ev.id, ev.message_id), (mid, "6B2BC"))

    def test_decimal_submit_id_and_hex_receipt_id_are_one_message(self):
        mid, ev = self.report_for("438972", "6b2bc")
        self.assertEqual((ev.id, ev.message_id), (mid, "438972"))

    def test_an_unrelated_id_stays_unmatched(self):
        mid, ev = self.report_for("6B2BC", "12345")
        self.assertEqual((ev.id, ev.message_id), (None, "12345"))

    def test_id_forms(self):
        self.assertEqual(smpp.id_forms("0000438972"), ["438972", "6b2bc", "6B2BC"])
        self.assertEqual(smpp.id_forms("6b2bc"), ["438972"])
        self.assertEqual(smpp.id_forms("msg-1"), [])
        self.assertEqual(smpp.id_forms(""), [])


class Secrets(unittest.TestCase):
    def test_a_bind_pdus_repr_hides_the_password(self):
        from lib12333.links import sgip

        bind = wire.Pdu(smpp.BIND_TRANSCEIVER, 1, {"system_id": "centre", "password": "s3cr3t"})
        self.assertFalse("s3cr3t" in repr(bind))
        self.assertTrue("centre" in repr(bind))
        login = wire.Pdu(sgip.BIND, (1, 2, 3), {"LoginName": "c", "LoginPassword": "s3cr3t"})
        self.assertFalse("s3cr3t" in repr(login))
        self.assertEqual(bind.fields["password"], "s3cr3t")  # only the repr hides it


class SessionRefusals(unittest.TestCase):
    def test_a_submit_refused_for_the_session_is_sent_again_after_a_new_bind(self):
        link, peer = bound_smpp()
        mid = link.submit("13912345678", text="x")
        (s,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, s.seq, {}, 0x04)), 0.3)  # ESME_RINVBNDSTS
        self.assertEqual(kinds(link), ["bind-failed"])
        self.assertEqual(link.pending(), 1)
        self.assertTrue(link.wants_close())
        link.connection_lost(0.3)
        self.assertEqual(kinds(link), ["down"])  # not ambiguous: the operator refused it
        t = link.next_deadline()
        link.connected(t, WALL)
        peer = smpp_peer()
        (bind,) = peer.read(link)
        link.receive(smpp.encode(wire.Pdu(smpp.BIND_TRANSCEIVER | smpp.RESP, bind.seq, {"system_id": "x"}, 0)), t)
        (again,) = peer.read(link)
        self.assertEqual((again.command, again.fields["short_message"]), (smpp.SUBMIT_SM, b"x"))
        link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, again.seq, {"message_id": "9"}, 0)), t)
        self.assertEqual([(e.kind, getattr(e, "id", None)) for e in link.events()], [("bound", None),
                                                                                     ("submitted", mid)])


class UnencodableSubmits(unittest.TestCase):
    def test_a_submit_the_dialect_cannot_encode_fails_instead_of_raising_later(self):
        from lib12333.errors import ValidationError

        link = Link(CmppDialect("901234", "s3cret", service_id="ABCDEFGHIJK"), 0.0)  # Service_Id is 10 octets
        mid = link.submit("13912345678", text="queued while down")
        peer = connect_cmpp(link)
        evs = link.events()
        self.assertEqual([e.kind for e in evs], ["bound", "submit-failed"])
        self.assertEqual(evs[1].id, mid)
        self.assertTrue(isinstance(evs[1].error, ValidationError))
        self.assertEqual(link.pending(), 0)
        mid2 = link.submit("13912345678", text="again")
        (ev,) = link.events()
        self.assertEqual((ev.kind, ev.id), ("submit-failed", mid2))
        self.assertEqual(peer.read(link), [])


class SequenceWrap(unittest.TestCase):
    def test_the_sequence_wraps_to_1_and_answers_still_match(self):
        link, peer = bound_smpp()
        link._seq = 0x7FFFFFFE
        ids = [link.submit("13912345678", text="w%d" % i) for i in range(3)]
        sent = peer.read(link)
        self.assertEqual([p.seq for p in sent], [0x7FFFFFFF, 1, 2])  # SMPP 3.4: 1..0x7FFFFFFF
        for p in reversed(sent):  # answered out of order
            link.receive(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, p.seq, {"message_id": "id%d" % p.seq}, 0)),
                         0.3)
        got = sorted([(e.id, e.message_ids[0]) for e in link.events() if e.kind == "submitted"])
        self.assertEqual(got, [(ids[0], "id2147483647"), (ids[1], "id1"), (ids[2], "id2")])


if __name__ == "__main__":
    unittest.main()
