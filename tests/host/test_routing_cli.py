"""``lib12333 route`` through the real entry point (subprocess) and in-process."""

import json
import subprocess
import sys

from lib12333.host.cli import main


def run(*args):
    proc = subprocess.run([sys.executable, "-m", "lib12333", "route"] + list(args), capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def test_explain_issue_example_subprocess():
    code, out, err = run(
        "explain", "--number", "0571-12333", "--caller", "13800000000", "--caller-region", "330100",
        "--channel", "voice", "--category", "1001", "--time", "2026-11-29T20:00",
    )
    assert code == 0, err
    assert "reaches: 330100 浙江省杭州市 via area-code" in out
    assert "MATCH line 14" in out and "closed-restday-voice" in out
    assert "decision: self-service at city centre 330100 浙江省杭州市, queue ivr" in out
    assert "13800000000" not in out and "138****0000" in out


def test_explain_json_province_transfer(capsys):
    code = main([
        "route", "explain", "--number", "12333", "--caller", "13800000000", "--caller-region", "330106",
        "--card-region", "440305", "--time", "2026-11-27T10:00", "--preset", "province", "--json",
    ])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reach"] == {"service": "12333", "region": "330100", "via": "caller-region", "assumed": True,
                             "note": data["reach"]["note"]}
    assert data["decision"]["action"] == "transfer"
    assert data["decision"]["centre"] == "440000"
    assert data["decision"]["via"] == "national-platform"
    assert data["tried"][-1] == {"rule": "card-other-province", "line": 37, "priority": 80, "matched": True}
    assert data["caller"] == "138****0000"


def test_explain_show_pii_and_holiday(capsys):
    code = main([
        "route", "explain", "--number", "12333", "--caller", "0755-87654321", "--time", "2026-11-27T10:00",
        "--holiday", "2026-11-27", "--show-pii", "--json",
    ])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["caller"] == "0755-87654321"
    assert data["day"] == "restday"
    assert data["decision"]["rule"] == "closed-restday-voice"
    assert data["decision"]["centre"] == "440300"


def test_explain_bad_input_exit_3(capsys):
    assert main(["route", "explain", "--number", "0571-12x33", "--time", "2026-11-27T10:00"]) == 3
    assert "number" in capsys.readouterr().err
    assert main(["route", "explain", "--number", "12333", "--caller-region", "330199"]) == 3
    assert main(["route", "explain", "--number", "12333", "--time", "2026-02-30T10:00"]) == 3
    assert main(["route", "explain", "--number", "12333", "--category", "1x"]) == 3


def test_check(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"schema": "lib12333-routing/1", "name": "g",
                                "rules": [{"name": "d", "then": {"action": "queue"}}]}))
    assert main(["route", "check", str(good)]) == 0
    assert "ok: g, 1 rules" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "lib12333-routing/1",\n "rules": [\n  {"name": "x", "when": {"channel": "sms"}, '
                   '"then": {"action": "queue"}}\n]}')
    assert main(["route", "check", str(bad), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and data["line"] == 3 and data["item"] == "x"
    assert "no default rule" in data["error"]
    assert main(["route", "check", str(tmp_path / "missing.json")]) == 4


def test_normalise(capsys):
    assert main(["route", "normalise", "+86 571 12333", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["number"] == "0571-12333" and data["e164"] == "+8657112333"
    assert data["cities"] == [{"code": "330100", "name": "浙江省杭州市"}]
    assert main(["route", "normalise", "+86 138 1234 5678"]) == 0
    out = capsys.readouterr().out
    assert "138****5678" in out and "12345678" not in out
    assert main(["route", "normalise", "hello"]) == 3
