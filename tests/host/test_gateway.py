"""
The centre gateway on a real SQLite file: exactly-once application, replies,
notices, and refusal of forged, modified, replayed and truncated frames.
"""

import os
import sqlite3
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333 import identifiers, lossreport
from lib12333.errors import StorageError
from lib12333.host.gateway import admin, db, outcomes
from lib12333.host.gateway.centre import Centre
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from tests.hypothesis_profiles import examples

KEY = bytes(range(16))
UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
SSN = "33010619850312004" + identifiers.citizen_id_check_digit("33010619850312004")
CARD = "A38612750"
NAME = "李明华"
NOW = 1_780_000_000
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture()
def centre(gateway_db):
    where = gateway_db("centre.db")
    conn = db.connect(where)
    admin.add_device(conn, 1001, KEY, name="hall", region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    c = Centre(conn, UNIT, temp_days=7, centre_code="330100")
    c.db_path = where
    return c


def kiosk_frame(seq, msg_type=msg.LOSS_REPORT, fields=None, device=1001, key=KEY, time=NOW):
    fields = fields or {"ssn": SSN, "card": CARD, "phone": "13912345678", "name": NAME}
    payload = msg.encode(msg_type, fields)
    return frame_mod.seal(aes.AES128(key), frame_mod.Frame(msg_type, device, seq, time, payload, frame_mod.UP))


def card_state(c):
    return c.conn.execute("SELECT state, until FROM cards WHERE card_no = ?", (CARD,)).fetchone()


def outgoing(c):
    return c.conn.execute("SELECT kind, to_number, body FROM outgoing ORDER BY id").fetchall()


def open_reply(body):
    f = frame_mod.open(aes.AES128(KEY), bytes(body), direction=frame_mod.DOWN)
    return f, msg.decode(f.msg_type, f.payload)


def test_loss_report_is_applied_once_with_reply_and_notice(centre):
    assert centre.handle("+8613800571001", kiosk_frame(1), NOW + 5) == "applied"
    assert card_state(centre) == (lossreport.TEMP_LOST, NOW + 5 + 7 * 86400)
    rows = outgoing(centre)
    assert [r[0] for r in rows] == ["frame", "notice"]
    f, fields = open_reply(rows[0][2])
    assert (f.msg_type, f.device_id, f.seq) == (msg.ACK, 1001, 1)
    assert fields == {"ref_seq": 1, "result": msg.ACK_APPLIED, "state": lossreport.TEMP_LOST,
                      "until": NOW + 5 + 7 * 86400}
    notice = bytes(rows[1][2]).decode()
    assert rows[1][1] == "13912345678"
    assert notice.startswith(UNIT) and "2750" in notice
    for secret in (CARD, SSN, NAME):
        assert secret not in notice
    assert len(notice) <= 70  # one UCS2 part
    records = centre.conn.execute("SELECT channel, service, category, outcome, caller FROM service_records").fetchall()
    assert records == [("kiosk", "12333", "1500", "completed", "139****5678")]


def test_the_same_frame_again_is_answered_but_not_applied(centre):
    data = kiosk_frame(1)
    assert centre.handle("+8613800571001", data, NOW) == "applied"
    assert centre.handle("+8613800571001", data, NOW + 60) == "duplicate"
    assert centre.conn.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 1
    frames = [r for r in outgoing(centre) if r[0] == "frame"]
    assert len(frames) == 2
    first, second = open_reply(frames[0][2]), open_reply(frames[1][2])
    assert dict(first[1], result=msg.ACK_DUPLICATE) == second[1]  # the same answer, marked "duplicate" ...
    assert first[0].seq != second[0].seq  # ... in a fresh frame: the centre never reuses a nonce
    assert len([r for r in outgoing(centre) if r[0] == "notice"]) == 1


def test_identity_mismatch_and_state_errors(centre):
    wrong = {"ssn": SSN, "card": CARD, "phone": "", "name": "王五"}
    assert centre.handle("x", kiosk_frame(1, fields=wrong), NOW) == "applied"
    _f, fields = open_reply(outgoing(centre)[-1][2])
    assert fields == {"ref_seq": 1, "code": msg.E_IDENTITY, "state": 0}
    assert card_state(centre)[0] == lossreport.NORMAL
    centre.handle("x", kiosk_frame(2), NOW)
    centre.handle("x", kiosk_frame(3), NOW + 10)
    _f, fields = open_reply(outgoing(centre)[-1][2])
    assert fields == {"ref_seq": 3, "code": msg.E_STATE, "state": lossreport.TEMP_LOST}


def test_unknown_card_and_status_query(centre):
    other = {"ssn": SSN, "card": "B00000001", "phone": "", "name": NAME}
    centre.handle("x", kiosk_frame(1, fields=other), NOW)
    assert open_reply(outgoing(centre)[-1][2])[1]["code"] == msg.E_UNKNOWN_CARD
    centre.handle("x", kiosk_frame(2), NOW)
    q = {"ssn": SSN, "card": CARD, "name": NAME}
    centre.handle("x", kiosk_frame(3, msg.CARD_STATUS_QUERY, q), NOW + 1)
    f, fields = open_reply(outgoing(centre)[-1][2])
    assert f.msg_type == msg.CARD_STATUS_ANSWER
    assert (fields["ref_seq"], fields["state"], fields["until"]) == (3, lossreport.TEMP_LOST, NOW + 7 * 86400)
    # After the temporary loss lapses the registry says so.
    centre.handle("x", kiosk_frame(4, msg.CARD_STATUS_QUERY, q), NOW + 8 * 86400)
    assert open_reply(outgoing(centre)[-1][2])[1]["state"] == lossreport.NORMAL


def test_unknown_and_revoked_devices_are_refused(centre):
    assert centre.handle("x", kiosk_frame(1, device=2002), NOW).kind == outcomes.REJECTED
    admin.revoke_device(centre.conn, 1001)
    assert centre.handle("x", kiosk_frame(1), NOW).kind == outcomes.REJECTED
    assert card_state(centre)[0] == lossreport.NORMAL
    assert outgoing(centre) == []


def test_a_frame_under_another_key_is_refused(centre):
    assert centre.handle("x", kiosk_frame(1, key=b"\x01" * 16), NOW).kind == outcomes.REJECTED
    assert card_state(centre)[0] == lossreport.NORMAL


def test_old_unseen_sequence_numbers_are_looked_up_in_applied(centre):
    centre.handle("x", kiosk_frame(1), NOW)
    q = {"ssn": SSN, "card": CARD, "name": NAME}
    for seq in range(300, 600):
        centre.handle("x", kiosk_frame(seq, msg.CARD_STATUS_QUERY, q), NOW)
    # Below the window but never applied: a late frame, answered once (docs/security.md section 5).
    assert centre.handle("x", kiosk_frame(5, msg.CARD_STATUS_QUERY, q), NOW) == "applied"
    assert centre.handle("x", kiosk_frame(5, msg.CARD_STATUS_QUERY, q), NOW) == "duplicate"
    assert centre.handle("x", kiosk_frame(1), NOW) == "duplicate"  # applied frames are still recognised


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_frames_are_never_applied(centre, data):
    good = kiosk_frame(7)
    mutation = data.draw(st.sampled_from(["flip", "truncate", "extend", "splice"]))
    raw = bytearray(good)
    if mutation == "flip":
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    elif mutation == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif mutation == "extend":
        raw += data.draw(st.binary(min_size=1, max_size=40))
    else:
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i:] = data.draw(st.binary(max_size=60))
    if bytes(raw) == good:
        return
    outcome = centre.handle("x", bytes(raw), NOW)
    assert outcome.kind == outcomes.REJECTED, outcome
    assert card_state(centre)[0] == lossreport.NORMAL
    assert centre.conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 0


def test_a_crash_inside_the_transaction_changes_nothing_and_the_retry_applies_once(centre, monkeypatch):
    calls = {"n": 0}
    real = Centre._queue_frame

    def crash_once(self, *a):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("power cut")
        return real(self, *a)

    monkeypatch.setattr(Centre, "_queue_frame", crash_once)
    data = kiosk_frame(1)
    with pytest.raises(RuntimeError):
        centre.handle("x", data, NOW)
    assert card_state(centre)[0] == lossreport.NORMAL
    assert centre.conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 0
    assert centre.conn.execute("SELECT window FROM devices").fetchone()[0] is None
    assert centre.handle("x", data, NOW) == "applied"
    assert centre.conn.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 1


def test_a_killed_process_leaves_the_last_committed_state(centre, tmp_path):
    """A real kill -9 of a process in the middle of writing: the database opens and is consistent."""
    script = tmp_path / "writer.py"
    script.write_text(
        "import sys, os\n"
        "sys.path.insert(0, %r)\n"
        "from lib12333.host.gateway import db\n"
        "conn = db.connect(%r)\n"
        "conn.execute('BEGIN IMMEDIATE')\n"
        "conn.execute(\"UPDATE cards SET state = 6\")\n"
        "conn.execute(\"INSERT INTO card_events (card_no, at, action, channel, from_state, to_state) VALUES ('%s', 1, 'cancel', 'counter', 2, 6)\")\n"
        "print('ready', flush=True)\n"
        "import time; time.sleep(60)\n" % (ROOT, centre.db_path, CARD)
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    conn = db.connect(centre.db_path)
    assert conn.execute("SELECT state FROM cards").fetchone()[0] == lossreport.NORMAL
    assert db.integrity(conn) == "ok"


def test_schema_versions(tmp_path):
    path = str(tmp_path / "x.db")
    conn = db.connect(path)
    assert db.version(conn) == db.VERSION
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StorageError):
        db.connect(path)
    raw = sqlite3.connect(str(tmp_path / "y.db"))
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    raw.close()
    assert db.version(db.connect(str(tmp_path / "y.db"))) == db.VERSION


def cli(*args):
    return subprocess.run([sys.executable, "-m", "lib12333"] + list(args), cwd=ROOT, capture_output=True, text=True)


def test_device_and_card_administration_cli(tmp_path, gateway_db):
    path = gateway_db("c.db")
    keyfile = tmp_path / "k.bin"
    r = cli("gateway", "device", "add", "--db", path, "--device-id", "7", "--key-out", str(keyfile),
            "--name", "hall 7", "--phone", "13800571007", "--json")
    assert r.returncode == 0, r.stderr
    assert len(keyfile.read_bytes()) == 16 and oct(os.stat(keyfile).st_mode & 0o777) == "0o600"
    assert keyfile.read_bytes().hex() not in r.stdout + r.stderr
    r = cli("gateway", "device", "add", "--db", path, "--device-id", "7")
    assert r.returncode == 3 and "already registered" in r.stderr
    r = cli("gateway", "device", "list", "--db", path, "--json")
    import json

    rows = json.loads(r.stdout)
    assert rows[0]["device_id"] == 7 and rows[0]["phone"] == "138****1007" and "key" not in rows[0]
    assert cli("gateway", "device", "revoke", "--db", path, "--device-id", "7").returncode == 0
    assert json.loads(cli("gateway", "device", "list", "--db", path, "--json").stdout)[0]["status"] == "revoked"
    assert cli("gateway", "card", "add", "--db", path, "--card", CARD, "--ssn", SSN, "--name", NAME).returncode == 0
    r = cli("gateway", "card", "show", "--db", path, "--card", CARD, "--json")
    view = json.loads(r.stdout)
    assert view["state_name"] == "正常" and view["ssn"] != SSN and view["name"] == "李**"
    assert SSN not in r.stdout and NAME not in r.stdout
    assert json.loads(cli("gateway", "card", "show", "--db", path, "--card", CARD, "--json", "--show-pii").stdout)["ssn"] == SSN
    assert cli("gateway", "card", "show", "--db", path, "--card", "B00000000").returncode == 1
    assert cli("gateway", "--help").returncode == 0


def test_logs_never_hold_keys_or_personal_data(centre, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="lib12333.gateway")
    frames = [kiosk_frame(1), kiosk_frame(1), kiosk_frame(2, key=b"\x07" * 16), kiosk_frame(3, device=99),
              kiosk_frame(4, fields={"ssn": SSN, "card": CARD, "phone": "13912345678", "name": "王五"}),
              kiosk_frame(5)[:-3], b"\x01\x02"]
    for data in frames:
        centre.handle("+8613800571001", data, NOW)
    text = caplog.text
    assert "device 1001 seq 1" in text and "rejected" in text  # the log is there ...
    for secret in (SSN, NAME, CARD, "13912345678", "王五", KEY.hex(), (b"\x07" * 16).hex(), "8613800571001"):
        assert secret not in text  # ... without keys or personal values
