"""Kiosk status reports at the gateway (issue 17), on SQLite and PostgreSQL: stored once, newest kept."""

import json
import sqlite3
import time

import pytest

from lib12333.host.gateway import admin, db, kiosk_status
from lib12333.host.gateway.centre import Centre
from lib12333.secure import messages as msg
from tests.host.test_gateway import KEY, NOW, UNIT, cli, kiosk_frame, open_reply, outgoing

REPORT = {"firmware": "1.4.2", "rssi": 18, "ber": 0, "backlog": 2, "oldest_age": 5400, "storage_errors": 1,
          "modem_errors": 3, "card_errors": 0, "uptime": 86400, "boots": 12}
SIM = "+8613800571001"


@pytest.fixture()
def centre(gateway_db):
    where = gateway_db("centre.db")
    conn = db.connect(where)
    admin.add_device(conn, 1001, KEY, name="hall", region="330106", now=NOW)
    c = Centre(conn, UNIT, temp_days=7, centre_code="330100")
    c.db_path = where
    return c


def _status_frame(seq, time=NOW, **changes):
    return kiosk_frame(seq, msg.KIOSK_STATUS, dict(REPORT, **changes), time=time)


def _stored(c):
    return kiosk_status.latest(c.conn).get(1001)


def test_a_report_is_stored_once_and_acknowledged(centre):
    assert centre.handle(SIM, _status_frame(5, time=NOW - 30), NOW) == "applied"
    report = _stored(centre)
    assert {k: report[k] for k in kiosk_status.FIELDS} == REPORT
    assert (report["seq"], report["reported_at"], report["received_at"], report["signal_dbm"]) == (5, NOW - 30, NOW, -77)
    rows = outgoing(centre)
    assert [r[0] for r in rows] == ["frame"]  # an ACK for the kiosk, no notice to anyone
    f, fields = open_reply(rows[0][2])
    assert (f.msg_type, fields) == (msg.ACK, {"ref_seq": 5, "result": msg.ACK_APPLIED, "state": 0, "until": 0})
    # The same frame again (the kiosk lost the ACK): answered "duplicate", the stored report untouched.
    assert centre.handle(SIM, _status_frame(5, time=NOW - 30), NOW + 600) == "duplicate"
    assert _stored(centre)["received_at"] == NOW
    f, fields = open_reply(outgoing(centre)[-1][2])
    assert fields["result"] == msg.ACK_DUPLICATE
    assert centre.conn.execute("SELECT COUNT(*) FROM applied WHERE msg_type = ?", (msg.KIOSK_STATUS,)).fetchone()[0] == 1


def test_the_newest_report_wins_even_when_an_older_one_arrives_late(centre):
    assert centre.handle(SIM, _status_frame(9, rssi=25, modem_errors=0), NOW) == "applied"
    assert centre.handle(SIM, _status_frame(7, rssi=3, modem_errors=40), NOW + 60) == "applied"  # a late retry
    report = _stored(centre)
    assert (report["seq"], report["rssi"], report["modem_errors"]) == (9, 25, 0)
    assert centre.handle(SIM, _status_frame(12, firmware="1.5.0", rssi=99), NOW + 120) == "applied"
    report = _stored(centre)
    assert (report["seq"], report["firmware"], report["signal_dbm"]) == (12, "1.5.0", None)


def test_a_revoked_kiosk_cannot_report(centre):
    admin.revoke_device(centre.conn, 1001)
    outcome = centre.handle(SIM, _status_frame(3), NOW)
    assert outcome.kind == "rejected" and "revoked" in str(outcome.reason)
    assert _stored(centre) is None


def test_gateway_status_shows_the_reports_and_stale_kiosks(centre):
    now = int(time.time())  # the command reads the clock
    admin.add_device(centre.conn, 1002, bytes(range(1, 17)), name="silent hall", region="330106", now=now - 3 * 86400)
    centre.handle(SIM, _status_frame(4, time=now - 10), now - 3600)
    r = cli("gateway", "status", "--db", centre.db_path, "--json")
    assert r.returncode == 0, r.stderr
    kiosks = {k["device_id"]: k for k in json.loads(r.stdout)["kiosks"]}
    report = kiosks[1001]["report"]
    assert (report["firmware"], report["backlog"], report["signal_dbm"]) == ("1.4.2", 2, -77)
    assert 3600 <= report["age_s"] <= 3600 + 120
    assert (kiosks[1001]["stale"], kiosks[1002]["stale"], kiosks[1002]["report"]) == (False, True, None)
    r = cli("gateway", "status", "--db", centre.db_path, "--stale-hours", "0.5")
    assert r.returncode == 0, r.stderr
    line = [x for x in r.stdout.splitlines() if "1001" in x][0]
    assert "STALE" in line and "fw 1.4.2" in line and "-77 dBm (18)" in line and "backlog 2" in line
    assert "errors 4" in line
    assert "no status report" in [x for x in r.stdout.splitlines() if "1002" in x][0]


def test_a_schema_4_database_gains_the_table(tmp_path):
    path = str(tmp_path / "old.db")
    raw = sqlite3.connect(path)
    for script in db.MIGRATIONS[:4]:
        raw.executescript(script)
    raw.execute("PRAGMA user_version = 4")
    raw.commit()
    raw.close()
    conn = db.connect(path)
    assert db.version(conn) == db.VERSION >= 5
    assert conn.execute("SELECT COUNT(*) FROM kiosk_status").fetchone()[0] == 0


def test_a_peer_cannot_relay_a_status_report_for_a_kiosk_of_ours(gateway_db):
    """A hostile or buggy peer centre wraps a KIOSK_STATUS in a RELAY naming device 1001, which is also one
    of our kiosks: refused as unsupported, our kiosk's stored report is untouched."""
    from lib12333.secure import aes
    from lib12333.secure import frame as frame_mod
    from tests.host import test_gateway_relay as TR

    b = TR._centre(gateway_db("jiangsu.db"), "320000", "【单位】", "330000", TR.A_NUMBER)
    admin.add_device(b.conn, 1001, KEY, name="our hall", region="320106", now=NOW)
    inner = msg.encode(msg.KIOSK_STATUS, dict(REPORT, firmware="<b>evil</b>"))
    payload = msg.encode(msg.RELAY, {"origin_device": 1001, "origin_seq": 77, "origin_time": NOW,
                                     "inner_type": msg.KIOSK_STATUS, "inner": inner})
    data = frame_mod.seal(aes.AES128(TR.PEER_KEY), frame_mod.Frame(msg.RELAY, 330000, 60, NOW, payload, frame_mod.UP))
    assert b.handle(TR.A_NUMBER, data, NOW) == "relay-applied"
    (_, _, answer), = TR.take(b)
    f = frame_mod.open(aes.AES128(TR.PEER_KEY), answer, direction=frame_mod.DOWN)
    fields = msg.decode(f.msg_type, f.payload)
    assert fields["reply_type"] == msg.ERROR
    assert msg.decode(msg.ERROR, fields["reply"])["code"] == msg.E_UNSUPPORTED
    assert kiosk_status.latest(b.conn) == {}


@pytest.mark.parametrize("hours", ["nan", "inf", "1e308", "-5", "0"])
def test_stale_hours_out_of_range_is_a_usage_error(tmp_path, hours):
    """No traceback (int(nan * 3600)), and no 'every kiosk is stale' from a negative or zero limit."""
    where = str(tmp_path / "centre.db")
    db.connect(where).close()
    for argv in (("gateway", "status", "--db", where), ("console", "--db", where)):
        r = cli(*argv, "--stale-hours", hours)
        assert r.returncode == 2, (argv, r.stdout, r.stderr)
        assert "--stale-hours" in r.stderr and "Traceback" not in r.stderr
