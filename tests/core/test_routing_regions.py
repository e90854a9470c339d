"""Region table and division-code arithmetic (runs on CPython and MicroPython)."""

import io
import unittest

from lib12333.errors import ConfigError, ValidationError
from lib12333.routing import regions
from tests.core.support import project_path, read_bytes

DATA = read_bytes("lib12333/data/regions.txt")


class ArithmeticTest(unittest.TestCase):
    def test_province_and_city(self):
        self.assertEqual(regions.province_of("330106"), "330000")
        self.assertEqual(regions.city_of("330106"), "330100")
        self.assertEqual(regions.city_of("110105"), "110000")
        self.assertEqual(regions.city_of("500101"), "500000")
        self.assertEqual(regions.city_of("429004"), "429004")
        self.assertEqual(regions.city_of("469002"), "469002")

    def test_level(self):
        self.assertEqual(regions.level("330000"), "province")
        self.assertEqual(regions.level("330100"), "city")
        self.assertEqual(regions.level("429004"), "city")
        self.assertEqual(regions.level("330106"), "county")

    def test_check_code(self):
        regions.check_code("330100")
        for bad in ("33010", "3301000", "33010x", "", None, 330100, "000100"):
            with self.subTest(bad=bad):
                with self.assertRaises(ValidationError):
                    regions.check_code(bad)


class TableTest(unittest.TestCase):
    def setUp(self):
        self.table = regions.RegionTable(DATA)

    def test_region_rows(self):
        hz = self.table.region("330100")
        self.assertEqual(hz.name, "杭州市")
        self.assertEqual(hz.kind, "C")
        self.assertEqual(hz.areas, ("0571",))
        bj = self.table.region("110000")
        self.assertEqual((bj.kind, bj.name, bj.areas), ("M", "北京市", ("010",)))
        zj = self.table.region("330000")
        self.assertEqual((zj.kind, zj.name, zj.areas), ("P", "浙江省", ()))
        xt = self.table.region("429004")
        self.assertEqual((xt.kind, xt.name, xt.areas), ("D", "仙桃市", ("0728",)))
        self.assertIsNone(self.table.region("330106"))
        self.assertIsNone(self.table.region("999900"))

    def test_renamed_and_converted_prefectures(self):
        # phonenumbers still says 襄樊 and 铜仁地区; the table has today's codes.
        self.assertEqual(self.table.region("420600").name, "襄阳市")
        self.assertEqual(self.table.region("420600").areas, ("0710",))
        self.assertEqual(self.table.region("520600").areas, ("0856",))
        self.assertEqual(self.table.area("0731"), ("430100", "430300", "430200"))

    def test_area_lookup(self):
        self.assertEqual(self.table.area("0571"), ("330100",))
        self.assertEqual(self.table.area("010"), ("110000",))
        self.assertEqual(self.table.area("024"), ("210100", "211200", "210400", "210500"))
        self.assertEqual(self.table.area("0728"), ("429004", "429005", "429006"))
        self.assertEqual(self.table.area("0978"), ())
        self.assertEqual(self.table.area("0000"), ())
        self.assertEqual(self.table.area("abc"), ())

    def test_city_validates(self):
        self.assertEqual(self.table.city("330106").code, "330100")
        self.assertEqual(self.table.city("110105").code, "110000")
        self.assertEqual(self.table.city("330100").code, "330100")
        for bad in ("330199", "999999", "33x100"):
            with self.subTest(bad=bad):
                with self.assertRaises(ValidationError):
                    self.table.city(bad)

    def test_area_for(self):
        self.assertEqual(self.table.area_for("330106"), "0571")
        self.assertEqual(self.table.area_for("140700"), "0354")
        self.assertIsNone(self.table.area_for("410200"))  # 开封: no separate code in the data

    def test_counts(self):
        rows = list(self.table.regions())
        self.assertEqual(len(rows), 401)
        self.assertEqual(len(list(self.table.areas())), 320)
        self.assertTrue(self.table.is_county("330106"))
        self.assertFalse(self.table.is_county("330199"))

    def test_file_object_gives_same_answers(self):
        on_file = regions.RegionTable(io.BytesIO(DATA))
        for code in ("110000", "330100", "429004", "654000", "820000"):
            with self.subTest(code=code):
                a = on_file.region(code)
                b = self.table.region(code)
                self.assertEqual((a.code, a.kind, a.areas, a.name), (b.code, b.kind, b.areas, b.name))
        self.assertEqual(on_file.area("0898"), ("460100", "460200"))

    def test_open_file_reads_rows_on_demand(self):
        with open(project_path("lib12333/data/regions.txt"), "rb") as f:
            table = regions.RegionTable(f)
            self.assertEqual(table.region("330100").name, "杭州市")
            self.assertEqual(table.area("0571"), ("330100",))
            self.assertEqual(table.city("659001").name, "石河子市")
            self.assertTrue(table.is_county("110105"))

    def test_bad_header(self):
        with self.assertRaises(ConfigError):
            regions.RegionTable(b"NOT A TABLE" + b" " * 200)
        with self.assertRaises(ConfigError):
            regions.RegionTable(b"L12333-REGIONS 1 R=1x56@160" + b" " * 200)


if __name__ == "__main__":
    unittest.main()
