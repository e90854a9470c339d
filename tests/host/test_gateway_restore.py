"""
Restoring the gateway never rolls back a counter that seals (issue 13, finding 2).

The centre numbers its frames to each kiosk (DOWN) and to each peer centre (relay) in
its database.  Restoring an older copy of that database used to put the counters back:
the next answer was sealed with a number already used, under the same key -- a nonce
reused -- and the kiosk dropped it as a replay, so an applied loss report was never
confirmed.  ``lib12333 gateway backup`` marks its copy; the gateway refuses to run on a
marked copy; ``lib12333 gateway restore`` puts it in place with every sealing counter
moved past anything that can have been used, and carries the key history forward.
"""

import json
import os
import shutil
import sqlite3
import stat

import pytest

from lib12333 import identifiers, lossreport
from lib12333.errors import ConfigError
from lib12333.host.cli import EXIT_FAILED, EXIT_OK, main
from lib12333.host.gateway import admin, backup, db, provisioning, relay
from lib12333.host.gateway.centre import Centre
from lib12333.host.requests_store import RequestStore
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.secure.replay import NEW, ReplayWindow

UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
SSN = "33010619850312004" + identifiers.citizen_id_check_digit("33010619850312004")
SSN_B = "11010519491231002X"
KEY = bytes(range(16))
PEER_KEY = bytes(range(50, 66))
NOW = 1_780_000_000


def loss(card, ssn, name):
    return msg.encode(msg.LOSS_REPORT, {"ssn": ssn, "card": card, "phone": "13912345678", "name": name})


def sealed(seq, payload, key=KEY):
    return frame_mod.seal(aes.AES128(key), frame_mod.Frame(msg.LOSS_REPORT, 1001, seq, NOW, payload, frame_mod.UP))


def setup(path):
    conn = db.connect(path)
    admin.add_device(conn, 1001, KEY, name="hall", region="330106", now=NOW)
    admin.add_card(conn, "A38612750", SSN, "李明华", "330100", now=NOW)
    admin.add_card(conn, "B00000019", SSN_B, "张三丰", "330100", now=NOW)
    relay.add_peer(conn, "320000", "+8610657112320", PEER_KEY, name="江苏")
    conn.close()
    RequestStore(admin.requests_path(path)).close()


class Kiosk:
    """The kiosk's side of DOWN frames: its replay window, as firmware/app.py keeps it."""

    def __init__(self):
        self.window = ReplayWindow(64)
        self.nonces = set()

    def receive(self, body, key=KEY):
        f = frame_mod.open(aes.AES128(key), bytes(body), direction=frame_mod.DOWN)
        nonce = (key, frame_mod.nonce(f))
        assert nonce not in self.nonces, "DOWN nonce used twice: %r" % (f,)
        self.nonces.add(nonce)
        if self.window.classify(f.seq) != NEW:
            return None  # dropped as a replay: the citizen is never told
        self.window.accept(f.seq)
        return msg.decode(f.msg_type, f.payload)


def frames_to_kiosk(conn, after=0):
    return conn.execute("SELECT id, body FROM outgoing WHERE kind = 'frame' AND id > ? ORDER BY id", (after,)).fetchall()


def test_after_a_restore_the_next_answer_is_sealed_with_an_unused_number_and_reaches_the_kiosk(tmp_path):
    live = str(tmp_path / "centre.db")
    setup(live)
    saved = str(tmp_path / "backup" / "centre.db")
    backup.backup(live, saved, now=NOW)
    kiosk = Kiosk()
    c = Centre(db.connect(live), UNIT)
    assert c.handle("k", sealed(1, loss("A38612750", SSN, "李明华")), NOW) == "applied"
    [(_id, body)] = frames_to_kiosk(c.conn)
    assert kiosk.receive(body)["result"] == msg.ACK_APPLIED
    c.conn.close()

    report = backup.restore(saved, live, now=NOW + 100)
    assert report["devices"][0]["down_seq"] > 1 + backup.RESTORE_GAP - 1
    c = Centre(db.connect(live), UNIT)
    # The restored database lost the first report (committed after the backup); the kiosk goes on.
    assert c.handle("k", sealed(2, loss("B00000019", SSN_B, "张三丰")), NOW + 200) == "applied"
    answer = kiosk.receive(frames_to_kiosk(c.conn)[-1][1])
    assert answer is not None and answer["ref_seq"] == 2 and answer["result"] == msg.ACK_APPLIED
    assert c.conn.execute("SELECT state FROM cards WHERE card_no = 'B00000019'").fetchone()[0] == lossreport.TEMP_LOST


def test_the_gateway_refuses_a_backup_copy_until_it_is_restored(tmp_path):
    live = str(tmp_path / "centre.db")
    setup(live)
    saved = str(tmp_path / "centre-backup.db")
    backup.backup(live, saved, now=NOW)
    with pytest.raises(ConfigError, match="gateway restore"):
        Centre(db.connect(saved), UNIT)
    # Copying the backup over the live file by hand is caught the same way.
    shutil.copy(saved, live)
    for tail in ("-wal", "-shm"):
        if os.path.exists(live + tail):
            os.remove(live + tail)
    with pytest.raises(ConfigError, match="gateway restore"):
        Centre(db.connect(live), UNIT)


def test_peer_counters_jump_and_keys_provisioned_after_the_backup_survive_the_restore(tmp_path):
    live = str(tmp_path / "centre.db")
    setup(live)
    saved = str(tmp_path / "centre-backup.db")
    backup.backup(live, saved, now=NOW)
    conn = db.connect(live)
    conn.execute("UPDATE peers SET up_seq = 40, down_seq = 7")
    new_key, first = provisioning.replace_device(conn, 1001, now=NOW + 5)  # a board replaced after the backup
    admin.add_device(conn, 2002, bytes(range(70, 86)), name="new hall", now=NOW + 6)
    conn.close()
    backup.restore(saved, live, now=NOW + 100)
    conn = db.connect(live)
    up, down = conn.execute("SELECT up_seq, down_seq FROM peers WHERE code = '320000'").fetchone()
    assert up >= 40 + backup.RESTORE_GAP and down >= 7 + backup.RESTORE_GAP
    row = conn.execute("SELECT key, key_generation, seq_floor FROM devices WHERE device_id = 1001").fetchone()
    assert (bytes(row[0]), row[1], row[2]) == (new_key, 2, first)
    assert [h["generation"] for h in provisioning.key_history(conn, 1001)] == [1, 2]
    assert conn.execute("SELECT name FROM devices WHERE device_id = 2002").fetchone()[0] == "new hall"
    assert conn.execute("SELECT COUNT(*) FROM meta WHERE name = 'backup_of'").fetchone()[0] == 0


def test_restore_without_the_live_database_still_jumps_from_the_backup(tmp_path):
    live = str(tmp_path / "centre.db")
    setup(live)
    saved = str(tmp_path / "centre-backup.db")
    backup.backup(live, saved, now=NOW)
    for name in os.listdir(tmp_path):
        if name.startswith("centre.db"):
            os.remove(str(tmp_path / name))  # the disk died
    report = backup.restore(saved, live, now=NOW + 100)
    assert report["live_database"] == "missing"
    assert report["devices"] == [{"device_id": 1001, "down_seq": 1 + backup.RESTORE_GAP}]
    Centre(db.connect(live), UNIT)  # runs


def test_backup_and_restore_cli(tmp_path, capsys):
    live = str(tmp_path / "centre.db")
    setup(live)
    saved = str(tmp_path / "centre-backup.db")
    assert main(["gateway", "backup", "--db", live, "--to", saved, "--json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["backup"] == saved and out["devices"] == 1
    for name in (saved, saved + ".requests"):
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name
    assert sqlite3.connect(saved).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert main(["gateway", "backup", "--db", live, "--to", saved]) == EXIT_FAILED  # never over a backup
    assert "exists" in capsys.readouterr().err
    assert main(["gateway", "restore", "--db", live, "--from", saved, "--json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["devices"][0]["down_seq"] == 1 + backup.RESTORE_GAP
    assert os.path.exists(out["previous"])  # the database it replaced is kept aside, owner-only
    assert stat.S_IMODE(os.stat(out["previous"]).st_mode) == 0o600


def test_a_kiosk_added_after_the_backup_has_its_frames_applied_again_after_the_restore(tmp_path):
    """Its replay window from the live database would say "seen" for frames whose `applied` rows the
    backup does not have: its retry was refused and never answered.  Restored, the kiosk's frames
    count as new, like those of every kiosk the backup knew: applied once more, on the restored state."""
    live = str(tmp_path / "centre.db")
    setup(live)
    saved = str(tmp_path / "backup" / "centre.db")
    backup.backup(live, saved, now=NOW)
    new_key = bytes(range(70, 86))
    conn = db.connect(live)
    admin.add_device(conn, 2002, new_key, name="new hall", region="330106", now=NOW + 6)
    conn.close()
    frame = frame_mod.seal(aes.AES128(new_key), frame_mod.Frame(
        msg.LOSS_REPORT, 2002, 1, NOW + 10, loss("B00000019", SSN_B, "张三丰"), frame_mod.UP))
    c = Centre(db.connect(live), UNIT)
    assert c.handle("k", frame, NOW + 10) == "applied"
    c.conn.close()  # the answer never reached the kiosk: it will send the frame again

    backup.restore(saved, live, now=NOW + 100)
    c = Centre(db.connect(live), UNIT)
    assert c.conn.execute("SELECT state FROM cards WHERE card_no = 'B00000019'").fetchone()[0] != lossreport.TEMP_LOST
    assert c.handle("k", frame, NOW + 200) == "applied"
    kiosk = Kiosk()
    answer = kiosk.receive(frames_to_kiosk(c.conn)[-1][1], key=new_key)
    assert answer is not None and answer["result"] == msg.ACK_APPLIED
    assert c.conn.execute("SELECT state FROM cards WHERE card_no = 'B00000019'").fetchone()[0] == lossreport.TEMP_LOST
    assert c.handle("k", frame, NOW + 300) == "duplicate"
