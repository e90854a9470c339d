"""Personal numbers inside free text: detection and masking (CPython and MicroPython)."""

import unittest

from lib12333 import citizen_requests as R
from lib12333 import masking as M

ID18 = "11010519491231002X"


def kinds(text):
    return [k for k, _pos, _value in M.find_personal(text)]


class FindPersonal(unittest.TestCase):
    def test_id_numbers(self):
        self.assertEqual(kinds("身份证" + ID18 + "，"), ["id"])
        self.assertEqual(kinds("身份证11010519491231002x"), ["id"])
        self.assertEqual(kinds("旧证110105491231002号"), ["id"])
        self.assertEqual(kinds("ID" + ID18), ["id"])  # after letters too
        found = M.find_personal("证" + ID18)
        self.assertEqual(found[0][1][0], 1)
        self.assertEqual(found[0][2], ID18)

    def test_phone_numbers(self):
        self.assertEqual(kinds("电话13912345678"), ["phone"])
        self.assertEqual(kinds("电话+86 139-1234-5678"), ["phone"])
        self.assertEqual(kinds("１３９１２３４５６７８"), ["phone"])
        self.assertEqual(M.find_personal("１３９１２３４５６７８")[0][2], "13912345678")

    def test_bypass_spellings_are_caught(self):
        # issue 13 item 9: mobiles glued to letters, grouped by "." or "_", spaces, full width
        for text in ("tel13912345678", "wx13912345678", "QQ13912345678号", "13912345678abc",
                     "139.1234.5678", "139_1234_5678", "139  1234  5678", "１３９　１２３４　５６７８",
                     "１３９－１２３４－５６７８", "１３９．１２３４．５６７８", "ｔｅｌ１３９１２３４５６７８"):
            with self.subTest(text=text):
                found = M.find_personal(text)
                self.assertEqual([(k, v) for k, _p, v in found], [("phone", "13912345678")])
        for text in ("id11010519491231002xyz", "ab110105491231002cd", "110105 19491231 002X",
                     "11010519491231002Ｘ", "ＩＤ" + ID18, "110105.19491231.002X"):
            with self.subTest(text=text):
                self.assertEqual(kinds(text), ["id"])

    def test_more_bypass_spellings_are_caught(self):
        # review of issue 13: invisible characters, other spaces, newlines, mixed separators, Chinese digits
        for text in ("13912\u200b345678", "1\u200c3\u200d9\ufeff12345678", "139\u20601234\u00ad5678",
                     "139\u00a01234\u00a05678", "139\u20091234\u202f5678", "139\n1234\n5678", "139\r\n1234 5678",
                     "139/1234/5678", "139·1234·5678", "139—1234—5678", "139 - 1234 - 5678", "139 / 1234 / 5678",
                     "(139)12345678", "（139）1234-5678", "139,1234,5678", "139，1234，5678",
                     "一三九一二三四五六七八", "幺三九 一二三四 五六七八", "壹叁玖壹贰叁肆伍陆柒捌",
                     "电话：一三九一二三四五六七八", "１３９\u200b１２３４５６７８"):
            with self.subTest(text=text):
                found = M.find_personal(text)
                self.assertEqual([(k, v) for k, _p, v in found], [("phone", "13912345678")])
        for text in ("110105\u200b19491231002X", "110105/19491231/002X", "一一〇一〇五一九四九一二三一〇〇二X"):
            with self.subTest(text=text):
                self.assertEqual(kinds(text), ["id"])

    def test_new_separators_join_only_personal_numbers(self):
        for text in ("2026/12/06", "第一二三条", "1/2", "3,500元", "时间10—12点", "一二三四五六", "(12)345"):
            with self.subTest(text=text):
                self.assertEqual(M.find_personal(text), [])

    def test_dots_join_only_personal_numbers(self):
        for text in ("2026.12.06", "192.168.1.10", "v1.2.3", "3.5元"):
            with self.subTest(text=text):
                self.assertEqual(M.find_personal(text), [])

    def test_card_numbers(self):
        self.assertEqual(kinds("社保卡A1234567X挂失"), ["card"])
        self.assertEqual(kinds("银行卡6222 0212 3456 7890 123"), ["card"])
        self.assertEqual(kinds("账号6222 0212 3456"), ["number"])
        self.assertEqual(kinds("座机0571-88886666"), ["number"])

    def test_not_personal(self):
        for text in ("有效至2026-12-06，尾号1234", "12-06 14:30 拨打12333", "请于3月30日前办理",
                     "您的投诉（T330100K0113030100077）目前状态", "编号T-330100-K01-130301-0007-7",
                     "device K01 build 20261", "", "abc", "编号Z000000AA13001010001A",
                     "Z-000000-AA1-300101-0001-A"):
            with self.subTest(text=text):
                self.assertEqual(M.find_personal(text), [])

    def test_date_rule_needs_a_real_month(self):
        self.assertEqual(kinds("2026-13-06"), ["number"])

    def test_a_time_after_a_date_is_not_joined_to_it(self):
        # log lines: "2026-12-03 10:57" once read as the 10-digit number 2026120310
        for text in ("2026-12-03 10:57", "at 2026-12-03 10:57:01 sent", "2026.12.03 09:05"):
            with self.subTest(text=text):
                self.assertEqual(M.find_personal(text), [])
        self.assertEqual(kinds("2026-12-03 13912345678"), ["phone"])
        self.assertEqual(M.mask_text("2026-12-03 139 1234 5678"), "2026-12-03 139 **** 5678")
        # a mobile grouped like a date without a space after it stays one number
        self.assertEqual(kinds("1391-12-03456"), ["phone"])


class MaskText(unittest.TestCase):
    def test_masks_in_place(self):
        self.assertEqual(M.mask_text("身份证" + ID18 + "，电话13912345678"),
                         "身份证110105********002X，电话139****5678")
        self.assertEqual(M.mask_text("电话139-1234-5678"), "电话139-****-5678")
        self.assertEqual(M.mask_text("社保卡A1234567X"), "社保卡A******7X")
        self.assertEqual(M.mask_text("１３９１２３４５６７８"), "１３９****５６７８")
        self.assertEqual(M.mask_text("银行卡6222021234567890123"), "银行卡622202*********0123")

    def test_masks_bypass_spellings(self):
        self.assertEqual(M.mask_text("tel13912345678"), "tel139****5678")
        self.assertEqual(M.mask_text("wx13912345678"), "wx139****5678")
        self.assertEqual(M.mask_text("139.1234.5678"), "139.****.5678")
        self.assertEqual(M.mask_text("139_1234_5678"), "139_****_5678")
        self.assertEqual(M.mask_text("ｔｅｌ１３９１２３４５６７８"), "ｔｅｌ１３９****５６７８")

    def test_masks_more_bypass_spellings(self):
        self.assertEqual(M.mask_text("13912\u200b345678"), "139**\u200b**5678")
        self.assertEqual(M.mask_text("一三九一二三四五六七八"), "一三九****五六七八")
        self.assertEqual(M.mask_text("(139)12345678"), "(139)****5678")
        self.assertEqual(M.mask_text("139\n1234\n5678"), "139\n****\n5678")

    def test_leaves_other_text(self):
        text = "您的投诉（T330100K0113030100077）已办结，有效至2026-12-06，尾号1234，拨12333。"
        self.assertEqual(M.mask_text(text), text)

    def test_requests_reuse_detection(self):
        self.assertTrue(R.contains_personal_data("电话+86 139 1234 5678"))
        self.assertFalse(R.contains_personal_data("有效至2026-12-06，尾号1234"))

    def test_request_to_dict_masks_subject(self):
        req = R.new_request("complaint", "330100", "K01", (2013, 3, 1), 7, 1000,
                            "身份证" + ID18 + "，电话13912345678", contact="13912345678")
        d = req.to_dict()
        self.assertEqual(d["subject"], "身份证110105********002X，电话139****5678")
        self.assertEqual(d["contact"], "139****5678")
        self.assertEqual(req.to_dict(show_pii=True)["subject"], "身份证" + ID18 + "，电话13912345678")


if __name__ == "__main__":
    unittest.main()
