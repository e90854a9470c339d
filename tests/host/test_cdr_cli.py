"""``lib12333 cdr``, ``lib12333 staffing`` and ``lib12333 report annual`` run as a user would."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "host", "data", "cdr")


def run(*args):
    p = subprocess.run([sys.executable, "-m", "lib12333", *args], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_cdr_stats_json_keys_and_values():
    code, out, err = run("cdr", "stats", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log",
                         "--answer-within", "20", "--interval", "30m", "--short-abandon", "5", "--json")
    assert code == 0, err
    d = json.loads(out)
    o = d["overall"]
    for key in ("offered", "answered", "abandoned", "answer_rate", "abandon_rate", "service_level", "asa_s"):
        assert key in o and key in d["by_queue"]["yiliao"]
    assert (o["offered"], o["answered"], o["abandoned"], o["service_level"], o["asa_s"]) == (10, 5, 2, 0.4, 12.8)
    assert d["import"]["malformed"] == 3 and d["import"]["malformed_lines"][0]["line"] == 10
    assert "3 malformed" in err
    assert d["gbt_33358_2016"]["pass"] is False


def test_cdr_stats_text_threshold_and_strict():
    code, out, err = run("cdr", "stats", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log",
                         "--answer-within", "30", "--strict")
    assert code == 3
    assert "answered within 30 s" in out and "line 19" in out
    overall = [l for l in out.splitlines() if l.startswith("overall")][0]
    assert "50.0%" in overall  # SL(30 s) = 5 answered within 30 / 10 offered


def test_cdr_stats_master_warns_about_ivr():
    code, out, err = run("cdr", "stats", os.path.join(DATA, "Master-21.csv"), "--format", "asterisk-master",
                         "--json")
    assert code == 0
    assert "IVR" in err
    d = json.loads(out)
    assert d["overall"]["ivr"] == 1 and d["import"]["notes"]["columns"] == 21


def test_cdr_convert_and_read_back(tmp_path):
    out = tmp_path / "calls.jsonl"
    code, _, err = run("cdr", "convert", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log",
                       "--to", "jsonl", "--out", str(out))
    assert code == 0 and "10 records written" in err
    lines = out.read_text().splitlines()
    assert len(lines) == 10 and "13800138001" not in out.read_text()
    code, stdout, _ = run("cdr", "stats", str(out), "--format", "native", "--json")
    assert json.loads(stdout)["overall"]["offered"] == 10


def test_cdr_missing_file_exit_4():
    code, _, err = run("cdr", "stats", "/nonexistent/queue_log", "--format", "asterisk-queue-log")
    assert code == 4 and "no such file" in err


def test_staffing_cli():
    code, out, _ = run("staffing", "--calls", "100", "--period", "30m", "--aht", "180", "--target", "0.8",
                       "--within", "20", "--shrinkage", "0.3", "--json")
    assert code == 0
    d = json.loads(out)
    assert (d["agents"], d["scheduled_agents"]) == (14, 20)
    for key in ("probability_wait", "service_level", "asa_s", "abandonment", "occupancy"):
        assert key in d
    code, out, _ = run("staffing", "--calls", "10000", "--aht", "180", "--patience", "60", "--max-abandon", "0.05",
                       "--max-occupancy", "0.95")
    assert code == 0 and "erlang-a" in out and "max_occupancy" in out
    code, _, err = run("staffing", "--calls", "100", "--aht", "180", "--target", "1.5")
    assert code == 3 and "target" in err
