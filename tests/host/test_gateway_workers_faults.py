"""
Three gateway workers (threads, each its own connection) on one PostgreSQL database handle groups
of frames at once while their connections are cut, the disk "fills" at random and forged and
replayed frames arrive: no (key, nonce) is ever given to AES-CCM twice (the lifecycle test's
recorder), each authentic (device, seq) is applied exactly once, each loss report has one notice.
"""

import random
import sqlite3
import threading

import psycopg

from lib12333.errors import StorageError
from lib12333.host.gateway import db
from lib12333.host.gateway.centre import Centre
from lib12333.secure import frame as frame_mod
from tests.host import gateway_fleet as F
from tests.host.lifecycle_world import Recorder

KIOSKS = 10


def test_three_workers_with_cut_connections_and_full_disks_never_seal_a_nonce_twice(pg_server, monkeypatch):
    rec = Recorder(monkeypatch)
    url = pg_server.new_database()
    F.setup(url, KIOSKS)
    rnd = random.Random(16)
    authentic = F.frames(KIOSKS, per_kiosk=4, replay_share=0.3, seed=3)
    arrivals = list(authentic)
    for sender, data in rnd.sample(authentic, 12):  # forged: a kiosk's header, a tag that does not verify
        forged = bytearray(data)
        forged[-1] ^= 1
        arrivals.append((sender, bytes(forged)))
    rnd.shuffle(arrivals)
    groups = []
    while arrivals:
        size = rnd.randint(1, 5)
        groups.append([(s, d, F.NOW) for s, d in arrivals[:size]])
        arrivals = arrivals[size:]
    real_answer = Centre._answer
    faults = random.Random(7)
    lock = threading.Lock()

    def sometimes_full(self, *a):
        with lock:
            full = faults.random() < 0.08
        if full:
            raise sqlite3.OperationalError("database or disk is full")
        return real_answer(self, *a)

    monkeypatch.setattr(Centre, "_answer", sometimes_full)
    workers = []
    for name in ("w1", "w2", "w3"):
        centre = Centre(db.connect(url), F.UNIT, centre_code="330100")
        centre.worker = name
        workers.append(centre)
    todo = list(groups)
    failures = []
    stop = threading.Event()

    errors = []

    def run(centre):
        try:
            work(centre)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(repr(exc))

    def work(centre):
        while True:
            with lock:
                if not todo:
                    return
                group = todo.pop(0)
            try:
                centre.handle_many(group)
            except StorageError:
                with lock:
                    failures.append(1)
                    todo.append(group)  # nothing deleted from the modem: handled again

    def cut():
        r = random.Random(5)
        while not stop.wait(0.05):
            victim = r.choice(workers).conn
            try:
                pid = victim._conn.info.backend_pid
                with psycopg.connect(pg_server.url(), autocommit=True) as admin_conn:
                    admin_conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
            except (AttributeError, psycopg.Error):
                continue  # between connections

    cutter = threading.Thread(target=cut)
    cutter.start()
    threads = [threading.Thread(target=run, args=(c,)) for c in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    stop.set()
    cutter.join()
    assert errors == []
    assert not any(t.is_alive() for t in threads) and not todo
    assert failures  # the faults happened
    twice = [(n[1], int.from_bytes(n[2:6], "big"), int.from_bytes(n[6:10], "big")) for _k, n in rec.repeated()]
    assert twice == [], twice
    check = db.connect(url)
    applied = check.execute("SELECT device_id, seq FROM applied ORDER BY device_id, seq").fetchall()
    expected = sorted({(frame_mod.peek(d).device_id, frame_mod.peek(d).seq) for _s, d in authentic})
    assert applied == expected
    assert check.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'notice'").fetchone()[0] == KIOSKS
    assert check.execute("SELECT COUNT(*) FROM card_events").fetchone()[0] >= KIOSKS
