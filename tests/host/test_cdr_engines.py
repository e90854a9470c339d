"""The fast paths of ``cdr stats`` give exactly what the plain definitions give.

* ``Metrics.add`` (one cell per record, rolled up later) against the definition: every record
  applied to one bucket per dimension with ``contribution()`` and ``Metrics.key()``;
* records the queue_log importer builds without validation are valid records;
* the ``clip`` and ``mask_caller`` fast paths against their slow paths.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333.host.cdr import clip, mask_caller
from lib12333.host.cdr.queue_log import QueueLogImporter
from lib12333.host.testing.records import mutations, queue_log_calls, queue_log_lines, service_records
from lib12333.identifiers import mask_phone
from lib12333.records import ServiceRecord
from lib12333.records import metrics as M
from tests.hypothesis_profiles import examples

PARAMS = st.fixed_dictionaries({
    "answer_within": st.sampled_from((0, 15, 20, 20.5)),
    "short_abandon": st.sampled_from((0, 5, 7.5)),
    "interval": st.sampled_from((900, 1800, 3600, 7200, 86400)),
    "tz_offset": st.sampled_from((28800, 0, -18000, 19800)),
    "wrapup": st.sampled_from((0, 3.5)),
    "dimensions": st.lists(st.sampled_from(M.DIMENSIONS), unique=True, max_size=5),
})


def by_definition(records, **params):
    """The report the way docs/cdr.md defines it: each record into one bucket per dimension."""
    m = M.Metrics(**params)
    overall = M.Bucket()
    groups = {d: {} for d in m.dimensions}
    for r in records:
        contrib = M.contribution(r, m.answer_within, m.short_abandon)
        overall.apply(contrib)
        for d in m.dimensions:
            groups[d].setdefault(m.key(d, r), M.Bucket()).apply(contrib)
    m.overall, m.groups = overall, groups
    return m.report()


def fast(records, **params):
    m = M.Metrics(**params)
    for r in records:
        m.add(r)
    return m.report()


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(service_records(), max_size=40), PARAMS, st.sampled_from((1, 3, 8192)))
def test_cells_roll_up_to_the_definition(records, params, max_cells):
    saved = M.MAX_CELLS
    M.MAX_CELLS = max_cells  # 1 and 3 force roll-ups in the middle of the stream
    try:
        got = fast(records, **params)
    finally:
        M.MAX_CELLS = saved
    assert json.dumps(got) == json.dumps(by_definition(records, **params))


def _queue_log(tmp_path, lines):
    p = tmp_path / "queue_log"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(p)


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(queue_log_calls(), max_size=6), st.lists(queue_log_lines(), max_size=12), st.randoms())
def test_importer_records_pass_the_validating_constructor(tmp_path_factory, calls, noise, rnd):
    lines = [line for call, _, _ in calls for line in call] + noise
    rnd.shuffle(lines)
    path = _queue_log(tmp_path_factory.mktemp("q"), lines)
    for r in QueueLogImporter(path):
        assert ServiceRecord(**r.to_dict()) == r


def _clip_by_definition(text):
    text = "".join(ch if ch >= " " and ch != "\x7f" else "?" for ch in text)
    b = text.encode("utf-8")
    return text if len(b) <= 64 else b[:64].decode("utf-8", "ignore")


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.text(max_size=80), st.text(alphabet="0123456789.", max_size=70),
                 st.text(alphabet=st.characters(max_codepoint=127), min_size=60, max_size=70)))
def test_clip_fast_path(text):
    assert clip(text) == _clip_by_definition(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.text(alphabet="0123456789", max_size=70), st.text(alphabet="0123456789 +-<>\"٣", max_size=20)))
def test_mask_caller_fast_path(text):
    t = text.strip()
    if "<" in t and t.endswith(">"):
        t = t[t.rfind("<") + 1:-1]
    keep = t if t.isdigit() else "".join(ch for ch in t if ch.isdigit() or ch in "+-")
    assert mask_caller(text) == (mask_phone(keep)[:64] if keep else "")


# ---------------------------------------------------------------- the columnar engine

duckdb = pytest.importorskip("duckdb")  # the columnar engine is an optional extra

from lib12333.host.cdr import columnar  # noqa: E402

DIMS = ("queue", "interval", "category", "day", "hour")


def _both(path, max_open_s=86400, expire_every=65536, **params):
    """(stream engine figures, columnar engine figures or None) of one queue_log file, as JSON text."""
    imp = QueueLogImporter(path, max_open_s=max_open_s, expire_every=expire_every)
    m = M.Metrics(dimensions=DIMS, **params)
    for r in imp:
        m.add(r)
    stream = json.dumps([m.report(), M.gbt33358(m), imp.report.to_dict()])
    m2 = M.Metrics(dimensions=DIMS, **params)
    rep = columnar.aggregate(path, m2, max_open_s=max_open_s, expire_every=expire_every)
    if rep is None:
        return stream, None
    return stream, json.dumps([m2.report(), M.gbt33358(m2), rep.to_dict()])


def _ascii(lines):
    # CR and SOH are ASCII but documented fallbacks (DuckDB splits lines on CR, SOH is its delimiter)
    return [line for line in lines if line.isascii() and "\r" not in line and "\x01" not in line]


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(queue_log_calls(), max_size=8), st.lists(queue_log_lines(), max_size=10), st.randoms(),
       st.integers(1, 5), st.sampled_from((60, 600, 86400)))
def test_columnar_equals_stream_on_generated_logs(tmp_path_factory, calls, noise, rnd, expire_every, max_open_s):
    lines = [line for call, _, _ in calls for line in call] + _ascii(noise)
    rnd.shuffle(lines)  # out of order: orphans, re-entries, clock adjustments, expiries
    path = _queue_log(tmp_path_factory.mktemp("q"), lines)
    stream, col = _both(path, max_open_s=max_open_s, expire_every=expire_every)
    assert col is not None, "an ASCII queue_log must not need the fallback"
    assert col == stream


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(queue_log_calls(), min_size=1, max_size=8), st.integers(0, 40))
def test_columnar_equals_stream_in_order_with_checkpoints(tmp_path_factory, calls, blank):
    lines = sorted((line for call, _, _ in calls for line in call), key=lambda s: int(s.split("|")[0]))
    lines.insert(min(blank, len(lines)), "")
    path = _queue_log(tmp_path_factory.mktemp("q"), lines)
    for every in (2, 65536):
        stream, col = _both(path, max_open_s=300, expire_every=every, answer_within=15, short_abandon=3)
        assert col == stream


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(queue_log_calls(), max_size=4).map(lambda cs: "\n".join(line for c, _, _ in cs for line in c)
                                                   .encode()).flatmap(mutations))
def test_columnar_on_mutated_bytes_equals_stream_or_falls_back(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("q") / "queue_log"
    p.write_bytes(data)
    stream, col = _both(str(p))
    assert col is None or col == stream


def _cli(*args):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "lib12333", "cdr", "stats", *args], capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout


@pytest.mark.parametrize("name", ["queue_log", "queue_log.edge"])
@pytest.mark.parametrize("options", [["--json"], [], ["--json", "--by", "queue,interval,category,day,month,hour,region",
                                                      "--interval", "2h", "--answer-within", "10", "--tz=-05:00"]])
def test_cli_engines_give_the_same_bytes_on_the_samples(name, options):
    import os

    path = os.path.join(os.path.dirname(__file__), "data", "cdr", name)
    base = [path, "--format", "asterisk-queue-log", "--quiet", *options]
    code_py, out_py = _cli(*base, "--engine", "python")
    code_dk, out_dk = _cli(*base, "--engine", "duckdb")
    assert (code_dk, out_dk) == (code_py, out_py) and out_py


def test_columnar_reads_chinese_queue_names_and_leaves_unicode_digits_to_the_stream(tmp_path):
    call = ["1772409600|c1|医疗|NONE|ENTERQUEUE||13800000000|1", "1772409605|c1|医疗|PJSIP/1|CONNECT|5|x|1",
            "1772409700|c1|医疗|PJSIP/1|COMPLETECALLER|5|95|1"]
    stream, col = _both(_queue_log(tmp_path, call))
    assert col == stream and "医疗" in json.loads(col)[0]["by_queue"]
    # str.isdecimal() takes Arabic-Indic digits, int() reads them: only the stream engine agrees with itself
    odd = tmp_path / "odd"
    odd.mkdir()
    stream, col = _both(_queue_log(odd, call + ["١٧٧٢٤٠٩٦٠٠|c2|q|NONE|ENTERQUEUE||1|1"]))
    assert col is None and '"incomplete_calls": 1' in stream


def test_engine_choice():
    import argparse
    import os

    from lib12333.host.cli.cmd_cdr import COLUMNAR_BYTES, _engine

    def pick(engine, fmt="asterisk-queue-log", files=("a",), total=0):
        return _engine(argparse.Namespace(engine=engine, format=fmt, files=list(files)), total)

    assert pick("auto", total=COLUMNAR_BYTES) == ("duckdb", None)
    assert pick("auto", total=COLUMNAR_BYTES - 1) == ("python", None)
    assert pick("auto", fmt="native", total=COLUMNAR_BYTES) == ("python", None)
    assert pick("auto", files=("a", "b"), total=COLUMNAR_BYTES) == ("python", None)
    assert pick("python", total=COLUMNAR_BYTES) == ("python", None)
    assert pick("duckdb", fmt="asterisk-master")[0] is None
    code, out = _cli(os.path.join(os.path.dirname(__file__), "data", "cdr", "Master-16.csv"), "--format",
                     "asterisk-master", "--engine", "duckdb")
    assert code == 2 and out == ""


def test_columnar_falls_back_on_nan_thresholds(tmp_path):
    stream, col = _both(_queue_log(tmp_path, ["1772409600|c1|q|NONE|ENTERQUEUE||1|1"]), answer_within=float("nan"))
    assert col is None


def test_columnar_leaves_a_byte_order_mark_to_the_stream(tmp_path):
    # DuckDB's CSV reader drops a UTF-8 BOM at the start of the file; the stream engine reads it as
    # part of the first time stamp (malformed line 1): the engines must not disagree
    p = tmp_path / "queue_log"
    p.write_bytes(b"\xef\xbb\xbf1772409600|c1|q|NONE|ENTERQUEUE||13800000000|1\n"
                  b"1772409605|c1|q|PJSIP/1|CONNECT|5|x|1\n1772409700|c1|q|PJSIP/1|COMPLETECALLER|5|95|1\n")
    stream, col = _both(str(p))
    assert '"malformed_lines": [{"line": 1, "reason": "time stamp is not an integer epoch"}]' in stream
    assert col is None or col == stream
