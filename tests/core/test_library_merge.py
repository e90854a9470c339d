"""Library entries and the national → provincial → city merge (CPython and MicroPython)."""

import unittest

from lib12333.errors import DecodeError, ValidationError
from lib12333.library.entry import Entry, load_library
from lib12333.library.merge import merge


def E(key, level="national", region="", version=1, body="answer", **kw):
    d = {
        "key": key, "kind": "qa", "category": kw.pop("category", "2505"), "level": level, "region": region,
        "title": "title " + key, "body": body, "source_doc": kw.pop("source_doc", "人社厅发[2010]92号"),
        "source_date": kw.pop("source_date", "二○一○年十月十二日"), "version": version,
    }
    d.update(kw)
    return Entry.from_dict(d)


class EntryTest(unittest.TestCase):
    def test_normalises_document_and_date(self):
        e = E("a")
        self.assertEqual(e.source_doc, "人社厅发〔2010〕92号")
        self.assertEqual(e.source_date, "2010-10-12")
        self.assertEqual(e.to_dict()["source_doc"], "人社厅发〔2010〕92号")

    def test_round_trip_dict(self):
        e = E("a", "city", "330100", category="25050101", keywords=["挂失"], valid_to="2013-12-31")
        self.assertEqual(Entry.from_dict(e.to_dict()), e)

    def test_rules(self):
        cases = (
            {"category": "250501"},  # local code on a national entry
            {"category": "9999"},  # not a national sub-class
            {"category": "25a5"},
            {"level": "county"},
            {"level": "provincial", "region": "330100"},
            {"level": "city", "region": "330000"},
            {"region": "330000"},  # national entry with a region
            {"version": 0},
            {"version": True},
            {"valid_from": "2013-01-02", "valid_to": "2013-01-01"},
            {"color": "red"},
        )
        for extra in cases:
            with self.subTest(extra=extra):
                with self.assertRaises(ValidationError):
                    E("a", **extra)

    def test_key_characters(self):
        for key in ("has space", "", "挂失", "a" * 65):
            with self.subTest(key=key):
                with self.assertRaises(ValidationError):
                    E(key)

    def test_bad_document_number_is_decode_error(self):
        with self.assertRaises(DecodeError):
            E("a", source_doc="人社厅发2010 92号")
        with self.assertRaises(DecodeError):
            E("a", source_date="二〇一〇年二月三十日")

    def test_load_library_names_entry(self):
        doc = {"format": "lib12333-kb", "categories": {"250501": "临时挂失"},
               "entries": [E("a").to_dict(), {"key": "b"}]}
        with self.assertRaises(ValidationError) as cm:
            load_library(doc)
        self.assertIn("entry 1", str(cm.exception))
        doc["entries"] = doc["entries"][:1]
        entries, names = load_library(doc)
        self.assertEqual(len(entries), 1)
        self.assertEqual(names, {"250501": "临时挂失"})


class MergeTest(unittest.TestCase):
    def setUp(self):
        self.lib = [
            E("dial", body="national"),
            E("dial", "provincial", "330000", body="zhejiang"),
            E("dial", "city", "330100", body="hangzhou"),
            E("dial", "city", "330200", body="ningbo"),
            E("dial", "provincial", "440000", body="guangdong"),
            E("only-city", "city", "330100", category="25050101"),
            E("only-nat"),
        ]

    def keys(self, result):
        return [(e.key, e.body) for e in result.entries]

    def test_city_overrides_province_overrides_national(self):
        r = merge(self.lib, "330100", "2013-01-01")
        self.assertEqual(r.by_key()["dial"].body, "hangzhou")
        self.assertEqual(merge(self.lib, "330000", "2013-01-01").by_key()["dial"].body, "zhejiang")
        self.assertEqual(merge(self.lib, "330300", "2013-01-01").by_key()["dial"].body, "zhejiang")
        self.assertEqual(merge(self.lib, "", "2013-01-01").by_key()["dial"].body, "national")
        self.assertEqual(merge(self.lib, "440100", "2013-01-01").by_key()["dial"].body, "guangdong")
        self.assertEqual(r.overridden, 2)

    def test_local_entries_add(self):
        self.assertEqual(sorted(merge(self.lib, "330100", "2013-01-01").by_key()), ["dial", "only-city", "only-nat"])
        self.assertEqual(sorted(merge(self.lib, "330200", "2013-01-01").by_key()), ["dial", "only-nat"])

    def test_expired_drop_out_and_uncover_the_level_below(self):
        lib = self.lib + [E("dial", "city", "330100", version=2, body="new", valid_from="2014-01-01")]
        lib[2] = E("dial", "city", "330100", body="hangzhou", valid_to="2013-06-30")
        self.assertEqual(merge(lib, "330100", "2013-06-30").by_key()["dial"].body, "hangzhou")
        r = merge(lib, "330100", "2013-07-01")
        self.assertEqual(r.by_key()["dial"].body, "zhejiang")
        self.assertEqual(r.expired, 2)
        self.assertEqual(merge(lib, "330100", "2014-01-01").by_key()["dial"].body, "new")

    def test_higher_version_wins_without_conflict(self):
        lib = [E("a", body="old"), E("a", version=2, body="new")]
        r = merge(lib, "", "2013-01-01")
        self.assertEqual(r.by_key()["a"].body, "new")
        self.assertEqual(r.conflicts, [])

    def test_conflict_is_reported_and_order_independent(self):
        a = E("a", body="one", source_date="2010-01-01")
        b = E("a", body="two", source_date="2011-01-01")
        r1 = merge([a, b, E("a", body="one", source_date="2010-01-01")], "", "2013-01-01")
        r2 = merge([b, a], "", "2013-01-01")
        self.assertEqual(len(r1.conflicts), 1)
        self.assertEqual(r1.conflicts[0].key, "a")
        self.assertEqual(r1.by_key()["a"].body, "two")
        self.assertEqual(r2.by_key()["a"].body, "two")
        self.assertIn("conflict: key a at national", r1.conflicts[0].describe())

    def test_identical_duplicates_are_not_conflicts(self):
        r = merge([E("a"), E("a")], "", "2013-01-01")
        self.assertEqual(r.conflicts, [])
        self.assertEqual(len(r.entries), 1)

    def test_sorted_by_category_then_key(self):
        lib = [E("z", category="0102"), E("b"), E("a")]
        self.assertEqual([e.key for e in merge(lib, "", "2013-01-01").entries], ["z", "a", "b"])
