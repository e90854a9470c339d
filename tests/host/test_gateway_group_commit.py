"""
Group commit (Centre.handle_many): the SMS waiting on a modem applied in one transaction, each frame
undone alone when it is rejected, deferred or needs sealing numbers; nothing applied twice.
"""

import pytest

from lib12333 import lossreport
from lib12333.errors import StorageError
from lib12333.host.gateway import admin, db
from lib12333.host.gateway.centre import Centre
from tests.host import gateway_fleet as F


@pytest.fixture()
def world(gateway_db):
    url = gateway_db("centre.db")
    F.setup(url, 3)
    return url


def loss_reports():
    """{device: its loss report frame (seq 1)} of kiosks 1001..1003."""
    out = {}
    for sender, data in F.frames(3, per_kiosk=1, replay_share=0):
        out[int(sender[-4:])] = (sender, data)
    return out


def state(conn, device):
    return conn.execute("SELECT state FROM cards WHERE card_no = ?", (F.card_of(device),)).fetchone()[0]


def test_one_forged_frame_in_a_group_is_rejected_alone_and_the_others_commit_once(world):
    frames = loss_reports()
    forged = bytearray(frames[1002][1])
    forged[-1] ^= 1  # its tag no longer verifies
    group = [(*frames[1001], F.NOW), (frames[1002][0], bytes(forged), F.NOW), (*frames[1003], F.NOW),
             (*frames[1001], F.NOW)]  # and a replay of the first in the same group
    centre = Centre(db.connect(world), F.UNIT, centre_code="330100")
    outcomes = centre.handle_many(group)
    assert [o.split(":")[0] for o in outcomes] == ["applied", "rejected", "applied", "duplicate"]
    other = db.connect(world)  # committed: another connection sees it
    assert other.execute("SELECT device_id, seq FROM applied ORDER BY device_id").fetchall() == [(1001, 1), (1003, 1)]
    assert state(other, 1001) == lossreport.TEMP_LOST and state(other, 1002) == lossreport.NORMAL
    assert other.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 2
    assert other.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'notice'").fetchone()[0] == 2
    # the real frame of 1002 after the group: applied once; the group again: nothing new
    assert centre.handle(*frames[1002], F.NOW) == "applied"
    again = centre.handle_many([(*frames[d], F.NOW) for d in (1001, 1002, 1003)])
    assert [o.split(":")[0] for o in again] == ["duplicate"] * 3
    assert other.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] == 3


def test_a_storage_failure_in_a_group_applies_none_of_it(world, monkeypatch):
    frames = loss_reports()
    centre = Centre(db.connect(world), F.UNIT, centre_code="330100")
    real = Centre._answer
    calls = []

    def full_disk(self, *a):
        calls.append(1)
        if len(calls) == 2:
            import sqlite3

            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *a)

    monkeypatch.setattr(Centre, "_answer", full_disk)
    group = [(*frames[d], F.NOW) for d in (1001, 1002, 1003)]
    with pytest.raises(StorageError):
        centre.handle_many(group)
    other = db.connect(world)
    assert other.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 0
    assert all(state(other, d) == lossreport.NORMAL for d in (1001, 1002, 1003))
    assert [o.split(":")[0] for o in centre.handle_many(group)] == ["applied"] * 3
    assert other.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 3


def test_a_revoked_kiosk_in_a_group_does_not_hold_back_the_others(world):
    frames = loss_reports()
    conn = db.connect(world)
    admin.revoke_device(conn, 1002)
    centre = Centre(conn, F.UNIT, centre_code="330100")
    outcomes = centre.handle_many([(*frames[d], F.NOW) for d in (1001, 1002, 1003)])
    assert [o.split(":")[0] for o in outcomes] == ["applied", "rejected", "applied"]


def test_a_repeat_counted_in_a_group_that_was_rolled_back_is_not_counted(world, monkeypatch):
    # The bound on answers sent again (repeats.py) is kept in memory: a group rolled back (a full disk, a
    # conflict with another worker, a reservation) sent nothing, so its repeats must not use up the bound.
    frames = loss_reports()
    centre = Centre(db.connect(world), F.UNIT, centre_code="330100")
    centre.repeats.per_hour = 2
    assert centre.handle(*frames[1001], F.NOW) == "applied"
    assert centre.handle(*frames[1001], F.NOW + 1) == "duplicate"  # the first repeat
    real = Centre._answer

    def full_disk(self, f, *a):
        if f.device_id == 1002:
            import sqlite3

            raise sqlite3.OperationalError("database or disk is full")
        return real(self, f, *a)

    monkeypatch.setattr(Centre, "_answer", full_disk)
    group = [(*frames[1001], F.NOW + 2), (*frames[1002], F.NOW + 2)]
    for _ in range(3):
        with pytest.raises(StorageError):
            centre.handle_many(group)
    monkeypatch.setattr(Centre, "_answer", real)
    assert [o.split(":")[0] for o in centre.handle_many(group)] == ["duplicate", "applied"]
    assert centre.handle_many(group)[0] == "duplicate: not answered (re-answer limit)"  # the third: refused
    other = db.connect(world)
    sender = frames[1001][0]
    assert other.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'frame' AND to_number = ?",
                         (sender,)).fetchone()[0] == 3  # the answer and two repeats
