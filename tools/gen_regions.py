#!/usr/bin/env python3
"""
Generate ``lib12333/data/regions.txt``: area codes <-> prefecture division codes <-> provinces.

Sources (both installed with pip; nothing is downloaded by this script):

* ``python-stdnum`` (LGPL-2.1+): ``stdnum/cn/loc.dat``, the GB/T 2260 administrative
  division codes with validity years, built by its authors from the zh.wikipedia
  行政区划代码 pages.  We keep the divisions that are current (no end year).
* ``phonenumbers`` (Apache-2.0, Google's libphonenumber data): the Chinese
  fixed-line geocoding descriptions.  The prefixes are stored compressed, so we
  ask the library instead: for every candidate area code we build sample
  fixed-line numbers, keep the ones the library calls valid fixed-line numbers
  whose geographical area code has that length, and read their Chinese
  description ("浙江省杭州市", "辽宁省沈阳市、铁岭市、抚顺市、本溪市").

The description is matched to division codes inside its province: current
prefecture names, then shortened names ("甘孜" -> 甘孜藏族自治州), then base
names without 市/地区 ("铜仁地区" -> 铜仁市), then former names of a current
code (襄樊 -> 襄阳市), then current county-level names (mapped to their
prefecture, or kept when they are province-administered units such as 仙桃市).
Descriptions that match nothing are printed and left out.

Output format (UTF-8, fixed-width lines, sorted, so a device can binary-search
the file with seek/read and keep nothing in RAM) is documented in
docs/routing.md.  Run:

    python tools/gen_regions.py            # writes lib12333/data/regions.txt
    python tools/gen_regions.py --check    # exit 1 if the file is out of date
"""

import argparse
import collections
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from lib12333.routing.regions import MUNICIPALITIES, city_of  # noqa: E402 -- the rule the reader applies

OUT = os.path.join(ROOT, "lib12333", "data", "regions.txt")

HEADER_WIDTH = 160
REGION_NAME_BYTES = 36
CONTAINER_MARK = ("市辖区", "县", "郊区", "矿区")
# A spelling error in the phonenumbers description of 0731 ("株州"); the city is 株洲市.
SPELLING = {"株州市": "株洲市"}
SUFFIXES = ("特别行政区", "特別行政區", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
SAMPLE_SUBSCRIBERS = (
    "23456789", "33456789", "55556789", "66666789", "87654321", "62345678",
    "2345678", "5678901", "6543210", "8765432", "3456789", "7654321",
)


def parse_loc(path):
    """Return {code6: [(start, end, name), ...]} and {prov2: name} from stdnum's loc.dat."""
    entries = {}
    provinces = {}
    prov = None
    entry_re = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if not line.startswith(" "):
                code, rest = line.split(" ", 1)
                prov = code
                provinces[code] = rest.split('"')[1]
                continue
            code, rest = line.strip().split(" ", 1)
            value = rest.split('"')[1]
            spans = []
            for part in value.split(","):
                m = entry_re.match(part)
                if m:
                    start = int(m.group(1)) if m.group(1) else None
                    end = int(m.group(2)) if m.group(2) else None
                    spans.append((start, end, m.group(3)))
                else:
                    spans.append((None, None, part))
            entries[prov + code] = spans
    return entries, provinces


def current_name(spans):
    for _start, end, name in spans:
        if end is None:
            return name
    return None


def build_divisions(loc_path):
    entries, provinces = parse_loc(loc_path)
    regions = {}  # code -> (kind, name)
    counties = []
    history = collections.defaultdict(list)  # prov -> [(former name, code)]
    county_names = collections.defaultdict(list)  # prov -> [(name, code)]
    for prov, name in provinces.items():
        regions[prov + "0000"] = ("M" if prov in MUNICIPALITIES else "P", name)
    for code, spans in sorted(entries.items()):
        name = current_name(spans)
        prov = code[:2]
        if code.endswith("0000"):
            continue
        if name is None:
            continue
        if "直辖" in name or name in CONTAINER_MARK:
            continue
        if code.endswith("00") and prov not in MUNICIPALITIES:
            regions[code] = ("C", name)
            for _start, _end, old in spans:
                if old != name:
                    history[prov].append((old, code))
        elif code[2:4] == "90":
            regions[code] = ("D", name)
        elif not code.endswith("00"):
            counties.append(code)
            county_names[prov].append((name, code))
    return regions, counties, provinces, history, county_names


def province_short(name):
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def base(name):
    for suffix in ("地区", "市", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def match_part(part, prov, regions, history, county_names):
    part = SPELLING.get(part, part)
    cities = [(name, code) for code, (kind, name) in regions.items() if code[:2] == prov and kind in "CD"]
    for name, code in cities:
        if name == part:
            return code
    for name, code in cities:
        if len(part) >= 2 and name.startswith(part):
            return code
    for name, code in cities:
        if base(name) == base(part):
            return code
    for old, code in history.get(prov, ()):
        if old == part or base(old) == base(part):
            return code
    for name, code in county_names.get(prov, ()):
        if name == part or (len(part) >= 2 and name.startswith(part)):
            return city_of(code)
    return None


def match_description(desc, regions, provinces, history, county_names):
    """Map one phonenumbers description to (region codes, unmatched parts)."""
    prov = None
    rest_prefix = ""
    for code in sorted(provinces):
        full = provinces[code]
        for prefix in (full, province_short(full)):
            if desc.startswith(prefix) and len(prefix) > len(rest_prefix):
                prov, rest_prefix = code, prefix
    if prov is None:
        return [], [desc]
    rest = desc[len(rest_prefix):]
    if prov in MUNICIPALITIES or not rest:
        return [prov + "0000"], []
    codes = []
    missed = []
    for part in rest.split("、"):
        code = match_part(part, prov, regions, history, county_names)
        if code is None:
            missed.append(part)
        elif code not in codes:
            codes.append(code)
    return codes, missed


def probe_area_codes():
    """Ask phonenumbers which Chinese area codes exist and how it describes them."""
    import phonenumbers
    from phonenumbers import PhoneNumberType, geocoder

    fixed = (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    candidates = ["10"] + [str(i) for i in range(20, 30)] + [str(i) for i in range(300, 1000)]
    result = {}
    for code in candidates:
        seen = collections.Counter()
        for sub in SAMPLE_SUBSCRIBERS:
            try:
                number = phonenumbers.parse("+86" + code + sub)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_valid_number(number):
                continue
            if phonenumbers.number_type(number) not in fixed:
                continue
            if phonenumbers.length_of_geographical_area_code(number) != len(code):
                continue
            desc = geocoder.description_for_number(number, "zh")
            if desc:
                seen[desc] += 1
        if seen:
            result["0" + code] = seen.most_common(1)[0][0]
    return result


def source_versions():
    import phonenumbers
    import stdnum

    return "phonenumbers-" + phonenumbers.__version__ + " python-stdnum-" + stdnum.__version__


def loc_dat_path():
    import stdnum

    return os.path.join(os.path.dirname(stdnum.__file__), "cn", "loc.dat")


def build(report=sys.stderr):
    regions, counties, provinces, history, county_names = build_divisions(loc_dat_path())
    described = probe_area_codes()
    areas = {}
    for area, desc in sorted(described.items()):
        codes, missed = match_description(desc, regions, provinces, history, county_names)
        if missed:
            report.write("unmatched: %s %s -> %s\n" % (area, desc, "、".join(missed)))
        if codes:
            areas[area] = codes
    region_areas = collections.defaultdict(list)
    for area, codes in sorted(areas.items()):
        for code in codes:
            region_areas[code].append(area)
    return regions, counties, areas, region_areas


def pad_bytes(text, width):
    data = text.encode("utf-8")
    if len(data) > width:
        raise SystemExit("field too long for %d bytes: %r" % (width, text))
    return data + b" " * (width - len(data))


def render(regions, counties, areas, region_areas):
    area_slots = max(len(codes) for codes in areas.values())
    region_slots = max(len(v) for v in region_areas.values())
    r_width = 6 + 1 + 1 + 1 + 5 * region_slots - 1 + 1 + REGION_NAME_BYTES + 1
    a_width = 4 + 7 * area_slots + 1
    k_width = 7
    r_lines = []
    for code in sorted(regions):
        kind, name = regions[code]
        field = ",".join(region_areas.get(code, [])) or "-"
        line = (
            pad_bytes(code + " " + kind + " " + field, 6 + 1 + 1 + 1 + 5 * region_slots - 1)
            + b" "
            + pad_bytes(name, REGION_NAME_BYTES)
            + b"\n"
        )
        assert len(line) == r_width
        r_lines.append(line)
    a_lines = []
    for area in sorted(areas, key=lambda a: pad_bytes(a, 4)):
        line = pad_bytes(area, 4) + pad_bytes("".join(" " + c for c in areas[area]), 7 * area_slots) + b"\n"
        assert len(line) == a_width
        a_lines.append(line)
    k_lines = [(c + "\n").encode("ascii") for c in sorted(counties)]
    offset = HEADER_WIDTH
    sections = []
    for tag, lines, width in (("R", r_lines, r_width), ("A", a_lines, a_width), ("K", k_lines, k_width)):
        sections.append("%s=%dx%d@%d" % (tag, len(lines), width, offset))
        offset += len(lines) * width
    header = "L12333-REGIONS 1 " + " ".join(sections) + " src=" + source_versions().replace(" ", ",")
    head = pad_bytes(header, HEADER_WIDTH - 1) + b"\n"
    return head + b"".join(r_lines) + b"".join(a_lines) + b"".join(k_lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate lib12333/data/regions.txt from phonenumbers and python-stdnum.")
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    parser.add_argument("--output", default=OUT, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    data = render(*build())
    if args.check:
        with open(args.output, "rb") as f:
            same = f.read() == data
        print("up to date" if same else "OUT OF DATE: run python tools/gen_regions.py")
        return 0 if same else 1
    with open(args.output, "wb") as f:
        f.write(data)
    print("wrote %s (%d bytes)" % (args.output, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
