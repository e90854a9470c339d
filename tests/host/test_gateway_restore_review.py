"""
Restores attacked as an operations team would run them (review of issue 13).

- a restore interrupted between its two renames (power cut) leaves the live database only
  as ``centre.db.before-restore-T``; running the restore again must still move every
  sealing counter past what that copy used, or the next answers reuse (key, nonce) pairs;
- two restores in the same second must not overwrite the first replaced database (the
  only copy of the changes made after the backup);
- a backup of another centre put over this one would seal with the other centre's keys
  and counters: refused.
"""

import os

import pytest

from lib12333.errors import StorageError
from lib12333.host.gateway import admin, backup, db
from lib12333.host.gateway.centre import Centre

from .test_gateway_restore import KEY, NOW, SSN, UNIT, Kiosk, frames_to_kiosk, loss, sealed, setup


def _down_seq(path):
    conn = db.connect(path)
    try:
        return conn.execute("SELECT down_seq FROM devices WHERE device_id = 1001").fetchone()[0]
    finally:
        conn.close()


def backed_up(tmp_path):
    """(live database, its backup) of a centre with kiosk 1001, two cards and a peer."""
    live = str(tmp_path / "centre.db")
    setup(live)
    saved = str(tmp_path / "backup.db")
    backup.backup(live, saved, now=NOW)
    return live, saved


def test_a_restore_interrupted_after_moving_the_live_database_aside_never_reuses_a_number(tmp_path):
    live, saved = backed_up(tmp_path)
    backup.restore(saved, live, now=NOW + 10)
    kiosk = Kiosk()
    c = Centre(db.connect(live), UNIT)
    assert c.handle("k", sealed(1, loss("A38612750", SSN, "李明华")), NOW + 20) == "applied"
    first = frames_to_kiosk(c.conn)[-1][1]
    kiosk.receive(first)
    c.conn.close()
    used = _down_seq(live)  # past every number sealed so far
    # The second restore is cut after its first rename: the live file is only in the kept copy.
    os.replace(live, live + ".before-restore-%d" % (NOW + 30))
    report = backup.restore(saved, live, now=NOW + 40)
    assert report["devices"][0]["down_seq"] >= used, "a number already sealed would be sealed again"
    c = Centre(db.connect(live), UNIT)
    assert c.handle("k", sealed(2, loss("A38612750", SSN, "李明华")), NOW + 50) == "applied"
    assert kiosk.receive(frames_to_kiosk(c.conn)[-1][1]) is not None  # a fresh nonce, and the kiosk takes it


def test_two_restores_in_the_same_second_keep_both_replaced_databases(tmp_path):
    live, saved = backed_up(tmp_path)
    first = backup.restore(saved, live, now=NOW + 10)["previous"]
    second = backup.restore(saved, live, now=NOW + 10)["previous"]
    assert first != second and os.path.exists(first) and os.path.exists(second)


def test_a_backup_of_another_centre_is_refused(tmp_path, gateway_db):
    ours = gateway_db("centre.db")  # on both back ends (PostgreSQL: pg_dump, restore through a new database)
    setup(ours)
    other = gateway_db("other.db")
    conn = db.connect(other)
    admin.add_device(conn, 1001, bytes(range(100, 116)), name="their hall", now=NOW)
    conn.close()
    saved = str(tmp_path / "other-backup.db")
    backup.backup(other, saved, now=NOW)
    with pytest.raises(StorageError, match="another centre"):
        backup.restore(saved, ours, now=NOW + 10)
    assert _down_seq(ours) == 1  # nothing changed
    conn = db.connect(ours)
    assert bytes(conn.execute("SELECT key FROM devices WHERE device_id = 1001").fetchone()[0]) == KEY
    conn.close()


def test_a_restore_while_the_gateway_has_the_database_open_is_refused(tmp_path):
    live, saved = backed_up(tmp_path)
    running = Centre(db.connect(live), UNIT)  # the gateway, idle between two frames
    running.conn.execute("SELECT COUNT(*) FROM devices").fetchone()
    with pytest.raises(StorageError, match="stop the gateway"):
        backup.restore(saved, live, now=NOW + 10)
    assert _down_seq(live) == 1 and not [n for n in os.listdir(tmp_path) if "restor" in n]
    running.conn.close()
    assert backup.restore(saved, live, now=NOW + 20)["live_database"] == "read"


def test_a_reference_issued_after_the_backup_is_never_issued_again_after_the_restore(tmp_path):
    from lib12333.host.requests_store import RequestStore

    live, saved = backed_up(tmp_path)
    store = RequestStore(admin.requests_path(live))
    told = store.create("complaint", "330100", "K01", (2026, 12, 3), NOW + 5, "噪音投诉").ref  # a citizen has it
    store.close()
    backup.restore(saved, live, now=NOW + 10)
    store = RequestStore(admin.requests_path(live))
    other = store.create("complaint", "330100", "K01", (2026, 12, 3), NOW + 20, "另一位市民").ref
    store.close()
    assert other != told, "the citizen's reference now names another citizen's request"
