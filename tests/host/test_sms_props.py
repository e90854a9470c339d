"""Property, differential and fuzz tests for lib12333.sms.

Differential peers (where they are right; where they are wrong is listed in
protocols/sms/README.md, "Peers"):
  - python-gammu 3.5.1 (libGammu 1.45.1)
  - python-gsmmodem-new 0.13.0 (``gsmmodem.pdu``)
  - smspdudecoder 2.2.0 (needs bitstring < 5)
A peer that cannot be imported skips its tests with the reason.
"""

import importlib
import json
import random
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lib12333.errors import Lib12333Error
from lib12333.host.testing import sms as sms_st
from lib12333.sms import address, encode, gsm7, pdu, scts, split, ucs2
from lib12333.sms.reassembly import Reassembler
from lib12333.sms.scts import Timestamp
from tests.hypothesis_profiles import examples


def _peer(module, what):
    """``(module, "")``, or ``(None, why it is missing)`` for a peer that cannot be imported."""
    try:
        return importlib.import_module(module), ""
    except ImportError as exc:  # pragma: no cover
        return None, "%s not importable: %s" % (what, exc)


gammu, GAMMU_WHY = _peer("gammu", "python-gammu")
gsmmodem_pdu, GSMMODEM_WHY = _peer("gsmmodem.pdu", "python-gsmmodem-new")
_spd, SPD_WHY = _peer("smspdudecoder.easy", "smspdudecoder (bitstring 5 breaks it: pin bitstring<5)")
read_incoming_sms = _spd.read_incoming_sms if _spd is not None else None

with open("protocols/sms/vectors.json", encoding="utf-8") as _f:
    VECTORS = json.load(_f)

FAST = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
PEER = settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
TS = Timestamp(2026, 11, 29, 11, 5, 0, 480)


def texts():
    return st.one_of(sms_st.gsm7_texts(max_size=500), sms_st.chinese_texts(max_size=300), sms_st.unicode_texts(max_size=200))


# --- round trips --------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=200).map(lambda b: bytes(x & 0x7F for x in b)), st.integers(0, 6))
def test_septet_packing_round_trip(septets, fill):
    packed = gsm7.pack(septets, fill)
    assert len(packed) == gsm7.packed_length(len(septets), fill)
    assert gsm7.unpack(packed, len(septets), fill) == septets


@FAST
@given(sms_st.unicode_texts(max_size=100))
def test_ucs2_hand_codec_equals_cpython_codec(text):
    raw = text.encode("utf-16-be")
    assert ucs2.encode_slow(text) == raw
    assert ucs2.decode_slow(raw) == text
    assert ucs2.units(text) == len(raw) // 2


@FAST
@given(st.binary(max_size=60))
def test_ucs2_decoders_agree_on_any_bytes(raw):
    if len(raw) % 2:
        with pytest.raises(Lib12333Error):
            ucs2.decode(raw)
        with pytest.raises(Lib12333Error):
            ucs2.decode_slow(raw)
    else:
        assert ucs2.decode(raw) == ucs2.decode_slow(raw)
        ucs2.decode(raw).encode("utf-8")  # never a lone surrogate


@FAST
@given(texts(), sms_st.numbers(), st.integers(0, 65535), st.booleans())
def test_submit_split_decode_round_trip(text, number, ref, ref16):
    if not ref16:
        ref &= 0xFF
    parts = encode.encode_submit(number, text, ref=ref, ref16=ref16, smsc="+8613800571500")
    plan = split.plan(text, ref16=ref16)
    assert len(parts) == plan.count
    out = []
    for p in parts:
        assert p.tpdu_length == len(p.pdu) - 9
        assert p.tpdu_length <= 164
        m = pdu.decode(p.pdu)
        assert m.number == number
        assert m.text == p.text
        if len(parts) > 1:
            assert (m.concat.ref, m.concat.total, m.concat.seq) == (ref, len(parts), p.seq)
        out.append(m.text)
    assert "".join(out) == text
    # no part ends inside an escape sequence or a surrogate pair: each part re-encodes alone
    for t in out:
        if plan.encoding == "gsm7":
            gsm7.encode(t)
        else:
            ucs2.encode_slow(t)


@FAST
@given(texts(), st.integers(0, 255), st.randoms(use_true_random=False))
def test_reassembly_any_order_with_duplicates(text, ref, rnd):
    msgs = [pdu.decode(p.pdu) for p in encode.encode_deliver("+8613800571500", TS, text, ref=ref)]
    feed = msgs + [rnd.choice(msgs) for _ in range(2)]
    rnd.shuffle(feed)
    r = Reassembler()
    done = [x for x in (r.add(m, i) for i, m in enumerate(feed)) if x is not None]
    assert len(done) >= 1
    assert done[0].text == text
    assert r.pending_bytes >= 0


@FAST
@given(sms_st.timestamps())
def test_timestamp_round_trip(ts):
    back = Timestamp.from_bytes(ts.to_bytes())
    assert back.isoformat() == ts.isoformat()


@FAST
@given(st.integers(0, 70 * 7 * 86400))
def test_relative_validity_rounds_up(seconds):
    v = scts.relative_octet(seconds)
    if v < 255:
        assert scts.relative_seconds(v) >= seconds
    if v > 0:
        assert scts.relative_seconds(v - 1) < seconds


# --- differential ---------------------------------------------------------------------------------


def _gammu_decode(raw):
    return gammu.DecodePDU(raw, SMSC=True)


@pytest.mark.skipif(gammu is None, reason=GAMMU_WHY)
@PEER
@given(st.one_of(sms_st.gsm7_texts(max_size=400, extension=False), sms_st.chinese_texts(max_size=250),
                 sms_st.unicode_texts(max_size=150, controls=False)),
       st.integers(0, 65535), st.booleans())
def test_gammu_decodes_our_submit_pdus_the_same(text, ref, ref16):
    if not ref16:
        ref &= 0xFF
    if split.choose_encoding(text) == "gsm7":
        # libGammu appends junk after 7-bit text with escape sequences (defect D7)
        assume(not any(c in gsm7.EXTENSION_CHARS for c in text))
    # python-gammu turns "~" + next character into "~~" and U+0001 into "~" in UCS2 text (defect D15)
    assume("~" not in text)
    parts = encode.encode_submit("+8613800571500", text, ref=ref, ref16=ref16, smsc="+8613800571500")
    joined = []
    for p in parts:
        g = _gammu_decode(p.pdu)
        assert g["Number"] == "+8613800571500"
        assert g["SMSC"]["Number"] == "+8613800571500"
        if len(parts) > 1:
            assert g["UDH"]["AllParts"] == len(parts)
            assert g["UDH"]["PartNumber"] == p.seq
            assert (g["UDH"]["ID16bit"] if ref16 else g["UDH"]["ID8bit"]) == ref
        joined.append(g["Text"])
    # gammu keeps UTF-16 halves per part; join first, then compare through a UTF-16 round trip
    got = "".join(joined).encode("utf-16-be", "surrogatepass").decode("utf-16-be")
    assert got == text


@pytest.mark.skipif(gammu is None, reason=GAMMU_WHY)
def test_gammu_links_our_four_part_chinese_message():
    text = "【杭州市人力资源社会保障电话咨询服务中心】您的社会保障卡挂失申请已受理😀。" * 6
    parts = encode.encode_deliver("+8613800571500", TS, text, ref=0x2A2A, ref16=True, smsc="+8613800571500")
    assert len(parts) == 4
    decoded = [[_gammu_decode(p.pdu)] for p in reversed(parts)]
    linked = gammu.LinkSMS(decoded)
    assert len(linked) == 1
    info = gammu.DecodeSMS(linked[0])
    assert "".join(e["Buffer"] for e in info["Entries"] if e["Buffer"]) == text


@pytest.mark.skipif(gammu is None, reason=GAMMU_WHY)
def test_published_vectors_against_gammu():
    """Our text equals gammu's on every published decode vector except its documented defect D7."""
    for d in VECTORS["decode"]:
        ours = pdu.decode_hex(d["hex"], d.get("smsc", True))
        if ours.text is None:
            continue
        g = _gammu_decode(pdu.from_hex(d["hex"]))
        assert g["Text"][: len(ours.text)] == ours.text, d["id"]


@pytest.mark.skipif(gsmmodem_pdu is None, reason=GSMMODEM_WHY)
@PEER
@given(st.one_of(sms_st.gsm7_texts(max_size=300), sms_st.chinese_texts(max_size=200)), sms_st.numbers(), st.integers(0, 255))
def test_gsmmodem_decodes_our_deliver_pdus_the_same(text, number, ref):
    # python-gsmmodem is right for 8-bit references and BMP text (not for D1/D2, see README)
    assume(all(ord(c) <= 0xFFFF for c in text))
    assume("\x0c" not in text)  # it has no form feed (ESC 0x0A) in its extension table (defect D12)
    assume("\u00a7" not in text)  # its table has "`" at 0x5F where TS 23.038 has "\u00a7" (defect D13)
    for p in encode.encode_deliver(number, TS, text, ref=ref, smsc="+8613800571500"):
        r = gsmmodem_pdu.decodeSmsPdu(p.hex)
        assert r["type"] == "SMS-DELIVER"
        assert r["number"] == number
        assert r["text"] == p.text
        assert r["time"].isoformat() == TS.isoformat()


@pytest.mark.skipif(gsmmodem_pdu is None, reason=GSMMODEM_WHY)
@PEER
@given(sms_st.chinese_texts(max_size=60).filter(lambda t: all(ord(c) <= 0xFFFF for c in t)),
       st.text("0123456789", min_size=5, max_size=15).map(lambda d: "+" + d))
def test_gsmmodem_builds_the_same_single_part_submit(text, number):
    assume(split.plan(text).count == 1)
    theirs = gsmmodem_pdu.encodeSmsSubmitPdu(number, text, reference=0, requestStatusReport=False)
    ours = encode.encode_submit(number, text)
    assert [bytes(p.data) for p in theirs] == [p.pdu for p in ours]
    assert [p.tpduLength for p in theirs] == [p.tpdu_length for p in ours]


@pytest.mark.skipif(read_incoming_sms is None, reason=SPD_WHY)
@PEER
@given(st.one_of(sms_st.gsm7_texts(max_size=300), sms_st.chinese_texts(max_size=200), sms_st.unicode_texts(max_size=100)),
       st.text("0123456789", min_size=3, max_size=15).map(lambda d: "+" + d), st.integers(0, 255))
def test_smspdudecoder_reads_our_deliver_pdus_the_same(text, number, ref):
    # numeric senders only: its alphanumeric decoding appends '@' (defect D6)
    for p in encode.encode_deliver(number, TS, text, ref=ref):
        r = read_incoming_sms(p.hex)
        assert r["sender"] == number
        if r["content"] != p.text:
            # it reads 7 spare bits at the end of 7-bit user data as a septet "@" (defect D14)
            m = pdu.decode(p.pdu)
            assert m.encoding == "gsm7" and (m.udl * 7) % 8 == 1
            assert r["content"] == p.text + "@"
        if p.total > 1:
            assert r["partial"]["parts_count"] == p.total
            assert r["partial"]["part_number"] == p.seq


# --- fuzz -----------------------------------------------------------------------------------------


def _decode_only_lib_errors(raw, smsc):
    for lenient in (False, True):
        t0 = time.perf_counter()
        try:
            m = pdu.decode(raw, smsc, lenient)
        except Lib12333Error:
            pass
        else:
            m.to_dict()
            if m.text is not None:
                m.text.encode("utf-8")
            for position, field, what in m.warnings:
                assert 0 <= position <= len(raw) and field and what
            if not lenient:
                assert m.warnings == ()
        assert time.perf_counter() - t0 < 0.5


@settings(max_examples=examples(400), deadline=None)
@given(st.binary(max_size=200), st.booleans())
def test_fuzz_random_bytes(raw, smsc):
    _decode_only_lib_errors(raw, smsc)


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(sms_st.submit_pdus(), sms_st.deliver_pdus(), st.sampled_from([pdu.from_hex(d["hex"]) for d in VECTORS["decode"]])),
       st.lists(st.tuples(st.integers(0, 199), st.integers(0, 255)), max_size=4), st.integers(0, 3), st.binary(max_size=3))
def test_fuzz_mutated_valid_pdus(raw, flips, cut, tail):
    b = bytearray(raw)
    for pos, val in flips:
        if b:
            b[pos % len(b)] = val
    if cut and len(b) > cut:
        b = b[: len(b) - cut]
    _decode_only_lib_errors(bytes(b) + tail, True)


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=40), st.text(max_size=300), st.one_of(st.none(), st.integers(-5, 70000)),
       st.one_of(st.none(), st.integers(-2, 5)), st.one_of(st.none(), st.sampled_from(["gsm7", "ucs2", "8bit", "x"])))
def test_fuzz_encode_arguments(number, text, ref, msg_class, encoding):
    try:
        encode.encode_submit(number, text, ref=ref, msg_class=msg_class, encoding=encoding)
    except Lib12333Error:
        pass


@settings(max_examples=examples(200), deadline=None)
@given(st.one_of(sms_st.submit_pdus(), sms_st.deliver_pdus()), st.integers(0, 140), st.booleans(), st.booleans())
def test_lenient_reads_modem_captures_like_the_clean_pdu(raw, pad, quote, extra):
    """SIM padding, a stray quote and extra octets change nothing but the warnings."""
    clean = pdu.decode(raw)
    capture = raw.hex().upper() + ("FF" * pad) + ("0102" if extra else "") + ('"' if quote else "")
    m = pdu.decode_hex(capture, lenient=True)
    assert (m.text, m.data, m.number, m.concat, m.tpdu_length) == (
        clean.text, clean.data, clean.number, clean.concat, clean.tpdu_length)
    assert len(m.warnings) == (1 if pad or extra else 0) + (1 if quote else 0)
    if pad or extra or quote:
        try:
            pdu.decode_hex(capture)
        except Lib12333Error:
            pass
        else:
            raise AssertionError("strict decoding accepted a capture with deviations")


@settings(max_examples=examples(200), deadline=None)
@given(st.text(alphabet="0123456789*#abcdefxyz+ ", min_size=1, max_size=22), st.sampled_from([0x81, 0x91, 0xA1, 0xD0]))
def test_encode_with_explicit_toa(number, toa):
    try:
        field = address.encode(number, toa)
    except Lib12333Error:
        numeric = (toa & 0x70) != 0x50
        digits = number[1:] if number.startswith("+") else number
        assert not numeric or any(c not in "0123456789*#abc" for c in digits) or not 1 <= len(digits) <= 20
        return
    value, got_toa, _end = address.decode(field, 0)
    assert got_toa == toa
    if (toa & 0x70) != 0x50:
        digits = number[1:] if number.startswith("+") else number
        assert value.lstrip("+") == digits


def test_fuzz_hex_inputs():
    rnd = random.Random(3)
    for _ in range(300):
        s = "".join(rnd.choice("0123456789ABCDEFxyz \n") for _ in range(rnd.randint(0, 80)))
        try:
            pdu.decode_hex(s)
        except Lib12333Error:
            pass
