"""The operator link codecs (lib12333.links) against the cited vectors; runs on CPython and MicroPython."""

import unittest

from lib12333.errors import DecodeError, ValidationError
from lib12333.links import cmpp, content, sgip, smgp, smpp, wire
from lib12333.links.md5 import md5, md5_pure
from tests.core.support import read_json

VECTORS = read_json("protocols/links/vectors.json")


def _value(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list):
        return [_value(x) for x in v]
    if isinstance(v, tuple):
        return [_value(x) for x in v]
    return v


def _check_fields(test, pdu, expect):
    for name in sorted(expect):
        test.assertEqual(_value(pdu.fields[name]), expect[name], name)


class SmppVectors(unittest.TestCase):
    def test_every_vector_decodes_to_its_stated_values_and_encodes_back(self):
        for e in VECTORS["smpp"]:
            with self.subTest(e["id"]):
                raw = bytes.fromhex(e["hex"])
                p = smpp.decode(raw)
                self.assertEqual((p.command, p.seq, p.status), (e["command"], e["seq"], e["status"]))
                _check_fields(self, p, e["fields"])
                if p.fields or not p.command & smpp.RESP:
                    self.assertEqual(smpp.encode(p), raw)

    def test_receipt_text(self):
        e = [x for x in VECTORS["smpp"] if x["id"] == "ch_deliver_sm_receipt"][0]
        r = smpp.receipt(smpp.decode(bytes.fromhex(e["hex"])).fields["short_message"])
        self.assertEqual((r["id"], r["stat"], r["err"], r["submit date"], r["done date"]),
                         ("0059113978", "DELIVRD", "000", "1002101730", "1002101731"))
        with self.assertRaises(DecodeError):
            smpp.receipt(b"hello")

    def test_status_as_data(self):
        self.assertEqual(smpp.status_action(0x58), "throttle")
        self.assertEqual(smpp.status_action(0x0B), "fatal")
        self.assertIn("ESME_RTHROTTLED", smpp.status_text(0x58))
        self.assertIn("vendor", smpp.status_text(0x401))

    def test_malformed(self):
        cases = ("0000001000000015000000", "0000001100000015000000000a342ee7",
                 "0000001180000004000000000a342ee139", "0000001000000110000000000a342ee7")
        for h in cases:
            with self.subTest(h):
                with self.assertRaises(DecodeError):
                    smpp.decode(bytes.fromhex(h))

    def test_encoder_refuses_a_too_long_address(self):
        with self.assertRaises(ValidationError):
            smpp.encode(wire.Pdu(smpp.SUBMIT_SM, 1, {"destination_addr": "1" * 21}))


class CmppVectors(unittest.TestCase):
    def test_every_vector(self):
        for key, version in (("cmpp2", 2), ("cmpp3", 3)):
            codec = cmpp.Codec(version)
            for e in VECTORS[key]:
                with self.subTest(e["id"]):
                    raw = bytes.fromhex(e["hex"])
                    p = codec.decode(raw)
                    self.assertEqual((p.command, p.seq), (e["command"], e["seq"]))
                    _check_fields(self, p, e["fields"])
                    self.assertEqual(codec.encode(p), raw)
                    if "text" in e:
                        m = content.inbound("x", p.fields.get("TP_udhi", 0), content.UCS2, p.fields["Msg_Content"])
                        self.assertEqual(m.text, e["text"])
                    if "report" in e:
                        r = codec.report(p.fields["Msg_Content"])
                        self.assertEqual(dict((k, _value(r[k])) for k in r), e["report"])

    def test_authenticators(self):
        for key in ("cmpp2", "cmpp3"):
            e = VECTORS[key][0]
            f = e["fields"]
            self.assertEqual(cmpp.authenticator(f["Source_Addr"], e["secret"], f["Timestamp"]).hex(),
                             f["AuthenticatorSource"])
        e = [x for x in VECTORS["cmpp3"] if x["id"] == "c3_connect_resp"][0]
        self.assertEqual(cmpp.ismg_authenticator(0, bytes.fromhex(e["auth_source"]), e["secret"]).hex(),
                         e["fields"]["AuthenticatorISMG"])
        self.assertEqual(cmpp.timestamp(12, 3, 9, 58, 7), 1203095807)

    def test_msg_id_layout(self):
        e = [x for x in VECTORS["cmpp3"] if x["id"] == "c3_submit_resp"][0]
        raw = bytes.fromhex(e["fields"]["Msg_Id"])
        self.assertEqual(list(cmpp.split_msg_id(raw)), e["msg_id_parts"])
        self.assertEqual(cmpp.msg_id(*e["msg_id_parts"]), raw)

    def test_versions_differ_in_width(self):
        p = wire.Pdu(cmpp.SUBMIT, 1, {"Dest_terminal_Id": ["13912345678"], "Msg_Content": b"hi"})
        self.assertEqual(len(cmpp.Codec(3).encode(p)) - len(cmpp.Codec(2).encode(p)), 11 + 1 + 11 + 1 + 12)
        with self.assertRaises(DecodeError):
            cmpp.Codec(2).decode(cmpp.Codec(3).encode(p))

    def test_malformed(self):
        codec = cmpp.Codec(3)
        for h in ("0000000c00000008", "0000000d000000080000000100", "0000000c0000000900000001"):
            with self.subTest(h):
                with self.assertRaises(DecodeError):
                    codec.decode(bytes.fromhex(h))
        with self.assertRaises(ValidationError):
            cmpp.Codec(4)

    def test_result_codes_as_data(self):
        self.assertEqual(cmpp.result_action(8), "throttle")
        self.assertEqual(cmpp.result_action(3), "duplicate")
        self.assertEqual(cmpp.result_action(13), "fatal")
        self.assertIn("flow control", cmpp.result_text(8))


class SmgpVectors(unittest.TestCase):
    def test_every_vector(self):
        for e in VECTORS["smgp"]:
            with self.subTest(e["id"]):
                raw = bytes.fromhex(e["hex"])
                p = smgp.decode(raw)
                self.assertEqual((p.command, p.seq), (e["command"], e["seq"]))
                _check_fields(self, p, e["fields"])
                self.assertEqual(smgp.encode(p), raw)

    def test_authenticators(self):
        login, resp = VECTORS["smgp"][0], VECTORS["smgp"][1]
        f = login["fields"]
        self.assertEqual(smgp.authenticator(f["ClientID"], login["secret"], f["TimeStamp"]).hex(),
                         f["AuthenticatorClient"])
        self.assertEqual(smgp.server_authenticator(0, bytes.fromhex(resp["auth_client"]), resp["secret"]).hex(),
                         resp["fields"]["AuthenticatorServer"])

    def test_published_reports(self):
        for e in VECTORS["smgp_reports"]:
            with self.subTest(e["id"]):
                r = smgp.report(bytes.fromhex(e["hex"]))
                self.assertEqual((r["id"].hex(), r["stat"], r["err"]),
                                 (e["expect"]["id"], e["expect"]["stat"], e["expect"]["err"]))
        text = smgp.report_text(b"\x01" * 10, "UNDELIV", "004")
        self.assertEqual(smgp.report(text)["stat"], "UNDELIV")
        with self.assertRaises(DecodeError):
            smgp.report(b"hello")

    def test_status_as_data(self):
        self.assertEqual(smgp.status_action(1), "throttle")
        self.assertEqual(smgp.status_action(47), "fatal")
        self.assertIn("DestTermID", smgp.status_text(47))


class SgipVectors(unittest.TestCase):
    def test_every_vector(self):
        for e in VECTORS["sgip"]:
            with self.subTest(e["id"]):
                raw = bytes.fromhex(e["hex"])
                p = sgip.decode(raw)
                self.assertEqual((p.command, list(p.seq)), (e["command"], e["seq"]))
                _check_fields(self, p, e["fields"])
                self.assertEqual(sgip.encode(p), raw)

    def test_a_report_names_the_submit_by_its_sequence(self):
        submit = [e for e in VECTORS["sgip"] if e["id"] == "sgip_bind"][0]
        report = sgip.decode(bytes.fromhex([e for e in VECTORS["sgip"] if e["id"] == "sgip_report_delivered"][0]["hex"]))
        self.assertEqual(report.fields["SubmitSequenceNumber"].hex(), sgip.message_id(tuple(submit["seq"])))

    def test_malformed_and_codes(self):
        with self.assertRaises(DecodeError):
            sgip.decode(bytes.fromhex("0000000c0000000100000001"))
        with self.assertRaises(ValidationError):
            sgip.encode(wire.Pdu(sgip.UNBIND, 5))
        self.assertEqual(sgip.result_action(11), "throttle")
        self.assertIn("illegal phone number", sgip.result_text(6))


class Md5(unittest.TestCase):
    def test_rfc1321_suite(self):
        suite = (("", "d41d8cd98f00b204e9800998ecf8427e"), ("a", "0cc175b9c0f1b6a831c399e269772661"),
                 ("abc", "900150983cd24fb0d6963f7d28e17f72"),
                 ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
                 ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                  "57edf4a22be3c955ac49da2e2107b67a"))
        for text, digest in suite:
            self.assertEqual(md5_pure(text.encode()).hex(), digest)
            self.assertEqual(md5(text.encode()).hex(), digest)


class Content(unittest.TestCase):
    def test_short_ascii_is_one_plain_part(self):
        p = content.parts(text="CX T330100")
        self.assertEqual([(x.udhi, x.coding, x.octets) for x in p], [(False, "ascii", b"CX T330100")])

    def test_chinese_is_ucs2_and_long_text_is_concatenated(self):
        p = content.parts(text="社" * 100, ref=7)
        self.assertEqual([(x.udhi, x.coding, x.total, x.seq) for x in p], [(True, "ucs2", 2, 1), (True, "ucs2", 2, 2)])
        self.assertEqual(p[0].octets[:6], bytes((5, 0, 3, 7, 2, 1)))
        self.assertEqual(len(p[0].octets), 6 + 134)

    def test_binary_with_port(self):
        p = content.parts(data=b"\x01\x02", port=2333)
        self.assertEqual(p[0].octets, bytes((6, 5, 4, 0x09, 0x1D, 0x09, 0x1D, 1, 2)))
        m = content.inbound("13912345678", True, "binary", p[0].octets)
        self.assertEqual((m.ports, m.data), ((2333, 2333), b"\x01\x02"))

    def test_inbound_errors(self):
        with self.assertRaises(DecodeError):
            content.inbound("1", True, "binary", b"\x09\x00")
        with self.assertRaises(DecodeError):
            content.inbound("1", False, "ucs2", b"\x00")
        with self.assertRaises(ValidationError):
            content.parts()


class Framing(unittest.TestCase):
    def test_split_across_reads_and_bad_length(self):
        f = wire.Framer(12)
        self.assertEqual(f.feed(bytes.fromhex("0000000c000000")), [])
        self.assertEqual(f.feed(bytes.fromhex("0800000003") + bytes.fromhex("0000000c")),
                         [bytes.fromhex("0000000c0000000800000003")])
        with self.assertRaises(DecodeError):
            wire.Framer(12).feed(bytes.fromhex("00000004"))
