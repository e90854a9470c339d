"""``lib12333 frame``: peek, open (masked and --show-pii), seal, failures and exit codes."""

import json
import subprocess
import sys

import pytest

from lib12333.host.cli import main

KEY = "6c6962313233333320746573746b6579"
FIELDS = {"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "张三丰"}


@pytest.fixture
def keyfile(tmp_path):
    p = tmp_path / "kiosk.key"
    p.write_text(KEY + "\n")
    return str(p)


def _seal(keyfile, capsys, **kw):
    args = ["frame", "seal", "--key-file", keyfile, "--type", kw.get("type", "loss-report"), "--device", "1001",
            "--seq", "7", "--time", "1796083200", "--fields", json.dumps(kw.get("fields", FIELDS)), "--json"]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_seal_then_open_masked(keyfile, capsys):
    sealed = _seal(keyfile, capsys)
    assert sealed["one_sms"] and sealed["length"] == 15 + 8 + 9 + 9 + 7 + 1 + 9
    assert main(["frame", "open", "--key-file", keyfile, "--direction", "up", sealed["frame"], "--json"]) == 0
    out = capsys.readouterr().out
    d = json.loads(out)
    assert d["authenticated"] is True
    assert (d["type"], d["device"], d["seq"], d["direction"]) == ("loss-report", 1001, 7, "up")
    assert d["fields"]["ssn"] == "110105********002X"
    assert d["fields"]["name"] == "张**"
    for secret in FIELDS.values():
        assert secret not in out
    assert KEY not in out


def test_open_show_pii(keyfile, capsys):
    sealed = _seal(keyfile, capsys)
    assert main(["frame", "open", "--key-file", keyfile, "--show-pii", sealed["frame"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["fields"] == FIELDS


def test_tampered_frame_exit_1_and_peek(keyfile, capsys):
    raw = bytearray(bytes.fromhex(_seal(keyfile, capsys)["frame"]))
    raw[-1] ^= 1
    assert main(["frame", "open", "--key-file", keyfile, raw.hex(), "--json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["authenticated"] is False and "fields" not in d
    assert main(["frame", "peek", raw.hex(), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["seq"] == 7


def test_bad_input_exit_3(keyfile, capsys, monkeypatch):
    monkeypatch.delenv("LIB12333_FRAME_KEY", raising=False)
    assert main(["frame", "peek", "zz"]) == 3
    assert main(["frame", "peek", "02" + "00" * 30]) == 3
    assert main(["frame", "seal", "--key-file", keyfile, "--type", "loss-report", "--device", "1", "--seq", "1",
                 "--time", "0", "--fields", '{"ssn": "1"}']) == 3
    assert main(["frame", "open", "01" * 30]) == 3  # no key given
    assert "no key" in capsys.readouterr().err


def test_key_from_environment(keyfile, capsys, monkeypatch):
    sealed = _seal(keyfile, capsys)
    monkeypatch.setenv("LIB12333_FRAME_KEY", KEY)
    assert main(["frame", "open", sealed["frame"]]) == 0
    assert "authenticated" in capsys.readouterr().out


def test_help_runs_as_a_program():
    r = subprocess.run([sys.executable, "-m", "lib12333", "frame", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "LIB12333_FRAME_KEY" in r.stdout
