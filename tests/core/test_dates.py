"""The shared small core: calendar (lib12333.dates), reference numbers (lib12333.refnum),
hex digits (lib12333.hexdigits), card states (lib12333.cardstate).  One set of vectors for
every user: kiosk, records, identifiers, library, gateway.  Runs on CPython and MicroPython."""

import unittest

from lib12333 import cardstate, dates, hexdigits, refnum
from lib12333.errors import DecodeError

REF = "T330100K0113030100077"  # complaint, 330100, K01, 2013-03-01, no. 7


class TestCalendar(unittest.TestCase):
    def test_leap_years_and_month_lengths(self):
        self.assertEqual([dates.is_leap(y) for y in (1900, 2000, 2024, 2025, 2100)], [False, True, True, False, False])
        self.assertEqual([dates.days_in_month(2024, m) for m in range(1, 13)],
                         [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        self.assertEqual(dates.days_in_month(2100, 2), 28)
        self.assertTrue(dates.is_date(2000, 2, 29))
        for bad in ((2013, 2, 29), (2026, 13, 1), (2026, 4, 31), (2026, 0, 1), (2026, 1, 0)):
            self.assertFalse(dates.is_date(*bad), bad)

    def test_day_counts(self):
        vectors = ((-1, (1969, 12, 31)), (0, (1970, 1, 1)), (59, (1970, 3, 1)), (10957, (2000, 1, 1)),
                   (11016, (2000, 2, 29)), (20513, (2026, 3, 1)), (49710, (2106, 2, 7)))
        for days, civil in vectors:
            self.assertEqual(dates.civil_from_days(days), civil)
            self.assertEqual(dates.days_from_civil(*civil), days)

    def test_iso_day_in_china_standard_time(self):
        self.assertEqual(dates.iso_day(0), "1970-01-01")
        self.assertEqual(dates.iso_day(951782400), "2000-02-29")  # 2000-02-29 08:00 CST
        self.assertEqual(dates.iso_day(1767196800 - 8 * 3600 + 3600), "2025-12-31")
        self.assertEqual(dates.iso_day(16 * 3600, 0), "1970-01-01")
        self.assertEqual(dates.iso_day(16 * 3600), "1970-01-02")


class TestReferenceNumbers(unittest.TestCase):
    def test_format_ref(self):
        self.assertEqual(refnum.format_ref(REF), "T-330100-K01-130301-0007-7")
        self.assertEqual(refnum.format_ref("short"), "short")

    def test_day_numbers(self):
        days = [refnum.day_number(*d) for d in ((2000, 1, 1), (2000, 2, 29), (2013, 3, 1), (2026, 5, 29),
                                                 (2099, 12, 31))]
        self.assertEqual(days, [0, 59, 4808, 9645, 36524])
        for bad in ((2013, 2, 29), (2026, 13, 1), (2026, 4, 31), (1999, 12, 31), (2100, 1, 1)):
            self.assertIsNone(refnum.day_number(*bad), bad)

    def test_typed_numbers(self):
        self.assertEqual(refnum.typed_number("1303010007"), 48080007)
        self.assertEqual(refnum.query_number((2013, 3, 1), 7), 48080007)
        self.assertEqual(refnum.query_day(48080007), ((2013, 3, 1), 7))
        for bad in ("", "130301000", "1303010000", "13030100a7", "1302300001"):
            self.assertIsNone(refnum.typed_number(bad), bad)


class TestHexDigits(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(hexdigits.parse_hex("00aFfF"), b"\x00\xaf\xff")
        self.assertEqual([hexdigits.nibble(c) for c in "09afAFg"], [0, 9, 10, 15, 10, 15, -1])

    def test_errors_say_where(self):
        for text, position in (("0g", 1), ("g0", 0), ("abc", 3)):
            try:
                hexdigits.parse_hex(text, "PDU")
            except DecodeError as e:
                self.assertEqual((e.field, e.position), ("PDU", position))
            else:
                self.fail("no DecodeError for %r" % text)


class TestCardStates(unittest.TestCase):
    def test_codes_and_names(self):
        from lib12333 import lossreport

        self.assertEqual(cardstate.CHINESE_NAMES[cardstate.TEMP_LOST], "临时挂失")
        self.assertEqual(sorted(cardstate.CHINESE_NAMES), [1, 2, 3, 4, 5, 6])
        for code, (_name, chinese) in lossreport.STATE_NAMES.items():
            self.assertEqual(cardstate.CHINESE_NAMES[code], chinese)


if __name__ == "__main__":
    unittest.main()
