"""GSM 7-bit, UCS2/UTF-16, addresses, time stamps, validity and UDH against published vectors."""

import unittest

from lib12333.errors import DecodeError, ValidationError
from lib12333.sms import address, gsm7, scts, ucs2, udh
from lib12333.sms.scts import Timestamp, Validity
from tests.core.support import read_json

V = read_json("protocols/sms/vectors.json")


class Gsm7(unittest.TestCase):
    def test_vectors(self):
        for d in V["gsm7"]:
            with self.subTest(d["text"]):
                sept = gsm7.encode(d["text"])
                self.assertEqual(sept.hex(), d["septets_hex"])
                self.assertEqual(gsm7.pack(sept).hex(), d["packed_hex"])
                self.assertEqual(gsm7.decode(gsm7.unpack(bytes.fromhex(d["packed_hex"]), len(sept))), d["text"])
                self.assertEqual(gsm7.septets(d["text"]), len(sept))

    def test_every_code_round_trips_with_every_fill(self):
        base = bytes(i for i in range(128) if i != 0x1B)
        text = gsm7.decode(base)
        self.assertEqual(len(text), 127)
        self.assertEqual(gsm7.encode(text), base)
        for fill in range(7):
            packed = gsm7.pack(base, fill)
            self.assertEqual(len(packed), gsm7.packed_length(len(base), fill))
            self.assertEqual(gsm7.unpack(packed, len(base), fill), base)

    def test_extension_table_counts_two(self):
        self.assertEqual(gsm7.septets("€[]{}|~^\\\x0c"), 20)
        self.assertEqual(gsm7.septets("abc"), 3)
        self.assertEqual(gsm7.char_cost("€"), 2)
        self.assertEqual(gsm7.char_cost("中"), 0)
        self.assertTrue(gsm7.is_gsm7("@£$¥ ΔΦ"))
        self.assertFalse(gsm7.is_gsm7("12333 你好"))

    def test_unknown_escape_and_trailing_escape(self):
        self.assertEqual(gsm7.decode(b"\x1b\x41"), "A")  # undefined extension -> default char
        self.assertEqual(gsm7.decode(b"a\x1b"), "a ")

    def test_errors(self):
        self.assertRaises(ValidationError, gsm7.encode, "中")
        self.assertRaises(ValidationError, gsm7.septets, "x\u4e2d")
        self.assertRaises(DecodeError, gsm7.decode, b"\x80")
        self.assertRaises(DecodeError, gsm7.unpack, b"\x00", 2)


class Ucs2(unittest.TestCase):
    def test_bmp_and_surrogates(self):
        cases = [
            ("あ叶葉", "3042 53f6 8449"),
            ("中兴通讯", "4e2d 5174 901a 8baf"),
            ("😀", "d83d de00"),
            ("\U00020000", "d840 dc00"),  # CJK Extension B
            ("a😀b", "0061 d83d de00 0062"),
        ]
        for text, hx in cases:
            with self.subTest(hx):
                raw = bytes.fromhex(hx.replace(" ", ""))
                self.assertEqual(ucs2.encode(text), raw)
                self.assertEqual(ucs2.encode_slow(text), raw)
                self.assertEqual(ucs2.decode(raw), text)
                self.assertEqual(ucs2.decode_slow(raw), text)
                self.assertEqual(ucs2.units(text), len(raw) // 2)

    def test_lone_surrogates_become_replacement(self):
        for hx in ("d83d", "de00", "d83d0041", "0041dc00"):
            with self.subTest(hx):
                raw = bytes.fromhex(hx)
                self.assertEqual(ucs2.decode_slow(raw), ucs2.decode(raw))
                self.assertIn("\ufffd", ucs2.decode(raw))

    def test_odd_length(self):
        self.assertRaises(DecodeError, ucs2.decode, b"\x4e")
        self.assertRaises(DecodeError, ucs2.decode_slow, b"\x4e\x2d\x00")


class Addresses(unittest.TestCase):
    def test_vectors(self):
        for d in V["addresses"]:
            with self.subTest(d["number"]):
                field = address.encode(d["number"], d.get("toa"))
                self.assertEqual(field.hex(), d["hex"])
                number, toa, end = address.decode(field, 0)
                self.assertEqual(number, d["number"])
                self.assertEqual(end, len(field))

    def test_smsc(self):
        self.assertEqual(address.encode_smsc(None), b"\x00")
        self.assertEqual(address.encode_smsc("+8613800571500").hex(), "0891683108501705f0")
        self.assertEqual(address.decode_smsc(bytes.fromhex("0891683108501705f0")), ("+8613800571500", 0x91, 9))
        self.assertEqual(address.decode_smsc(b"\x00"), (None, None, 1))
        self.assertRaises(DecodeError, address.decode_smsc, b"\x0c")
        self.assertRaises(DecodeError, address.decode_smsc, b"\x05\x91\x68")

    def test_types(self):
        self.assertEqual(address.encode("12333")[1], 0x81)
        self.assertEqual(address.encode("+8612333")[1], 0x91)
        self.assertEqual(address.encode("HRSS")[1], 0xD0)
        self.assertEqual(address.decode(address.encode("*#12"), 0)[0], "*#12")
        self.assertRaises(DecodeError, address.decode, b"\x15\x91", 0)
        self.assertRaises(DecodeError, address.decode, b"\x0b\x91\x68", 0)

    def test_numeric_type_needs_semi_octets(self):
        # TS 23.040 9.1.2.5: a numeric type of number is semi-octets, never GSM 7-bit text
        self.assertRaises(ValidationError, address.encode, "6140f98656", 0x91)
        self.assertRaises(ValidationError, address.encode, "HRSS", 0x81)
        # 9.1.2.3: * # a b c are the semi-octets A-E
        field = address.encode("0123456789*#abc", 0x91)
        self.assertEqual(field.hex(), "0f911032547698badcfe")
        self.assertEqual(address.decode(field, 0), ("+0123456789*#abc", 0x91, 10))
        self.assertEqual(address.encode("0123456789*#abc", 0x81).hex(), "0f811032547698badcfe")
        self.assertEqual(address.encode("6140f98656")[1], 0xD0)  # no toa given: a name, as before

    def test_strict_filler(self):
        # 5 digits: the 6th half-octet must be the filler 1111
        self.assertEqual(address.decode(bytes.fromhex("05812143f5"), 0), ("12345", 0x81, 5))
        with self.assertRaises(DecodeError) as ctx:
            address.decode(bytes.fromhex("0581214335"), 0)
        self.assertEqual((ctx.exception.field, ctx.exception.position), ("TP-OA", 4))
        # a length of 6 that counts the filler
        with self.assertRaises(DecodeError) as ctx:
            address.decode(bytes.fromhex("06812143f5"), 0)
        self.assertEqual(ctx.exception.position, 4)
        warn = []
        self.assertEqual(address.decode(bytes.fromhex("06812143f5"), 0, "TP-OA", warn)[0], "12345")
        self.assertEqual(warn, [(4, "TP-OA", "address length counts the filler half-octet")])


class Timestamps(unittest.TestCase):
    def test_vectors(self):
        for d in V["timestamps"]:
            with self.subTest(d["iso"]):
                t = Timestamp.from_bytes(bytes.fromhex(d["hex"]))
                self.assertEqual(t.isoformat(), d["iso"])
                self.assertEqual(t.to_bytes().hex(), d["hex"])

    def test_century_pivot(self):
        self.assertEqual(Timestamp.from_bytes(bytes.fromhex("99101010101000")).year, 1999)
        self.assertEqual(Timestamp.from_bytes(bytes.fromhex("70101010101000")).year, 2007)
        self.assertEqual(Timestamp.from_bytes(bytes.fromhex("96101010101000")).year, 2069)
        self.assertEqual(Timestamp.from_bytes(bytes.fromhex("07101010101000")).year, 1970)
        self.assertEqual(Timestamp.from_bytes(bytes.fromhex("00101010101000")).year, 2000)
        self.assertEqual(Timestamp.from_bytes(bytes.fromhex("62119211500023")).isoformat(), "2026-11-29T11:05:00+08:00")

    def test_bad(self):
        self.assertRaises(DecodeError, Timestamp.from_bytes, bytes.fromhex("62119211500A23"))
        self.assertRaises(DecodeError, Timestamp.from_bytes, bytes.fromhex("623192115000"))
        self.assertRaises(DecodeError, Timestamp.from_bytes, bytes.fromhex("62004911500023"))
        self.assertRaises(ValidationError, Timestamp, 2026, 2, 30 + 2)
        self.assertRaises(ValidationError, Timestamp, 2026, 1, 1, 0, 0, 0, 7)


class ValidityPeriod(unittest.TestCase):
    def test_relative_vectors(self):
        for d in V["relative_vp"]:
            with self.subTest(d["seconds"]):
                self.assertEqual(scts.relative_octet(d["seconds"]), d["octet"])
                self.assertEqual(scts.relative_seconds(d["octet"]), d["seconds"])

    def test_relative_is_plus_one_times_five_minutes(self):
        # TS 23.040 9.2.3.12.1: 0..143 -> (VP + 1) x 5 minutes (smspdudecoder says VP x 5)
        self.assertEqual(scts.relative_seconds(0), 300)
        self.assertEqual(scts.relative_seconds(143), 43200)
        self.assertEqual(scts.relative_seconds(255), 63 * 7 * 86400)
        self.assertEqual(Validity.relative(10 ** 9).raw, b"\xff")

    def test_every_octet_round_trips(self):
        for v in range(256):
            self.assertEqual(scts.relative_octet(scts.relative_seconds(v)), v)

    def test_enhanced_decode(self):
        raw = bytes.fromhex("03" + "214305" + "000000")
        v = Validity.from_bytes(1, raw, 0)
        self.assertEqual(v.seconds, 12 * 3600 + 34 * 60 + 50)
        self.assertEqual(Validity.from_bytes(1, bytes.fromhex("42050000000000"), 0).seconds, 5)
        self.assertTrue(Validity.from_bytes(1, bytes.fromhex("42050000000000"), 0).single_shot)
        self.assertRaises(DecodeError, Validity.from_bytes, 1, bytes.fromhex("07000000000000"), 0)


class UserDataHeader(unittest.TestCase):
    def test_concat_vectors(self):
        for d in V["udh_ies"]:
            with self.subTest(d["hex"]):
                iei, value = udh.concat_ie(d["ref"], d["total"], d["seq"], d["bits"])
                self.assertEqual((bytes((iei, len(value))) + value).hex(), d["hex"])
                ies = udh.parse(bytes((len(value) + 2, iei, len(value))) + value)
                c = udh.find_concat(ies)
                self.assertEqual((c.ref, c.total, c.seq, c.bits), (d["ref"], d["total"], d["seq"], d["bits"]))

    def test_fill_bits(self):
        self.assertEqual(udh.fill_bits(6), 1)  # 8-bit concat header
        self.assertEqual(udh.fill_bits(7), 0)  # 16-bit concat header: no fill (python-gsmmodem #99)
        self.assertEqual(udh.header_septets(6), 7)
        self.assertEqual(udh.header_septets(7), 8)

    def test_unknown_kept_and_invalid_concat_ignored(self):
        ies = udh.parse(bytes.fromhex("0b" + "2402abcd" + "00030a0200" + "7000"))
        self.assertEqual(ies, [(0x24, b"\xab\xcd"), (0x00, b"\x0a\x02\x00"), (0x70, b"")])
        self.assertIsNone(udh.find_concat(ies))  # seq 0 is ignored, as TS 23.040 asks
        self.assertEqual(udh.build(ies), bytes.fromhex("0b2402abcd00030a02007000"))

    def test_errors(self):
        self.assertRaises(DecodeError, udh.parse, b"\x05\x00\x03\x01")
        self.assertRaises(DecodeError, udh.parse, bytes.fromhex("03000401"))
        self.assertRaises(DecodeError, udh.parse, b"")
        self.assertRaises(ValidationError, udh.concat_ie, 256, 2, 1, 8)
        self.assertRaises(ValidationError, udh.ports_ie, 70000, 1)


if __name__ == "__main__":
    unittest.main()
