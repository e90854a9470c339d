"""``lib12333 cdr``, ``lib12333 staffing`` and ``lib12333 report annual`` run as a user would."""

import json
import os
import subprocess
import sys

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
    overall = [line for line in out.splitlines() if line.startswith("overall")][0]
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


def _year_of_records(path, year=2025, n=3000):
    """Synthetic native JSONL: calls, SMS and kiosk transactions over a year on both numbers."""
    import random

    from lib12333.dates import days_from_civil
    from lib12333.records import ServiceRecord
    from lib12333.records.text import to_json_line

    rng = random.Random(2025)
    start = days_from_civil(year, 1, 1) * 86400 - 8 * 3600
    expected = {"calls_12333": 0, "sms_12370": 0, "kiosk": 0, "march_calls": 0, "answered": 0}
    with open(path, "w") as f:
        for _ in range(n):
            t = start + rng.randrange(365 * 86400)
            channel = rng.choice(("call", "call", "call", "sms", "kiosk"))
            service = 12370 if rng.random() < 0.2 else 12333
            if channel == "call":
                wait = rng.randrange(60)
                if rng.random() < 0.85:
                    r = ServiceRecord(channel="call", service=service, region=330100, category="0101", queue="q",
                                      arrival=t, answer=t + wait, end=t + wait + 100, outcome="answered")
                    if service == 12333:
                        expected["answered"] += 1
                else:
                    r = ServiceRecord(channel="call", service=service, region=330200, category="0301", queue="q",
                                      arrival=t, end=t + wait, outcome="abandoned")
                if service == 12333:
                    expected["calls_12333"] += 1
                    if (t + 8 * 3600 - start - 8 * 3600) // 86400 in range(59, 90):
                        expected["march_calls"] += 1
            else:
                r = ServiceRecord(channel=channel, service=service, region=330100, category="02", arrival=t,
                                  answer=t + 30, outcome="delivered", agent="kiosk-1" if channel == "kiosk" else "")
                if channel == "sms" and service == 12370:
                    expected["sms_12370"] += 1
                if channel == "kiosk":
                    expected["kiosk"] += 1
            f.write(to_json_line(r) + "\n")
        f.write(to_json_line(ServiceRecord(arrival=start - 10, outcome="unknown")) + "\n")  # 2024: outside
    return expected


def test_report_annual(tmp_path):
    import csv
    from html.parser import HTMLParser

    src = tmp_path / "year.jsonl"
    want = _year_of_records(str(src))
    out = tmp_path / "out"
    code, stdout, err = run("report", "annual", "--year", "2025", "--input", str(src), "--format", "native",
                            "--out", str(out), "--province", "浙江省", "--json")
    assert code == 0, err
    assert json.loads(stdout)["report_due"] == "2026-03-20"
    fig = json.loads((out / "annual-2025.json").read_text())
    calls = fig["services"]["12333"]["call"]
    assert calls["overall"]["records"] == want["calls_12333"]
    assert calls["overall"]["answered"] == want["answered"]
    assert calls["by_month"]["2025-03"]["records"] == want["march_calls"]
    assert sum(f["records"] for f in calls["by_hour"].values()) == want["calls_12333"]
    assert fig["services"]["12370"]["sms"]["overall"]["records"] == want["sms_12370"]
    kiosk = sum(fig["services"][s].get("kiosk", {"overall": {"records": 0}})["overall"]["records"]
                for s in ("12333", "12370"))
    assert kiosk == want["kiosk"]
    assert fig["records_outside_year"] == 1
    rows = list(csv.DictReader(open(out / "annual-2025.csv")))
    row = [r for r in rows if r["service"] == "12333" and r["channel"] == "call" and r["dimension"] == "overall"][0]
    assert int(row["records"]) == want["calls_12333"]
    page = (out / "annual-2025.html").read_text()
    assert "3 月 20 日" in page and "2026-03-20" in page and page.count("<svg") >= 8
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched
    HTMLParser().feed(page)


def test_cdr_stats_all_lines_malformed_is_no_data_not_pass(tmp_path):
    junk = tmp_path / "passwd"
    junk.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    code, out, err = run("cdr", "stats", str(junk), "--format", "asterisk-master")
    assert "GB/T 33358-2016: no data" in out and "GB/T 33358-2016: pass" not in out
    code, out, err = run("cdr", "stats", str(junk), "--format", "asterisk-master", "--json")
    g = json.loads(out)["gbt_33358_2016"]
    assert g["pass"] is None and g["status"] == "no data"
    code, out, err = run("cdr", "stats", os.path.join(DATA, "queue_log"), "--format", "asterisk-queue-log", "--json")
    assert json.loads(out)["gbt_33358_2016"]["status"] == "fail"


def test_staffing_patience_without_max_abandon_warns():
    code, out, err = run("staffing", "--calls", "10000", "--aht", "180", "--patience", "60", "--json")
    d = json.loads(out)
    assert code == 0 and d["agents"] == 815 and abs(d["abandonment"] - 0.185) < 0.001
    assert "warning" in err and "18.5 %" in err and "--max-abandon" in err
    code, out, err = run("staffing", "--calls", "10000", "--aht", "180", "--patience", "60", "--max-abandon", "0.05")
    assert code == 0 and "warning" not in err
    code, out, err = run("staffing", "--calls", "100", "--aht", "180")
    assert code == 0 and err == ""
