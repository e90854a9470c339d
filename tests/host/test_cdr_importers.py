"""Importers (queue_log, Master.csv, FreeSWITCH, native) and metrics on hand-computed expectations."""

import io
import os
import resource

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333.errors import ConfigError, Lib12333Error
from lib12333.host.cdr import QueueMap, open_importer, parse_duration, parse_tz
from lib12333.host.cdr.freeswitch import FreeSwitchCsvImporter
from lib12333.host.cdr.master import MasterCsvImporter
from lib12333.host.cdr.native import NativeImporter, Writer
from lib12333.host.cdr.queue_log import QueueLogImporter
from lib12333.host.testing.records import mutations, queue_log_calls, queue_log_lines
from lib12333.records.metrics import Metrics, gbt33358
from tests.hypothesis_profiles import examples

DATA = os.path.join(os.path.dirname(__file__), "data", "cdr")
B = 1772409600  # 2026-03-02 00:00:00 UTC = 08:00 Beijing


def path(name):
    return os.path.join(DATA, name)


def stats(fmt, name, dims=("queue", "interval", "category", "day"), engine="python", **kw):
    m = Metrics(dimensions=dims)
    if engine == "duckdb":  # the columnar engine (queue_log only) must give the same figures
        from lib12333.host.cdr import columnar

        report = columnar.aggregate(path(name), m, **kw)
        assert report is not None
        return m, report
    imp = open_importer(fmt, path(name), **kw)
    for r in imp:
        m.add(r)
    return m, imp.report


def engines():
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return ["python"]
    return ["python", "duckdb"]


# ---------------------------------------------------------------- queue_log


@pytest.mark.parametrize("engine", engines())
def test_queue_log_overall_hand_computed(engine):
    m, rep = stats("asterisk-queue-log", "queue_log", engine=engine)
    o = m.report()["overall"]
    # c1..c10: answered c1 c3 c9, transferred c5 c6, abandoned c2 (3 s) c7 (40 s), timeout c4, key c8, empty c10
    assert (o["offered"], o["answered"], o["transferred"], o["abandoned"]) == (10, 5, 2, 2)
    assert (o["short_abandoned"], o["timeouts"], o["exit_key"], o["exit_empty"]) == (1, 1, 1, 1)
    assert o["answer_rate"] == 0.5 and o["abandon_rate"] == 0.2
    assert o["answered_within"] == 4  # waits 12, 5, 20 (inclusive), 2; not 25
    assert o["service_level"] == 0.4
    v = o["service_level_variants"]
    assert v["answered_within_over_offered_excl_short"] == pytest.approx(4 / 9)
    assert v["answered_within_over_answered"] == pytest.approx(4 / 5)
    assert v["within_over_answered_and_abandoned"] == pytest.approx(5 / 7)
    assert v["answered_within_over_answered_and_late_abandoned"] == pytest.approx(4 / 6)
    assert o["abandon_rate_excl_short"] == pytest.approx(1 / 9)
    assert o["asa_s"] == pytest.approx((12 + 25 + 5 + 20 + 2) / 5)
    assert o["aht_s"] == pytest.approx((180 + 240 + 100 + 60 + 60) / 5)
    assert o["longest_wait_s"] == 300


@pytest.mark.parametrize("engine", engines())
def test_queue_log_groups_and_malformed_lines(engine):
    m, rep = stats("asterisk-queue-log", "queue_log", engine=engine)
    r = m.report()
    q = r["by_queue"]
    assert (q["yiliao"]["offered"], q["yiliao"]["answered"], q["yiliao"]["service_level"]) == (6, 3, 2 / 6)
    assert q["yiliao"]["asa_s"] == pytest.approx(13.0)
    assert (q["yanglao"]["offered"], q["yanglao"]["answered"], q["yanglao"]["abandoned"]) == (4, 2, 1)
    assert {k: v["offered"] for k, v in r["by_interval"].items()} == {"2026-03-02T08:00": 8, "2026-03-02T08:30": 2}
    assert rep.lines == 38 and rep.records == 10
    assert [n for n, _ in rep.malformed] == [10, 19, 28]
    assert "integer epoch" in rep.malformed[1][1]
    assert rep.events["ENTERQUEUE"] == 10 and rep.events["ATTENDEDTRANSFER"] == 1
    g = gbt33358(m)
    assert g["answer_within_15s"]["violations"] == 2  # waits 25 and 20
    assert g["daily_connection_rate"]["failing_days"] == ["2026-03-02"]
    assert g["pass"] is False


def test_queue_log_edge_cases():
    imp = open_importer("asterisk-queue-log", path("queue_log.edge"))
    recs = list(imp)
    by = [(r.ref, r.queue, r.outcome, r.arrival, r.answer, r.end) for r in recs]
    assert by == [
        ("o1", "yiliao", "answered", B + 10 - 100 - 30, B + 10 - 100, B + 10),  # orphan, rebuilt from hold+talk
        ("o2", "yiliao", "abandoned", B + 20 - 15, None, B + 20),
        ("r1", "yiliao", "unknown", B + 50, None, None),  # re-entered another queue
        ("r1", "yanglao", "abandoned", B + 60, None, B + 70),
        ("i1", "yiliao", "unknown", B + 30, None, None),  # still waiting at end of file
        ("i2", "yiliao", "answered", B + 40, B + 45, None),  # connected, never completed
    ]
    n = imp.report.notes
    assert (n["orphan_events"], n["incomplete_calls"], n["unknown_events"]) == (2, 3, 1)
    assert imp.report.malformed == [(10, "CONNECT: missing holdtime")]


def test_queue_map_and_callers_masked(tmp_path):
    qm = tmp_path / "queues.csv"
    qm.write_text("queue,service,region,category\nyiliao,12333,330100,0301\nyanglao,12370,330200,02\n")
    imp = open_importer("asterisk-queue-log", path("queue_log"), queue_map=QueueMap.load(str(qm)))
    recs = list(imp)
    c1 = [r for r in recs if r.ref == "c1"][0]
    assert (c1.service, c1.region, c1.category, c1.caller) == (12333, 330100, "0301", "138****8001")
    assert all("13800138001" not in r.caller for r in recs)
    assert {r.service for r in recs if r.queue == "yanglao"} == {12370}
    qm.write_text("yiliao,12345,330100,0301\n")
    with pytest.raises(ConfigError):
        QueueMap.load(str(qm))


def test_open_calls_are_bounded():
    # 60k calls that never finish, one a second: memory holds at most max_open_s of them
    imp = QueueLogImporter([], max_open_s=3600, expire_every=1000)
    lines = io.BytesIO(b"".join(b"%d|x%d|q|NONE|ENTERQUEUE||1|1\n" % (B + i, i) for i in range(60000)))
    peak = 0
    n = 0
    for _ in imp.feed(lines):
        n += 1
        peak = max(peak, len(imp.open))
    assert 3600 <= peak <= 3600 + 1000 + 1
    n += sum(1 for _ in imp.finish())
    assert n == 60000 and imp.report.notes["incomplete_calls"] == 60000


@pytest.mark.parametrize("engine", engines())
@settings(max_examples=examples(100), deadline=None)
@given(st.lists(queue_log_calls(), min_size=1, max_size=20))
def test_generated_calls_counted_exactly(engine, calls):
    body = []
    for i, (lines, _, _) in enumerate(calls):
        body.extend(line.replace("|c", "|c%d_" % i, 1) for line in lines)  # unique call ids
    data = ("\n".join(body) + "\n").encode()
    m = Metrics(dimensions=())
    if engine == "duckdb":
        import tempfile

        from lib12333.host.cdr import columnar

        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "queue_log"), "wb") as f:
                f.write(data)
            report = columnar.aggregate(os.path.join(d, "queue_log"), m)
        assert report.malformed_count == 0 and report.records == len(calls)
    else:
        imp = QueueLogImporter([])
        recs = list(imp.feed(io.BytesIO(data)))
        recs += list(imp.finish())
        assert imp.report.malformed_count == 0
        assert sorted(r.outcome for r in recs) == sorted(
            "answered" if k == "answered" else k for _, k, _ in calls)
        for r in recs:
            m.add(r)
    o = m.report()["overall"]
    kinds = [k for _, k, _ in calls]
    assert (o["transferred"], o["abandoned"], o["timeouts"], o["exit_key"], o["exit_empty"]) == (
        kinds.count("transferred"), kinds.count("abandoned"), kinds.count("timeout"), kinds.count("exit_key"),
        kinds.count("exit_empty"))
    answered = [w for _, k, w in calls if k in ("answered", "transferred")]
    assert o["offered"] == len(calls)
    assert o["answered_within"] == sum(1 for w in answered if w <= 20)
    if answered:
        assert o["asa_s"] == pytest.approx(sum(answered) / len(answered))


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(queue_log_lines(), max_size=30))
def test_queue_log_fuzz_lines(lines):
    imp = QueueLogImporter([])
    data = "".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass")
    out = list(imp.feed(io.BytesIO(data))) + list(imp.finish())
    assert imp.report.lines == len(lines)
    assert imp.report.malformed_count <= len(lines)
    assert all(r.channel == "call" for r in out)


@pytest.mark.parametrize("fmt,name", [
    ("asterisk-queue-log", "queue_log"), ("asterisk-master", "Master-18.csv"),
    ("freeswitch", "freeswitch-Master.csv"), ("asterisk-queue-log", "queue_log.edge"),
])
@settings(max_examples=examples(40), deadline=None)
@given(data=st.data())
def test_mutated_files_never_crash(fmt, name, data):
    raw = open(path(name), "rb").read()
    mutated = data.draw(mutations(raw))
    cls = {"asterisk-queue-log": QueueLogImporter, "asterisk-master": MasterCsvImporter,
           "freeswitch": FreeSwitchCsvImporter}[fmt]
    imp = cls([])
    out = list(imp.feed(io.BytesIO(mutated)))
    if fmt == "asterisk-queue-log":
        out += list(imp.finish())
    assert imp.report.records == len(out)
    assert imp.report.lines == mutated.count(b"\n") + (0 if mutated.endswith(b"\n") or not mutated else 1)


def test_overlong_and_non_utf8_lines_are_malformed():
    imp = QueueLogImporter([])
    data = b"x" * 70000 + b"\n" + b"\xff\xfe|bad\n" + b"%d|c1|q|NONE|ENTERQUEUE||1|1\n" % B
    out = list(imp.feed(io.BytesIO(data))) + list(imp.finish())
    assert [n for n, _ in imp.report.malformed] == [1, 2]
    assert len(out) == 1


# ---------------------------------------------------------------- Master.csv and FreeSWITCH


@pytest.mark.parametrize("width", [16, 18, 21])
def test_master_csv_widths(width):
    imp = open_importer("asterisk-master", path("Master-%d.csv" % width))
    recs = list(imp)
    assert [r.outcome for r in recs] == ["answered", "abandoned", "ivr", "abandoned", "busy", "failed"]
    first = recs[0]
    # local 08:00:00 Beijing -> 00:00:00 UTC; answer 2 s later (the IVR's answer time: the documented trap)
    assert (first.arrival, first.answer, first.end) == (B, B + 2, B + 210)
    assert first.queue == "yiliao" and first.agent == "PJSIP/1001-00000002" and first.caller == "138****8001"
    assert recs[3].service == 12370
    assert imp.report.notes["columns"] == width
    assert imp.report.notes["answered_by_ivr_only"] == 2
    assert (first.ref != "") == (width >= 18)


def test_master_csv_malformed_reported():
    imp = open_importer("asterisk-master", path("Master-18.csv"))
    list(imp)
    assert [n for n, _ in imp.report.malformed] == [4, 8, 9]
    assert "start" in imp.report.malformed[0][1]
    assert "10 columns" in imp.report.malformed[1][1]
    with pytest.raises(Lib12333Error):
        MasterCsvImporter([], columns=17)


def test_master_csv_gmt_option():
    imp = open_importer("asterisk-master", path("Master-16.csv"), tz_offset=0)
    assert next(iter(imp)).arrival == B + 8 * 3600


def test_freeswitch_example_template():
    imp = open_importer("freeswitch", path("freeswitch-Master.csv"))
    recs = list(imp)
    assert [r.outcome for r in recs] == ["answered", "ivr", "abandoned", "busy", "failed", "answered"]
    assert recs[0].agent == "b1b2c3d4-0001" and recs[0].wait == 3 and recs[0].caller == "138****8001"
    assert recs[2].service == 12370  # the O"Brien line with an unescaped quote still parses
    assert [n for n, _ in imp.report.malformed] == [3, 7, 8]


# ---------------------------------------------------------------- native


@pytest.mark.parametrize("form", ["csv", "jsonl", "binary"])
def test_native_round_trip(tmp_path, form):
    recs = list(open_importer("asterisk-queue-log", path("queue_log")))
    out = tmp_path / ("r." + form)
    with open(out, "wb") as f:
        w = Writer(f, form)
        for r in recs:
            w.write(r)
    imp = NativeImporter(str(out))
    assert list(imp) == recs
    assert imp.report.notes["form"] == form and imp.report.malformed_count == 0


def test_native_binary_corruption_reported(tmp_path):
    recs = list(open_importer("asterisk-queue-log", path("queue_log")))
    out = tmp_path / "r.bin"
    with open(out, "wb") as f:
        w = Writer(f, "binary")
        for r in recs:
            w.write(r)
        f.write(b"\x00\x30\x07")
    imp = NativeImporter(str(out))
    assert list(imp) == recs
    assert imp.report.malformed_count == 1 and "truncated" in imp.report.malformed[0][1]


def test_helpers():
    assert parse_duration("30m") == 1800 and parse_duration("1h") == 3600 and parse_duration("90s") == 90
    assert parse_tz("+08:00") == 28800 and parse_tz("0") == 0 and parse_tz("-05:30") == -19800
    with pytest.raises(Lib12333Error):
        parse_duration("soon")
    with pytest.raises(Lib12333Error):
        parse_tz("+8")
    with pytest.raises(Lib12333Error):
        Metrics(interval=7 * 60)  # does not divide a day


def test_streaming_memory_is_flat():
    # 100k complete calls through the importer and metrics: RSS grows by far less than the input size
    def lines():
        for i in range(100000):
            t = B + i * 3
            yield b"%d|k%d|q%d|NONE|ENTERQUEUE||1|1\n" % (t, i, i % 5)
            yield b"%d|k%d|q%d|A|CONNECT|2|x|1\n" % (t + 2, i, i % 5)
            yield b"%d|k%d|q%d|A|COMPLETECALLER|2|60|1\n" % (t + 62, i, i % 5)

    class Stream:
        def __init__(self):
            self.it = lines()

        def readline(self, limit=-1):
            return next(self.it, b"")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    imp = QueueLogImporter([])
    m = Metrics(dimensions=("queue",))
    for r in imp.feed(Stream()):
        m.add(r)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert m.report()["overall"]["offered"] == 100000
    assert grown_kib < 10 * 1024  # input is ~12 MB of lines; state is a few open calls


def test_native_records_with_callers_in_clear_are_masked_on_import(tmp_path):
    # a record file written by another tool may hold callers in clear: every output of
    # `cdr convert` (CSV, JSON Lines, binary, Parquet) must still show them masked
    from lib12333.host.cdr import open_importer
    from lib12333.records import ServiceRecord
    from lib12333.records.text import to_json_line

    callers = ["13800138001", "0570000*5678", "Alice <13900139002>", "138****8001", "+861******8000", "*10", ""]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(to_json_line(ServiceRecord(arrival=1772409600, caller=c, ref="r%d" % i)) + "\n"
                            for i, c in enumerate(callers)))
    got = [r.caller for r in open_importer("native", str(path))]
    # in clear or barely masked: masked now; masked already (a '*', at most 8 digits shown): as it was
    assert got == ["138****8001", "057****5678", "139****9002", "138****8001", "+861******8000", "*10", ""]


def test_superscript_digits_are_malformed_not_a_crash(tmp_path):
    # str.isdigit() takes '²' and int() refuses it: a time stamp, a data field, a queue map or a
    # --tz with one raised ValueError (a traceback) instead of the documented errors
    from lib12333.errors import ConfigError, ValidationError
    from lib12333.host.cdr import QueueMap, parse_tz
    from lib12333.host.cdr.queue_log import QueueLogImporter

    log = tmp_path / "queue_log"
    log.write_text("²|c1|yiliao|PJSIP/1001|ENTERQUEUE\n1772409600|c2|q|NONE|ENTERQUEUE||1|1\n"
                   "1772409605|c2|q|PJSIP/1|CONNECT|²|x|1\n", encoding="utf-8")
    imp = QueueLogImporter(str(log))
    list(imp)
    assert imp.report.malformed == [(1, "time stamp is not an integer epoch"),
                                    (3, "CONNECT: data1 is not a non-negative integer")]
    qm = tmp_path / "queues.csv"
    for row in ("q,1233²,0,", "q,12333,²,"):
        qm.write_text(row + "\n", encoding="utf-8")
        with pytest.raises(ConfigError):
            QueueMap.load(str(qm))
    with pytest.raises(ValidationError):
        parse_tz("+0²:00")
