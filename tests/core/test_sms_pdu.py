"""PDU decoding and encoding against the published vectors in protocols/sms/vectors.json."""

import unittest

from lib12333.errors import DecodeError, Lib12333Error, ValidationError
from lib12333.sms import encode, pdu
from lib12333.sms.scts import Timestamp, Validity
from tests.core.support import read_json

V = read_json("protocols/sms/vectors.json")


def _get(m, k):
    if k == "concat":
        c = m.concat
        return None if c is None else [c.ref, c.total, c.seq, c.bits]
    if k in ("scts", "discharge"):
        return getattr(m, k).isoformat()
    if k == "vp_kind":
        return m.vp.kind
    if k == "vp_seconds":
        return m.vp.seconds
    if k == "vp_timestamp":
        return m.vp.timestamp.isoformat()
    if k == "data_hex":
        return m.data.hex()
    if k == "udh":
        return [[i, b.hex()] for i, b in m.udh]
    return getattr(m, k)


def _ts(a):
    return Timestamp(a[0], a[1], a[2], a[3], a[4], a[5], a[6])


class DecodeVectors(unittest.TestCase):
    def test_published_vectors(self):
        self.assertTrue(len(V["decode"]) >= 20)
        for d in V["decode"]:
            with self.subTest(d["id"]):
                m = pdu.decode_hex(d["hex"], d.get("smsc", True))
                for k in d["expect"]:
                    self.assertEqual(_get(m, k), d["expect"][k], d["id"] + " " + k)

    def test_tpdu_length_matches_cmgr_length(self):
        for d in V["decode"]:
            with self.subTest(d["id"]):
                raw = pdu.from_hex(d["hex"])
                m = pdu.decode(raw)
                self.assertEqual(m.tpdu_length, len(raw) - 1 - raw[0])

    def test_without_smsc(self):
        d = V["decode"][0]
        raw = pdu.from_hex(d["hex"])
        m = pdu.decode(raw[1 + raw[0]:], smsc=False)
        self.assertEqual(m.text, "How are you?")
        self.assertIsNone(m.smsc)

    def test_error_vectors(self):
        for d in V["decode_errors"]:
            with self.subTest(d["id"]):
                try:
                    pdu.decode_hex(d["hex"], d["smsc"])
                except DecodeError as e:
                    self.assertEqual(e.field, d["field"])
                else:
                    self.fail("no DecodeError for " + d["id"])

    def test_hex_errors(self):
        self.assertRaises(DecodeError, pdu.decode_hex, "0G")
        self.assertRaises(DecodeError, pdu.decode_hex, "000")
        self.assertRaises(DecodeError, pdu.decode_hex, b"00")

    def test_dcs_groups(self):
        cases = [
            (0x00, ("general", "gsm7", None, False)),
            (0x08, ("general", "ucs2", None, False)),
            (0x10, ("general", "gsm7", 0, False)),
            (0x18, ("general", "ucs2", 0, False)),
            (0x19, ("general", "ucs2", 1, False)),
            (0x24, ("general", "8bit", None, True)),
            (0x0C, ("reserved", "gsm7", None, False)),
            (0x48, ("auto-delete", "ucs2", None, False)),
            (0x85, ("reserved", "gsm7", None, False)),
            (0xC8, ("mwi-discard", "gsm7", None, False)),
            (0xD0, ("mwi-store", "gsm7", None, False)),
            (0xE0, ("mwi-store-ucs2", "ucs2", None, False)),
            (0xF0, ("data-class", "gsm7", 0, False)),
            (0xF5, ("data-class", "8bit", 1, False)),
        ]
        for dcs, want in cases:
            with self.subTest(dcs):
                self.assertEqual(pdu.parse_dcs(dcs), want)

    def test_to_dict_shape(self):
        m = pdu.decode_hex(V["decode"][0]["hex"])
        d = m.to_dict()
        self.assertEqual(d["type"], "SMS-DELIVER")
        self.assertEqual(d["scts"], "2002-08-26T19:37:41+00:00")
        self.assertEqual(d["concat"], None)
        self.assertEqual(d["text"], "How are you?")
        r = pdu.decode_hex("0006D60B911326880736F4111011719551401110117195714000").to_dict()
        self.assertEqual(r["status_kind"], "delivered")
        self.assertEqual(r["mr"], 214)


class StrictAndLenient(unittest.TestCase):
    """TS 23.040 strict by default; lenient decoding of raw modem captures lists every deviation."""

    def setUp(self):
        ts = Timestamp(2026, 11, 29, 19, 5, 0, 480)
        self.part = encode.encode_deliver("+8613800000002", ts, text="社保卡挂失已受理")[0]
        self.hex = self.part.hex  # SMSC 1 octet, TPDU 36 octets; TP-OA 13 digits ends on F2 at octet 10
        self.raw = bytes.fromhex(self.hex)

    def lenient(self, hex_text, text="社保卡挂失已受理"):
        self.assertRaises(DecodeError, pdu.decode_hex, hex_text)
        m = pdu.decode_hex(hex_text, lenient=True)
        self.assertEqual(m.text, text)
        return m.warnings

    def test_strict_has_no_warnings(self):
        m = pdu.decode_hex(self.hex)
        self.assertEqual((m.text, m.warnings, m.tpdu_length), ("社保卡挂失已受理", (), 36))
        self.assertEqual(pdu.decode_hex(self.hex, lenient=True).warnings, [])

    def test_stray_quote(self):
        self.assertEqual(self.lenient(self.hex + '"'), [(74, "PDU text", "stray quote after the hex")])

    def test_sim_padding(self):
        self.assertEqual(self.lenient(self.hex + "FF" * 140),
                         [(37, "TP-UD", "140 octet(s) of SIM padding FF after the TPDU")])
        self.assertEqual(pdu.decode_hex(self.hex + "FFFF", lenient=True).tpdu_length, 36)

    def test_extra_octets(self):
        self.assertEqual(self.lenient(self.hex + "0102"), [(37, "TP-UD", "2 octet(s) after the user data")])

    def test_udl_longer_than_present(self):
        self.assertEqual(self.lenient(self.hex[:-4], "社保卡挂失已受"),
                         [(35, "TP-UD", "user data shorter than TP-UDL says")])

    def test_udhi_without_user_data(self):
        data = bytearray(self.raw[:20]) + b"\x00"  # UDL 0
        data[1] |= 0x40
        self.assertRaises(DecodeError, pdu.decode, bytes(data))
        m = pdu.decode(bytes(data), lenient=True)
        self.assertEqual((m.text, m.udh), ("", []))
        self.assertEqual(m.warnings, [(21, "TP-UDHL", "header indicated but user data is empty")])

    def test_address_filler(self):
        data = bytearray(self.raw)
        data[10] = 0x32  # the 14th half-octet is 3, not the filler 1111
        self.assertRaises(DecodeError, pdu.decode, bytes(data))
        m = pdu.decode(bytes(data), lenient=True)
        self.assertEqual(m.number, "+8613800000002")
        self.assertEqual(m.warnings, [(10, "TP-OA", "odd-length address does not end on the filler 1111")])
        data = bytearray(self.raw)
        data[2] = 14  # the length counts the filler
        m = pdu.decode(bytes(data), lenient=True)
        self.assertEqual(m.warnings, [(10, "TP-OA", "address length counts the filler half-octet")])

    def test_everything_at_once_in_order(self):
        w = self.lenient('"' + self.hex + 'FFFF"')
        self.assertEqual([x[0] for x in w], [0, 79, 37])
        d = pdu.decode_hex('"' + self.hex + 'FFFF"', lenient=True).to_dict()["warnings"][2]
        self.assertEqual(dict(d), {"position": 37, "field": "TP-UD", "warning": "2 octet(s) of SIM padding FF after the TPDU"})

    def test_encode_submit_numeric_toa(self):
        self.assertRaises(ValidationError, encode.encode_submit, "6140f98656", text="x", toa=0x91)
        part = encode.encode_submit("0123456789*#abc", text="x", toa=0x91)[0]
        self.assertIn("0F911032547698BADCFE", part.hex)
        self.assertEqual(pdu.decode_hex(part.hex).number, "+0123456789*#abc")


class EncodeVectors(unittest.TestCase):
    def _kw(self, a):
        kw = {}
        for k in a:
            if k in ("number", "data_hex", "vp_abs", "scts"):
                continue
            kw[k] = a[k]
        if "data_hex" in a:
            kw["data"] = bytes.fromhex(a["data_hex"])
        if "vp_abs" in a:
            kw["vp"] = Validity.absolute(_ts(a["vp_abs"]))
        return kw

    def test_submit_vectors(self):
        for d in V["encode_submit"]:
            with self.subTest(d["id"]):
                parts = encode.encode_submit(d["args"]["number"], **self._kw(d["args"]))
                self.assertEqual([p.hex for p in parts], d["pdus"])
                for i in range(len(parts)):
                    self.assertEqual(parts[i].seq, i + 1)
                    self.assertEqual(parts[i].total, len(parts))
                if "tpdu_lengths" in d:
                    self.assertEqual([p.tpdu_length for p in parts], d["tpdu_lengths"])

    def test_deliver_vectors(self):
        for d in V["encode_deliver"]:
            with self.subTest(d["id"]):
                a = d["args"]
                parts = encode.encode_deliver(a["number"], _ts(a["scts"]), **self._kw(a))
                self.assertEqual([p.hex for p in parts], d["pdus"])

    def test_submit_round_trip_decodes_back(self):
        for d in V["encode_submit"]:
            with self.subTest(d["id"]):
                a = d["args"]
                for h in d["pdus"]:
                    m = pdu.decode_hex(h)
                    self.assertEqual(m.type, "SMS-SUBMIT")
                    self.assertEqual(m.number, a["number"] if a["number"][0] == "+" or "toa" in a or not a["number"].isdigit() else a["number"])

    def test_status_report_round_trip(self):
        ts = Timestamp(2026, 11, 29, 11, 5, 0, 480)
        dt = Timestamp(2026, 11, 29, 11, 5, 9, 480)
        p = encode.encode_status_report("+8613800571500", 77, ts, dt, 0x46, smsc="+8613800571500", srq=False)
        m = pdu.decode(p.pdu)
        self.assertEqual(m.type, "SMS-STATUS-REPORT")
        self.assertEqual(m.mr, 77)
        self.assertEqual(m.number, "+8613800571500")
        self.assertEqual(m.scts.isoformat(), "2026-11-29T11:05:00+08:00")
        self.assertEqual(m.discharge.isoformat(), "2026-11-29T11:05:09+08:00")
        self.assertEqual(m.status, 0x46)
        self.assertEqual(m.status_kind, "failed")
        self.assertEqual(m.status_text, "validity period expired")
        self.assertEqual(p.tpdu_length, len(p.pdu) - 9)

    def test_ports_and_unknown_ie_kept(self):
        parts = encode.encode_submit("+8613800571500", data=b"\x01\x02\x03", ports=(2948, 9200), extra_ies=[(0x70, b"\xAA")])
        m = pdu.decode(parts[0].pdu)
        self.assertEqual(m.ports, (2948, 9200))
        self.assertEqual(m.udh, [(0x05, b"\x0b\x84\x23\xf0"), (0x70, b"\xaa")])
        self.assertEqual(m.data, b"\x01\x02\x03")
        self.assertEqual(m.encoding, "8bit")

    def test_flash_and_class(self):
        m = pdu.decode(encode.encode_submit("10086", "hi", flash=True)[0].pdu)
        self.assertTrue(m.flash)
        self.assertEqual(m.dcs, 0x10)
        m = pdu.decode(encode.encode_submit("10086", "你好", msg_class=1)[0].pdu)
        self.assertEqual(m.dcs, 0x19)
        self.assertFalse(m.flash)

    def test_enhanced_validity(self):
        for secs, back in ((30, 30), (3600, 3600), (100000, 172800)):
            m = pdu.decode(encode.encode_submit("10086", "hi", vp=Validity.enhanced(secs))[0].pdu)
            self.assertEqual(m.vp.kind, "enhanced")
            self.assertEqual(m.vp.seconds, back)

    def test_alphanumeric_has_no_trailing_at(self):
        for name in ("Megafon", "Beeline", "MTS", "12333HRSS", "A"):
            with self.subTest(name):
                m = pdu.decode(encode.encode_deliver(name, Timestamp(2026, 1, 1), text="x")[0].pdu)
                self.assertEqual(m.number, name)
                self.assertEqual(m.toa, 0xD0)

    def test_argument_errors_are_lib_errors(self):
        bad = [
            lambda: encode.encode_submit("", "x"),
            lambda: encode.encode_submit("+86", None),
            lambda: encode.encode_submit("+86", "x", data=b"x"),
            lambda: encode.encode_submit("+86", "x" * 200),  # needs ref
            lambda: encode.encode_submit("+86", "x", msg_class=4),
            lambda: encode.encode_submit("+86", "x", mr=256),
            lambda: encode.encode_submit("+86", "x", pid=True),
            lambda: encode.encode_submit("+86", "x" * 200, ref=256),
            lambda: encode.encode_submit("+86", "x" * 2000, ref=1, max_parts=3),
            lambda: encode.encode_submit("+86", "\ud800", encoding="ucs2"),
            lambda: encode.encode_submit("+86", "中", encoding="gsm7"),
            lambda: encode.encode_submit("ABCDEFGHIJKL", "x"),
        ]
        for i in range(len(bad)):
            with self.subTest(i):
                self.assertRaises(ValidationError, bad[i])
        self.assertTrue(issubclass(ValidationError, Lib12333Error))


if __name__ == "__main__":
    unittest.main()
