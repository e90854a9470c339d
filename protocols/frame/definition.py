"""
Normative definition of the lib12333 kiosk <-> centre frame, version 1, in construct.

This file and README.md next to it are the specification; the hand-written
MicroPython codec in ``lib12333/secure/frame.py`` and ``messages.py`` is tested
byte for byte against it (tests/host/test_secure_frame.py).

    HEADER            15 bytes, the CCM associated data
    SEALED_FRAME      HEADER, then the CCM output: ciphertext followed by an 8-byte tag
    PAYLOADS[type]    the plaintext payload of each message type
    NONCE             the 13-byte CCM nonce derived from the header

Every construct here rejects what the core codec rejects (the tests feed both
the same random and mutated bytes), so parse errors are part of the definition.
"""

from construct import (
    Adapter,
    Bytes,
    Check,
    Const,
    ConstructError,
    GreedyBytes,
    Int8ub,
    Int16ub,
    Int32ub,
    Optional,
    Struct,
    Terminated,
    ValidationError,
    this,
)

VERSION = 1
TAG_LEN = 8
HEADER_LEN = 15
PORT = 16333
SINGLE_SMS = 133  # 140 octets minus UDHL and the 6-octet port IE
MAX_FRAME = 4 * 128

LOSS_REPORT, CARD_STATUS_QUERY, CARD_STATUS_ANSWER, REQUEST = 1, 2, 3, 4
STATUS_QUERY, STATUS_ANSWER, ACK, ERROR = 5, 6, 7, 8
RELAY, RELAY_ANSWER = 9, 10  # centre <-> centre
KIOSK_STATUS = 11  # kiosk -> centre: health report (issue 17)
LAST_TYPE = 11
UP_ONLY = (LOSS_REPORT, CARD_STATUS_QUERY, REQUEST, STATUS_QUERY, RELAY, KIOSK_STATUS)
DOWN_ONLY = (CARD_STATUS_ANSWER, STATUS_ANSWER, RELAY_ANSWER)
SINGLE_SMS_TYPES = (LOSS_REPORT, CARD_STATUS_QUERY, CARD_STATUS_ANSWER, STATUS_QUERY, ACK, ERROR, KIOSK_STATUS)


def _direction_ok(ctx):
    if ctx.type in UP_ONLY:
        return ctx.flags == 0
    if ctx.type in DOWN_ONLY:
        return ctx.flags == 1
    return ctx.flags in (0, 1)


HEADER = Struct(
    "version" / Const(VERSION, Int8ub),
    "type" / Int8ub,
    Check(lambda ctx: 1 <= ctx.type <= LAST_TYPE),
    "flags" / Int8ub,  # bit 0: 0 = kiosk -> centre, 1 = centre -> kiosk; bits 1-7 zero
    Check(lambda ctx: ctx.flags in (0, 1)),
    Check(_direction_ok),
    "device" / Int32ub,
    Check(this.device != 0),
    "seq" / Int32ub,
    Check(this.seq != 0),
    "time" / Int32ub,
)

# The CCM output: ciphertext (as long as the payload) then the tag (TAG_LEN bytes).
SEALED_FRAME = Struct(
    "header" / HEADER,
    "sealed" / GreedyBytes,
    Check(lambda ctx: len(ctx.sealed) >= TAG_LEN),
    Check(lambda ctx: HEADER_LEN + len(ctx.sealed) <= MAX_FRAME),
    Check(lambda ctx: ctx.header.type not in SINGLE_SMS_TYPES or HEADER_LEN + len(ctx.sealed) <= SINGLE_SMS),
)

NONCE = Struct(
    "version" / Int8ub,
    "flags" / Int8ub,
    "device" / Int32ub,
    "seq" / Int32ub,
    Const(b"\x00\x00\x00"),
)


def nonce_of(header):
    """The nonce bytes for a parsed or to-be-built header (dict-like)."""
    return NONCE.build(dict(version=header["version"] if "version" in header else VERSION,
                            flags=header["flags"], device=header["device"], seq=header["seq"]))


class _Ssn(Adapter):
    """18 characters of 0-9 and X packed two a byte, high nibble first, X = 0xA."""

    def _decode(self, obj, context, path):
        out = []
        for b in obj:
            for d in (b >> 4, b & 15):
                if d > 10:
                    raise ValidationError("ssn nibble above 0xA", path=path)
                out.append("X" if d == 10 else str(d))
        return "".join(out)

    def _encode(self, obj, context, path):
        if len(obj) != 18 or any(c not in "0123456789X" for c in obj):
            raise ValidationError("ssn must be 18 of 0-9, X", path=path)
        nib = [10 if c == "X" else int(c) for c in obj]
        return bytes((nib[i] << 4) | nib[i + 1] for i in range(0, 18, 2))


class _Card(Adapter):
    """Nine ASCII characters from 0-9 and A-Z."""

    def _decode(self, obj, context, path):
        if any(not (48 <= c <= 57 or 65 <= c <= 90) for c in obj):
            raise ValidationError("card character outside 0-9 A-Z", path=path)
        return obj.decode("ascii")

    def _encode(self, obj, context, path):
        return obj.encode("ascii")


class _Phone(Adapter):
    """Digit count (0..20), then BCD digits, high nibble first, odd count padded with 0xF."""

    def _decode(self, obj, context, path):
        n = obj.count
        digits = []
        for i, b in enumerate(obj.bcd):
            hi, lo = b >> 4, b & 15
            if hi > 9:
                raise ValidationError("phone digit", path=path)
            digits.append(str(hi))
            if 2 * i + 1 < n:
                if lo > 9:
                    raise ValidationError("phone digit", path=path)
                digits.append(str(lo))
            elif lo != 15:
                raise ValidationError("phone padding", path=path)
        return "".join(digits)

    def _encode(self, obj, context, path):
        s = obj + ("F" if len(obj) % 2 else "")
        return dict(count=len(obj), bcd=bytes.fromhex(s))


_PHONE = _Phone(Struct("count" / Int8ub, Check(this.count <= 20), "bcd" / Bytes((this.count + 1) // 2)))


class _Utf8(Adapter):
    def _decode(self, obj, context, path):
        try:
            return obj.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("invalid UTF-8", path=path) from None

    def _encode(self, obj, context, path):
        return obj.encode("utf-8")


class _Name(Adapter):
    def _decode(self, obj, context, path):
        return obj.text

    def _encode(self, obj, context, path):
        b = obj.encode("utf-8")
        return dict(length=len(b), text=obj)


_NAME = _Name(Struct("length" / Int8ub, Check(this.length >= 1), "text" / _Utf8(Bytes(this.length))))
_TEXT = _Utf8(GreedyBytes)


class _Code(Adapter):
    """A 4-digit category code carried as u16 0..9999."""

    def _decode(self, obj, context, path):
        if obj > 9999:
            raise ValidationError("category code above 9999", path=path)
        return "%04d" % obj

    def _encode(self, obj, context, path):
        return int(obj)


class _Region(Adapter):
    """A 6-digit GB/T 2260 division code in 3 bytes of BCD, high nibble first."""

    def _decode(self, obj, context, path):
        if any((b >> 4) > 9 or (b & 15) > 9 for b in obj):
            raise ValidationError("region digit above 9", path=path)
        return obj.hex()

    def _encode(self, obj, context, path):
        if len(obj) != 6 or not obj.isdigit():
            raise ValidationError("region must be 6 digits", path=path)
        return bytes.fromhex(obj)


class _Version(Adapter):
    """A firmware version: 1..16 printable ASCII characters (0x21-0x7E) after a u8 count."""

    def _decode(self, obj, context, path):
        if any(not 0x21 <= c <= 0x7E for c in obj.text):
            raise ValidationError("version character outside printable ASCII", path=path)
        return obj.text.decode("ascii")

    def _encode(self, obj, context, path):
        b = obj.encode("ascii")
        return dict(length=len(b), text=b)


_VERSION = _Version(Struct("length" / Int8ub, Check(1 <= this.length), Check(this.length <= 16),
                           "text" / Bytes(this.length)))

# Optional trailing card-issuing region: present when the payload goes on after the name.
_CARD_REGION = Optional(_Region(Bytes(3)))
_SSN = _Ssn(Bytes(9))
_CARD = _Card(Bytes(9))
_CATEGORY = _Code(Int16ub)

PAYLOADS = {
    LOSS_REPORT: Struct("ssn" / _SSN, "card" / _CARD, "phone" / _PHONE, "name" / _NAME,
                        "card_region" / _CARD_REGION, Terminated),
    CARD_STATUS_QUERY: Struct("ssn" / _SSN, "card" / _CARD, "name" / _NAME, "card_region" / _CARD_REGION,
                              Terminated),
    CARD_STATUS_ANSWER: Struct("ref_seq" / Int32ub, "state" / Int8ub, "since" / Int32ub, "until" / Int32ub,
                               Terminated),
    REQUEST: Struct("kind" / Int8ub, "category" / _CATEGORY, "phone" / _PHONE, "text" / _TEXT),
    STATUS_QUERY: Struct("ref_device" / Int32ub, "ref_seq" / Int32ub, Terminated),
    STATUS_ANSWER: Struct("ref_device" / Int32ub, "ref_seq" / Int32ub, "status" / Int8ub, "updated" / Int32ub,
                          "text" / _TEXT),
    ACK: Struct("ref_seq" / Int32ub, "result" / Int8ub, "state" / Int8ub, "until" / Int32ub, Terminated),
    ERROR: Struct("ref_seq" / Int32ub, "code" / Int8ub, "state" / Int8ub, Terminated),
    # A kiosk frame's payload relayed by the centre that received it to the responsible centre.
    RELAY: Struct("origin_device" / Int32ub, "origin_seq" / Int32ub, "origin_time" / Int32ub,
                  "inner_type" / Int8ub, "inner" / GreedyBytes),
    # The responsible centre's answer to a RELAY: the reply payload for the kiosk.
    RELAY_ANSWER: Struct("origin_device" / Int32ub, "origin_seq" / Int32ub, "reply_type" / Int8ub,
                         "reply" / GreedyBytes),
    # A kiosk's health report (issue 17): rssi/ber as AT+CSQ gives them (99 = not known), the unsent
    # requests and the age of the oldest in seconds, error counts since the previous report, uptime in
    # seconds and the number of boots.  Nothing about citizens.
    KIOSK_STATUS: Struct("firmware" / _VERSION, "rssi" / Int8ub, "ber" / Int8ub, "backlog" / Int16ub,
                         "oldest_age" / Int32ub, "storage_errors" / Int16ub, "modem_errors" / Int16ub,
                         "card_errors" / Int16ub, "uptime" / Int32ub, "boots" / Int16ub, Terminated),
}
OPTIONAL_FIELDS = ("card_region",)


def parse_payload(msg_type, data):
    """Plain dict of the payload fields (construct's private keys removed)."""
    c = PAYLOADS[msg_type].parse(data)
    return {k: v for k, v in c.items() if not k.startswith("_") and not (k in OPTIONAL_FIELDS and v is None)}


__all__ = ["HEADER", "SEALED_FRAME", "NONCE", "PAYLOADS", "parse_payload", "nonce_of", "ConstructError"]
