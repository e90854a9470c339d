"""The native service record and its binary, CSV and JSON Lines forms; runs on MicroPython too."""

import unittest

from lib12333.errors import DecodeError, ValidationError
from lib12333.records import ServiceRecord, binary, text
from tests.core.support import read_json

VECTORS = read_json("protocols/records/vectors.json")


def _unhex(h):
    return bytes(int(h[i:i + 2], 16) for i in range(0, len(h), 2))


def _hex(b):
    return "".join("%02x" % x for x in b)


class BinaryVectorsTest(unittest.TestCase):
    def test_valid_encode_and_decode(self):
        for v in VECTORS["valid"]:
            with self.subTest(ref=v["fields"]["ref"]):
                record = ServiceRecord.from_dict(v["fields"])
                self.assertEqual(_hex(binary.encode(record)), v["hex"])
                decoded, end = binary.decode(_unhex(v["hex"]))
                self.assertEqual(decoded, record)
                self.assertEqual(end, len(v["hex"]) // 2)

    def test_invalid_named_field(self):
        for v in VECTORS["invalid"]:
            with self.subTest(why=v["why"]):
                with self.assertRaises(DecodeError) as ctx:
                    binary.decode(_unhex(v["hex"]))
                self.assertEqual(ctx.exception.field, v["field"])

    def test_stream_of_records(self):
        import io

        blob = b"".join(_unhex(v["hex"]) for v in VECTORS["valid"])
        records = list(binary.read_records(io.BytesIO(blob)))
        self.assertEqual(len(records), len(VECTORS["valid"]))
        self.assertEqual(binary.decode_all(blob), records)
        with self.assertRaises(DecodeError) as ctx:
            list(binary.read_records(io.BytesIO(blob + b"\x00\x05\x01")))
        self.assertEqual(ctx.exception.position, len(blob))


class TextFormsTest(unittest.TestCase):
    def test_csv_vectors(self):
        for v in VECTORS["valid"]:
            record = ServiceRecord.from_dict(v["fields"])
            self.assertEqual(text.to_csv_line(record), v["csv"])
            self.assertEqual(text.from_csv_line(v["csv"] + "\r\n"), record)

    def test_json_round_trip(self):
        for v in VECTORS["valid"]:
            record = ServiceRecord.from_dict(v["fields"])
            self.assertEqual(text.from_json_line(text.to_json_line(record)), record)

    def test_csv_quoting(self):
        self.assertEqual(text.split_csv_line('a,"b,c","d""e",'), ["a", "b,c", 'd"e', ""])
        self.assertEqual(text.split_csv_line(""), [""])
        with self.assertRaises(DecodeError):
            text.split_csv_line('"open', 7)
        with self.assertRaises(DecodeError):
            text.split_csv_line('x"y')

    def test_csv_errors_carry_line(self):
        with self.assertRaises(DecodeError) as ctx:
            text.from_csv_line("a,b,c", 42)
        self.assertEqual(ctx.exception.position, 42)
        good = VECTORS["valid"][0]["csv"]
        bad = good.replace("2026-03-01T00:00:05Z", "2026-02-30T00:00:05Z")
        with self.assertRaises(DecodeError) as ctx:
            text.from_csv_line(bad, 3)
        self.assertEqual(ctx.exception.field, "arrival")

    def test_json_errors(self):
        for line in ("{", "[1]", '{"service": 12333.0}', '{"bogus": 1}', '{"region": true}'):
            with self.subTest(line=line):
                with self.assertRaises(DecodeError):
                    text.from_json_line(line, 1)

    def test_deeply_nested_line_is_a_decode_error(self):
        # 5,000 "[" overflow the parser's recursion (RecursionError on CPython): one malformed line
        with self.assertRaises(DecodeError) as ctx:
            text.from_json_line("[" * 5000, 7)
        self.assertEqual(ctx.exception.position, 7)


class TimeTest(unittest.TestCase):
    def test_known_dates(self):
        self.assertEqual(text.format_time(0), "1970-01-01T00:00:00Z")
        self.assertEqual(text.format_time(951782400), "2000-02-29T00:00:00Z")
        self.assertEqual(text.format_time(1772323205), "2026-03-01T00:00:05Z")
        self.assertEqual(text.format_time(1772323205, 28800, False), "2026-03-01T08:00:05")
        self.assertEqual(text.parse_time("2026-03-01 08:00:05", offset_s=28800, sep=" ", zulu=False), 1772323205)


class RecordRulesTest(unittest.TestCase):
    def test_rules(self):
        ok = dict(channel="call", service=12333, arrival=100)
        ServiceRecord(**ok)
        for bad in (dict(service=12345), dict(channel="fax"), dict(region=1000000), dict(category="1"),
                    dict(category="ab"), dict(outcome="lost"), dict(answer=99), dict(end=50),
                    dict(queue="a\nb"), dict(agent="x" * 65), dict(arrival=-1), dict(arrival=True)):
            kw = dict(ok)
            kw.update(bad)
            with self.subTest(bad=bad):
                with self.assertRaises(ValidationError):
                    ServiceRecord(**kw)

    def test_derived(self):
        r = ServiceRecord(arrival=100, answer=112, end=300, outcome="answered")
        self.assertEqual(r.wait, 12)
        self.assertEqual(r.talk, 188)
        self.assertTrue(r.answered and r.offered)
        r = ServiceRecord(arrival=100, end=130, outcome="abandoned")
        self.assertEqual(r.wait, 30)
        self.assertIsNone(r.talk)
        self.assertFalse(r.answered)
        self.assertTrue(r.offered)
        self.assertFalse(ServiceRecord(arrival=1, outcome="ivr").offered)


class MetricsTest(unittest.TestCase):
    B = 1772409600  # 2026-03-02 08:00 Beijing

    def records(self):
        B = self.B
        R = ServiceRecord
        return [
            R(queue="a", category="01", arrival=B, answer=B + 12, end=B + 192, outcome="answered"),
            R(queue="a", category="01", arrival=B + 60, end=B + 63, outcome="abandoned"),
            R(queue="a", category="01", arrival=B + 120, answer=B + 145, end=B + 385, outcome="answered"),
            R(queue="a", arrival=B + 200, end=B + 500, outcome="timeout"),
            R(queue="b", arrival=B + 300, answer=B + 305, end=B + 405, outcome="transferred"),
            R(queue="b", arrival=B + 400, answer=B + 420, end=B + 480, outcome="transferred"),
            R(queue="b", arrival=B + 500, end=B + 540, outcome="abandoned"),
            R(queue="b", arrival=B + 600, end=B + 610, outcome="exit_key"),
            R(queue="a", arrival=B + 1810, answer=B + 1812, end=B + 1872, outcome="answered"),
            R(queue="a", arrival=B + 1900, end=B + 1901, outcome="exit_empty"),
            R(queue="a", arrival=B + 10, end=B + 40, outcome="ivr"),
            R(channel="sms", arrival=B, answer=B + 200, outcome="delivered"),
        ]

    def test_hand_computed(self):
        from lib12333.records.metrics import Metrics

        m = Metrics(answer_within=20, short_abandon=5, dimensions=("queue", "interval", "category", "day"))
        for r in self.records():
            m.add(r)
        rep = m.report()
        o = rep["overall"]
        self.assertEqual((o["records"], o["offered"], o["answered"], o["abandoned"]), (12, 10, 5, 2))
        self.assertEqual((o["ivr"], o["delivered"], o["short_abandoned"], o["timeouts"]), (1, 1, 1, 1))
        self.assertAlmostEqual(o["service_level"], 0.4)
        self.assertAlmostEqual(o["asa_s"], 12.8)
        self.assertAlmostEqual(o["aht_s"], 128.0)
        self.assertEqual(o["longest_wait_s"], 300)
        self.assertEqual(rep["by_queue"]["a"]["offered"], 6)
        self.assertEqual(rep["by_interval"]["2026-03-02T08:30"]["offered"], 2)
        self.assertEqual(rep["by_category"]["01"]["answered"], 2)
        self.assertEqual(list(rep["by_day"]), ["2026-03-02"])

    def test_gbt33358(self):
        from lib12333.records.metrics import Metrics, gbt33358

        m = Metrics(dimensions=("day",))
        for r in self.records():
            m.add(r)
        g = gbt33358(m)
        self.assertEqual(g["answer_within_15s"]["violations"], 2)
        self.assertEqual(g["daily_connection_rate"]["failing_days"], ["2026-03-02"])
        self.assertEqual((g["media_response_3min"]["responses"], g["media_response_3min"]["within"]), (1, 0))
        self.assertFalse(g["pass"])
        with self.assertRaises(ValidationError):
            gbt33358(Metrics(dimensions=("queue",)))
        with self.assertRaises(ValidationError):
            Metrics(interval=7 * 60)

    def test_roll_up_in_the_middle_of_the_stream(self):
        from lib12333.records import metrics

        dims = ("queue", "interval", "category", "hour", "month")
        saved = metrics.MAX_CELLS
        metrics.MAX_CELLS = 1  # every new cell rolls the others up
        try:
            small = metrics.Metrics(interval=7200, dimensions=dims)
            for r in self.records():
                small.add(r)
        finally:
            metrics.MAX_CELLS = saved
        big = metrics.Metrics(interval=7200, dimensions=dims)
        for r in self.records():
            big.add(r)
        self.assertEqual(small.report(), big.report())
        self.assertEqual(list(big.report()["by_hour"]), ["08"])
        self.assertEqual(big.report()["by_interval"]["2026-03-02T08:00"]["offered"], 10)

    def test_trusted_record_equals_checked_record(self):
        B = self.B
        r = ServiceRecord.trusted("call", 12370, 330100, "01", "a", B, B + 5, B + 9, "answered", "x", "", "c1")
        self.assertEqual(r, ServiceRecord(service=12370, region=330100, category="01", queue="a", arrival=B,
                                          answer=B + 5, end=B + 9, outcome="answered", agent="x", ref="c1"))
        self.assertEqual(r.wait, 5)


if __name__ == "__main__":
    unittest.main()
