"""Fuzzing and model tests for the journal, the outbox's recovery and the replay window."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333.errors import DecodeError, Lib12333Error, SecurityError, StorageError
from lib12333.host.testing.frame import mutations
from lib12333.journal import Journal, encode_record
from lib12333.outbox import Outbox
from lib12333.secure.aes import AES128
from lib12333.secure.replay import DUPLICATE, NEW, TOO_OLD, ReplayWindow
from lib12333.storage import MemoryStore
from tests.hypothesis_profiles import examples

FAST = settings(max_examples=examples(300), deadline=None)
CIPHER = AES128(bytes(16), backend="pure")


def _open(a, b):
    try:
        return Journal(MemoryStore(a), MemoryStore(b)).open()
    except StorageError:
        return None


@FAST
@given(a=st.binary(max_size=300), b=st.binary(max_size=300))
def test_random_stores_give_records_or_storage_error(a, b):
    recs = _open(a, b)
    assert recs is None or isinstance(recs, list)


def _journal_bytes(records):
    a, b = MemoryStore(), MemoryStore()
    j = Journal(a, b)
    j.open()
    for t, body in records:
        j.append(t, body)
    return bytes(a.data), bytes(b.data)


_records = st.lists(st.tuples(st.integers(0x10, 0xFF), st.binary(max_size=40)), max_size=8)


@FAST
@given(records=_records, data=st.data())
def test_mutated_journal_recovers_a_prefix(records, data):
    a, b = _journal_bytes(records)
    m = data.draw(mutations(a))
    got = _open(m, b)
    if got is not None:
        assert all(0x10 <= t <= 0xFF and isinstance(body, bytes) for t, body in got)
        if len(m) <= len(a) and m == a[: len(m)]:
            assert got == records[: len(got)]  # a torn tail only ever loses the end


@FAST
@given(records=_records)
def test_cut_journal_keeps_a_prefix(records):
    a, b = _journal_bytes(records)
    for cut in range(0, len(a) + 1, 5):
        got = _open(a[:cut], b)
        assert got is not None
        assert got == records[: len(got)]


@FAST
@given(records=st.lists(st.tuples(st.integers(0x10, 0x18), st.binary(max_size=30)), max_size=10))
def test_outbox_recovery_raises_only_lib12333_errors(records):
    a, b = _journal_bytes(records)
    ob = Outbox(Journal(MemoryStore(a), MemoryStore(b)), CIPHER, 7)
    try:
        ob.open(0)
    except Lib12333Error:
        return
    # A recovered outbox never hands out a number at or below any it may have used.
    used = [int.from_bytes(body[:4], "big") for t, body in records if t in (0x10, 0x11, 0x17) and len(body) >= 4]
    seq = ob.next_seq()
    assert all(seq > u for u in used)


@FAST
@given(data=st.binary(max_size=40))
def test_window_from_random_bytes(data):
    try:
        w = ReplayWindow.from_bytes(data)
    except DecodeError:
        return
    assert w.to_bytes() == data


@FAST
@given(size=st.sampled_from([8, 16, 64, 128]), seqs=st.lists(st.integers(1, 400), max_size=80), data=st.data())
def test_window_matches_a_reference_model(size, seqs, data):
    w = ReplayWindow(size)
    seen = set()
    highest = 0
    for s in seqs:
        if s > highest:
            expected = NEW
        elif s <= highest - size:
            expected = TOO_OLD
        else:
            expected = DUPLICATE if s in seen else NEW
        assert w.classify(s) == expected
        if expected == NEW:
            w.accept(s)
            seen.add(s)
            highest = max(highest, s)
        else:
            try:
                w.accept(s)
                raise AssertionError("replay accepted")
            except SecurityError:
                pass
        if data.draw(st.booleans()):
            w = ReplayWindow.from_bytes(w.to_bytes())
    assert w.highest == highest


def test_encode_record_round_trip_through_journal():
    a, b = _journal_bytes([(0x20, b"x" * 1000)])
    assert _open(a, b) == [(0x20, b"x" * 1000)]
    assert len(encode_record(0x20, b"")) == 7
