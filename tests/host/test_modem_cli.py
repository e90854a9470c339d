"""The technician CLI end to end: ``lib12333 modem-sim`` in one process, ``lib12333 modem ...``
in others, over real ptys."""

import json
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = [sys.executable, "-m", "lib12333"]


def run(*args, timeout=60):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def sim():
    proc = subprocess.Popen(CLI + ["modem-sim", "--count", "2", "--json", "--show-pii", "--duration", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("}"):
            break
    data = json.loads("".join(lines))
    time.sleep(0.5)  # let the modems finish starting
    yield data
    proc.terminate()
    proc.wait(10)


def test_sim_prints_paths_and_registers(sim):
    modems = sim["modems"]
    assert [m["number"] for m in modems] == ["+8613800000001", "+8613800000002"]
    for m in modems:
        assert os.path.exists(m["device"])
    r = run("modem", "ports", "--json")
    ports = json.loads(r.stdout)
    emulated = [p["device"] for p in ports if p["kind"] == "emulated"]
    for m in modems:  # other simulators may be running too
        assert m["device"] in emulated


def test_info_masks_pii(sim):
    port = sim["modems"][0]["device"]
    r = run("modem", "info", "--port", port, "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["model"] == "SIMCOM_SIM7600CE-T"
    assert info["imei"] == "864500000000017"
    assert info["imsi"] == "46000********00"
    assert "*" in info["iccid"] and info["iccid"].startswith("898600")
    assert info["signal"]["dbm"] == -71
    assert info["registration_lte"]["stat"] == 1
    assert info["storage"]["total"] == 30
    r = run("modem", "info", "--port", port, "--json", "--show-pii")
    assert json.loads(r.stdout)["imsi"] == "460001234500000"


def test_send_then_listen(sim):
    a, b = sim["modems"]
    text = "社保卡挂失已受理，证件号110105194912310021，请保管好回执。" * 2
    r = run("modem", "send", "--port", a["device"], "--to", b["number"], "--text", text, "--report", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is True
    assert out["to"] == "+861******0002"
    assert len(out["parts"]) == 2
    assert [x["status_kind"] for x in out["reports"]] == ["delivered", "delivered"]
    r = run("modem", "listen", "--port", b["device"], "--count", "1", "--timeout", "20", "--json")
    assert r.returncode == 0, r.stderr
    msg = json.loads(r.stdout.splitlines()[0])
    assert msg["complete"] is True and msg["parts"] == 2
    assert msg["from"] == "+861******0001"
    assert "110105194912310021" not in msg["text"]  # the ID number is masked
    assert msg["text"].replace("110105********0021", "110105194912310021") == text  # lib12333.masking.mask_text
    # the message was deleted after it was printed: a second listen sees nothing
    r = run("modem", "listen", "--port", b["device"], "--count", "1", "--timeout", "3", "--json")
    assert r.returncode == 1 and r.stdout == ""


def test_undeliverable_reported_as_failure(sim):
    a = sim["modems"][0]
    r = run("modem", "send", "--port", a["device"], "--to", "+8613999999999", "--text", "hello", "--report",
            "--json", "--timeout", "20")
    assert r.returncode == 5, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is False
    assert out["reports"][0]["status_kind"] == "failed"


def test_bad_port_and_errors_table():
    r = run("modem", "info", "--port", "/dev/does-not-exist", "--timeout", "2")
    assert r.returncode == 4
    r = run("modem", "errors", "330", "--json")
    assert json.loads(r.stdout) == [{"code": 330, "class": "permanent",
                                     "meaning": "SMSC address unknown (set it with AT+CSCA)"}]
    r = run("modem-sim", "--faults", "nonsense=1")
    assert r.returncode == 3


def test_docs_error_tables_match_the_code():
    from lib12333.modem import errors

    text = open(os.path.join(ROOT, "docs", "modem.md"), encoding="utf-8").read()
    for kind, head in (("cms", "| +CMS | class | meaning |"), ("cme", "| +CME | class | meaning |")):
        block = text[text.index(head):].split("\n\n")[0].splitlines()[2:]
        rows = [tuple(c.strip() for c in line.strip("|").split("|")) for line in block]
        assert rows == [(str(c), k, m) for c, k, m in errors.table_rows(kind)]
