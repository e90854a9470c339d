"""
The octet layout of SMS PDUs as a modem prints them (SMSC field + TPDU), in construct.

The format belongs to 3GPP (TS 23.040 section 9.2, TS 24.011 for the SMSC field);
this file restates its structure declaratively, independently of the hand-written
core codec in ``lib12333/sms/``, so that the two can be compared
(tests/host/test_sms_definition.py):

- every PDU the core decodes parses here, to the same field values;
- every PDU the core encodes parses here and ends exactly where it should;
- PDUs built here from random field values decode in the core to the same values.

It models octets and lengths, not meaning: semi-octet digits, time-stamp ranges,
GSM 7-bit text and header elements are left as raw bytes.  So the core may refuse
something that parses here (a month 13, a filler inside a number), never the
reverse.

    SMSC_FIELD     length in octets (0..11), type of address, BCD digits
    ADDRESS        length in semi-octets (0..20), type of address, value
    FIRST_OCTET    the bit fields of octet 1 of the TPDU
    DELIVER, SUBMIT, STATUS_REPORT    the three TPDUs a modem shows
    PDU            SMSC_FIELD followed by the TPDU chosen by TP-MTI
"""

from construct import (
    BitsInteger,
    BitStruct,
    Bytes,
    Check,
    Computed,
    Flag,
    If,
    Int8ub,
    Optional,
    Peek,
    RepeatUntil,
    Struct,
    Switch,
    Terminated,
    this,
)

MTI_DELIVER, MTI_SUBMIT, MTI_STATUS_REPORT = 0, 1, 2


def alphabet(dcs):
    """"gsm7", "8bit" or "ucs2" for a TP-DCS octet (TS 23.038 section 4; reserved values read as gsm7)."""
    group = dcs >> 4
    if group <= 7:
        return {0: "gsm7", 1: "8bit", 2: "ucs2", 3: "gsm7"}[(dcs >> 2) & 3]
    if group == 0x0E:
        return "ucs2"
    if group == 0x0F:
        return "8bit" if dcs & 4 else "gsm7"
    return "gsm7"


def compressed(dcs):
    """General and automatic-deletion groups (00xx, 01xx): bit 5 says the text is compressed."""
    return dcs < 0x80 and bool(dcs & 0x20)


def ud_octets(ctx):
    """Octets of TP-UD: TP-UDL counts septets for uncompressed 7-bit text, octets otherwise."""
    if alphabet(ctx.dcs) == "gsm7" and not compressed(ctx.dcs):
        return (ctx.udl * 7 + 7) // 8
    return ctx.udl


def ud_limit_ok(ctx):
    if alphabet(ctx.dcs) == "gsm7" and not compressed(ctx.dcs):
        return ctx.udl <= 160
    return ctx.udl <= 140


SMSC_FIELD = Struct(
    "length" / Int8ub,
    Check(this.length <= 11),
    "toa" / If(this.length > 0, Int8ub),
    "digits" / Bytes(lambda ctx: max(ctx.length - 1, 0)),
)

ADDRESS = Struct(
    "semi_octets" / Int8ub,
    Check(this.semi_octets <= 20),
    "toa" / Int8ub,
    "value" / Bytes((this.semi_octets + 1) // 2),
)

FIRST_OCTET = BitStruct(
    "rp" / Flag,  # bit 7: reply path (DELIVER, SUBMIT)
    "udhi" / Flag,  # bit 6: user data header present
    "sr" / Flag,  # bit 5: SRI (DELIVER), SRR (SUBMIT), SRQ (STATUS-REPORT)
    "vpf" / BitsInteger(2),  # bits 4-3: SUBMIT validity format; DELIVER/SR: bit 3 = TP-LP
    "bit2" / Flag,  # bit 2: TP-MMS (DELIVER, SR; set = no more messages), TP-RD (SUBMIT)
    "mti" / BitsInteger(2),
)

TIMESTAMP = Bytes(7)

DELIVER = Struct(
    "first" / FIRST_OCTET,
    "oa" / ADDRESS,
    "pid" / Int8ub,
    "dcs" / Int8ub,
    "scts" / TIMESTAMP,
    "udl" / Int8ub,
    Check(ud_limit_ok),
    "ud" / Bytes(ud_octets),
    Check(lambda ctx: not ctx.first.udhi or (len(ctx.ud) >= 1 and ctx.ud[0] + 1 <= len(ctx.ud))),
    Terminated,
)

VP_LENGTH = {0: 0, 1: 7, 2: 1, 3: 7}

SUBMIT = Struct(
    "first" / FIRST_OCTET,
    "mr" / Int8ub,
    "da" / ADDRESS,
    "pid" / Int8ub,
    "dcs" / Int8ub,
    "vp" / Bytes(lambda ctx: VP_LENGTH[ctx.first.vpf]),
    "udl" / Int8ub,
    Check(ud_limit_ok),
    "ud" / Bytes(ud_octets),
    Check(lambda ctx: not ctx.first.udhi or (len(ctx.ud) >= 1 and ctx.ud[0] + 1 <= len(ctx.ud))),
    Terminated,
)

def _pi(ctx, bit):
    return ctx.pi is not None and bool(ctx.pi & bit)


STATUS_REPORT = Struct(
    "first" / FIRST_OCTET,
    "mr" / Int8ub,
    "ra" / ADDRESS,
    "scts" / TIMESTAMP,
    "dt" / TIMESTAMP,
    "st" / Int8ub,
    # optional parameters (TS 23.040 9.2.2.3): TP-PI (bit 7 = another TP-PI octet follows),
    # then TP-PID (bit 0), TP-DCS (bit 1), TP-UDL and TP-UD (bit 2)
    "pi" / Optional(Int8ub),
    "pi_ext" / If(lambda ctx: _pi(ctx, 0x80), RepeatUntil(lambda x, lst, ctx: not x & 0x80, Int8ub)),
    "pid" / If(lambda ctx: _pi(ctx, 0x01), Int8ub),
    "dcs_octet" / If(lambda ctx: _pi(ctx, 0x02), Int8ub),
    "dcs" / Computed(lambda ctx: 0 if ctx.dcs_octet is None else ctx.dcs_octet),
    "udl" / If(lambda ctx: _pi(ctx, 0x04), Int8ub),
    Check(lambda ctx: ctx.udl is None or ud_limit_ok(ctx)),
    "ud" / If(lambda ctx: _pi(ctx, 0x04), Bytes(ud_octets)),
    Terminated,
)

PDU = Struct(
    "smsc" / SMSC_FIELD,
    "mti" / Peek(Int8ub),
    "kind" / Computed(lambda ctx: ctx.mti & 3),
    Check(this.kind != 3),
    "tpdu" / Switch(this.kind, {MTI_DELIVER: DELIVER, MTI_SUBMIT: SUBMIT, MTI_STATUS_REPORT: STATUS_REPORT}),
)
