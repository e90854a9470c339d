"""SIMPLE-TLV / BER-TLV and the GBK table decoder (CPython and MicroPython)."""

import unittest

from lib12333.card import apdu, tlv
from lib12333.card.gbk import GbkTable, strip_padding
from lib12333.errors import DecodeError, LocalProtocolError, StorageError
from tests.core.support import decode_error, project_path, read_json

VECTORS = read_json("protocols/card/vectors.json")


def open_table():
    return open(project_path("lib12333/data/gbk.bin"), "rb")


class SimpleTlv(unittest.TestCase):
    def test_records(self):
        self.assertEqual(tlv.parse_simple(b"\x07\x02AB\x0a\x011"), [(0x07, b"AB"), (0x0A, b"1")])
        self.assertEqual(tlv.parse_simple(b"\x00\x07\x00\xff"), [(0x07, b"")])
        self.assertEqual(tlv.parse_simple(b"\x09\xff\x01\x00" + bytes(256)), [(0x09, bytes(256))])

    def test_build_roundtrip(self):
        for n in (0, 1, 254, 255, 300):
            with self.subTest(n=n):
                raw = tlv.build_simple(0x09, bytes(n))
                self.assertEqual(tlv.parse_simple(raw), [(0x09, bytes(n))])
        with self.assertRaises(LocalProtocolError):
            tlv.build_simple(0xFF, b"")

    def test_malformed(self):
        for raw, pos in ((b"\x07", 1), (b"\x07\x05AB", 2), (b"\x07\xff\x01", 2), (b"\x07\x01A\x08", 4)):
            with self.subTest(raw=raw):
                e = decode_error(tlv.parse_simple, raw, field="EF05")
                self.assertEqual((e.position, e.field), (pos, "EF05"))

    def test_one_simple(self):
        self.assertEqual(tlv.one_simple(b"\x03\x041.00", 3), b"1.00")
        with self.assertRaises(DecodeError):
            tlv.one_simple(b"\x04\x041.00", 3)
        with self.assertRaises(DecodeError):
            tlv.one_simple(b"", 3)


class BerTlv(unittest.TestCase):
    def test_fci_vector(self):
        v = VECTORS["responses"][0]
        data, sw = apdu.split_response(apdu.from_hex(v["hex"]))
        self.assertEqual(sw, 0x9000)
        self.assertEqual(tlv.find_ber(data, (0x6F, 0x84)), apdu.from_hex(VECTORS["ssse_df_name"]["hex"]))
        self.assertEqual(tlv.find_ber(data, (0x6F, 0xA5, 0x88)), b"\x1e")
        self.assertEqual(tlv.find_ber(data, (0x6F, 0xA5, 0x9F0C, 0x86)), b"\x03")
        self.assertIsNone(tlv.find_ber(data, (0x6F, 0x85)))
        self.assertTrue(tlv.is_constructed(0x6F))
        self.assertFalse(tlv.is_constructed(0x9F0C))

    def test_long_lengths(self):
        self.assertEqual(tlv.parse_ber(b"\x5f\x20\x81\x01A"), [(0x5F20, b"A")])
        self.assertEqual(tlv.parse_ber(b"\x53\x82\x00\x02AB"), [(0x53, b"AB")])

    def test_malformed(self):
        for raw in (b"\x9f", b"\x6f", b"\x6f\x80", b"\x6f\x84\x00\x00\x00\x01", b"\x6f\x05AB",
                    b"\x9f\xff\xff\xff\x01\x00", b"\x6f\x82\x01"):
            with self.subTest(raw=raw):
                with self.assertRaises(DecodeError):
                    tlv.parse_ber(raw)


class Gbk(unittest.TestCase):
    def test_names(self):
        with open_table() as f:
            t = GbkTable(f)
            self.assertEqual(t.decode(b"\xd5\xc5\xc8\xfd"), "\u5f20\u4e09")  # 张三
            self.assertEqual(t.decode(b"\xc9\xe7\xbb\xe1\xb1\xa3\xd5\xcf"), "\u793e\u4f1a\u4fdd\u969c")  # 社会保障
            self.assertEqual(t.decode(b"sx1.sh."), "sx1.sh.")
            # GBK-only characters outside GB2312: U+4E02 (81 40), U+7881 (B4 61 region 3), euro-less
            self.assertEqual(t.decode(b"\x81\x40"), "\u4e02")
            self.assertEqual(t.decode(b"\xa1\xa4"), "\u00b7")  # middle dot in minority names
            self.assertEqual(t.decode(b"\xa6\xa1"), "\u0391")  # Greek capital alpha (2-byte UTF-8)
            self.assertEqual(t.decode(b""), "")

    def test_errors_carry_position(self):
        with open_table() as f:
            t = GbkTable(f)
            for raw, pos in ((b"A\x80", 1), (b"\xd5", 0), (b"AB\xd5\x7f", 2), (b"\xff\xa1", 0), (b"\xd7\xfa", 0)):
                with self.subTest(raw=raw):
                    e = decode_error(t.decode, raw, field="name")
                    self.assertEqual((e.position, e.field), (pos, "name"))

    def test_bad_table(self):
        class F:
            def read(self, n):
                return b"NOPE0000"[:n]
        with self.assertRaises(StorageError):
            GbkTable(F())

    def test_strip_padding(self):
        self.assertEqual(strip_padding(b"\xd5\xc5\x00\x00"), b"\xd5\xc5")
        self.assertEqual(strip_padding(b"\xff\xff"), b"")


if __name__ == "__main__":
    unittest.main()
