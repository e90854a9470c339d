"""Property tests and fuzzing for lib12333.card: only lib12333 errors escape, nothing hangs."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.card import apdu, ccid, readcardbas, ssse, tlv
from lib12333.card.gbk import GbkTable
from lib12333.compat import data_path
from lib12333.errors import DecodeError, Lib12333Error
from lib12333.host.card.emulator import EmulatedCard, InProcessReader, SoftwareAuthenticator
from lib12333.host.card.readers import read_card
from lib12333.host.testing import card as S
from tests.hypothesis_profiles import examples

SETTINGS = settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLE = GbkTable(open(data_path("gbk.bin"), "rb"))


# ---------------------------------------------------------------- round trips


@SETTINGS
@given(S.command_apdus())
def test_apdu_roundtrip(case):
    raw, (cla, ins, p1, p2, data, le) = case
    c = apdu.parse_command(raw)
    assert (c.cla, c.ins, c.p1, c.p2, c.data, c.le) == (cla, ins, p1, p2, data, le)
    assert c.to_bytes() == raw


@SETTINGS
@given(S.simple_tlv_records())
def test_simple_tlv_roundtrip(records):
    assert tlv.parse_simple(S.encode_simple(records)) == records


@SETTINGS
@given(S.serial_streams(), st.data())
def test_serial_stream_any_split(stream, data):
    wire, events = stream
    dec = ccid.SerialDecoder()
    got = []
    i = 0
    while i < len(wire):
        n = data.draw(st.integers(1, 40))
        got.extend(dec.feed(wire[i:i + n]))
        i += n
    assert got == events
    assert dec.pending() == 0


@SETTINGS
@given(st.text(alphabet=st.characters(codec="gbk", exclude_categories=("Cs",)), max_size=40))
def test_gbk_table_matches_cpython_codec(text):
    raw = text.encode("gbk")
    assert TABLE.decode(raw) == raw.decode("gbk")


@settings(max_examples=examples(60), deadline=None)
@given(S.card_profiles())
def test_emulated_card_reads_back(profile):
    info = read_card(InProcessReader(EmulatedCard(profile)), SoftwareAuthenticator(profile.rk_key))
    assert info.name == profile.name
    assert info.ssn == profile.ssn
    assert info.card_number == profile.card_number
    assert info.card_id == profile.card_id
    text = readcardbas.format_basic(info)
    assert readcardbas.parse_basic(text)["name"] == profile.name


# ---------------------------------------------------------------- only lib12333 errors


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_only_decode_errors(raw):
    for fn in (apdu.parse_command, apdu.split_response, tlv.parse_simple, tlv.parse_ber, ccid.parse_message,
               readcardbas.atr_historical, TABLE.decode):
        try:
            fn(raw)
        except DecodeError:
            pass
    try:
        ccid.SerialDecoder().feed(raw)
    except DecodeError:
        pass


@SETTINGS
@given(S.serial_streams().flatmap(lambda s: S.mutated(s[0] or b"\x03")))
def test_mutated_serial_streams(wire):
    dec = ccid.SerialDecoder()
    try:
        dec.feed(wire)
    except DecodeError as e:
        assert e.position is not None and 0 <= e.position < len(wire) + 1
    assert dec.pending() <= len(wire)


@SETTINGS
@given(S.simple_tlv_records(3).flatmap(lambda r: S.mutated(S.encode_simple(r))))
def test_mutated_tlv(raw):
    for fn in (tlv.parse_simple, tlv.parse_ber):
        try:
            fn(raw)
        except DecodeError as e:
            assert e.position is not None


@SETTINGS
@given(st.text(max_size=200))
def test_readcardbas_parse_total(text):
    try:
        d = readcardbas.parse_basic(text)
    except DecodeError:
        return
    assert len(d) == 11


class ChaosCard:
    """A card whose every answer is random bytes: the reader must end in a lib12333 error or a result."""

    def __init__(self, rng, good):
        self.rng = rng
        self.good = good
        self.calls = 0

    def transmit(self, command):
        self.calls += 1
        if self.calls > 200:
            raise AssertionError("read did not stop")
        answer = self.good.transmit(command)
        if self.rng.random() > 0.05:  # about one read in three meets a corrupted answer
            return answer
        roll = self.rng.random() * 0.4
        if roll < 0.15:
            return bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, 40)))
        if roll < 0.3 and answer:
            b = bytearray(answer)
            b[self.rng.randrange(len(b))] ^= 1 << self.rng.randrange(8)
            return bytes(b)
        if roll < 0.35:
            return bytes((0x61, self.rng.randint(0, 255)))
        return bytes((0x6C, self.rng.randint(0, 255)))


def test_fuzz_card_answers():
    """2,000 reads against a card that corrupts its answers; only lib12333 errors may escape."""
    rng = random.Random(12333)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(2000):
        card = EmulatedCard()
        card.load(card.profile)
        chaos = ChaosCard(rng, card)
        card.power_on()
        try:
            ssse.read_card(chaos.transmit, SoftwareAuthenticator(), TABLE)
            outcomes["ok"] += 1
        except Lib12333Error:
            outcomes["error"] += 1
    assert outcomes["ok"] > 500 and outcomes["error"] > 300, outcomes


def test_fuzz_ccid_host_against_random_reader():
    rng = random.Random(6)
    for _ in range(3000):
        host = ccid.CcidHost()
        host.power_on()
        wire = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 60)))
        if rng.random() < 0.5:
            wire = ccid.frame(ccid.data_block(0, 0, rng.randint(0, 255), rng.randint(0, 255), wire[:20])) + wire
        try:
            host.feed(wire)
        except Lib12333Error:
            pass
