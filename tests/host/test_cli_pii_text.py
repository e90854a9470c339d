"""Personal numbers inside free text (request subjects) are masked by the CLI unless --show-pii."""

import json

from lib12333.host.cli import EXIT_OK, main

SUBJECT = "身份证11010519491231002X，电话13912345678"
MASKED = "身份证110105********002X，电话139****5678"


def _store(tmp_path):
    from lib12333.host.gateway import admin
    from lib12333.host.requests_store import RequestStore

    db = str(tmp_path / "centre.db")
    assert main(["gateway", "device", "add", "--db", db, "--device-id", "1001", "--name", "hall"]) == EXIT_OK
    store = RequestStore(admin.requests_path(db))
    req = store.create("complaint", "330100", "K01", (2026, 11, 29), 1000, SUBJECT, contact="13912345678")
    store.close()
    return db, req.ref


def test_request_list_and_show_mask_subject(tmp_path, capsys):
    db, ref = _store(tmp_path)
    capsys.readouterr()
    assert main(["gateway", "request", "list", "--db", db]) == EXIT_OK
    out = capsys.readouterr().out
    assert MASKED in out and "11010519491231002X" not in out and "13912345678" not in out
    assert main(["gateway", "request", "show", "--db", db, ref, "--json"]) == EXIT_OK
    d = json.loads(capsys.readouterr().out)
    assert d["subject"] == MASKED and d["contact"] == "139****5678"
    assert main(["gateway", "request", "list", "--db", db, "--json", "--show-pii"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)[0]["subject"] == SUBJECT
