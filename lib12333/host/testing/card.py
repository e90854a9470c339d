"""Hypothesis strategies for the social-security card (``lib12333.card``).

* :func:`command_apdus` - well-formed short command APDUs (cases 1-4) with their parts
* :func:`simple_tlv_records` / :func:`ber_objects` - encodable TLV content
* :func:`ccid_messages` - CCID messages either direction, :func:`serial_streams` framed with events
* :func:`card_profiles` - holder data the emulator can personalise (names GBK-encodable, spec 1.0/2.0/3.0)
* :func:`mutated` - a byte string with a few bytes flipped, inserted or deleted
"""

from hypothesis import strategies as st

from lib12333.card import apdu, ccid, tlv

# Chinese characters known to be in GBK (GB2312 level-1 block B0A1-D7F9 decodes to such characters)
_GB2312_L1 = tuple(bytes((hi, lo)).decode("gbk") for hi in range(0xB0, 0xB4) for lo in range(0xA1, 0xFF))


@st.composite
def command_apdus(draw):
    """``(bytes, (cla, ins, p1, p2, data, le))`` for a short command APDU."""
    cla = draw(st.sampled_from((0x00, 0x80, 0x84)))
    ins = draw(st.integers(0, 255))
    p1 = draw(st.integers(0, 255))
    p2 = draw(st.integers(0, 255))
    data = draw(st.binary(max_size=255))
    le = draw(st.none() | st.integers(1, 256))
    return apdu.build(cla, ins, p1, p2, data, le), (cla, ins, p1, p2, data, le)


def simple_tlv_records(max_objects=6):
    obj = st.tuples(st.integers(1, 0xFE), st.binary(max_size=300))
    return st.lists(obj, max_size=max_objects)


def encode_simple(records):
    return b"".join(tlv.build_simple(t, v) for t, v in records)


def ccid_messages():
    """Well-formed CCID messages (either direction) of at most 271 bytes."""
    types = st.sampled_from(ccid.COMMANDS + ccid.RESPONSES)
    return st.builds(
        lambda t, slot, seq, data, b: ccid.message(t, slot, seq, data, b[0], b[1], b[2]),
        types, st.integers(0, 255), st.integers(0, 255), st.binary(max_size=ccid.MAX_MESSAGE - ccid.HEADER),
        st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    )


@st.composite
def serial_streams(draw):
    """``(wire_bytes, expected_events)``: frames mixed with NAKs, card-movement and time-request bytes."""
    wire = b""
    events = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(("frame", "frame", "nak", "slot", "time")))
        if kind == "frame":
            msg = draw(ccid_messages())
            wire += ccid.frame(msg)
            events.append(("frame", msg))
        elif kind == "nak":
            wire += ccid.NAK_FRAME
            events.append(("nak", None))
        elif kind == "slot":
            present = draw(st.booleans())
            wire += ccid.slot_change(present)
            events.append(("slot", present))
        else:
            b = draw(st.integers(0x80, 0xFF))
            wire += bytes((b,))
            events.append(("time", b))
    return wire, events


@st.composite
def chinese_names(draw, max_chars=15):
    return "".join(draw(st.lists(st.sampled_from(_GB2312_L1), min_size=1, max_size=max_chars)))


@st.composite
def card_profiles(draw):
    """A :class:`lib12333.host.card.emulator.CardProfile` with random holder data."""
    from lib12333.host.card.emulator import CardProfile

    spec = draw(st.sampled_from(("1.0", "2.0", "3.0")))
    name = draw(chinese_names(15 if spec == "1.0" else 25))
    digits = st.text("0123456789", min_size=1, max_size=1)
    ssn = "".join(draw(st.lists(digits, min_size=17, max_size=17))) + draw(st.sampled_from("0123456789X"))
    card_no = draw(st.sampled_from("ABCDEFGHX")) + "".join(draw(st.lists(digits, min_size=8, max_size=8)))
    card_id = "".join(draw(st.lists(st.sampled_from("0123456789ABCDEF"), min_size=32, max_size=32)))
    return CardProfile(card_id=card_id, spec_version=spec + draw(st.sampled_from("0123")), name=name, ssn=ssn,
                       card_number=card_no, sex=draw(st.sampled_from("129")),
                       birth_date="%04d%02d%02d" % (draw(st.integers(1900, 2025)), draw(st.integers(1, 12)),
                                                    draw(st.integers(1, 28))))


@st.composite
def mutated(draw, data):
    """``data`` with 1-4 random byte flips, insertions or deletions."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("flip", "insert", "delete")))
        if op == "insert" or not buf:
            buf.insert(draw(st.integers(0, len(buf))), draw(st.integers(0, 255)))
        elif op == "flip":
            i = draw(st.integers(0, len(buf) - 1))
            buf[i] ^= draw(st.integers(1, 255))
        else:
            del buf[draw(st.integers(0, len(buf) - 1))]
    return bytes(buf)
