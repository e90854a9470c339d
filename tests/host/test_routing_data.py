"""The generated region table against the packages it comes from (skipped when they are not installed)."""

import importlib.util
import os
import sys

import pytest

from lib12333.compat import data_path
from lib12333.routing.regions import RegionTable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
phonenumbers = pytest.importorskip("phonenumbers")
pytest.importorskip("phonenumbers.geocoder")  # a submodule: loaded here, not by whichever test ran first
stdnum = pytest.importorskip("stdnum")


def _gen():
    spec = importlib.util.spec_from_file_location("gen_regions", os.path.join(ROOT, "tools", "gen_regions.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _gen()
with open(data_path("regions.txt"), "rb") as _f:
    DATA = _f.read()
TABLE = RegionTable(DATA)


def test_regenerates_byte_for_byte_with_the_same_package_versions():
    if TABLE.source_versions != GEN.source_versions().replace(" ", ","):
        pytest.skip("installed phonenumbers/python-stdnum differ from the ones the table was made with")
    regions, counties, areas, region_areas = GEN.build(report=open(os.devnull, "w"))
    assert GEN.render(regions, counties, areas, region_areas) == DATA


def test_every_row_is_a_current_division_in_stdnum():
    entries, provinces = GEN.parse_loc(GEN.loc_dat_path())
    for row in TABLE.regions():
        if row.kind in "PM":
            assert provinces[row.code[:2]] == row.name
        else:
            assert GEN.current_name(entries[row.code]) == row.name, row.code
    for code in TABLE.counties():
        assert GEN.current_name(entries[code]) is not None, code


def test_every_area_code_is_a_phonenumbers_area_code():
    from phonenumbers import geocoder

    for area, cities in TABLE.areas():
        found = None
        for sub in GEN.SAMPLE_SUBSCRIBERS:
            n = phonenumbers.parse("+86" + area[1:] + sub)
            if phonenumbers.is_valid_number(n) and phonenumbers.length_of_geographical_area_code(n) == len(area) - 1:
                found = geocoder.description_for_number(n, "zh")
                break
        assert found, area
        # the first city's name (or its province for municipalities) is in the description
        first = TABLE.region(cities[0]).name
        stem = first[:2]
        assert stem in found or TABLE.region(cities[0][:2] + "0000").name[:2] in found, (area, found)


def test_known_places():
    assert TABLE.area("0571") == ("330100",)
    assert TABLE.area("020") == ("440100",)
    assert TABLE.region("440300").areas == ("0755",)
    desc = phonenumbers.geocoder.description_for_number(phonenumbers.parse("+8657187654321"), "zh")
    assert desc == "浙江省杭州市"


def test_check_mode(tmp_path):
    if TABLE.source_versions != GEN.source_versions().replace(" ", ","):
        pytest.skip("different package versions")
    out = tmp_path / "regions.txt"
    out.write_bytes(DATA)
    saved = sys.stdout
    try:
        sys.stdout = open(os.devnull, "w")
        assert GEN.main(["--check", "--output", str(out)]) == 0
        out.write_bytes(DATA[:-7])
        assert GEN.main(["--check", "--output", str(out)]) == 1
    finally:
        sys.stdout = saved
