"""
Re-provisioning never restarts a counter under a used key (issue 13, finding 1).

A replacement board, or a board whose /data was re-formatted, deployed with the id and
key of an earlier one would start its sequence at 1 again: its first loss report would be
sealed under the key and nonce of an old one, and the centre would answer it with the old
stored ACK.  The design: every provisioning gets a fresh key (the centre keeps the retired
ones and refuses their frames by name) and a first sequence number above anything the
centre has seen for the id; a kiosk whose journal is gone while its key is in use refuses
to send; a deployment that would give a used key to a board is refused.
"""

import argparse
import hashlib
import json
import os
import sys

import pytest

from lib12333 import identifiers, lossreport
from lib12333.errors import SecurityError, StorageError, ValidationError
from lib12333.host.cli import EXIT_DATA, EXIT_OK, main
from lib12333.host.gateway import admin, db, outcomes
from lib12333.host.gateway import provisioning as lifecycle
from lib12333.host.gateway.centre import Centre
from lib12333.journal import Journal
from lib12333.outbox import Outbox
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.storage import MemoryStore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
SSN = "33010619850312004" + identifiers.citizen_id_check_digit("33010619850312004")
SSN_B = "11010519491231002X"
NOW = 1_780_000_000
OLD_KEY = bytes(range(16))


def loss(card, ssn, name, phone="13912345678"):
    return msg.encode(msg.LOSS_REPORT, {"ssn": ssn, "card": card, "phone": phone, "name": name})


def sealed(key, seq, payload, device=1001, t=NOW):
    return frame_mod.seal(aes.AES128(key), frame_mod.Frame(msg.LOSS_REPORT, device, seq, t, payload, frame_mod.UP))


@pytest.fixture()
def centre(tmp_path):
    conn = db.connect(str(tmp_path / "centre.db"))
    admin.add_device(conn, 1001, OLD_KEY, name="hall", region="330106", now=NOW)
    admin.add_card(conn, "A38612750", SSN, "李明华", "330100", now=NOW)
    admin.add_card(conn, "B00000019", SSN_B, "张三丰", "330100", now=NOW)
    c = Centre(conn, UNIT, temp_days=7, centre_code="330100")
    c.db_path = str(tmp_path / "centre.db")
    return c


def last_reply(c, key):
    body = c.conn.execute("SELECT body FROM outgoing WHERE kind = 'frame' ORDER BY id DESC LIMIT 1").fetchone()[0]
    f = frame_mod.open(aes.AES128(key), bytes(body), direction=frame_mod.DOWN)
    return f, msg.decode(f.msg_type, f.payload)


def card_state(c, card):
    return c.conn.execute("SELECT state FROM cards WHERE card_no = ?", (card,)).fetchone()[0]


# ---------------------------------------------------------------- the centre


def test_a_replacement_board_gets_a_fresh_key_and_its_loss_report_is_applied(centre):
    assert centre.handle("+8613800571001", sealed(OLD_KEY, 1, loss("A38612750", SSN, "李明华")), NOW) == "applied"
    new_key, seq_start = lifecycle.replace_device(centre.conn, 1001, now=NOW + 10)
    assert new_key != OLD_KEY and len(new_key) == 16
    assert seq_start > 1
    # The new board's first loss report: a different card, applied, and the kiosk told so under the new key.
    frame = sealed(new_key, seq_start, loss("B00000019", SSN_B, "张三丰"))
    assert centre.handle("+8613800571001", frame, NOW + 20) == "applied"
    assert card_state(centre, "B00000019") == lossreport.TEMP_LOST
    f, fields = last_reply(centre, new_key)
    assert (f.msg_type, fields["ref_seq"], fields["result"]) == (msg.ACK, seq_start, msg.ACK_APPLIED)
    assert centre.conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 2


def test_frames_under_a_retired_key_or_below_the_first_number_are_refused_by_name(centre, caplog):
    centre.handle("x", sealed(OLD_KEY, 1, loss("A38612750", SSN, "李明华")), NOW)
    new_key, seq_start = lifecycle.replace_device(centre.conn, 1001, now=NOW + 10)
    before = centre.conn.execute("SELECT COUNT(*) FROM outgoing").fetchone()[0]
    out = centre.handle("x", sealed(OLD_KEY, 2, loss("B00000019", SSN_B, "张三丰")), NOW + 20)
    assert out.kind == outcomes.REJECTED and "retired key" in out.reason
    out = centre.handle("x", sealed(new_key, seq_start - 1, loss("B00000019", SSN_B, "张三丰")), NOW + 20)
    assert out.kind == outcomes.REJECTED and "first sequence number" in out.reason
    assert card_state(centre, "B00000019") == lossreport.NORMAL
    assert centre.conn.execute("SELECT COUNT(*) FROM outgoing").fetchone()[0] == before


def test_the_first_number_is_above_everything_seen_and_each_generation_is_kept(centre):
    centre.handle("x", sealed(OLD_KEY, 300, loss("A38612750", SSN, "李明华")), NOW)
    key2, start2 = lifecycle.replace_device(centre.conn, 1001, now=NOW + 1)
    assert start2 > 300 + lifecycle.SEQ_GAP - 1
    key3, start3 = lifecycle.replace_device(centre.conn, 1001, now=NOW + 2)  # provisioned twice, no traffic
    assert start3 > start2 and key3 not in (key2, OLD_KEY)
    history = lifecycle.key_history(centre.conn, 1001)
    assert [(h["generation"], h["first_seq"], h["retired"]) for h in history] == [
        (1, 1, True), (2, start2, True), (3, start3, False)]
    assert "key" not in json.dumps(history).replace('"key_generation"', "")  # keys are never listed


def test_a_used_key_is_never_registered_again(centre):
    with pytest.raises(ValidationError, match="already been used"):
        admin.add_device(centre.conn, 2002, OLD_KEY)
    lifecycle.replace_device(centre.conn, 1001, now=NOW)
    with pytest.raises(ValidationError, match="already been used"):  # a retired key too
        admin.add_device(centre.conn, 2003, OLD_KEY)
    with pytest.raises(ValidationError, match="revoked"):
        admin.revoke_device(centre.conn, 1001)
        lifecycle.replace_device(centre.conn, 1001, now=NOW)


def test_device_replace_cli_writes_the_new_key_and_says_where_counting_starts(tmp_path, capsys):
    gw, out = str(tmp_path / "centre.db"), tmp_path / "kiosk1001.key"
    assert main(["gateway", "device", "add", "--db", gw, "--device-id", "1001"]) == EXIT_OK
    capsys.readouterr()
    assert main(["gateway", "device", "replace", "--db", gw, "--device-id", "1001", "--key-out", str(out),
                 "--json"]) == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert result == {"device_id": 1001, "key_generation": 2, "seq_start": result["seq_start"],
                      "key_file": str(out)}
    assert result["seq_start"] > 1
    assert main(["gateway", "device", "list", "--db", gw]) == EXIT_OK
    assert "(key generation 2 from seq %d)" % result["seq_start"] in capsys.readouterr().out
    conn = db.connect(gw)
    assert bytes(conn.execute("SELECT key FROM devices").fetchone()[0]) == out.read_bytes()
    # Without a key file the new key would exist nowhere but in the database: a usage error.
    with pytest.raises(SystemExit) as usage:
        main(["gateway", "device", "replace", "--db", gw, "--device-id", "1001"])
    assert usage.value.code == 2
    other = tmp_path / "kiosk7.key"
    assert main(["gateway", "device", "replace", "--db", gw, "--device-id", "7", "--key-out", str(other)]) == EXIT_DATA
    assert "no device 7" in capsys.readouterr().err and not other.exists()


# ---------------------------------------------------------------- the kiosk


def outbox(a, b):
    return Outbox(Journal(a, b), aes.AES128(OLD_KEY), 1001, reserve_block=4)


def test_a_kiosk_whose_journal_is_gone_refuses_to_seal_under_a_used_key():
    a, b = MemoryStore(), MemoryStore()
    ob = outbox(a, b)
    with pytest.raises(SecurityError, match="journal"):
        ob.open(NOW, first_seq=1, new_key=False)
    with pytest.raises(StorageError, match="not opened"):
        ob.accept(msg.LOSS_REPORT, loss("A38612750", SSN, "李明华"), NOW)
    with pytest.raises(SecurityError):  # nothing was reserved or sealed: the next boot refuses again
        outbox(a, b).open(NOW, first_seq=1, new_key=False)


def test_a_new_key_counts_from_its_first_number_and_marks_the_journal_in_use():
    a, b = MemoryStore(), MemoryStore()
    ob = outbox(a, b)
    ob.open(NOW, first_seq=65537, new_key=True)
    assert ob.accept(msg.LOSS_REPORT, loss("A38612750", SSN, "李明华"), NOW) == 65537
    again = outbox(a, b)
    again.open(NOW, first_seq=65537, new_key=False)  # journal in use: counting goes on after the reservation
    assert again.accept(msg.LOSS_REPORT, loss("A38612750", SSN, "李明华"), NOW) > 65537
    # A raised first number (deploy --seq-start later) is honoured; never a step back.
    third = outbox(a, b)
    third.open(NOW, first_seq=200000, new_key=False)
    assert third.accept(msg.LOSS_REPORT, loss("A38612750", SSN, "李明华"), NOW) == 200000


def test_firmware_reads_the_fresh_key_marker_and_forgets_the_old_journal(tmp_path):
    sys.path.insert(0, ROOT)
    from firmware import main as fw

    config_dir, data_dir = tmp_path / "config", tmp_path / "data"
    config_dir.mkdir()
    data_dir.mkdir()
    key = bytes(range(100, 116))
    (config_dir / "device.json").write_text(json.dumps({"device_id": 1001, "seq_start": 65537}))
    (config_dir / "key.bin").write_bytes(key)
    (data_dir / "journal.a").write_bytes(b"old key's journal")
    config, got = fw.load_config(str(config_dir))
    assert (got, config["new_key"], config["seq_start"]) == (key, False, 65537)
    # deploy writes the marker (the new key's SHA-256) before the key itself.
    (config_dir / "key.fresh").write_text(hashlib.sha256(b"another key").hexdigest())
    assert fw.load_config(str(config_dir))[0]["new_key"] is False  # a marker for a key not (yet) there
    (config_dir / "key.fresh").write_text(hashlib.sha256(key).hexdigest())
    config, _ = fw.load_config(str(config_dir))
    assert config["new_key"] is True
    fw.forget_journal(str(data_dir))
    assert not (data_dir / "journal.a").exists()
    fw.key_adopted(str(config_dir))
    assert not (config_dir / "key.fresh").exists()
    assert fw.load_config(str(config_dir))[0]["new_key"] is False


# ---------------------------------------------------------------- deploy


def deploy_args(gw, **kw):
    base = dict(device_id="1001", site=None, key_file=None, key_hex=None, gateway_db=gw, replace=False,
                seq_start=None)
    base.update(kw)
    return argparse.Namespace(**base)


def test_deploy_refuses_to_give_the_registered_key_to_a_board(tmp_path):
    from lib12333.host.cli import cmd_deploy

    gw = str(tmp_path / "centre.db")
    admin.add_device(db.connect(gw), 1001, OLD_KEY)
    args = deploy_args(gw, key_hex=OLD_KEY.hex())
    with pytest.raises(ValidationError) as err:
        cmd_deploy._gateway_check(args, cmd_deploy._provision(args))
    text = str(err.value)
    assert "--replace" in text and "key from" not in text


def test_deploy_replace_gives_the_board_a_fresh_key_above_every_number_seen(tmp_path):
    from lib12333.host.cli import cmd_deploy

    gw = str(tmp_path / "centre.db")
    conn = db.connect(gw)
    admin.add_device(conn, 1001, OLD_KEY)
    c = Centre(conn, UNIT)
    admin.add_card(conn, "A38612750", SSN, "李明华", "330100", now=NOW)
    c.handle("x", sealed(OLD_KEY, 40, loss("A38612750", SSN, "李明华")), NOW)
    args = deploy_args(gw, replace=True)
    provision = cmd_deploy._provision(args)
    gateway = cmd_deploy._gateway_check(args, provision)
    assert provision["key"] != OLD_KEY and provision["seq_start"] > 40
    assert bytes(conn.execute("SELECT key FROM devices").fetchone()[0]) == OLD_KEY  # nothing changed yet
    assert cmd_deploy._gateway_register(gateway, provision) == "replaced"
    assert bytes(conn.execute("SELECT key FROM devices").fetchone()[0]) == provision["key"]
    with pytest.raises(ValidationError, match="fresh key"):
        args = deploy_args(gw, replace=True, key_hex="22" * 16)
        cmd_deploy._gateway_check(args, cmd_deploy._provision(args))


def test_the_installer_marks_a_new_key_and_keeps_a_board_s_own_key():
    from lib12333.host.deploy import installer
    from tests.host.test_deploy import MemoryDevice, small_bundle

    dev = MemoryDevice()
    key = b"k" * 16
    installer.install(dev, small_bundle(b"v1"), provision={"device_id": 1001, "key": key, "seq_start": 65537})
    assert dev.files["/config/key.bin"] == key
    assert dev.files["/config/key.fresh"].decode() == hashlib.sha256(key).hexdigest()
    assert json.loads(dev.files["/config/device.json"]) == {"device_id": 1001, "seq_start": 65537}
    del dev.files["/config/key.fresh"]  # the kiosk booted and adopted the key
    installer.install(dev, small_bundle(b"v2"), provision={"device_id": 1001, "key": key, "seq_start": 65537})
    assert "/config/key.fresh" not in dev.files  # the same board, the same key: its journal stays valid


# ---------------------------------------------------------------- the same on real MicroPython boards


@pytest.mark.slow
def test_deploy_replace_on_real_micropython_boards(tmp_path):
    """``lib12333 deploy --gateway-db`` on virtual boards: update, a refused second board, then --replace."""
    import subprocess

    sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
    from virtual_board import VirtualBoard

    from lib12333.host.deploy.device import SerialDevice

    gw = str(tmp_path / "centre.db")
    site = tmp_path / "site.json"
    site.write_text(json.dumps({"hall": "西湖区服务大厅", "region": "330106", "centre_number": "+8610657112333"}))

    def deploy(port, *args):
        return subprocess.run([sys.executable, "-m", "lib12333", "deploy", "--port", port, "--device-id", "4242",
                               "--site", str(site), "--gateway-db", gw, "--json"] + list(args),
                              cwd=ROOT, capture_output=True, text=True, timeout=600)

    first = VirtualBoard(str(tmp_path / "flash1")).power_on()
    second = VirtualBoard(str(tmp_path / "flash2")).power_on()
    try:
        done = deploy(first.port)
        assert done.returncode == 0 and json.loads(done.stdout)["gateway"] == "registered", done.stderr
        again = deploy(first.port)  # an update of the board that holds the key: no key written
        assert again.returncode == 0 and json.loads(again.stdout)["gateway"] == "already registered", again.stderr
        refused = deploy(second.port)  # another board for the id, without --replace
        assert refused.returncode == EXIT_DATA and "does not hold the key of device 4242" in refused.stderr
        replaced = deploy(second.port, "--replace")
        assert replaced.returncode == 0 and json.loads(replaced.stdout)["gateway"] == "replaced", replaced.stderr
        conn = db.connect(gw)
        key, generation, floor = conn.execute(
            "SELECT key, key_generation, seq_floor FROM devices WHERE device_id = 4242").fetchone()
        assert generation == 2 and floor > 1
        dev = SerialDevice(second.port, timeout=5)
        try:
            assert dev.sha256("/config/key.bin") == hashlib.sha256(bytes(key)).hexdigest()
            assert dev.read_text("/config/key.fresh") == hashlib.sha256(bytes(key)).hexdigest()
            assert json.loads(dev.read_text("/config/device.json"))["seq_start"] == floor
        finally:
            dev.close()
        assert bytes(key).hex() not in replaced.stdout + replaced.stderr
    finally:
        first.close()
        second.close()
