"""Hypothesis strategies for operator link PDUs (lib12333.links), for integrators' test suites."""

from hypothesis import strategies as st

from lib12333.links import cmpp, sgip, smgp, smpp, wire

PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def text(max_size):
    return st.text(PRINTABLE, max_size=max_size)


def digits(max_size):
    return st.text("0123456789", max_size=max_size)


u8 = st.integers(0, 255)
u32 = st.integers(0, 0xFFFFFFFF)
octets = st.binary(max_size=160)
tlvs = st.lists(st.tuples(st.integers(0, 0xFFFF), st.binary(max_size=20)), max_size=3)


@st.composite
def smpp_pdus(draw):
    """A valid SMPP 3.4 PDU of a command the link uses (``wire.Pdu``)."""
    command = draw(st.sampled_from(sorted(smpp.BODIES)))
    fields = {}
    for kind, name, size in smpp.BODIES[command]:
        if kind == "u8":
            fields[name] = draw(u8)
        elif kind == "cstr":
            fields[name] = draw(text(size - 1))
        elif kind == "sm8":
            fields[name] = draw(st.binary(max_size=254))
        elif kind == "tlv":
            fields[name] = draw(tlvs)
    status = draw(st.sampled_from([0, 0, 0x58, 0x0B])) if command & smpp.RESP else 0
    if status:
        fields = {}
    return wire.Pdu(command, draw(st.integers(1, 0x7FFFFFFF)), fields, status)


def _table_fields(draw, table):
    fields = {}
    for kind, name, size in table:
        if kind == "u8":
            fields[name] = draw(u8)
        elif kind == "u32":
            fields[name] = draw(u32)
        elif kind == "fix":
            fields[name] = draw(text(size))
        elif kind == "raw":
            fields[name] = draw(st.binary(min_size=size, max_size=size))
        elif kind in ("sm8", "sm32"):
            fields[name] = draw(octets)
        elif kind == "list8":
            fields[name] = draw(st.lists(digits(size), max_size=3))
        elif kind == "tlv":
            fields[name] = draw(tlvs)
    return fields


@st.composite
def cmpp_pdus(draw, version=3):
    """A valid CMPP PDU of ``version`` (2 or 3)."""
    codec = cmpp.Codec(version)
    command = draw(st.sampled_from(sorted(codec.bodies)))
    return wire.Pdu(command, draw(u32), _table_fields(draw, codec.bodies[command]))


@st.composite
def smgp_pdus(draw):
    """A valid SMGP 3.0 PDU of a command the link uses."""
    command = draw(st.sampled_from(sorted(smgp.BODIES)))
    return wire.Pdu(command, draw(u32), _table_fields(draw, smgp.BODIES[command]))


@st.composite
def sgip_pdus(draw):
    """A valid SGIP 1.2 PDU; its sequence is the (node, time, counter) triple."""
    command = draw(st.sampled_from(sorted(sgip.BODIES)))
    return wire.Pdu(command, (draw(u32), draw(u32), draw(u32)), _table_fields(draw, sgip.BODIES[command]))
