"""Citizen ID, USCC, card number and masking (CPython and MicroPython)."""

import unittest

from lib12333 import identifiers as I
from lib12333.errors import DecodeError, ValidationError

# The examples of GB 11643-1999 and GB 32100-2015, and two card numbers of
# 人社信息函〔2012〕37号 附录A / the Sichuan reader spec (research note §4).
GB_IDS = ("11010519491231002X", "440524188001010014")
TODAY = (2026, 11, 29)


class CitizenIdTest(unittest.TestCase):
    def test_standard_examples(self):
        for number in GB_IDS:
            with self.subTest(number=number):
                cid = I.parse_citizen_id(number, TODAY)
                self.assertEqual(cid.number, number)
                self.assertFalse(cid.from15)
        cid = I.parse_citizen_id("11010519491231002X")
        self.assertEqual(cid.region, "110105")
        self.assertEqual(cid.province, "11")
        self.assertEqual(cid.birth, (1949, 12, 31))
        self.assertEqual(cid.birth_date, "1949-12-31")
        self.assertEqual(cid.sex, "female")
        self.assertEqual(I.parse_citizen_id("440524188001010014").sex, "male")
        self.assertEqual(cid.masked, "110105********002X")

    def test_check_digit(self):
        self.assertEqual(I.citizen_id_check_digit("11010519491231002"), "X")
        self.assertEqual(I.citizen_id_check_digit("44052418800101001"), "4")
        self.assertEqual(I.citizen_id_check_digit("13050319670401001"), "6")
        for bad in ("1101051949123100", "110105194912310021", "1101051949123100A", None):
            with self.subTest(bad=bad):
                with self.assertRaises(DecodeError):
                    I.citizen_id_check_digit(bad)

    def test_all_eleven_check_values(self):
        # one body per residue 0..10 so every entry of the mapping table is used
        seen = {}
        for order in range(200):
            body = "11010519800101" + ("%03d" % order)
            seen[I.citizen_id_check_digit(body)] = body
        self.assertEqual(sorted(seen), sorted("0123456789X"))
        for check, body in seen.items():
            self.assertTrue(I.is_valid_citizen_id(body + check))

    def test_lowercase_x(self):
        self.assertEqual(I.parse_citizen_id("11010519491231002x").number, "11010519491231002X")

    def test_upgrade(self):
        self.assertEqual(I.upgrade_citizen_id("130503670401001"), "130503196704010016")
        cid = I.parse_citizen_id("130503670401001")
        self.assertTrue(cid.from15)
        self.assertEqual(cid.number, "130503196704010016")
        self.assertEqual(I.downgrade_citizen_id("130503196704010016"), "130503670401001")
        born2000 = "11010520000101002" + I.citizen_id_check_digit("11010520000101002")
        self.assertTrue(I.is_valid_citizen_id(born2000))
        try:
            I.downgrade_citizen_id(born2000)
        except ValidationError as exc:
            self.assertTrue("1900-1999" in exc.reason)
        else:
            self.fail("downgraded a 2000 birth")
        with self.assertRaises(DecodeError):
            I.upgrade_citizen_id("13050367040100")

    def test_wrong_check(self):
        try:
            I.parse_citizen_id("110105194912310021")
        except ValidationError as exc:
            self.assertEqual(exc.field, "citizen ID")
            self.assertTrue("check" in exc.reason)
            self.assertFalse("110105" in str(exc))  # no personal data in messages
        else:
            self.fail("accepted a wrong check digit")

    def test_shape_errors(self):
        cases = (
            ("1101051949123100", None),
            ("11010519491231002X1", None),
            ("1101051949A231002X", 11),
            ("11010519491231002Y", 18),
            ("X10105194912310020", 1),
            ("", None),
        )
        for text, position in cases:
            with self.subTest(text=text):
                try:
                    I.parse_citizen_id(text)
                except DecodeError as exc:
                    self.assertEqual(exc.position, position)
                else:
                    self.fail("no DecodeError")
        with self.assertRaises(DecodeError):
            I.parse_citizen_id(12345)

    def _with_check(self, body):
        return body + I.citizen_id_check_digit(body)

    def test_region(self):
        with self.assertRaises(ValidationError):
            I.parse_citizen_id(self._with_check("99010519491231002"))
        with self.assertRaises(ValidationError):
            I.parse_citizen_id(self._with_check("00010519491231002"))
        for prov in ("65", "71", "81", "82", "83"):
            self.assertTrue(I.is_valid_citizen_id(self._with_check(prov + "000019491231002")))
        self.assertEqual(I.province_name("33"), "浙江省")
        self.assertIsNone(I.province_name("20"))

    def test_birth_date(self):
        bad = ("19490229", "19491301", "19490001", "19490431", "19490100", "17991231")
        for date in bad:
            with self.subTest(date=date):
                with self.assertRaises(ValidationError):
                    I.parse_citizen_id(self._with_check("110105" + date + "002"))
        self.assertTrue(I.is_valid_citizen_id(self._with_check("11010520000229002")))
        self.assertFalse(I.is_valid_citizen_id(self._with_check("11010519000229002")))
        self.assertFalse(I.is_valid_citizen_id("110105000229002"))  # 1900 is not a leap year

    def test_future_birth(self):
        future = self._with_check("11010520261130002")
        self.assertTrue(I.is_valid_citizen_id(future))  # no today given: no future check
        self.assertFalse(I.is_valid_citizen_id(future, TODAY))
        self.assertFalse(I.is_valid_citizen_id(future, "2026-11-29"))
        self.assertTrue(I.is_valid_citizen_id(future, "20261130"))
        with self.assertRaises(ValidationError):
            I.parse_citizen_id(future, "yesterday")
        for bad in (("2026", "11", "29"), (2026, 11), 20261129, [2026, 11, 29]):
            with self.subTest(today=bad):
                with self.assertRaises(ValidationError):
                    I.parse_citizen_id(future, bad)
        # time.localtime()-style tuples have more fields; the first three count
        self.assertFalse(I.is_valid_citizen_id(future, (2026, 11, 29, 10, 0, 0, 6, 333)))

        class Day:
            year, month, day = 2026, 12, 1

        self.assertTrue(I.is_valid_citizen_id(future, Day()))


class UsccTest(unittest.TestCase):
    def test_standard_example(self):
        self.assertEqual(I.uscc_check_char("91350100M000100Y4"), "3")
        self.assertEqual(I.uscc_check_char("91110000600037341"), "L")
        u = I.parse_uscc("91350100M000100Y43")
        self.assertEqual(u.department, "9")
        self.assertEqual(u.entity_type, "1")
        self.assertEqual(u.region, "350100")
        self.assertEqual(u.organization_code, "M000100Y4")

    def test_extreme_check_values(self):
        # check value 0 -> "0" and 30 -> "Y" (vectors computed with an independent implementation)
        self.assertEqual(I.uscc_check_char("91330104MA2000014"), "0")
        self.assertEqual(I.uscc_check_char("91330104MA2000004"), "Y")
        self.assertTrue(I.is_valid_uscc("91330104MA20000140"))
        self.assertFalse(I.is_valid_uscc("01330104MA20000140"))  # department 0 does not exist

    def test_errors(self):
        with self.assertRaises(ValidationError):
            I.parse_uscc("91350100M000100Y44")
        with self.assertRaises(DecodeError):
            I.parse_uscc("91350100M000100YI3")  # I is not in the alphabet
        with self.assertRaises(DecodeError):
            I.parse_uscc("91350100M000100Y4")
        with self.assertRaises(DecodeError):
            I.uscc_check_char("91350100M00010OY4")


class CardNumberTest(unittest.TestCase):
    def test_examples(self):
        self.assertEqual(I.card_number_check_char("D2143569"), "X")
        self.assertEqual(I.card_number_check_char("X0000001"), "9")
        self.assertEqual(I.card_number_check_char("HA104692"), "4")
        c = I.parse_card_number("X00000019")
        self.assertTrue(c.check_ok)
        self.assertEqual(c.warnings, ())
        self.assertEqual(c.masked, "X******19")

    def test_advisory(self):
        c = I.parse_card_number("A21472424")  # a real card that fails the check
        self.assertFalse(c.check_ok)
        self.assertEqual(c.expected, "1")
        self.assertEqual(len(c.warnings), 1)
        r = I.identify("A21472424")
        self.assertTrue(r.valid)
        self.assertEqual(r.kind, I.KIND_CARD)
        self.assertEqual(len(r.warnings), 1)

    def test_shape(self):
        with self.assertRaises(DecodeError):
            I.parse_card_number("X0000001")
        with self.assertRaises(DecodeError):
            I.parse_card_number("x00000019")


class IdentifyTest(unittest.TestCase):
    def test_kinds(self):
        cases = (
            ("11010519491231002X", I.KIND_CITIZEN, True, "110105", "1949-12-31"),
            ("1101 0519 4912 3100 2X", I.KIND_CITIZEN, True, "110105", "1949-12-31"),
            ("130503670401001", I.KIND_CITIZEN15, True, "130503", "1967-04-01"),
            ("91350100M000100Y43", I.KIND_USCC, True, "350100", None),
            ("91350100M000100Y44", I.KIND_USCC, False, None, None),
            ("110105194912310021", I.KIND_CITIZEN, False, None, None),
            ("HA1046924", I.KIND_CARD, True, None, None),
            ("12345", I.KIND_UNKNOWN, False, None, None),
        )
        for text, kind, valid, region, birth in cases:
            with self.subTest(text=text):
                r = I.identify(text, TODAY)
                self.assertEqual(r.kind, kind)
                self.assertEqual(r.valid, valid)
                self.assertEqual(r.region, region)
                self.assertEqual(r.birth_date, birth)
                self.assertEqual(r.reason is None, valid)

    def test_masked(self):
        self.assertEqual(I.identify("11010519491231002X").masked, "110105********002X")
        self.assertEqual(I.identify("130503670401001").masked, "130503********0016")
        self.assertEqual(I.identify("130503670401001").number, "130503196704010016")
        bad = I.identify("110105194912310021")
        self.assertEqual(bad.masked, "110105********0021")
        self.assertFalse("19491231" in bad.reason)

    def test_all_digit_uscc(self):
        # 18 digits that fail as a citizen ID (date 00000000) but pass as a USCC
        self.assertEqual(I.identify("121000000000000062").kind, I.KIND_USCC)
        self.assertTrue(I.identify("121000000000000062").valid)
        self.assertEqual(I.identify("121000000000000063").kind, I.KIND_CITIZEN)
        self.assertFalse(I.identify("121000000000000063").valid)

    def test_region_table_is_advisory(self):
        class Known:
            def __init__(self, codes):
                self.codes = codes

            def is_known(self, code):
                return code in self.codes

        r = I.identify("440524188001010014", regions=Known(("110105",)))
        self.assertTrue(r.valid)
        self.assertEqual(len(r.warnings), 1)
        self.assertTrue("former" in r.warnings[0])
        r = I.identify("11010519491231002X", regions=Known(("110105",)))
        self.assertEqual(r.warnings, ())
        r = I.identify("91350100M000100Y43", regions=Known(()))
        self.assertTrue(r.valid)
        self.assertEqual(len(r.warnings), 1)

    def test_forced_kind(self):
        self.assertEqual(I.identify("130503670401001", kind=I.KIND_CITIZEN).kind, I.KIND_CITIZEN15)
        self.assertFalse(I.identify("11010519491231002X", kind=I.KIND_USCC).valid)
        with self.assertRaises(ValidationError):
            I.identify("11010519491231002X", kind="passport")


class MaskTest(unittest.TestCase):
    def test_id(self):
        self.assertEqual(I.mask_id("11010519491231002X"), "110105********002X")
        self.assertEqual(I.mask_id("130503670401001"), "130503*****1001")
        self.assertEqual(I.mask_id("12345"), "*2345")
        self.assertEqual(I.mask_id("123"), "***")

    def test_name(self):
        self.assertEqual(I.mask_name("张三"), "张*")
        self.assertEqual(I.mask_name("张小明"), "张**")
        self.assertEqual(I.mask_name("欧阳小明"), "欧阳**")
        self.assertEqual(I.mask_name("欧阳明"), "欧阳*")
        self.assertEqual(I.mask_name("欧阳"), "欧*")
        self.assertEqual(I.mask_name("王"), "*")
        self.assertEqual(I.mask_name("John Smith"), "J*** S****")
        self.assertEqual(I.mask_name(""), "")

    def test_phone(self):
        self.assertEqual(I.mask_phone("13812341234"), "138****1234")
        self.assertEqual(I.mask_phone("+86 138 1234 1234"), "+86 1** **** 1234")
        self.assertEqual(I.mask_phone("0571-87182652"), "057*-****2652")
        self.assertEqual(I.mask_phone("12333"), "***33")

    def test_card(self):
        self.assertEqual(I.mask_card("X00000019"), "X******19")
        self.assertEqual(I.mask_card("6214830012345678"), "621483******5678")
        self.assertEqual(I.mask_card("AB"), "**")


if __name__ == "__main__":
    unittest.main()
