"""Category codes of 人社信息函[2010]52号 and local extensions (CPython and MicroPython)."""

import unittest

from lib12333 import categories as C
from lib12333.errors import ConfigError, ValidationError

# Codes that break the "x9 = 其他" habit or have no sub-classes, checked by hand against the seed.
SPOT = (
    ("01", "综合"),
    ("0119", "其他"),
    ("0109", "科技管理"),
    ("0703", "留学人员和回国（来华）专家管理"),
    ("0901", "农民工工作"),
    ("2202", "行政性收费"),
    ("2209", "事业性收费"),
    ("23", "劳动（人事）争议处理"),
    ("2405", "公务员的纪律惩戒和申诉控告"),
    ("26", "外国专家管理"),
    ("27", "国际公约"),
)

PROVINCE = """{
  "format": "lib12333/category-extension/1",
  "level": "province",
  "region": "330000",
  "title": "浙江省",
  "categories": [
    {"code": "140201", "name": "企业职工基本养老保险待遇"},
    {"code": "140202", "name": "养老保险关系转移接续"},
    {"code": "160501", "name": "异地就医备案"}
  ]
}"""

CITY = """{
  "format": "lib12333/category-extension/1",
  "level": "city",
  "region": "330100",
  "categories": [
    {"code": "14020101", "name": "杭州市养老金领取资格认证"}
  ]
}"""


def _province_with(entries_json):
    return PROVINCE.split('"categories"')[0] + '"categories": [\n' + entries_json + "\n  ]\n}"


class NationalTableTest(unittest.TestCase):
    def test_counts(self):
        classes = C.children()
        self.assertEqual(len(classes), 27)
        self.assertEqual(classes[0], "01")
        self.assertEqual(classes[-1], "27")
        subs = 0
        for c in classes:
            subs += len(C.children(c))
        self.assertEqual(subs, 146)
        self.assertEqual(len(list(C.items())), 173)

    def test_spot_names(self):
        for code, name in SPOT:
            with self.subTest(code=code):
                self.assertEqual(C.lookup(code), name)

    def test_classes_without_subclasses(self):
        self.assertEqual(C.children("26"), [])
        self.assertEqual(C.children("27"), [])
        self.assertEqual(C.children("22"), ["2201", "2202", "2209"])

    def test_children_of_01(self):
        self.assertEqual(
            C.children("01"), ["0101", "0102", "0103", "0104", "0105", "0106", "0107", "0108", "0109", "0119"]
        )

    def test_parent_level_path(self):
        self.assertEqual(C.parent("1402"), "14")
        self.assertIsNone(C.parent("14"))
        self.assertEqual(C.level("14"), 1)
        self.assertEqual(C.level("1402"), 2)
        p = C.path("1402")
        self.assertEqual([x.code for x in p], ["14", "1402"])
        self.assertEqual([x.name for x in p], ["养老保险", "城镇职工基本养老保险"])
        self.assertEqual(p[1].level, 2)
        self.assertEqual(p[1].parent, "14")

    def test_items_in_code_order(self):
        codes = [c for c, _ in C.items()]
        self.assertEqual(codes, sorted(codes))

    def test_validate_format_errors(self):
        for bad in ("", "1", "123", "12345", "1a", "０１", "01 ", 14, None, "123456789"):
            with self.subTest(bad=bad):
                with self.assertRaises(C.CodeFormatError):
                    C.validate(bad)

    def test_validate_unknown(self):
        for bad in ("00", "28", "99", "0110", "0100", "2609", "140201", "14020101"):
            with self.subTest(bad=bad):
                with self.assertRaises(C.UnknownCodeError):
                    C.validate(bad)
        self.assertFalse(C.exists("0110"))
        self.assertTrue(C.exists("0119"))

    def test_errors_are_validation_errors(self):
        with self.assertRaises(ValidationError):
            C.lookup("x")
        with self.assertRaises(ValidationError):
            C.lookup("2208")
        try:
            C.lookup("2208")
        except C.UnknownCodeError as exc:
            self.assertEqual(exc.field, "category code")
            self.assertTrue("sub-class" in str(exc))

    def test_search_ranking(self):
        hits = C.search("养老保险")
        self.assertEqual(hits[0].code, "14")  # exact match first
        self.assertEqual([h.code for h in hits[1:]], ["1402", "1403", "1404", "1405", "1902"])
        hits = C.search("农民工")
        self.assertEqual([h.code for h in hits], ["09", "0901"])

    def test_search_prefix_before_substring(self):
        hits = C.search("就业")
        self.assertEqual(
            [h.code for h in hits], ["03", "0303", "0301", "0302", "0305", "0306", "0307", "0308", "1503"]
        )

    def test_search_ascii_parentheses(self):
        hits = C.search("劳动(人事)争议")
        self.assertEqual([h.code for h in hits], ["23", "2302", "2303"])

    def test_search_other_and_limit(self):
        others = C.search("其他")
        self.assertEqual(len(others), 24)  # every class 01-25 but 22, whose x9 is 事业性收费
        self.assertFalse("2209" in [h.code for h in others])
        self.assertEqual(len(C.search("其他", limit=3)), 3)
        self.assertEqual(C.search("不存在的类别"), [])
        with self.assertRaises(ValidationError):
            C.search("  ")


class ExtensionTest(unittest.TestCase):
    def test_effective_tree(self):
        prov = C.load_extension(PROVINCE, source="zj.json")
        city = C.load_extension(CITY, source="hz.json")
        self.assertEqual(len(prov), 3)
        tree = C.effective_tree(prov, city)
        self.assertEqual(tree.lookup("140201"), "企业职工基本养老保险待遇")
        self.assertEqual(tree.lookup("14020101"), "杭州市养老金领取资格认证")
        self.assertEqual(tree.level("14020101"), 4)
        self.assertEqual(tree.parent("14020101"), "140201")
        self.assertEqual(tree.children("1402"), ["140201", "140202"])
        self.assertEqual(tree.children("140201"), ["14020101"])
        self.assertEqual([c.code for c in tree.path("14020101")], ["14", "1402", "140201", "14020101"])
        self.assertEqual(tree.lookup("1402"), "城镇职工基本养老保险")
        self.assertEqual(len(list(tree.items())), 177)
        walked = [(d, c.code) for d, c in tree.walk("1402")]
        self.assertEqual(walked, [(0, "1402"), (1, "140201"), (2, "14020101"), (1, "140202")])
        hits = tree.search("养老")
        self.assertTrue("14020101" in [h.code for h in hits])
        # the national tree is unchanged
        self.assertFalse(C.exists("140201"))

    def test_province_only_and_bytes(self):
        tree = C.effective_tree(C.load_extension(PROVINCE.encode("utf-8")))
        self.assertEqual(tree.lookup("160501"), "异地就医备案")
        with self.assertRaises(C.UnknownCodeError):
            tree.lookup("14020101")

    def _config_error(self, text, source="t.json"):
        try:
            C.load_extension(text, source=source)
        except ConfigError as exc:
            return exc
        self.fail("no ConfigError")

    def test_bad_parent(self):
        exc = self._config_error(
            _province_with('{"code": "140201", "name": "a"},\n{"code": "261001", "name": "b"}')
        )
        self.assertEqual(exc.source, "t.json")
        self.assertEqual(exc.item, "261001")
        self.assertEqual(exc.line, 8)
        self.assertTrue("national sub-class" in str(exc))

    def test_duplicate(self):
        exc = self._config_error(
            _province_with('{"code": "140201", "name": "a"},\n{"code": "140201", "name": "b"}')
        )
        self.assertEqual(exc.item, "140201")
        self.assertEqual(exc.line, 8)
        self.assertTrue("duplicate" in str(exc))

    def test_missing_name(self):
        for entry in (
            '{"code": "140201"}',
            '{"code": "140201", "name": ""}',
            '{"code": "140201", "name": 5}',
        ):
            with self.subTest(entry=entry):
                exc = self._config_error(_province_with(entry))
                self.assertEqual(exc.item, "140201")
                self.assertEqual(exc.line, 7)

    def test_digits_and_length(self):
        for code in ("14020A", "1402011", "14020", "１４０２０１"):
            with self.subTest(code=code):
                exc = self._config_error(_province_with('{"code": "' + code + '", "name": "x"}'))
                self.assertEqual(exc.item, code)

    def test_top_level_errors(self):
        cases = (
            "not json",
            "[]",
            PROVINCE.replace('"province"', '"county"'),
            PROVINCE.replace("category-extension/1", "category-extension/9"),
            PROVINCE.replace('"330000"', '"3300"'),
            PROVINCE.replace('"330000"', '"330100"'),
            PROVINCE.replace('"330000"', '"990000"'),
            PROVINCE.replace('"title"', '"titel"'),
            _province_with(""),
            _province_with('{"code": "140201", "name": "x", "extra": 1}'),
            _province_with('"140201"'),
        )
        for text in cases:
            with self.subTest(text=text[:40]):
                self._config_error(text)

    def test_city_needs_province(self):
        city = C.load_extension(CITY, source="hz.json")
        with self.assertRaises(ConfigError):
            C.effective_tree(None, city)
        with self.assertRaises(ConfigError):
            C.effective_tree(city)

    def test_city_parent_missing(self):
        prov = C.load_extension(PROVINCE)
        city = C.load_extension(CITY.replace("14020101", "14020301"), source="hz.json")
        try:
            C.effective_tree(prov, city)
        except ConfigError as exc:
            self.assertEqual(exc.item, "14020301")
            self.assertEqual(exc.source, "hz.json")
            self.assertEqual(exc.line, 6)
        else:
            self.fail("no ConfigError")

    def test_city_outside_province(self):
        prov = C.load_extension(PROVINCE)
        city = C.load_extension(CITY.replace("330100", "320100"))
        with self.assertRaises(ConfigError):
            C.effective_tree(prov, city)

    def test_city_code_length(self):
        exc = self._config_error(CITY.replace("14020101", "140201"))
        self.assertEqual(exc.item, "140201")


if __name__ == "__main__":
    unittest.main()
