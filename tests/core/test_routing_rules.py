"""Rule loader: schema checks and load-time analysis (runs on CPython and MicroPython)."""

import json
import unittest

from lib12333.errors import ConfigError, DecodeError
from lib12333.routing import loader, regions
from tests.core.support import read_bytes

TABLE = regions.RegionTable(read_bytes("lib12333/data/regions.txt"))
DEFAULT = {"name": "default", "then": {"action": "queue", "queue": "general"}}


def doc(*rules):
    return {"schema": "lib12333-routing/1", "name": "t", "rules": list(rules)}


def text_of(d):
    """One rule per line after the header line, so rule i is on line i + 2."""
    lines = ['{"schema": "lib12333-routing/1", "name": "t", "rules": [']
    for i, rule in enumerate(d["rules"]):
        lines.append(json.dumps(rule) + ("," if i + 1 < len(d["rules"]) else ""))
    lines.append("]}")
    return "\n".join(lines)


def rule(name, when, queue, priority=0, action="queue", centre=None):
    then = {"action": action, "queue": queue}
    if centre is not None:
        then["centre"] = centre
    return {"name": name, "priority": priority, "when": when, "then": then}


class LoadErrorTest(unittest.TestCase):
    def fails(self, d, item=None, line=None, table=TABLE, text=None):
        with self.assertRaises(ConfigError) as ctx:
            loader.loads(text if text is not None else text_of(d), "t.json", table)
        exc = ctx.exception
        self.assertEqual(exc.source, "t.json")
        if item is not None:
            self.assertEqual(exc.item, item)
        if line is not None:
            self.assertEqual(exc.line, line)
        return exc

    def test_valid_set_loads(self):
        rs = loader.loads(text_of(doc(rule("a", {"channel": "sms"}, "s", 5), DEFAULT)), "t.json", TABLE)
        self.assertEqual([r.name for r in rs.rules], ["a", "default"])
        self.assertEqual([r.line for r in rs.rules], [2, 3])

    def test_no_default(self):
        self.fails(doc(rule("a", {"channel": "sms"}, "s"), rule("b", {"channel": "voice"}, "v")), item="b", line=3)

    def test_unreachable_after_general_rule(self):
        d = doc(
            rule("all-voice", {"channel": "voice"}, "v", 10),
            rule("voice-12370", {"channel": "voice", "number": "12370"}, "c", 5),
            DEFAULT,
        )
        exc = self.fails(d, item="voice-12370", line=3)
        self.assertIn("all-voice", str(exc))

    def test_unreachable_after_default(self):
        self.fails(doc(DEFAULT, rule("late", {"channel": "sms"}, "s")), item="late", line=3)

    def test_unreachable_by_prefix_and_ranges(self):
        d = doc(
            rule("zj", {"reached": "330000", "waiting": {"min": 5}}, "p", 10),
            rule("hz", {"reached": "330100", "waiting": {"min": 8, "max": 20}}, "c", 5),
            DEFAULT,
        )
        self.fails(d, item="hz", line=3)
        d = doc(
            rule("day", {"hours": "08:00-18:00"}, "d", 10),
            rule("morning", {"hours": "09:00-12:00", "category": "1401"}, "m", 5),
            DEFAULT,
        )
        self.fails(d, item="morning")

    def test_not_unreachable_when_partly_covered(self):
        d = doc(
            rule("hz", {"reached": "330100"}, "c", 10),
            rule("zj", {"reached": "330000"}, "p", 5),
            rule("night", {"hours": "20:00-08:00"}, "n", 3),
            rule("evening", {"hours": "18:00-22:00"}, "e", 2),
            DEFAULT,
        )
        rs = loader.loads(text_of(d), "t.json", TABLE)
        self.assertEqual(len(rs.rules), 5)

    def test_overlap_same_priority(self):
        d = doc(rule("voice", {"channel": "voice"}, "v", 5), rule("civil", {"number": "12370"}, "c", 5), DEFAULT)
        exc = self.fails(d, item="civil", line=3)
        self.assertIn("voice", str(exc))

    def test_overlap_allowed_with_same_result_or_disjoint(self):
        d = doc(
            rule("civil-number", {"number": "12370"}, "civil", 5),
            rule("civil-category", {"category": "24"}, "civil", 5),
            rule("sms", {"channel": "sms", "number": "12333", "category": "14"}, "s", 5),
            rule("web", {"channel": "web", "number": "12333", "category": "16"}, "w", 5),
            DEFAULT,
        )
        self.assertEqual(len(loader.loads(text_of(d), "t.json", TABLE).rules), 5)

    def test_unknown_codes(self):
        self.fails(doc(rule("x", {"category": "9901"}, "q", 1), DEFAULT), item="x", line=2)
        self.fails(doc(rule("x", {"category": "2499"}, "q", 1), DEFAULT), item="x")
        self.fails(doc(rule("x", {"category": "123"}, "q", 1), DEFAULT), item="x")
        self.fails(doc(rule("x", {"reached": "330199"}, "q", 1), DEFAULT), item="x", line=2)
        self.fails(doc(rule("x", {"card_region": "990000"}, "q", 1), DEFAULT), item="x")
        self.fails(doc(rule("x", {"caller_region": "3301"}, "q", 1), DEFAULT), item="x")
        self.fails(doc(rule("x", {}, "q", 1, "transfer", "999900"), DEFAULT), item="x")

    def test_local_category_codes_extend_national(self):
        rs = loader.loads(text_of(doc(rule("x", {"category": ["240301", "14020101"]}, "q", 1), DEFAULT)), "t.json", TABLE)
        self.assertEqual(rs.rules[0].conds["category"], ("14020101", "240301"))
        self.fails(doc(rule("x", {"category": "249901"}, "q", 1), DEFAULT), item="x")

    def test_region_format_only_without_table(self):
        rs = loader.loads(text_of(doc(rule("x", {"reached": "330199"}, "q", 1), DEFAULT)), "t.json", None)
        self.assertEqual(rs.rules[0].conds["reached"], ("330199",))

    def test_schema_errors(self):
        bad_rules = (
            {"name": "x", "when": {"colour": "red"}, "then": {"action": "queue"}},
            {"name": "x", "when": {"channel": "fax"}, "then": {"action": "queue"}},
            {"name": "x", "when": {"channel": []}, "then": {"action": "queue"}},
            {"name": "x", "when": {"hours": "8:00-17:00"}, "then": {"action": "queue"}},
            {"name": "x", "when": {"hours": "08:00-08:00"}, "then": {"action": "queue"}},
            {"name": "x", "when": {"waiting": {"min": 5, "max": 2}}, "then": {"action": "queue"}},
            {"name": "x", "when": {"agents": {"max": -1}}, "then": {"action": "queue"}},
            {"name": "x", "when": {"day": "monday"}, "then": {"action": "queue"}},
            {"name": "x", "then": {"action": "dance"}},
            {"name": "x", "then": {"action": "transfer", "centre": "city"}},
            {"name": "x", "then": {"action": "queue", "queue": "q-{town}"}},
            {"name": "x", "then": {"action": "queue", "colour": 1}},
            {"name": "x", "priority": "high", "then": {"action": "queue"}},
            {"name": "x", "priority": True, "then": {"action": "queue"}},
            {"name": "", "then": {"action": "queue"}},
            {"name": "x"},
            {"name": "x", "then": {"action": "queue"}, "extra": 1},
        )
        for bad in bad_rules:
            with self.subTest(rule=bad):
                self.fails(doc(bad, DEFAULT), line=2)

    def test_document_errors(self):
        self.fails(None, text='{"schema": "lib12333-routing/9", "rules": []}', item="schema", line=1)
        self.fails(None, text='{"schema": "lib12333-routing/1", "rules": []}', item="rules")
        self.fails(None, text='{"schema": "lib12333-routing/1",\n "surprise": 1,\n "rules": [{}]}', item="surprise", line=2)
        self.fails(None, text='[1, 2]')
        text = '{"schema": "lib12333-routing/1",\n"calendar": {"holidays": ["2026-02-30"]},\n"rules": [%s]}' % json.dumps(DEFAULT)
        self.fails(None, text=text, item="holidays", line=2)
        self.fails(doc(DEFAULT, dict(DEFAULT, priority=-1)), item="default", line=3)  # duplicate name

    def test_malformed_json_is_decode_error(self):
        for text in ('{"schema": ', "", "[[[[", b"\xff\xfe{}", "{'a': 1}", "nul"):
            with self.subTest(text=text):
                with self.assertRaises(DecodeError):
                    loader.loads(text, "t.json", TABLE)

    def test_rule_lines_scanner(self):
        text = '{\n "name": "rules",\n "rules": [\n  {"name": "a{[\\"", "then": {}},\n\n  {"name": "b"}\n ]\n}'
        self.assertEqual(loader.rule_lines(text), [4, 6])


class PresetLoadTest(unittest.TestCase):
    def test_presets_load(self):
        for name, count in (("city", 10), ("province", 11)):
            with self.subTest(name=name):
                rs = loader.loads(read_bytes("lib12333/data/route-" + name + ".json"), name, TABLE)
                self.assertEqual(rs.name, name)
                self.assertEqual(len(rs.rules), count)
                self.assertTrue(rs.rules[-1].is_default())


if __name__ == "__main__":
    unittest.main()
