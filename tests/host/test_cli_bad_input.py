"""Hostile input files and numbers give a one-line documented error and exit 3, never a traceback (issue 13 item 13)."""

import json
import os

import pytest

from lib12333.host.cdr import open_importer
from lib12333.host.cdr.native import Writer
from lib12333.host.cli import main

DATA = os.path.join(os.path.dirname(__file__), "data", "cdr")
KEY = "00112233445566778899aabbccddeeff"
DEEP = b"[" * 5000


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_native_jsonl_deeply_nested_line_is_one_malformed_line(tmp_path, capsys):
    recs = list(open_importer("asterisk-queue-log", os.path.join(DATA, "queue_log")))
    path = tmp_path / "calls.jsonl"
    with open(path, "wb") as f:
        w = Writer(f, "jsonl")
        w.write(recs[0])
        f.write(DEEP + b"\n")
        w.write(recs[1])
    code, out, _err = run(capsys, "cdr", "stats", str(path), "--format", "native", "--json")
    assert code == 0
    imported = json.loads(out)["import"]
    assert (imported["records"], imported["malformed"]) == (2, 1)
    assert imported["malformed_lines"][0]["line"] == 2
    assert "nested too deeply" in imported["malformed_lines"][0]["reason"]


def test_gbk_queue_map(tmp_path, capsys):
    qmap = tmp_path / "queues.csv"
    qmap.write_bytes("queue,service,region,category\n咨询,12333,330100,01\n".encode("gbk"))
    code, _out, err = run(capsys, "cdr", "stats", os.path.join(DATA, "queue_log"), "--format",
                          "asterisk-queue-log", "--queue-map", str(qmap))
    assert code == 3
    assert "queues.csv, line 2: not UTF-8" in err and "iconv" in err


@pytest.mark.parametrize("content, message", [
    (b'\xef\xbb\xbf{"centre": "330100"}', "line 1: site config starts with a UTF-8 byte-order mark"),
    (b"centre = 330100", "line 1: site config is not JSON"),
    ('{"name": "杭州"}'.encode("gbk"), "site config is not UTF-8"),
    (DEEP, "site config is nested too deeply"),
])
def test_deploy_site_file(tmp_path, capsys, content, message):
    site = tmp_path / "site.json"
    site.write_bytes(content)
    code, _out, err = run(capsys, "deploy", "--port", os.devnull, "--dry-run", "--device-id", "1001",
                          "--key-hex", KEY, "--site", str(site))
    assert code == 3
    assert message in err


def test_kb_build_and_validate_deep_json(tmp_path, capsys):
    lib = tmp_path / "deep.json"
    lib.write_bytes(DEEP)
    code, _out, err = run(capsys, "kb", "build", str(lib), "--out", str(tmp_path))
    assert code == 3 and "library file is nested too deeply" in err
    code, out, _err = run(capsys, "kb", "validate", str(lib), "--json")
    assert code == 1  # validate's answer "invalid"
    problems = json.loads(out)["problems"]
    assert problems == [str(lib) + ": library file is nested too deeply; expected JSON nested a few levels, "
                        "as documented"]


@pytest.mark.parametrize("content, message", [
    (DEEP, "centre table is nested too deeply"),
    (b'\xef\xbb\xbf{"330100": "+8610657112333"}', "centre table starts with a UTF-8 byte-order mark"),
])
def test_route_explain_centres(tmp_path, capsys, content, message):
    table = tmp_path / "centres.json"
    table.write_bytes(content)
    code, _out, err = run(capsys, "route", "explain", "--channel", "kiosk", "--caller-region", "330106",
                          "--centres", str(table))
    assert code == 3
    assert message in err
