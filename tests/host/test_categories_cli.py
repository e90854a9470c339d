"""The category table against the seed, and the `lib12333 categories` CLI for every one of the 173 codes."""

import importlib.util
import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout

import pytest

from lib12333 import categories
from lib12333.host.cli import EXIT_DATA, EXIT_NO, EXIT_OK, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "gen_categories", os.path.join(ROOT, "tools", "gen_categories.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()
# The notice and its annex are in the repository (protocols/categories/SOURCES.md): nothing skips.
SEED = os.path.join(ROOT, "protocols", "categories", "rsxxh-2010-52.txt")


def _seed_table():
    with open(SEED, encoding="utf-8") as f:
        return GEN.parse_seed(f.read())


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_table_equals_seed_exactly():
    table = _seed_table()
    assert list(categories.items()) == table
    assert len(table) == 173
    assert sum(1 for c, _ in table if len(c) == 2) == 27
    assert sum(1 for c, _ in table if len(c) == 4) == 146


def test_generated_constant_is_up_to_date():
    with open(GEN.TARGET, encoding="utf-8") as f:
        source = f.read()
    assert GEN.splice(source, GEN.render(_seed_table())) == source


def test_parser_rejects_broken_annex():
    with pytest.raises(GEN.SeedFormatError):
        GEN.parse_seed("no table here")
    text = GEN.TITLE + "\n码\n类别\n01\n综合\n0101\n0102\n名称\n"
    with pytest.raises(GEN.SeedFormatError):
        GEN.parse_seed(text)
    assert GEN.parse_seed(GEN.TITLE + "\n\t码\n\t类别\n\n\t01\n\t综合\n\n正文\n") == [("01", "综合")]


EXPECTED = _seed_table()
NAMES = dict(EXPECTED)


@pytest.mark.parametrize("code", [c for c, _ in EXPECTED])
def test_show_every_code(code):
    status, out, err = run_cli("categories", "show", code, "--json")
    assert status == EXIT_OK, err
    data = json.loads(out)
    assert data["code"] == code
    assert data["name"] == NAMES[code]
    assert data["level"] == len(code) // 2
    want_parent = code[:2] if len(code) == 4 else None
    assert data["parent"] == want_parent
    if want_parent:
        assert data["parent_name"] == NAMES[want_parent]
    want_children = [c for c, _ in EXPECTED if len(c) == len(code) + 2 and c.startswith(code)]
    assert [c["code"] for c in data["children"]] == want_children
    assert [c["name"] for c in data["children"]] == [NAMES[c] for c in want_children]


def test_show_text_and_errors():
    status, out, _ = run_cli("categories", "show", "2209")
    assert status == EXIT_OK
    assert out.splitlines()[0] == "2209  事业性收费"
    assert "parent:   22  行政事业性收费" in out
    status, _, err = run_cli("categories", "show", "2208")
    assert status == EXIT_DATA and "no sub-class" in err
    status, _, err = run_cli("categories", "show", "22a")
    assert status == EXIT_DATA and "not a digit" in err


def test_search_cli():
    status, out, _ = run_cli("categories", "search", "养老", "--json")
    assert status == EXIT_OK
    assert [h["code"] for h in json.loads(out)] == ["14", "1402", "1403", "1404", "1405", "1902"]
    status, out, _ = run_cli("categories", "search", "火星")
    assert status == EXIT_NO


def test_tree_cli():
    status, out, _ = run_cli("categories", "tree", "--json")
    assert status == EXIT_OK
    roots = json.loads(out)
    assert len(roots) == 27
    assert sum(len(r["children"]) for r in roots) == 146
    status, out, _ = run_cli("categories", "tree", "22")
    assert out.splitlines() == [
        "22  行政事业性收费",
        "  2201  基本制度",
        "  2202  行政性收费",
        "  2209  事业性收费",
    ]


PROVINCE = {
    "format": "lib12333/category-extension/1",
    "level": "province",
    "region": "330000",
    "categories": [{"code": "140201", "name": "企业职工养老待遇"}, {"code": "140202", "name": "转移接续"}],
}
CITY = {
    "format": "lib12333/category-extension/1",
    "level": "city",
    "region": "330100",
    "categories": [{"code": "14020101", "name": "资格认证"}],
}


def test_extensions_cli(tmp_path):
    prov = tmp_path / "zj.json"
    city = tmp_path / "hz.json"
    prov.write_text(json.dumps(PROVINCE, ensure_ascii=False), encoding="utf-8")
    city.write_text(json.dumps(CITY, ensure_ascii=False), encoding="utf-8")
    status, out, err = run_cli("categories", "show", "1402", "--json", "--extensions", str(prov), str(city))
    assert status == EXIT_OK, err
    assert [c["code"] for c in json.loads(out)["children"]] == ["140201", "140202"]
    status, out, _ = run_cli("categories", "show", "14020101", "--json", "--extensions", str(city), str(prov))
    data = json.loads(out)
    assert (data["level"], data["parent"], data["name"]) == (4, "140201", "资格认证")
    status, out, _ = run_cli("categories", "tree", "1402", "--extensions", str(prov), str(city))
    assert out.splitlines()[1:] == [
        "  140201  企业职工养老待遇",
        "    14020101  资格认证",
        "  140202  转移接续",
    ]
    bad = tmp_path / "bad.json"
    broken = dict(PROVINCE, categories=[{"code": "140201", "name": "a"}, {"code": "140201", "name": "b"}])
    bad.write_text(json.dumps(broken, indent=1), encoding="utf-8")
    status, _, err = run_cli("categories", "show", "14", "--extensions", str(bad))
    assert status == EXIT_DATA
    assert str(bad) in err and "duplicate" in err and "'140201'" in err
    status, _, err = run_cli("categories", "show", "14", "--extensions", str(tmp_path / "missing.json"))
    assert status == 4


def test_subprocess_entry_point():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "lib12333", "categories", "show", "0119", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["name"] == "其他"
