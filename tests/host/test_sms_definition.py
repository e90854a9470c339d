"""The core SMS codec against the declarative octet layout in protocols/sms/definition.py."""

import json
import os

from construct import ConstructError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.errors import Lib12333Error
from lib12333.host.testing import sms as sms_st
from lib12333.sms import encode, pdu
from lib12333.sms.scts import Timestamp
from protocols.sms import definition as D
from tests.hypothesis_profiles import examples

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "protocols", "sms", "vectors.json"), encoding="utf-8") as f:
    VECTORS = json.load(f)

SET = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def agree(raw, m):
    """The construct parse of ``raw`` has the field values the core decoded into ``m``."""
    r = D.PDU.parse(raw)
    assert (r.smsc.toa if r.smsc.length else None) == m.smsc_toa
    t = r.tpdu
    assert m.tpdu_length == len(raw) - 1 - r.smsc.length
    assert t.first.sr == m.srr
    if m.type == "SMS-DELIVER":
        assert r.kind == D.MTI_DELIVER
        assert (t.oa.toa, t.pid, t.dcs, t.udl) == (m.toa, m.pid, m.dcs, m.udl)
        assert t.first.bit2 != m.more_messages
        assert t.first.rp == m.reply_path
    elif m.type == "SMS-SUBMIT":
        assert r.kind == D.MTI_SUBMIT
        assert (t.mr, t.da.toa, t.pid, t.dcs, t.udl) == (m.mr, m.toa, m.pid, m.dcs, m.udl)
        assert t.first.bit2 == m.rd
        assert t.vp == (b"" if m.vp is None else m.vp.raw)
    else:
        assert r.kind == D.MTI_STATUS_REPORT
        assert (t.mr, t.ra.toa, t.st) == (m.mr, m.toa, m.status)
        assert t.scts == m.scts.to_bytes() or m.scts.tz_minutes == 0
        assert t.pid == m.pid and t.udl == m.udl
    if t.get("ud") is not None and m.encoding == "8bit" and not t.first.udhi:
        assert t.ud == m.data
    if m.encoding is not None:
        assert D.alphabet(m.dcs if m.dcs is not None else 0) == m.encoding
    assert bool(t.first.udhi) == bool(m.udh) or (t.first.udhi and m.udh == [])


def test_every_published_vector_parses_the_same():
    for d in VECTORS["decode"]:
        raw = bytes.fromhex(d["hex"])
        agree(raw, pdu.decode(raw))


def test_published_submit_encodings_parse_to_the_end():
    for d in VECTORS["encode_submit"]:
        for h in d["pdus"]:
            r = D.PDU.parse(bytes.fromhex(h))
            assert r.kind == D.MTI_SUBMIT


def test_dcs_alphabet_matches_core():
    for dcs in range(256):
        assert D.alphabet(dcs) == pdu.parse_dcs(dcs)[1], hex(dcs)
        assert D.compressed(dcs) == pdu.parse_dcs(dcs)[3], hex(dcs)


@SET
@given(st.one_of(sms_st.submit_pdus(), sms_st.deliver_pdus()))
def test_core_encodings_parse_the_same(raw):
    agree(raw, pdu.decode(raw))


@SET
@given(sms_st.numbers(), st.integers(0, 255), sms_st.timestamps(), sms_st.timestamps(), st.integers(0, 255), st.booleans())
def test_core_status_reports_parse_the_same(number, mr, scts, dt, status, srq):
    part = encode.encode_status_report(number, mr, scts, dt, status, smsc="+8613800571500", srq=srq)
    agree(part.pdu, pdu.decode(part.pdu))


@SET
@given(
    st.text("0123456789", min_size=1, max_size=20),
    st.sampled_from([0x81, 0x91, 0xA1]),
    st.integers(0, 255),
    st.sampled_from([0x04, 0xF4, 0xF5, 0x14, 0x15]),
    sms_st.timestamps(),
    st.binary(max_size=140),
    st.booleans(),
    st.booleans(),
)
def test_definition_builds_what_the_core_reads(digits, toa, pid, dcs, ts, data, mms, rp):
    semis = len(digits)
    padded = digits + ("F" if semis % 2 else "")
    value = bytes(int(padded[i + 1] + padded[i], 16) for i in range(0, len(padded), 2))
    raw = D.PDU.build(
        dict(
            smsc=dict(length=0, toa=None, digits=b""),
            mti=0,
            kind=0,
            tpdu=dict(
                first=dict(rp=rp, udhi=False, sr=False, vpf=0, bit2=mms, mti=0),
                oa=dict(semi_octets=semis, toa=toa, value=value),
                pid=pid,
                dcs=dcs,
                scts=ts.to_bytes(),
                udl=len(data),
                ud=data,
            ),
        )
    )
    m = pdu.decode(raw)
    assert m.number == ("+" + digits if toa == 0x91 else digits)
    assert (m.pid, m.dcs, m.data, m.more_messages, m.reply_path) == (pid, dcs, data, not mms, rp)
    assert m.scts.isoformat() == Timestamp.from_bytes(ts.to_bytes()).isoformat()
    agree(raw, m)


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(sms_st.submit_pdus(), sms_st.deliver_pdus(), st.sampled_from([bytes.fromhex(d["hex"]) for d in VECTORS["decode"]])),
       st.lists(st.tuples(st.integers(0, 199), st.integers(0, 255)), max_size=3), st.integers(0, 2))
def test_whatever_the_core_accepts_parses_here(raw, flips, cut):
    b = bytearray(raw)
    for pos, val in flips:
        b[pos % len(b)] = val
    if cut:
        b = b[: len(b) - cut]
    try:
        m = pdu.decode(bytes(b))
    except Lib12333Error:
        return
    try:
        agree(bytes(b), m)
    except ConstructError as exc:  # pragma: no cover - would be a real disagreement
        raise AssertionError("core accepted, definition refused: %s" % exc) from exc
