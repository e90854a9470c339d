"""The gateway CLI on bad or missing databases (exit 4, nothing created) and ``--json`` ``null`` when nothing is found."""


import json
import os

import pytest

from lib12333.host.cli import EXIT_IO, EXIT_NO, EXIT_OK, main

# ---------------------------------------------------------------- databases


def test_sqlite_errors_are_one_line_exit_4(tmp_path, capsys):
    notdb = tmp_path / "notdb.txt"
    notdb.write_text("this is not a database, just some text long enough to fill a header block " * 3)
    cases = [["gateway", "device", "add", "--db", "/nonexist/x.db", "--device-id", "1"],
             ["gateway", "device", "list", "--db", str(notdb)],
             ["gateway", "card", "show", "--db", str(notdb), "--card", "A00000000"],
             ["gateway", "--db", "/nonexist/g.db", "--modem", "X"]]
    for argv in cases:
        assert main(argv) == EXIT_IO, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)


@pytest.mark.parametrize("argv", [
    ["gateway", "device", "list"],
    ["gateway", "card", "show", "--card", "A00000000"],
    ["gateway", "request", "list"],
    ["gateway", "request", "show", "T-330100-K01-130301-0007-7"],
    ["gateway", "peer", "list"],
])
def test_read_only_commands_create_no_database(tmp_path, capsys, argv):
    typo = tmp_path / "typo.db"
    assert main(argv + ["--db", str(typo)]) == EXIT_IO
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "typo.db" in err
    assert os.listdir(str(tmp_path)) == []


def test_read_only_commands_still_read_an_existing_database(tmp_path, capsys):
    db = str(tmp_path / "centre.db")
    assert main(["gateway", "device", "add", "--db", db, "--device-id", "1001", "--name", "hall"]) == EXIT_OK
    assert main(["gateway", "request", "list", "--db", db, "--json"]) == EXIT_IO  # no request store yet
    from lib12333.host.gateway import admin
    from lib12333.host.requests_store import RequestStore

    RequestStore(admin.requests_path(db)).close()
    capsys.readouterr()
    assert main(["gateway", "device", "list", "--db", db, "--json"]) == EXIT_OK
    assert [d["device_id"] for d in json.loads(capsys.readouterr().out)] == [1001]
    assert main(["gateway", "request", "list", "--db", db, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == []


def test_request_store_create_false(tmp_path):
    from lib12333.host.requests_store import RequestStore

    path = str(tmp_path / "x.requests")
    with pytest.raises(OSError):
        RequestStore(path, create=False)
    assert not os.path.exists(path)
    RequestStore(path).close()
    RequestStore(path, create=False).close()


# ---------------------------------------------------------------- 10: --json null


def test_json_not_found_prints_null(tmp_path, capsys):
    db = str(tmp_path / "centre.db")
    assert main(["gateway", "device", "add", "--db", db, "--device-id", "1001"]) == EXIT_OK
    from lib12333.host.gateway import admin
    from lib12333.host.requests_store import RequestStore

    RequestStore(admin.requests_path(db)).close()
    capsys.readouterr()
    for argv, word in ((["gateway", "card", "show", "--db", db, "--card", "A00000000"], "card"),
                       (["gateway", "request", "show", "--db", db, "T-330100-K01-130301-0007-7"], "request"),
                       (["kb", "show", "x", "--date", "2013-03-01"], "entry")):
        assert main(argv + ["--json"]) == EXIT_NO, argv
        out, err = capsys.readouterr()
        assert json.loads(out) is None and word in err, argv
        assert main(argv) == EXIT_NO
        out, err = capsys.readouterr()
        assert out == "" and word in err


def test_kb_browse_unknown_category_json_null(tmp_path, capsys):
    assert main(["kb", "build", "--region", "330100", "--date", "2013-03-01", "--out", str(tmp_path)]) == EXIT_OK
    capsys.readouterr()
    assert main(["kb", "browse", str(tmp_path), "9999", "--json"]) == EXIT_NO
    out, err = capsys.readouterr()
    assert json.loads(out) is None and "9999" in err


