"""Number normalisation and dialling (runs on CPython and MicroPython)."""

import unittest

from lib12333.errors import DecodeError, ValidationError
from lib12333.routing import dialing, numbers, regions
from tests.core.support import read_bytes

TABLE = regions.RegionTable(read_bytes("lib12333/data/regions.txt"))

VECTORS = (
    ("0571-12333", "service", "0571", "12333"),
    ("057112333", "service", "0571", "12333"),
    ("+86 571 12333", "service", "0571", "12333"),
    ("+86 0571 12333", "service", "0571", "12333"),
    ("0086-571-12333", "service", "0571", "12333"),
    ("12333", "service", None, "12333"),
    ("12370", "service", None, "12370"),
    ("010-12333", "service", "010", "12333"),
    ("(010) 6234 5678", "fixed", "010", "62345678"),
    ("0086 10 62345678", "fixed", "010", "62345678"),
    ("0755-8765432", "fixed", "0755", "8765432"),
    ("87654321", "fixed", None, "87654321"),
    ("13800000000", "mobile", None, "13800000000"),
    ("+86 138 0000 0000", "mobile", None, "13800000000"),
    ("0086.199.1234.5678", "mobile", None, "19912345678"),
)

BAD = ("", "   ", "+1 650 253 0000", "0571-1234", "05711", "00571", "12345", "1380000000", "0571-12333x", "abc", "+", "0086", "+86", "0571-0123456", "138000000000")


class NormaliseTest(unittest.TestCase):
    def test_vectors(self):
        for text, kind, area, local in VECTORS:
            with self.subTest(text=text):
                self.assertEqual(numbers.normalise(text), numbers.Number(kind, area, local))

    def test_forms(self):
        n = numbers.normalise("+86 571 12333")
        self.assertEqual(n.display(), "0571-12333")
        self.assertEqual(n.national(), "057112333")
        self.assertEqual(n.e164(), "+8657112333")
        self.assertIsNone(numbers.normalise("12333").e164())
        self.assertEqual(numbers.normalise("13800000000").e164(), "+8613800000000")

    def test_masking(self):
        self.assertEqual(numbers.normalise("13812345678").masked(), "138****5678")
        self.assertEqual(numbers.normalise("0571-87654321").masked(), "0571-87****21")
        self.assertEqual(numbers.normalise("0571-12333").masked(), "0571-12333")

    def test_bad(self):
        for text in BAD:
            with self.subTest(text=text):
                with self.assertRaises(DecodeError):
                    numbers.normalise(text)
        with self.assertRaises(DecodeError):
            numbers.normalise(12333)

    def test_error_names_position_not_digits(self):
        try:
            numbers.normalise("0571-1380000x")
        except DecodeError as exc:
            self.assertEqual(exc.field, "number")
            self.assertEqual(exc.position, 12)
            self.assertFalse("1380000" in str(exc))
        else:
            self.assertTrue(False, "no error")


class DialingTest(unittest.TestCase):
    def test_area_code_reaches_that_city(self):
        r = dialing.reach(TABLE, "0571-12333", caller="13800000000", caller_region="440300")
        self.assertEqual((r.service, r.region, r.via, r.assumed), ("12333", "330100", "area-code", False))

    def test_fixed_caller_reaches_own_city(self):
        r = dialing.reach(TABLE, "12333", caller="0755-87654321")
        self.assertEqual((r.region, r.via), ("440300", "caller-area"))
        r = dialing.reach(TABLE, "12370", caller="010-62345678")
        self.assertEqual((r.service, r.region), ("12370", "110000"))

    def test_shared_area_code_prefers_callers_city(self):
        self.assertEqual(dialing.reach(TABLE, "12333", caller="024-62345678").region, "210100")
        r = dialing.reach(TABLE, "12333", caller="024-62345678", caller_region="211221")
        self.assertEqual(r.region, "211200")
        r = dialing.reach(TABLE, "024-12333", caller="13800000000", caller_region="210402")
        self.assertEqual(r.region, "210400")

    def test_mobile_without_area_code(self):
        r = dialing.reach(TABLE, "12333", caller="13800000000")
        self.assertIsNone(r.region)
        self.assertEqual(r.via, "unknown")
        r = dialing.reach(TABLE, "12333", caller="13800000000", caller_region="330106")
        self.assertEqual((r.region, r.assumed, r.via), ("330100", True, "caller-region"))

    def test_local_fixed_caller_uses_region(self):
        r = dialing.reach(TABLE, "12333", caller="87654321", caller_region="320500")
        self.assertEqual((r.region, r.via), ("320500", "caller-region"))
        self.assertIsNone(dialing.reach(TABLE, "12333").region)

    def test_other_channels_use_caller_region(self):
        r = dialing.reach(TABLE, None, caller_region="429004", channel="kiosk")
        self.assertEqual((r.region, r.via), ("429004", "caller-region"))
        self.assertIsNone(dialing.reach(TABLE, "12333", channel="web").region)

    def test_errors(self):
        with self.assertRaises(ValidationError):
            dialing.reach(TABLE, "0978-12333")
        with self.assertRaises(ValidationError):
            dialing.reach(TABLE, "13800000000")
        with self.assertRaises(ValidationError):
            dialing.reach(TABLE, "12333", caller_region="330199")
        try:
            dialing.reach(TABLE, "12333", caller="13x")
        except DecodeError as exc:
            self.assertEqual(exc.field, "caller")
        else:
            self.assertTrue(False, "no error")

    def test_dial_string(self):
        self.assertEqual(dialing.dial_string(TABLE, "12333", "330106"), "0571-12333")
        self.assertEqual(dialing.dial_string(TABLE, "12370", "110000"), "010-12370")
        self.assertIsNone(dialing.dial_string(TABLE, "12333", "410200"))


if __name__ == "__main__":
    unittest.main()
