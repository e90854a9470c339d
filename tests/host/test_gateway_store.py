"""
The gateway store on both back ends (issue 16): migrations, the SQL dialect layer, and a
PostgreSQL server that goes away and comes back (clear error, nothing half applied, retry).
"""

import json
import sqlite3

import pytest

from lib12333 import lossreport
from lib12333.errors import StorageError
from lib12333.host.gateway import admin, db, pg
from lib12333.host.gateway.centre import Centre
from lib12333.secure import messages as msg
from tests.host.test_gateway import CARD, KEY, NAME, NOW, SSN, UNIT, card_state, cli, kiosk_frame


def test_migrate_command_creates_then_finds_the_latest_schema(gateway_db):
    where = gateway_db("m.db")
    for _ in range(2):
        r = cli("gateway", "migrate", "--db", where, "--json")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert (out["version"], out["latest"]) == (db.VERSION, db.VERSION)
    assert out["backend"] == ("postgresql" if pg.is_url(where) else "sqlite")


def test_a_newer_schema_is_refused(gateway_db):
    where = gateway_db("n.db")
    conn = db.connect(where)
    if db.is_postgresql(conn):
        conn.execute("UPDATE schema_version SET version = ?", (db.VERSION + 1,))
    else:
        conn.execute("PRAGMA user_version = %d" % (db.VERSION + 1))
    with pytest.raises(StorageError, match="newer"):
        db.connect(where)


def test_sqlite_statements_read_the_same_on_postgresql():
    assert pg.translate("INSERT OR IGNORE INTO peers (code, key) VALUES (?, ?)") == \
        "INSERT INTO peers (code, key) VALUES (%s, %s) ON CONFLICT DO NOTHING"
    assert pg.translate("INSERT OR REPLACE INTO meta (name, value) VALUES ('a', ?)") == \
        "INSERT INTO meta (name, value) VALUES ('a', %s) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
    assert pg.translate("SELECT window, in_window FROM devices") == 'SELECT "window", in_window FROM devices'
    assert pg.translate("ROLLBACK TO apply_request") == "ROLLBACK TO SAVEPOINT apply_request"
    assert pg.translate("BEGIN IMMEDIATE") == "BEGIN ISOLATION LEVEL SERIALIZABLE"
    assert pg.masked("postgresql://gw:s3cret@db:5432/centre") == "postgresql://gw:***@db:5432/centre"


def test_an_unreachable_server_is_a_clear_error_and_exit_code(pg_server):
    url = "postgresql://postgres@127.0.0.1:%d/postgres" % pg_server.port
    dead = url.replace(":%d/" % pg_server.port, ":1/")
    with pytest.raises(pg.ConnectionLost, match="PostgreSQL"):
        db.connect(dead)
    r = cli("gateway", "device", "list", "--db", dead)
    assert r.returncode == 4 and "PostgreSQL" in r.stderr and "Traceback" not in r.stderr


def test_a_postgresql_restart_mid_run_loses_nothing_and_applies_once(pg_server):
    url = pg_server.new_database()
    conn = db.connect(url)
    admin.add_device(conn, 1001, KEY, name="hall", region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    centre = Centre(conn, UNIT, temp_days=7, centre_code="330100")
    assert centre.handle("x", kiosk_frame(1, msg.CARD_STATUS_QUERY, {"ssn": SSN, "card": CARD, "name": NAME}), NOW) == "applied"
    pg_server.restart("immediate")  # every connection is cut, the server comes back
    # The next frame: the broken connection is a StorageError (the SMS is kept), the retry applies it once.
    frame = kiosk_frame(2)
    with pytest.raises(StorageError, match="PostgreSQL"):
        centre.handle("x", frame, NOW + 10)
    assert centre.handle("x", frame, NOW + 20) == "applied"
    assert centre.handle("x", frame, NOW + 30) == "duplicate"
    assert card_state(centre)[0] == lossreport.TEMP_LOST
    assert conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 1


def test_backend_errors_are_the_sqlite_errors_the_gateway_already_handles():
    assert issubclass(pg.BackendError, sqlite3.DatabaseError) and issubclass(pg.Conflict, pg.BackendError)


def test_status_shows_workers_queues_oldest_unanswered_and_last_contact(gateway_db):
    from lib12333.host.gateway import workers

    where = gateway_db("s.db")
    conn = db.connect(where)
    admin.add_device(conn, 1001, KEY, name="hall", region="330106", now=NOW)
    admin.add_device(conn, 1002, bytes(range(50, 66)), name="hall 2", region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    centre = Centre(conn, UNIT, temp_days=7, centre_code="330100")
    workers.heartbeat(conn, "pool-a", NOW - 5, frames=2, started_at=NOW - 100)
    workers.heartbeat(conn, "pool-a", NOW, frames=3)
    assert centre.handle("x", kiosk_frame(1), NOW + 10) == "applied"
    assert centre.handle("x", kiosk_frame(2), NOW + 20) == "applied"
    r = cli("gateway", "status", "--db", where, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    (w,) = report["workers"]
    assert (w["name"], w["frames"], w["started_at"], w["seen_at"]) == ("pool-a", 3, NOW - 100, NOW)
    assert report["queues"] == {"frame": 2, "notice": 1, "failed": 0, "relays_waiting": 0}
    assert report["oldest_unanswered"]["at"] == NOW + 10
    assert [(k["device_id"], k["last_contact"]) for k in report["kiosks"]] == [(1001, NOW + 20), (1002, None)]
    for out_id, _kind, _to, _body in centre.due(NOW + 30):
        centre.mark_sent(out_id, NOW + 30)
    report = json.loads(cli("gateway", "status", "--db", where, "--json").stdout)
    assert report["oldest_unanswered"] is None and report["queues"]["frame"] == 0
    text = cli("gateway", "status", "--db", where).stdout
    assert "pool-a" in text and "oldest unanswered frame: none" in text


@pytest.mark.slow  # pg_dump and pg_restore of a live database: ~7 s loaded
def test_postgresql_backup_and_restore_follow_the_sqlite_procedure(pg_server, tmp_path, monkeypatch):
    import subprocess

    from lib12333.errors import ConfigError
    from lib12333.host.gateway import backup
    from tests.host.test_gateway_restore import SSN_B, Kiosk, frames_to_kiosk, loss, sealed, setup

    live = pg_server.new_database()
    setup(live)
    saved = str(tmp_path / "backup" / "centre.sql")
    r = cli("gateway", "backup", "--db", live, "--to", saved, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["devices"] == 1
    kiosk = Kiosk()
    c = Centre(db.connect(live), UNIT)
    assert c.handle("k", sealed(1, loss("A38612750", SSN, "李明华")), NOW) == "applied"
    assert kiosk.receive(frames_to_kiosk(c.conn)[-1][1])["result"] == msg.ACK_APPLIED
    # Loaded by hand, the backup is refused: its sealing counters are old.
    by_hand = pg_server.new_database()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", saved, by_hand], check=True, capture_output=True)
    with pytest.raises(ConfigError, match="gateway restore"):
        Centre(db.connect(by_hand), UNIT)
    # Restoring while a worker is connected is refused and changes nothing.
    with pytest.raises(StorageError, match="stop every gateway worker"):
        backup.restore(saved, live, now=NOW + 50)
    c.conn.close()
    report = backup.restore(saved, live, now=NOW + 100)
    assert report["live_database"] == "read" and report["previous"].endswith("_before_restore_%d" % (NOW + 100))
    assert report["devices"][0]["down_seq"] >= backup.RESTORE_GAP
    c = Centre(db.connect(live), UNIT)
    assert c.handle("k", sealed(2, loss("B00000019", SSN_B, "张三丰")), NOW + 200) == "applied"
    answer = kiosk.receive(frames_to_kiosk(c.conn)[-1][1])
    assert answer is not None and answer["ref_seq"] == 2 and answer["result"] == msg.ACK_APPLIED
