"""
Normative definitions, in construct, of the card formats lib12333 reads and writes.

    SERIAL_FRAME      one GemPC Twin serial frame: SYNC 03, CTRL 06, CCID message, LRC
    NAK_FRAME         03 15 16
    SLOT_CHANGE       50 02 | 50 03
    CCID_MESSAGE      10-byte CCID header + dwLength data bytes
    SIMPLE_TLV        one SIMPLE-TLV object (1-byte tag 01-FE, 1 or 3-byte length)
    SSSE_RECORD       an SSSE EF05/EF06 record: exactly one SIMPLE-TLV object
    COMMAND_APDU      a short command APDU, cases 1-4

README.md next to this file is the prose; the hand-written MicroPython codecs in
``lib12333/card/ccid.py``, ``tlv.py`` and ``apdu.py`` are tested byte for byte against
these (tests/host/test_card_protocol.py): both must accept the same inputs and
produce the same fields.
"""

from construct import (
    Bytes,
    Check,
    Const,
    GreedyRange,
    IfThenElse,
    Int8ub,
    Int16ub,
    Int32ul,
    OneOf,
    Pass,
    Select,
    Struct,
    Terminated,
    this,
)

SYNC, CTRL_ACK, CTRL_NAK = 0x03, 0x06, 0x15
MAX_MESSAGE = 271
COMMAND_TYPES = (0x61, 0x62, 0x63, 0x65, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x71, 0x72, 0x73)
RESPONSE_TYPES = (0x80, 0x81, 0x82, 0x83, 0x84)


def _xor(data):
    x = 0
    for b in data:
        x ^= b
    return x


CCID_MESSAGE = Struct(
    "bMessageType" / OneOf(Int8ub, COMMAND_TYPES + RESPONSE_TYPES),
    "dwLength" / Int32ul,
    Check(this.dwLength <= MAX_MESSAGE - 10),
    "bSlot" / Int8ub,
    "bSeq" / Int8ub,
    "specific" / Bytes(3),
    "abData" / Bytes(this.dwLength),
    Terminated,
)

SERIAL_FRAME = Struct(
    "sync" / Const(bytes((SYNC,))),
    "ctrl" / Const(bytes((CTRL_ACK,))),
    "bMessageType" / OneOf(Int8ub, COMMAND_TYPES + RESPONSE_TYPES),
    "dwLength" / Int32ul,
    Check(this.dwLength <= MAX_MESSAGE - 10),
    "bSlot" / Int8ub,
    "bSeq" / Int8ub,
    "specific" / Bytes(3),
    "abData" / Bytes(this.dwLength),
    "lrc" / Int8ub,
    # LRC: the XOR of every byte before it, SYNC and CTRL included
    Check(lambda ctx: ctx.lrc == _xor(bytes((SYNC, CTRL_ACK, ctx.bMessageType)) + ctx.dwLength.to_bytes(4, "little")
                                      + bytes((ctx.bSlot, ctx.bSeq)) + ctx.specific + ctx.abData)),
    Terminated,
)

NAK_FRAME = Const(bytes((SYNC, CTRL_NAK, SYNC ^ CTRL_NAK)))

SLOT_CHANGE = Struct("notify" / Const(b"\x50"), "bmSlotIccState" / OneOf(Int8ub, (0x02, 0x03)), Terminated)

_PAD = GreedyRange(OneOf(Int8ub, (0x00, 0xFF)))

SIMPLE_TLV = Struct(
    "tag" / Int8ub,
    Check((this.tag >= 0x01) & (this.tag <= 0xFE)),
    "len1" / Int8ub,
    "len3" / IfThenElse(this.len1 == 0xFF, Int16ub, Pass),
    "value" / Bytes(lambda ctx: ctx.len3 if ctx.len1 == 0xFF else ctx.len1),
)

# An SSSE EF05/EF06 record read by record identifier: one object, 00/FF padding allowed around it
SSSE_RECORD = Struct("before" / _PAD, "object" / SIMPLE_TLV, "after" / _PAD, Terminated)

COMMAND_APDU = Struct(
    "cla" / Int8ub,
    "ins" / Int8ub,
    "p1" / Int8ub,
    "p2" / Int8ub,
    "body" / Select(
        "case1" / Struct(Terminated),
        "case2" / Struct("le" / Int8ub, Terminated),
        "case3" / Struct("lc" / Int8ub, Check(this.lc > 0), "data" / Bytes(this.lc), Terminated),
        "case4" / Struct("lc" / Int8ub, Check(this.lc > 0), "data" / Bytes(this.lc), "le" / Int8ub, Terminated),
    ),
)
