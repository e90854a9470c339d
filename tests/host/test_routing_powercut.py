"""
The outbox keeps each request's destination number across power cuts (issue 8).

The kiosk picks the centre number per request (firmware/routing_choice.py); the
outbox stores it in the same journal record as the request (ACCEPT_TO, 0x17), so a
request resent after a reboot goes to the SAME number, even if the rules, the
centre table or the clock changed meanwhile.  This reuses the power-cut harness of
tests/host/test_powercut.py: cut at every write position, reboot, drain, and check
that every send of every request went to the number it was accepted for.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.errors import StorageError, ValidationError
from lib12333.journal import Journal
from lib12333.outbox import R_ACCEPT, R_ACCEPT_TO, Outbox
from lib12333.secure import frame as F
from lib12333.secure import messages as M
from lib12333.storage import MemoryStore
from tests.host import test_powercut as P
from tests.hypothesis_profiles import examples

# R3 goes nowhere special: accepted without a destination (the kiosk's default number).
DESTINATIONS = {"R1": "1065733012333", "R2": "1065732012333", "R3": None, "R4": "+8610657330", "R5": "1065732012333"}


class RoutedWorld(P.World):
    def __init__(self, mode, cuts):
        super().__init__(mode, cuts)
        self.sent_to = []  # (request id, destination the outbox gave for the send)

    def step(self, s):
        if s[0] != "accept":
            return super().step(s)
        self.now = max(self.now, s[2])
        try:
            self.ob.accept(M.REQUEST, P._request(s[1]), self.now, destination=DESTINATIONS[s[1]])
        except P.PowerLost:
            self.interrupted.append(s[1])
            raise
        self.accepted.append(s[1])

    def _deliver(self, events, pattern):
        for ev in events:
            if ev[0] == "send":
                f = F.open(P.CIPHER, ev[2], F.UP)
                rid = M.decode(M.REQUEST, f.payload)["text"]
                self.sent_to.append((rid, self.ob.destination(ev[1])))
        super()._deliver(events, pattern)

    def check(self):
        super().check()
        assert self.sent_to, "nothing was sent"
        for rid, dest in self.sent_to:
            assert dest == DESTINATIONS[rid], (rid, dest)


def test_uncut_session_sends_every_request_to_its_number():
    w = RoutedWorld("prefix", []).run(P.SCRIPT)
    w.check()
    assert {rid for rid, _ in w.sent_to} == {"R1", "R2", "R3", "R4", "R5"}
    assert w.ob.journal.generation >= 3  # destinations survive compaction too


@pytest.mark.parametrize("mode", ["prefix", "unsynced"])
def test_cut_at_every_position_keeps_destinations(mode):
    w0 = RoutedWorld(mode, [10**9])
    w0.run(P.SCRIPT)
    total = w0.power.used
    assert total > 500
    for cut in range(0, total + 1, 2):
        RoutedWorld(mode, [cut]).run(P.SCRIPT).check()


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mode=st.sampled_from(["prefix", "unsynced"]), cuts=st.lists(st.integers(0, 1500), min_size=1, max_size=4))
def test_random_cuts_keep_destinations(mode, cuts):
    RoutedWorld(mode, cuts).run(P.SCRIPT).check()


def _outbox(a, b):
    return Outbox(Journal(a, b), P.CIPHER, P.DEVICE)


def test_old_journal_without_destinations_still_reads():
    a, b = MemoryStore(), MemoryStore()
    ob = _outbox(a, b)
    ob.open(0)
    seq = ob.accept(M.REQUEST, P._request("old"), 5)  # no destination: plain ACCEPT, as older firmware wrote
    types = [t for t, _ in Journal(a, b).open()]
    assert R_ACCEPT in types and R_ACCEPT_TO not in types
    again = _outbox(a, b)
    assert again.open(10) == [seq]
    assert again.destination(seq) is None
    assert [ev[0] for ev in again.poll(10)] == ["send"]


def test_destination_survives_failure_retry_and_compaction():
    a, b = MemoryStore(), MemoryStore()
    ob = Outbox(Journal(a, b), P.CIPHER, P.DEVICE, max_attempts=1, base_delay=1)
    ob.open(0)
    seq = ob.accept(M.REQUEST, P._request("x"), 1, destination="1065732012333")
    assert [e[0] for e in ob.poll(1)] == ["send"]
    assert [e[0] for e in ob.poll(5)] == ["failed"]
    ob.compact()
    ob2 = Outbox(Journal(a, b), P.CIPHER, P.DEVICE, max_attempts=1, base_delay=1)
    ob2.open(6)
    assert ob2.failures()[0][0] == seq and ob2.destination(seq) == "1065732012333"
    assert ob2.retry(seq, 7)
    ob3 = Outbox(Journal(a, b), P.CIPHER, P.DEVICE)
    assert ob3.open(8) == [seq]
    assert ob3.destination(seq) == "1065732012333"


def test_bad_destinations_refused_before_a_seq_is_spent():
    ob = _outbox(MemoryStore(), MemoryStore())
    ob.open(0)
    for bad in ("", "1" * 25, "0571-12333", 12333):
        with pytest.raises(ValidationError):
            ob.accept(M.REQUEST, P._request("x"), 1, destination=bad)
    assert ob.accept(M.REQUEST, P._request("x"), 1) == 1


def test_truncated_accept_to_record_is_a_storage_error():
    a, b = MemoryStore(), MemoryStore()
    j = Journal(a, b)
    j.open()
    j.append(R_ACCEPT_TO, bytes((0, 0, 0, 1, 4, 0, 0, 0, 1, 20)) + b"123")
    with pytest.raises(StorageError):
        _outbox(a, b).open(0)


@settings(max_examples=examples(300), deadline=None)
@given(body=st.binary(max_size=40))
def test_random_accept_to_bodies_raise_only_storage_errors(body):
    a, b = MemoryStore(), MemoryStore()
    j = Journal(a, b)
    j.open()
    j.append(R_ACCEPT_TO, body)
    ob = _outbox(a, b)
    try:
        pending = ob.open(0)
    except StorageError:
        return
    assert len(pending) == 1
    dest = ob.destination(pending[0])
    assert all(ch in "+0123456789" for ch in dest)


def test_accept_to_with_a_non_number_destination_is_a_storage_error():
    a, b = MemoryStore(), MemoryStore()
    j = Journal(a, b)
    j.open()
    j.append(R_ACCEPT_TO, bytes((0, 0, 0, 1, 4, 0, 0, 0, 1, 2)) + b"\xff1" + b"frame")
    with pytest.raises(StorageError):
        _outbox(a, b).open(0)
