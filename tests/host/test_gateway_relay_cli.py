"""``lib12333 gateway peer add|list`` and ``gateway --relay-rules`` (issue 8)."""

import argparse
import json
import os
import stat

from lib12333.host.cli import gateway_relay, main
from lib12333.host.gateway import db
from lib12333.host.gateway.centre import Centre


def test_peer_add_list_and_duplicate(tmp_path, capsys):
    path = str(tmp_path / "g.db")
    key_out = str(tmp_path / "peer.key")
    assert main(["gateway", "peer", "add", "--db", path, "--code", "320000", "--number", "+8610652512333",
                 "--key-out", key_out, "--name", "江苏", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"code": "320000", "registered": True, "key_file": key_out}
    assert len(open(key_out, "rb").read()) == 16
    assert stat.S_IMODE(os.stat(key_out).st_mode) == 0o600
    assert main(["gateway", "peer", "add", "--db", path, "--code", "330100", "--number", "+8610657112333",
                 "--key-hex", "00" * 16]) == 0
    capsys.readouterr()
    assert main(["gateway", "peer", "list", "--db", path, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in rows] == ["320000", "330100"]
    assert rows[0]["number"] != "+8610652512333" and rows[0]["number"].endswith("2333")  # masked
    assert main(["gateway", "peer", "list", "--db", path, "--show-pii"]) == 0
    assert "+8610652512333" in capsys.readouterr().out
    assert main(["gateway", "peer", "add", "--db", path, "--code", "320000", "--number", "1"]) == 3
    assert "peer already registered" in capsys.readouterr().err
    assert main(["gateway", "peer", "add", "--db", path, "--code", "440000", "--number", "1", "--key-hex", "zz"]) == 3


def test_relay_rules_attach_the_relay(tmp_path):
    conn = db.connect(str(tmp_path / "g.db"))
    centre = Centre(conn, "【测试】", centre_code="330100")
    args = argparse.Namespace(relay_rules=None, centre_code="330100")
    assert gateway_relay.attach(centre, conn, args) is None and centre.relay is None
    args.relay_rules = "province"
    r = gateway_relay.attach(centre, conn, args)
    assert centre.relay is r and r.own_code == "330100" and r.rules.name == "province"
