"""The request store on SQLite and PostgreSQL: transactions, exactly-once transitions, power cuts (a killed
process), several workers at once."""

import os
import sqlite3
import subprocess
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import citizen_requests as R
from lib12333.errors import StateError, StorageError
from lib12333.host.requests_store import RequestStore
from tests.hypothesis_profiles import examples

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HZ, NB = "330100", "330200"
DAY = (2013, 3, 1)


@pytest.fixture
def db(gateway_db):
    return gateway_db()


@pytest.fixture
def sqlite_db(tmp_path):
    return str(tmp_path / "centre.db")


def test_create_allocates_sequences_per_device_and_day(db):
    with RequestStore(db) as s:
        a = s.create("complaint", HZ, "K01", DAY, 100, "拖欠工资")
        b = s.create("consultation", HZ, "K01", DAY, 101, "社保转移")
        c = s.create("report", HZ, "K02", DAY, 102, "违法用工")
        d = s.create("complaint", HZ, "K01", (2013, 3, 2), 103, "拖欠工资")
        assert [R.parse_ref(r.ref)["seq"] for r in (a, b, c, d)] == [1, 2, 1, 1]
        assert len({a.ref, b.ref, c.ref, d.ref}) == 4


def test_create_is_idempotent(db):
    with RequestStore(db) as s:
        a = s.create("complaint", HZ, "K01", DAY, 100, "拖欠工资", contact="13912345678", idem="kiosk-1")
        b = s.create("complaint", HZ, "K01", DAY, 105, "拖欠工资", contact="13912345678", idem="kiosk-1")
        assert a.ref == b.ref
        assert len(s.list()) == 1


def test_lifecycle_persists_across_reopen(db):
    with RequestStore(db) as s:
        ref = s.create("complaint", HZ, "K01", DAY, 100, "拖欠工资").ref
        s.apply(ref, "start", HZ, 110, "t1")
        s.apply(ref, "transfer", HZ, 120, "t2", target=NB)
    with RequestStore(db) as s:
        r = s.get(ref)
        assert (r.state, r.owner, r.pending_owner) == (R.TRANSFERRING, HZ, NB)
        assert [e.action for e in r.history] == ["start", "transfer"]
        s.apply(ref, "accept_transfer", NB, 130, "t3")
        s.apply(ref, "start", NB, 140, "t4")
        s.apply(ref, "complete", NB, 150, "t5", note="已补发工资")
        assert [x.ref for x in s.list(owner=NB, state=R.DONE)] == [ref]
        assert s.list(owner=HZ) == []
        assert s.integrity() == []


def test_retry_applies_once_and_illegal_steps_change_nothing(db):
    with RequestStore(db) as s:
        ref = s.create("complaint", HZ, "K01", DAY, 100, "x").ref
        e1 = s.apply(ref, "start", HZ, 110, "same")
        e2 = s.apply(ref, "start", HZ, 111, "same")
        assert (e1.seq, e2.seq, e2.at) == (1, 1, 110)
        with pytest.raises(StateError):
            s.apply(ref, "accept_transfer", NB, 120, "other")
        with pytest.raises(StateError):
            s.apply(ref, "complete", NB, 120, "other", note="x")
        r = s.get(ref)
        assert len(r.history) == 1 and r.state == R.IN_PROGRESS
        with pytest.raises(StorageError):
            s.get("T330100K0113030100077")
        with pytest.raises(StorageError):
            s.apply("nope", "start", HZ, 1, "x")


def test_concurrent_retries_from_two_connections(db):
    with RequestStore(db) as s:
        ref = s.create("complaint", HZ, "K01", DAY, 100, "x").ref
    results = []

    def worker(n):
        with RequestStore(db) as s:
            for i in range(20):
                results.append(s.apply(ref, "start", HZ, 110 + i, "one-key").seq)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) == {1} and len(results) == 80
    with RequestStore(db) as s:
        assert len(s.get(ref).history) == 1


def test_workers_creating_at_once_get_consecutive_numbers_and_one_request_per_key(db):
    """Four workers file requests for one kiosk and day at the same moment, each also retrying the same
    kiosk request: the reference numbers are 1..N with none twice, and a key makes one request."""
    RequestStore(db).close()
    refs, same = [], []

    def worker(n):
        with RequestStore(db) as s:
            for i in range(8):
                refs.append(s.create("complaint", HZ, "K01", DAY, 100 + i, "w%d-%d" % (n, i)).ref)
                same.append(s.create("complaint", HZ, "K01", DAY, 100, "x", idem="kiosk-K01-%d" % i).ref)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(refs) == 32 and len(same) == 32
    with RequestStore(db) as s:
        assert len(s.list(limit=1000)) == 32 + 8
        assert sorted(R.parse_ref(r.ref)["seq"] for r in s.list(limit=1000)) == list(range(1, 41))
        assert len(set(same)) == 8
        assert s.integrity() == []


def test_a_postgresql_gateway_keeps_requests_in_its_own_database(pg_server):
    from lib12333.host.gateway import admin

    url = pg_server.new_database()
    assert admin.requests_path(url) == url
    with pytest.raises(StorageError, match="never used by a gateway"):
        RequestStore(url, create=False)
    with RequestStore(admin.requests_path(url)) as s:
        ref = s.create("complaint", HZ, "K01", DAY, 100, "拖欠工资", idem="kiosk-1").ref
    with RequestStore(url, create=False) as s:  # another worker, another connection
        assert s.get(ref).subject == "拖欠工资"


CHILD = r"""
import os, signal, sys
sys.path.insert(0, {root!r})
from lib12333.host.requests_store import RequestStore
def die():
    os.kill(os.getpid(), signal.SIGKILL)
s = RequestStore({db!r}, fault=die if {when!r} == "before-commit" else None)
e = s.apply({ref!r}, "start", "330100", 110, "power")
if {when!r} == "after-commit":
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("when", ["before-commit", "after-commit"])
def test_power_cut_leaves_old_or_new_state_and_retry_applies_once(db, when):
    with RequestStore(db) as s:
        ref = s.create("complaint", HZ, "K01", DAY, 100, "x").ref
    p = subprocess.run([sys.executable, "-c", CHILD.format(root=ROOT, db=db, ref=ref, when=when)], timeout=60)
    assert p.returncode == -9
    with RequestStore(db) as s:
        r = s.get(ref)
        assert r.state == (R.ACCEPTED if when == "before-commit" else R.IN_PROGRESS)
        assert len(r.history) == (0 if when == "before-commit" else 1)
        e = s.apply(ref, "start", HZ, 120, "power")  # the retry
        assert e.seq == 1
        assert len(s.get(ref).history) == 1
        assert s.integrity() == []


def test_corrupt_database_is_storage_error(tmp_path):
    p = tmp_path / "bad.db"
    p.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError):
        RequestStore(str(p))


def test_integrity_detects_tampering(sqlite_db):
    db = sqlite_db
    with RequestStore(db) as s:
        ref = s.create("complaint", HZ, "K01", DAY, 100, "x").ref
        s.apply(ref, "start", HZ, 110, "a")
    con = sqlite3.connect(db)
    con.execute("UPDATE requests SET state = 'done'")
    con.commit()
    con.close()
    with RequestStore(db) as s:
        assert s.integrity() == [ref + ": state done but last event leads to in_progress"]


STEPS = st.lists(st.tuples(st.sampled_from(R.ACTIONS), st.sampled_from((HZ, NB)), st.integers(0, 5)), max_size=12)


@settings(max_examples=examples(60), deadline=None)
@given(STEPS)
def test_store_matches_the_core_state_machine(tmp_path_factory, steps):
    """Any sequence of steps (with repeated keys) gives the same result in the store and in memory."""
    db = str(tmp_path_factory.mktemp("prop") / "c.db")
    with RequestStore(db) as s:
        req = s.create("complaint", HZ, "K01", DAY, 100, "x")
        mem = R.new_request("complaint", HZ, "K01", DAY, 1, 100, "x")
        t = 100
        for action, actor, key in steps:
            t += 1
            kw = dict(note="n", target=(NB if actor == HZ else HZ) if action == "transfer" else None)
            outcomes = []
            idem = "k%d" % key
            for apply in (s.apply, R.apply):
                target = req.ref if apply == s.apply else mem
                try:
                    outcomes.append(apply(target, action, actor, t, idem, **kw).seq)
                except StateError:
                    outcomes.append("refused")
            assert outcomes[0] == outcomes[1]
        got = s.get(req.ref)
        assert (got.state, got.owner, got.pending_owner) == (mem.state, mem.owner, mem.pending_owner)
        assert [e.to_dict() for e in got.history] == [e.to_dict() for e in mem.history]
        assert s.integrity() == []
