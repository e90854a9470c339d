"""
Power-cut harness for the kiosk outbox: cut the journal writes at every byte and
operation of a scripted session (and at random points over many runs), reboot,
finish the session and drain the queue through a simulated centre that
deduplicates by (device, seq).  Checks: no accepted request lost, none applied
twice, no sequence number used for two different frames.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.host.cipher import OpenSSLAES128
from lib12333.host.testing.powercut import Power, PowerCutStore, PowerLost
from lib12333.journal import Journal
from lib12333.outbox import FAILED, Outbox
from lib12333.secure import frame as F
from lib12333.secure import messages as M
from tests.hypothesis_profiles import examples

KEY = bytes(range(32, 48))
DEVICE = 0x05710007


CIPHER = OpenSSLAES128(KEY)  # the crypto is tested elsewhere; here it only has to be quick


class Centre:
    """Applies each (device, seq) once, answers duplicates again, and spots nonce reuse."""

    def __init__(self):
        self.by_seq = {}
        self.applied = []
        self.violations = []

    def receive(self, raw):
        f = F.open(CIPHER, raw, F.UP)
        prev = self.by_seq.get(f.seq)
        if prev is not None:
            if prev != raw:
                self.violations.append(("seq reused for a different frame", f.seq))
            return f.seq
        self.by_seq[f.seq] = raw
        if f.msg_type == M.REQUEST:
            self.applied.append(M.decode(M.REQUEST, f.payload)["text"])
        return f.seq


def _request(rid):
    return M.encode(M.REQUEST, {"kind": M.COMPLAINT, "category": "1101", "phone": "13900000000", "text": rid})


# One kiosk session: accepts, lossy sends, acks, a status query, a planned reboot.
# ("poll", t, pattern): pattern[i] says whether the i-th frame sent reaches the centre
# and whether its ack comes back ("ok", "lost", "noack").
SCRIPT = [
    ("accept", "R1", 10),
    ("accept", "R2", 11),
    ("poll", 12, ("ok", "lost")),
    ("query", 13),
    ("accept", "R3", 14),
    ("poll", 80, ("noack", "ok")),
    ("reboot", 90),
    ("accept", "R4", 95),
    ("poll", 200, ("ok", "ok", "lost")),
    ("accept", "R5", 210),
    ("poll", 400, ("ok", "ok")),
]


class World:
    def __init__(self, mode, cuts):
        self.mode = mode
        self.cuts = list(cuts)  # successive budgets; one per boot, None = no more cuts
        self.power = Power(self.cuts.pop(0) if self.cuts else None, mode)
        self.a = PowerCutStore(self.power)
        self.b = PowerCutStore(self.power)
        self.centre = Centre()
        self.accepted = []
        self.interrupted = []
        self.produced = {}
        self.ob = None
        self.now = 0
        self.boots = 0

    def _outbox(self):
        return Outbox(Journal(self.a, self.b), CIPHER, DEVICE, reserve_block=2, max_attempts=40, base_delay=5,
                      max_delay=40, compact_at=250)

    def _note(self, raw):
        f = F.peek(raw)
        prev = self.produced.get(f.seq)
        if prev is not None and prev != raw:
            self.centre.violations.append(("kiosk produced two frames with one seq", f.seq))
        self.produced[f.seq] = raw

    def reboot(self):
        self.boots += 1
        budget = self.cuts.pop(0) if self.cuts else None
        self.power = Power(budget, self.mode)
        self.a = self.a.reboot(self.power)
        self.b = self.b.reboot(self.power)
        self.ob = None

    def boot(self):
        """Open the outbox; a cut during recovery reboots again."""
        while True:
            try:
                ob = self._outbox()
                ob.open(self.now)
                self.ob = ob
                return
            except PowerLost:
                self.reboot()

    def _deliver(self, events, pattern):
        for i, ev in enumerate(events):
            if ev[0] == FAILED:
                raise AssertionError("request failed during the session")
            self._note(ev[2])
            fate = pattern[i] if i < len(pattern) else "ok"
            if fate == "lost":
                continue
            seq = self.centre.receive(ev[2])
            if fate == "ok":
                self.ob.ack(seq)

    def step(self, s):
        kind = s[0]
        if kind == "accept":
            self.now = max(self.now, s[2])
            try:
                self.ob.accept(M.REQUEST, _request(s[1]), self.now)
            except PowerLost:
                self.interrupted.append(s[1])
                raise
            self.accepted.append(s[1])
        elif kind == "poll":
            self.now = max(self.now, s[1])
            self._deliver(self.ob.poll(self.now), s[2])
        elif kind == "query":
            self.now = max(self.now, s[1])
            seq, raw = self.ob.seal_volatile(M.STATUS_QUERY, M.encode(M.STATUS_QUERY, {"ref_device": DEVICE, "ref_seq": 1}), self.now)
            self._note(raw)
            self.centre.receive(raw)
        elif kind == "reboot":
            self.now = max(self.now, s[1])
            self.ob = None
            self.boot()

    def run(self, script):
        self.boot()
        for s in script:
            try:
                self.step(s)
            except PowerLost:
                self.reboot()
                self.boot()
        # Drain: a reliable network until nothing is pending.
        for _ in range(200):
            try:
                if not self.ob.pending():
                    break
                self.now = max(self.now + 1, self.ob.next_due())
                self._deliver(self.ob.poll(self.now), ())
            except PowerLost:
                self.reboot()
                self.boot()
        return self

    def check(self):
        c = self.centre
        assert c.violations == []
        assert self.ob.pending() == [] and self.ob.failures() == []
        for rid in self.accepted:
            assert c.applied.count(rid) == 1, (rid, c.applied)
        for rid in c.applied:
            assert c.applied.count(rid) == 1, (rid, c.applied)
            assert rid in self.accepted or rid in self.interrupted, rid


def test_uncut_session_is_clean():
    w = World("prefix", []).run(SCRIPT)
    w.check()
    assert w.accepted == ["R1", "R2", "R3", "R4", "R5"]
    assert sorted(w.centre.applied) == ["R1", "R2", "R3", "R4", "R5"]
    assert w.ob.journal.generation >= 3  # the session compacts more than once


def _first_boot_cost(mode):
    """Units the session spends before its planned reboot clears the power budget."""
    w = World(mode, [10**9])
    w.run(SCRIPT)
    return w.power.used


@pytest.mark.parametrize("mode", ["prefix", "unsynced"])
def test_cut_at_every_position(mode):
    total = _first_boot_cost(mode)
    assert total > 500
    lost_accepts = 0
    for cut in range(total + 1):
        w = World(mode, [cut]).run(SCRIPT)
        w.check()
        lost_accepts += len(w.interrupted)
    # Some cuts land inside accept(); those requests were never promised to the citizen.
    assert lost_accepts > 0


@pytest.mark.parametrize("mode", ["prefix", "unsynced"])
def test_cut_at_every_position_after_the_planned_reboot(mode):
    """Second boot: the power cut comes after one clean reboot (covers recovery of a compacted slot)."""
    w0 = World(mode, [10**9])
    w0.run(SCRIPT)
    second = w0.power.used
    for cut in range(0, second + 1, 3):
        World(mode, [10**9, cut]).run(SCRIPT).check()


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(["prefix", "unsynced"]),
    cuts=st.lists(st.integers(0, 1500), min_size=1, max_size=4),
    fates=st.lists(st.sampled_from(["ok", "lost", "noack"]), min_size=12, max_size=12),
)
def test_random_cuts_and_losses(mode, cuts, fates):
    script = []
    k = 0
    for s in SCRIPT:
        if s[0] == "poll":
            script.append(("poll", s[1], tuple(fates[k : k + 3])))
            k += 3
        else:
            script.append(s)
    World(mode, cuts).run(script).check()
