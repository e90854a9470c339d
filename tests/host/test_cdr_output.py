"""``cdr convert --to parquet`` (partitioned dataset read back by pyarrow and DuckDB) and the progress bar."""

import io
import json
import os
import pty
import subprocess
import sys

import pytest

from lib12333.host.cdr import open_importer
from lib12333.host.cli.progress_bar import ProgressBar
from lib12333.records import ServiceRecord
from lib12333.records.text import to_json_line

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "host", "data", "cdr")
B = 1772409600  # 2026-03-02 00:00 UTC = 08:00 Beijing


def cli(*args, **kw):
    kw.setdefault("cwd", ROOT)
    return subprocess.run([sys.executable, "-m", "lib12333", "cdr", *args], capture_output=True, text=True,
                          timeout=300, **kw)


# ---------------------------------------------------------------- Parquet


def _records(tmp_path):
    """Native JSONL over two local dates and two centres; 23:59 Beijing and 00:00 Beijing on either side."""
    recs = [
        ServiceRecord(region=330100, queue="a", arrival=B, answer=B + 5, end=B + 65, outcome="answered",
                      caller="138****5678", ref="r1"),
        ServiceRecord(region=330200, queue="b", arrival=B + 57540, end=B + 57600, outcome="abandoned", ref="r2"),
        ServiceRecord(region=330100, channel="sms", service=12370, arrival=B + 57600, answer=B + 57630,
                      outcome="delivered", ref="r3"),
        ServiceRecord(arrival=B + 57601, outcome="unknown", ref="r4"),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(to_json_line(r) + "\n" for r in recs))
    return str(path), recs


def test_parquet_dataset_round_trip(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.dataset as ds

    src, recs = _records(tmp_path)
    out = tmp_path / "pq"
    p = cli("convert", src, "--format", "native", "--to", "parquet", "--out", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    assert "4 records written" in p.stderr and "4 date/centre partitions" in p.stderr
    dirs = sorted(os.path.relpath(d, out) for d, _, files in os.walk(out) if files)
    assert dirs == ["date=2026-03-02/centre=330100", "date=2026-03-02/centre=330200",
                    "date=2026-03-03/centre=000000", "date=2026-03-03/centre=330100"]
    table = ds.dataset(str(out), format="parquet", partitioning="hive").to_table()
    assert table.schema.field("arrival").type == pa.timestamp("ms", tz="UTC")  # Parquet has no seconds unit
    rows = {r["ref"]: r for r in table.to_pylist()}
    for r in recs:
        row = rows[r.ref]
        back = {k: row[k] for k in ServiceRecord.FIELDS}
        for k in ("arrival", "answer", "end"):
            back[k] = None if back[k] is None else int(back[k].timestamp())
        assert ServiceRecord(**back) == r
    assert rows["r3"]["date"] == "2026-03-03" and rows["r2"]["date"] == "2026-03-02"
    assert str(rows["r4"]["centre"]) in ("000000", "0")


def test_parquet_from_queue_log_is_masked_and_read_by_duckdb(tmp_path):
    pytest.importorskip("pyarrow")
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "pq"
    p = cli("convert", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log", "--to", "parquet",
            "--out", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    glob = str(out / "**" / "*.parquet")
    n, answered, callers = duckdb.connect().execute(
        "SELECT count(*), count(*) FILTER (WHERE outcome IN ('answered', 'transferred')), string_agg(caller, ',') "
        "FROM read_parquet('%s', hive_partitioning = true)" % glob).fetchone()
    assert (n, answered) == (10, 5)
    assert "13800138001" not in callers and "****" in callers


def _dataset_rows(out):
    import pyarrow.dataset as ds

    return ds.dataset(str(out), format="parquet", partitioning="hive").to_table().num_rows


def test_parquet_refuses_an_existing_dataset_instead_of_mixing_or_overwriting(tmp_path):
    pytest.importorskip("pyarrow")
    out = tmp_path / "pq"
    first = cli("convert", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log", "--to", "parquet",
                "--out", str(out), "--quiet")
    assert first.returncode == 0, first.stderr
    assert _dataset_rows(out) == 10
    # a second conversion into the same directory used to replace part-0-0 silently (and to leave the
    # other parts of a larger earlier run beside the new ones): now exit 4, the dataset untouched
    again = cli("convert", os.path.join(DATA, "queue_log.edge"), "--format", "asterisk-queue-log", "--to",
                "parquet", "--out", str(out), "--quiet")
    assert again.returncode == 4 and "exists" in again.stderr and "Traceback" not in again.stderr
    assert _dataset_rows(out) == 10
    assert sorted(os.listdir(tmp_path)) == ["pq"]  # no staging directory left behind


def test_parquet_empty_input_gives_an_empty_dataset_directory(tmp_path):
    pytest.importorskip("pyarrow")
    src = tmp_path / "empty"
    src.write_bytes(b"")
    out = tmp_path / "pq"
    p = cli("convert", str(src), "--format", "asterisk-queue-log", "--to", "parquet", "--out", str(out), "--quiet")
    assert p.returncode == 0 and "0 records written" in p.stderr
    assert out.is_dir() and os.listdir(out) == []
    empty_dir = tmp_path / "empty_dir"
    empty_dir.mkdir()  # an empty directory made beforehand is a fine target
    p = cli("convert", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log", "--to", "parquet",
            "--out", str(empty_dir), "--quiet")
    assert p.returncode == 0, p.stderr
    assert _dataset_rows(empty_dir) == 10


def test_parquet_killed_mid_write_leaves_no_dataset_at_the_output_path(tmp_path):
    pytest.importorskip("pyarrow")
    from lib12333.host.cdr.parquet import ParquetWriter

    out = tmp_path / "pq"
    w = ParquetWriter(str(out), batch=2)
    for i in range(5):  # two batches flushed to disk, one pending: what a kill would leave
        w.write(ServiceRecord(region=330100 + i, arrival=B + i, outcome="unknown", ref="r%d" % i))
    assert not out.exists()  # nothing readers could take for a whole dataset
    staging = [d for d in os.listdir(tmp_path) if d != "pq"]
    assert len(staging) == 1 and staging[0].startswith(".pq.partial")
    w.close()
    assert _dataset_rows(out) == 5 and sorted(os.listdir(tmp_path)) == ["pq"]


def test_parquet_writer_abort_removes_the_staging_directory(tmp_path):
    pytest.importorskip("pyarrow")
    from lib12333.host.cdr.parquet import ParquetWriter

    w = ParquetWriter(str(tmp_path / "pq"), batch=1)
    w.write(ServiceRecord(arrival=B, outcome="unknown"))
    w.abort()
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- progress


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_bar_shows_bytes_rate_malformed_and_time_left():
    now = [100.0]
    stream = _Tty()
    bar = ProgressBar(200_000_000, "cdr stats", stream=stream, clock=lambda: now[0])
    now[0] = 110.0
    bar.update(50_000_000, 1_000_000, 3)
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r") and text.endswith("\n")
    assert "25%" in text and "50.0 MB/200.0 MB" in text and "100,000 lines/s" in text
    assert "3 malformed" in text and "0:00:30 left" in text  # 10 s for a quarter: 30 s to go


def test_bar_quiet_when_piped_or_asked():
    piped = io.StringIO()
    bar = ProgressBar(100, "x", stream=piped, every=0)
    bar.update(50, 10, 0)
    bar.phase("working")
    bar.close()
    assert piped.getvalue() == ""
    tty = _Tty()
    bar = ProgressBar(100, "x", stream=tty, every=0, quiet=True)
    bar.update(50, 10, 0)
    bar.close()
    assert tty.getvalue() == ""
    forced = io.StringIO()
    bar = ProgressBar(100, "x", stream=forced, every=0, force=True)
    bar.update(50, 10, 0)
    assert forced.getvalue().count("\n") == 1 and "\r" not in forced.getvalue()  # plain lines for logs


def _big_queue_log(path, calls=60000):
    with open(path, "w") as f:
        for i in range(calls):
            t = B + i
            f.write("%d|c%d|q|NONE|ENTERQUEUE||13800000000|1\n%d|c%d|q|A|CONNECT|2|x|1\n"
                    "%d|c%d|q|A|COMPLETECALLER|2|30|1\n" % (t, i, t + 2, i, t + 32, i))
        f.write("garbage\n")


def test_cli_draws_the_bar_on_a_terminal_only(tmp_path):
    log = tmp_path / "queue_log"
    _big_queue_log(str(log))
    args = ["stats", str(log), "--format", "asterisk-queue-log", "--engine", "python", "--json"]
    piped = cli(*args)
    assert piped.returncode == 0 and "lines/s" not in piped.stderr
    master, slave = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "lib12333", "cdr", *args], stdout=subprocess.PIPE, stderr=slave,
                           cwd=ROOT, timeout=300)
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
    finally:
        os.close(master)
    assert p.returncode == 0
    assert json.loads(p.stdout)["overall"]["offered"] == 60000  # stdout stays clean JSON
    text = err.decode()
    assert "cdr stats [" in text and "lines/s" in text and "malformed" in text and "left" in text
    quiet = subprocess.run([sys.executable, "-m", "lib12333", "cdr", *args, "--quiet"], capture_output=True,
                           cwd=ROOT, timeout=300)
    assert b"lines/s" not in quiet.stderr


def test_importer_counts_bytes_read(tmp_path):
    log = tmp_path / "queue_log"
    _big_queue_log(str(log), calls=1000)
    imp = open_importer("asterisk-queue-log", [str(log), str(log)])
    seen = []
    for i, _ in enumerate(imp):
        if i == 500:
            seen.append(imp.bytes_read())
    assert 0 < seen[0] < os.path.getsize(log)
    assert imp.bytes_read() == 2 * os.path.getsize(log)


def test_parquet_to_stdout_is_a_usage_error(tmp_path):
    # '-' means stdout for the other forms; a dataset is a directory: no directory named '-'
    p = cli("convert", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log", "--to", "parquet",
            "--out", "-", "--quiet", cwd=str(tmp_path))
    assert p.returncode == 2 and "directory" in p.stderr and p.stdout == ""
    assert os.listdir(tmp_path) == []


def test_convert_killed_mid_way_leaves_the_output_file_as_it_was(tmp_path):
    # a half-written CSV at the output path would pass for a whole one: the records go to a hidden
    # file beside it, renamed over the output when the input is read to its end
    import signal
    import time

    src = tmp_path / "big.log"
    with open(src, "w") as f:  # enough lines for a few seconds of conversion
        for i in range(300000):
            t = B + i
            f.write("%d|c%d|q|NONE|ENTERQUEUE||13800138000|1\n%d|c%d|q|NONE|ABANDON|1|1|3\n" % (t, i, t + 3, i))
    out = tmp_path / "calls.csv"
    out.write_text("previous\n")
    p = subprocess.Popen([sys.executable, "-m", "lib12333", "cdr", "convert", str(src), "--format",
                          "asterisk-queue-log", "--to", "csv", "--out", str(out), "--quiet"], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not [n for n in os.listdir(tmp_path) if ".partial" in n]:
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert out.read_text() == "previous\n"
    done = cli("convert", str(src), "--format", "asterisk-queue-log", "--to", "csv", "--out", str(out), "--quiet")
    assert done.returncode == 0 and "300000 records written" in done.stderr
    assert len(out.read_text().splitlines()) == 300001


def test_outputs_get_the_usual_permissions_not_the_staging_ones(tmp_path):
    # mkstemp/mkdtemp make 0600/0700 entries; the renamed outputs must be as open() and mkdir() make them
    umask = os.umask(0o022)
    try:
        out = tmp_path / "calls.csv"
        assert cli("convert", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log", "--to", "csv",
                   "--out", str(out), "--quiet").returncode == 0
        assert out.stat().st_mode & 0o777 == 0o644
        if sys.modules.get("pyarrow") or __import__("importlib").util.find_spec("pyarrow"):
            pq = tmp_path / "pq"
            assert cli("convert", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log", "--to",
                       "parquet", "--out", str(pq), "--quiet").returncode == 0
            assert pq.stat().st_mode & 0o777 == 0o755
    finally:
        os.umask(umask)
