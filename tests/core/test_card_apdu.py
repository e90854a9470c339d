"""ISO 7816-4 APDUs, status words and the T=0 exchange (CPython and MicroPython)."""

import unittest

from lib12333.card import apdu
from lib12333.errors import DecodeError, DeviceError, LocalProtocolError, RemoteProtocolError
from tests.core.support import read_json

VECTORS = read_json("protocols/card/vectors.json")


class BuildParse(unittest.TestCase):
    def test_four_cases(self):
        self.assertEqual(apdu.build(0, 0xA4, 0, 0), b"\x00\xa4\x00\x00")
        self.assertEqual(apdu.build(0, 0x84, 0, 0, le=8), b"\x00\x84\x00\x00\x08")
        self.assertEqual(apdu.build(0, 0xB2, 1, 0, le=256), b"\x00\xb2\x01\x00\x00")
        self.assertEqual(apdu.build(0, 0xA4, 2, 0, b"\xef\x05"), b"\x00\xa4\x02\x00\x02\xef\x05")
        self.assertEqual(apdu.build(0, 0xA4, 4, 0, b"\x01", 256), b"\x00\xa4\x04\x00\x01\x01\x00")
        for raw, case in ((b"\x00\xa4\x00\x00", 1), (b"\x00\x84\x00\x00\x08", 2),
                          (b"\x00\xa4\x02\x00\x02\xef\x05", 3), (b"\x00\xa4\x04\x00\x01\x01\x00", 4)):
            with self.subTest(case=case):
                c = apdu.parse_command(raw)
                self.assertEqual(c.case, case)
                self.assertEqual(c.to_bytes(), raw)

    def test_le_zero_means_256(self):
        self.assertEqual(apdu.parse_command(b"\x00\xb2\x01\x05\x00").le, 256)

    def test_vectors(self):
        for v in VECTORS["commands"]:
            with self.subTest(name=v["name"]):
                raw = apdu.from_hex(v["hex"])
                c = apdu.parse_command(raw)
                self.assertEqual(c.ins, int(v["ins"], 16))
                self.assertEqual(c.case, v["case"])
                self.assertEqual(c.to_bytes(), raw)

    def test_malformed_commands(self):
        for raw in (b"", b"\x00\xa4\x04", b"\x00\xa4\x04\x00\x05\x01", b"\x00\xa4\x04\x00\x00\x01\x02",
                    b"\x00\xa4\x04\x00\x01\x01\x00\x00"):
            with self.subTest(raw=raw):
                with self.assertRaises(DecodeError):
                    apdu.parse_command(raw)

    def test_build_rejects(self):
        with self.assertRaises(LocalProtocolError):
            apdu.build(0, 256, 0, 0)
        with self.assertRaises(LocalProtocolError):
            apdu.build(0, 0xB2, 0, 0, le=0)
        with self.assertRaises(LocalProtocolError):
            apdu.build(0, 0xD6, 0, 0, bytes(256))
        with self.assertRaises(LocalProtocolError):
            apdu.build(0, "a", 0, 0)


class StatusWords(unittest.TestCase):
    def test_split(self):
        self.assertEqual(apdu.split_response(b"\x01\x02\x90\x00"), (b"\x01\x02", 0x9000))
        with self.assertRaises(DecodeError):
            apdu.split_response(b"\x90")
        with self.assertRaises(DecodeError):
            apdu.split_response(b"\x12\x34")

    def test_meanings(self):
        self.assertEqual(apdu.sw_meaning(0x6A82), "file or application not found")
        self.assertEqual(apdu.sw_meaning(0x63C3), "verification failed, 3 tries left")
        self.assertEqual(apdu.sw_meaning(0x6110), "success, 16 bytes still available (GET RESPONSE)")
        self.assertEqual(apdu.sw_meaning(0x6C0B), "wrong Le; exact length is 11")
        self.assertEqual(apdu.sw_meaning(0x9303), "application permanently locked")

    def test_check_sw(self):
        apdu.check_sw(0x9000, "x")
        try:
            apdu.check_sw(0x6A82, "SELECT SSSE")
        except DeviceError as e:
            self.assertEqual(e.code, "6A82")
            self.assertIn("SELECT SSSE", str(e))
            self.assertIn("not found", str(e))
            self.assertFalse(e.retryable)
        else:
            self.fail("no DeviceError")
        try:
            apdu.check_sw(0x63C2, "VERIFY")
        except DeviceError as e:
            self.assertTrue(e.retryable)


class T0Exchange(unittest.TestCase):
    def test_get_response(self):
        sent = []
        answers = [b"\x61\x04", b"\x01\x02\x03\x04\x90\x00"]

        def transmit(c):
            sent.append(c)
            return answers.pop(0)

        data, sw = apdu.transmit_apdu(transmit, apdu.build(0, 0xA4, 4, 0, b"\x01", 256))
        self.assertEqual((data, sw), (b"\x01\x02\x03\x04", 0x9000))
        self.assertEqual(sent[1], b"\x00\xc0\x00\x00\x04")

    def test_get_response_chained(self):
        answers = [b"\x61\x02", b"\xaa\xbb\x61\x01", b"\xcc\x90\x00"]
        data, sw = apdu.transmit_apdu(lambda c: answers.pop(0), b"\x00\xa4\x04\x00\x01\x01\x00")
        self.assertEqual((data, sw), (b"\xaa\xbb\xcc", 0x9000))

    def test_6c_reissues_with_le(self):
        sent = []
        answers = [b"\x6c\x0b", b"\x07\x09X00000019\x90\x00"]

        def transmit(c):
            sent.append(c)
            return answers.pop(0)

        data, sw = apdu.transmit_apdu(transmit, b"\x00\xb2\x07\x00\x00")
        self.assertEqual(sent[1], b"\x00\xb2\x07\x00\x0b")
        self.assertEqual(data, b"\x07\x09X00000019")

    def test_error_sw_is_returned(self):
        self.assertEqual(apdu.transmit_apdu(lambda c: b"\x6a\x83", b"\x00\xb2\x4e\x00\x16"), (b"", 0x6A83))

    def test_endless_61_is_bounded(self):
        with self.assertRaises(RemoteProtocolError):
            apdu.transmit_apdu(lambda c: b"\x61\x01", b"\x00\x84\x00\x00\x08", max_rounds=5)

    def test_sans_io_object(self):
        ex = apdu.Exchange(b"\x00\x84\x00\x00\x08")
        self.assertEqual(ex.command, b"\x00\x84\x00\x00\x08")
        ex.receive(b"\x6c\x04")
        self.assertFalse(ex.done)
        self.assertEqual(ex.command, b"\x00\x84\x00\x00\x04")
        ex.receive(b"\x01\x02\x03\x04\x90\x00")
        self.assertTrue(ex.done)
        with self.assertRaises(LocalProtocolError):
            ex.receive(b"\x90\x00")


class Hex(unittest.TestCase):
    def test_roundtrip(self):
        self.assertEqual(apdu.to_hex(b"\x00\xab"), "00AB")
        self.assertEqual(apdu.from_hex("00 ab Cd"), b"\x00\xab\xcd")
        with self.assertRaises(DecodeError):
            apdu.from_hex("0g")
        with self.assertRaises(DecodeError):
            apdu.from_hex("abc")


if __name__ == "__main__":
    unittest.main()
