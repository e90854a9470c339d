"""``lib12333 kb`` end to end through a real subprocess."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args):
    p = subprocess.run([sys.executable, "-m", "lib12333", "kb"] + list(args), capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_build_browse_show(tmp_path):
    code, out, _err = run("build", "--region", "330100", "--date", "二〇一三年三月一日", "--out", str(tmp_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["entries"] == 33 and data["expired"] == 1 and data["overridden"] == 2 and data["conflicts"] == []
    with open(tmp_path / "kb.idx", "rb") as a, open(os.path.join(ROOT, "protocols/library/vectors/starter-330100.idx"),
                                                     "rb") as b:
        assert a.read() == b.read()
    code, out, _err = run("browse", str(tmp_path), "2505", "--json")
    assert code == 0
    got = json.loads(out)
    assert got["category"] == {"code": "2505", "name": "社会保障卡"}
    assert [e["key"] for e in got["entries"]] == ["card-knowledge", "card-loss-counter", "card-loss-kiosk",
                                                  "card-loss-phone"]
    code, out, _err = run("show", "svc-12333-dial", "--index", str(tmp_path), "--json")
    assert code == 0 and json.loads(out)["level"] == "city"
    code, out, _err = run("show", "svc-12333-dial", "--region", "330000", "--date", "2013-03-01")
    assert code == 0 and out.startswith("在浙江省怎样拨打12333？")
    code, _out, err = run("show", "no-such-key", "--date", "2013-03-01")
    assert code == 1 and "no entry" in err
    code, out, _err = run("browse", str(tmp_path), "9999")
    assert code == 1


def test_search():
    code, out, _err = run("search", "短信 发送单位", "--date", "2013-03-01", "--json", "--limit", "3")
    assert code == 0
    hits = json.loads(out)
    assert hits[0]["key"] == "sms-sender-name" and len(hits) <= 3
    code, out, _err = run("search", "，。", "--json")
    assert code == 1 and json.loads(out) == []


def test_validate_reports_conflicts_and_bad_files(tmp_path):
    code, out, _err = run("validate", "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    with open(os.path.join(ROOT, "lib12333/data/kb/starter.json"), encoding="utf-8") as f:
        doc = json.load(f)
    clash = dict(doc["entries"][0], body="另一种说法")
    other = {"format": "lib12333-kb", "entries": [clash]}
    p = tmp_path / "clash.json"
    p.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    code, out, _err = run("validate", os.path.join(ROOT, "lib12333/data/kb/starter.json"), str(p), "--json")
    data = json.loads(out)
    assert code == 1 and data["valid"] is False
    assert any("conflict: key svc-12333-purpose" in c for c in data["conflicts"])
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "lib12333-kb", "entries": [{"key": "x"}]}', encoding="utf-8")
    code, out, _err = run("validate", str(bad))
    assert code == 1 and "INVALID" in out and "entry 0" in out
    code, _out, err = run("build", str(p), str(p).replace("clash", "none"), "--out", str(tmp_path))
    assert code == 4
    notjson = tmp_path / "nj.json"
    notjson.write_text("{", encoding="utf-8")
    code, _out, err = run("build", str(notjson), "--out", str(tmp_path))
    assert code == 3 and "not JSON" in err
    code, _out, err = run("build", "--region", "33", "--out", str(tmp_path))
    assert code == 3


def test_build_with_conflict_exits_1(tmp_path):
    with open(os.path.join(ROOT, "lib12333/data/kb/starter.json"), encoding="utf-8") as f:
        doc = json.load(f)
    doc["entries"].append(dict(doc["entries"][0], body="另一种说法"))
    p = tmp_path / "lib.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = run("build", str(p), "--out", str(tmp_path / "out"), "--date", "2013-03-01")
    assert code == 1 and "warning: conflict" in err
    assert os.path.exists(tmp_path / "out" / "kb.idx")


def test_local_category_names_from_extension_tables(tmp_path):
    table = tmp_path / "zj.json"
    table.write_text(json.dumps({"format": "lib12333/category-extension/1", "level": "province", "region": "330000",
                                 "title": "浙江省", "categories": [{"code": "250402", "name": "自助终端服务"}]},
                                ensure_ascii=False), encoding="utf-8")
    lib = tmp_path / "lib.json"
    lib.write_text(json.dumps({"format": "lib12333-kb", "entries": [{
        "key": "kiosk-hours", "kind": "qa", "category": "250402", "level": "provincial", "region": "330000",
        "title": "自助终端几点开放？", "body": "与服务大厅同时开放。", "source_doc": "人社厅发〔2010〕92号",
        "source_date": "2010-10-12"}]}, ensure_ascii=False), encoding="utf-8")
    code, out, _err = run("validate", str(lib), "--json")
    assert code == 1 and "250402" in json.loads(out)["problems"][0]
    code, out, _err = run("validate", str(lib), "--categories", str(table))
    assert code == 0
    code, _out, err = run("build", str(lib), "--region", "330000", "--out", str(tmp_path / "a"))
    assert code == 0 and "has no name" in err
    code, _out, err = run("build", str(lib), "--region", "330000", "--categories", str(table), "--out",
                          str(tmp_path / "b"))
    assert code == 0 and err == ""
    code, out, _err = run("browse", str(tmp_path / "b"), "2504", "--json")
    assert json.loads(out)["children"] == [{"code": "250402", "name": "自助终端服务", "entries": 1, "children": 0}]
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nope"}', encoding="utf-8")
    code, _out, _err = run("build", str(lib), "--categories", str(bad), "--out", str(tmp_path / "c"))
    assert code == 3
