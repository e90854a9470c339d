"""The core card codecs against the normative construct definitions in protocols/card/definition.py."""

import json
import os

from construct import ConstructError
from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333.card import apdu, ccid, tlv
from lib12333.errors import DecodeError
from lib12333.host.testing import card as S
from protocols.card import definition as D
from tests.hypothesis_profiles import examples

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "protocols", "card", "vectors.json"), encoding="utf-8") as f:
    VECTORS = json.load(f)
SETTINGS = settings(max_examples=examples(300), deadline=None)


def core_frame(raw):
    dec = ccid.SerialDecoder(accept_events=False)
    try:
        events = dec.feed(raw)
    except DecodeError:
        return None
    if len(events) == 1 and dec.pending() == 0:
        return ccid.parse_message(events[0][1])
    return None


def spec_frame(raw):
    try:
        return D.SERIAL_FRAME.parse(raw)
    except ConstructError:
        return None


def check_frame(raw):
    core, spec = core_frame(raw), spec_frame(raw)
    assert (core is None) == (spec is None), raw.hex()
    if core is not None:
        assert (core.type, core.slot, core.seq, core.data) == (spec.bMessageType, spec.bSlot, spec.bSeq, spec.abData)
        assert bytes((core.b7, core.b8, core.b9)) == spec.specific


def test_vectors_frames():
    for v in VECTORS["ccid_serial"]:
        raw = bytes.fromhex(v["hex"])
        if "message" in v:
            check_frame(raw)
            assert spec_frame(raw).abData == core_frame(raw).data
        elif raw == ccid.NAK_FRAME:
            D.NAK_FRAME.parse(raw)
        else:
            assert D.SLOT_CHANGE.parse(raw).bmSlotIccState == raw[1]


@SETTINGS
@given(S.ccid_messages())
def test_frames_build_identically(msg):
    wire = ccid.frame(msg)
    spec = spec_frame(wire)
    assert spec is not None
    assert D.CCID_MESSAGE.build(dict(bMessageType=spec.bMessageType, dwLength=spec.dwLength, bSlot=spec.bSlot,
                                     bSeq=spec.bSeq, specific=spec.specific, abData=spec.abData)) == msg
    check_frame(wire)


@SETTINGS
@given(S.ccid_messages().flatmap(lambda m: S.mutated(ccid.frame(m))))
def test_frames_mutated_agree(raw):
    check_frame(raw)


@SETTINGS
@given(st.binary(max_size=40).map(lambda b: b"\x03\x06" + b))
def test_frames_random_agree(raw):
    check_frame(raw)


def core_record(raw):
    try:
        items = tlv.parse_simple(raw)
    except DecodeError:
        return None
    return items[0] if len(items) == 1 else None


def spec_record(raw):
    try:
        r = D.SSSE_RECORD.parse(raw)
    except ConstructError:
        return None
    return (r.object.tag, r.object.value)


@SETTINGS
@given(st.integers(1, 0xFE), st.binary(max_size=300))
def test_records_agree_on_valid(tag, value):
    raw = tlv.build_simple(tag, value)
    assert core_record(raw) == spec_record(raw) == (tag, value)


@SETTINGS
@given(st.tuples(st.integers(1, 0xFE), st.binary(max_size=40)).flatmap(
    lambda tv: S.mutated(tlv.build_simple(tv[0], tv[1]) + b"\x00\x00")))
def test_records_agree_on_mutants(raw):
    assert core_record(raw) == spec_record(raw)


def core_command(raw):
    try:
        c = apdu.parse_command(raw)
    except DecodeError:
        return None
    return (c.cla, c.ins, c.p1, c.p2, c.data, None if c.le is None else c.le & 0xFF)


def spec_command(raw):
    try:
        c = D.COMMAND_APDU.parse(raw)
    except ConstructError:
        return None
    return (c.cla, c.ins, c.p1, c.p2, c.body.get("data", b""), c.body.get("le"))


def test_command_vectors():
    for v in VECTORS["commands"]:
        raw = bytes.fromhex(v["hex"])
        assert core_command(raw) == spec_command(raw) is not None


@SETTINGS
@given(st.binary(min_size=0, max_size=12) | S.command_apdus().flatmap(lambda c: S.mutated(c[0])))
def test_commands_agree(raw):
    assert core_command(raw) == spec_command(raw)
