"""Document numbers (发文字号) and Chinese-numeral dates (CPython and MicroPython)."""

import unittest

from lib12333.errors import DecodeError
from lib12333.library import docref as D

# spellings seen in the seed notices
DOCNUMS = (
    ("人社信息函〔2010〕52号", "人社信息函", 2010, 52),
    ("人社信息函[2010]52号", "人社信息函", 2010, 52),
    ("人社信息函［2010］52号", "人社信息函", 2010, 52),
    ("人社信息函【2010】52号", "人社信息函", 2010, 52),
    ("劳社部函[2003]84号", "劳社部函", 2003, 84),
    ("人社信息函[2010] 43号", "人社信息函", 2010, 43),
    ("（人社信息函[2012] 9号）", "人社信息函", 2012, 9),
    ("人社厅函[2013]281号", "人社厅函", 2013, 281),
    ("工信部电管函[2009]367号", "工信部电管函", 2009, 367),
    ("人社厅发〔２０１０〕９２号", "人社厅发", 2010, 92),
)

DATES = (
    ("二○一○年十月十二日", (2010, 10, 12)),
    ("二〇一一年八月八日", (2011, 8, 8)),
    ("二〇一三年十二月三十一日", (2013, 12, 31)),
    ("二○○三年五月二十七日", (2003, 5, 27)),
    ("二○一○年九月二日", (2010, 9, 2)),
    ("二〇一二年二月二十一日", (2012, 2, 21)),
    ("二〇一二年三月十九日", (2012, 3, 19)),
    ("二〇一二年二月二十九日", (2012, 2, 29)),
    ("2013年2月25日", (2013, 2, 25)),
    ("2013年6月20日", (2013, 6, 20)),
)

BAD_DOCNUMS = (
    ("", 0),
    ("〔2010〕52号", 0),
    ("人社信息函2010〕52号", 5),
    ("人社信息函〔2010]52号", 10),
    ("人社信息函〔201〕52号", 6),
    ("人社信息函〔20100〕52号", 10),
    ("人社信息函〔2010〕号", 11),
    ("人社信息函〔2010〕52", 13),
    ("人社信息函〔2010〕0号", 11),
    ("人社信息函〔2010〕52号附件", 14),
    ("（人社信息函〔2010〕52号", 15),
)

BAD_DATES = (
    ("", 0),
    ("二〇一年十月十二日", 0),
    ("二〇一〇十月十二日", 4),
    ("二〇一〇年十三月一日", 5),
    ("二〇一〇年〇月一日", 5),
    ("二〇一〇年十月日", 7),
    ("二〇一〇年二月三十日", 7),
    ("二〇一一年二月二十九日", 7),
    ("二〇一〇年四月五十日", 7),
    ("二〇一〇年十月十二", 9),
    ("二〇一〇年十月十二日。", 10),
    ("2013年13月1日", 5),
)


class DocNumberTest(unittest.TestCase):
    def test_parse_seed_spellings(self):
        for text, issuer, year, serial in DOCNUMS:
            with self.subTest(text=text):
                d = D.parse_docnum(text)
                self.assertEqual(d.issuer, issuer)
                self.assertEqual(d.year, year)
                self.assertEqual(d.serial, serial)

    def test_canonical_form(self):
        self.assertEqual(D.normalize_docnum("人社信息函[2010]52号"), "人社信息函〔2010〕52号")
        self.assertEqual(D.normalize_docnum("（人社信息函[2012] 9号）"), "人社信息函〔2012〕9号")
        self.assertEqual(D.format_docnum(D.DocNumber("劳社部函", 2003, 84), "[]"), "劳社部函[2003]84号")

    def test_equality(self):
        self.assertEqual(D.parse_docnum("人社信息函[2010]52号"), D.parse_docnum("人社信息函【2010】52号"))
        self.assertFalse(D.parse_docnum("人社信息函[2010]52号") == D.parse_docnum("人社信息函[2010]53号"))

    def test_bad_numbers_report_position(self):
        for text, pos in BAD_DOCNUMS:
            with self.subTest(text=text):
                with self.assertRaises(DecodeError) as cm:
                    D.parse_docnum(text)
                self.assertEqual(cm.exception.position, pos)

    def test_not_text(self):
        with self.assertRaises(DecodeError):
            D.parse_docnum(b"abc")


class ChineseDateTest(unittest.TestCase):
    def test_parse(self):
        for text, want in DATES:
            with self.subTest(text=text):
                self.assertEqual(D.parse_cn_date(text), want)

    def test_format(self):
        self.assertEqual(D.format_cn_date(2010, 10, 12), "二〇一〇年十月十二日")
        self.assertEqual(D.format_cn_date(2010, 10, 12, zero="○"), "二○一○年十月十二日")
        self.assertEqual(D.format_cn_date(2013, 12, 31), "二〇一三年十二月三十一日")
        self.assertEqual(D.format_cn_date(2011, 8, 20), "二〇一一年八月二十日")

    def test_round_trip_every_day_of_a_leap_year(self):
        for m in range(1, 13):
            for d in range(1, D.days_in_month(2012, m) + 1):
                self.assertEqual(D.parse_cn_date(D.format_cn_date(2012, m, d)), (2012, m, d))

    def test_bad_dates_report_position(self):
        for text, pos in BAD_DATES:
            with self.subTest(text=text):
                with self.assertRaises(DecodeError) as cm:
                    D.parse_cn_date(text)
                self.assertEqual(cm.exception.position, pos)

    def test_iso(self):
        self.assertEqual(D.iso_date((2010, 9, 2)), "2010-09-02")
        self.assertEqual(D.parse_iso_date("2010-09-02"), (2010, 9, 2))
        self.assertEqual(D.parse_any_date("二○一○年九月二日"), "2010-09-02")
        self.assertEqual(D.parse_any_date("2010-09-02"), "2010-09-02")
        for bad in ("2010-9-02", "2010/09/02", "2010-02-30", "2010-13-01", "1899-01-01"):
            with self.subTest(text=bad):
                with self.assertRaises(DecodeError):
                    D.parse_iso_date(bad)
