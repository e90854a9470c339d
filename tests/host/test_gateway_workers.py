"""
Several gateway workers on one PostgreSQL database (issue 16): shared work claimed safely,
sealing numbers allocated by the database, exactly once under kill -9 and a server restart.
"""

import random

import pytest

from lib12333.host.gateway import admin, db
from lib12333.host.gateway.centre import Centre
from lib12333.secure import frame as frame_mod
from tests.host import gateway_fleet as F
from tests.host.test_gateway import CARD, KEY, NAME, NOW, SSN, UNIT, kiosk_frame


def test_two_workers_claim_different_outgoing_rows(pg_server):
    where = pg_server.new_database()  # several workers share a PostgreSQL database (SQLite: one process)
    conn = db.connect(where)
    admin.add_device(conn, 1001, KEY, region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    a, b = Centre(conn, UNIT, centre_code="330100"), Centre(db.connect(where), UNIT, centre_code="330100")
    a.worker, b.worker = "a", "b"
    for seq in range(1, 7):
        assert (a if seq % 2 else b).handle("+8613800571001", kiosk_frame(seq), NOW) == "applied"
    first = a.due(NOW, limit=5)
    second = b.due(NOW, limit=50)
    ids_a, ids_b = [r[0] for r in first], [r[0] for r in second]
    assert len(ids_a) == 5 and not set(ids_a) & set(ids_b)
    assert len(ids_a) + len(ids_b) == conn.execute("SELECT COUNT(*) FROM outgoing").fetchone()[0]
    assert [r[0] for r in a.due(NOW, limit=50)] == ids_a  # a worker keeps (and retries) its own rows
    # A dead worker's rows are taken over once its lease has run out.
    assert [r[0] for r in b.due(NOW + 10 ** 4, limit=50)] == sorted(ids_a + ids_b)


def test_the_database_allocates_sealing_numbers_to_each_worker(gateway_db):
    where = gateway_db("centre.db")
    conn = db.connect(where)
    admin.add_device(conn, 1001, KEY, region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    workers = [Centre(db.connect(where), UNIT, centre_code="330100") for _ in range(3)]
    for seq in range(1, 31):
        assert workers[seq % 3].handle("x", kiosk_frame(seq), NOW) == "applied"
    seqs = [frame_mod.peek(bytes(b)).seq for (b,) in conn.execute("SELECT body FROM outgoing WHERE kind = 'frame'")]
    assert len(seqs) == 30 and len(set(seqs)) == 30
    assert conn.execute("SELECT down_seq FROM devices").fetchone()[0] > max(seqs)


@pytest.mark.slow  # gateway processes killed and a PostgreSQL restart: ~18 s loaded
def test_three_workers_killed_at_random_and_a_server_restart_apply_each_frame_once(pg_server, tmp_path):
    url = pg_server.new_database()
    F.setup(url, kiosks=200)
    items = F.frames(200, per_kiosk=3, replay_share=0.15)
    rnd = random.Random(7)
    events = {"kills": 0, "restarted": False}

    def chaos(fleet, done):
        back = []
        if done > 60 and rnd.random() < 0.01 and events["kills"] < 8:
            back += fleet.kill(rnd.choice(sorted(fleet.procs)))
            fleet.start_worker()
            events["kills"] += 1
        if done > len(items) // 2 and not events["restarted"]:
            events["restarted"] = True
            pg_server.restart("immediate")  # every worker's connection is cut mid-work
        return back

    fleet = F.Fleet(url, str(tmp_path / "centre.requests"), 3)
    try:
        done = fleet.run(items, chaos)
    finally:
        fleet.stop()
    assert len(done) == len(items)
    assert events["kills"] >= 3 and events["restarted"]
    result = F.check(url, items)
    assert result["expected"] == 600 and result["applied"] == 600 and result["lost"] == 0, result
    assert result["duplicates"] == 0 and result["nonces_reused"] == 0, result
    assert result["notices"] == 200  # one notice per loss report, each to its own citizen
    assert fleet.outcomes["applied"] + fleet.outcomes["duplicate"] == len(items), fleet.outcomes
    assert any("PostgreSQL" in line for line in fleet.logs)  # the restart was seen, as a clear error
