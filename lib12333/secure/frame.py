"""
The secure kiosk <-> centre frame (protocols/frame/README.md is the normative text).

A frame is a 15-byte header, the encrypted payload and an 8-byte tag::

    0  version   u8   1
    1  type      u8   message type (lib12333.secure.messages)
    2  flags     u8   bit 0: direction (0 kiosk -> centre, 1 centre -> kiosk); bits 1-7 zero
    3  device    u32  big-endian device id (1 .. 2**32-1)
    7  seq       u32  sequence number of the sender in this direction (1 .. 2**32-1)
    11 time      u32  sender's clock, Unix seconds
    15 payload   AES-CCM ciphertext of the payload
    -8 tag       CCM tag (M = 8)

The header is the CCM associated data, so every header bit is authenticated.
The 13-byte CCM nonce (L = 2) is ``version | flags | device | seq | 00 00 00``:
a per-device key, the direction bit and a sequence number that is never used
twice per direction make every nonce unique (docs/security.md).

``seal`` builds the bytes, ``open`` checks and decrypts them, ``peek`` reads the
unauthenticated header so the receiver can look the device key up first.
"""

# The public names; the stub lib12333/secure/frame.pyi carries their types (docs/integrator.md)
__all__ = (
    "VERSION", "HEADER_LEN", "TAG_LEN", "NONCE_LEN", "UP", "DOWN", "PORT", "SINGLE_SMS", "PART_SIZE",
    "MAX_PARTS", "MAX_FRAME", "MAX_PAYLOAD_SINGLE", "Frame", "encode_header", "decode_header", "peek",
    "nonce", "max_len", "seal", "open",
)

from lib12333.errors import DecodeError, SecurityError, ValidationError
from lib12333.secure import ccm
from lib12333.secure import messages as _m

VERSION = 1
HEADER_LEN = 15
TAG_LEN = 8
NONCE_LEN = 13
UP = 0  # kiosk -> centre
DOWN = 1  # centre -> kiosk

# 3GPP TS 23.040 9.2.3.24.4: 16000-16999 is "available for allocation by applications".
PORT = 16333
# 140 octets of 8-bit user data minus the 7-octet UDH: UDHL (06), IEI 05, IEDL 04, two 16-bit ports.
SINGLE_SMS = 133
# One part of a concatenated message: 140 - 12 (UDHL + IE 00 + IE 05) bytes.
PART_SIZE = 128
MAX_PARTS = 4
MAX_FRAME = PART_SIZE * MAX_PARTS
MAX_PAYLOAD_SINGLE = SINGLE_SMS - HEADER_LEN - TAG_LEN
_U32 = 0xFFFFFFFF


class Frame:
    """One message: header fields plus the plaintext ``payload`` bytes."""

    def __init__(self, msg_type, device_id, seq, time, payload=b"", direction=UP, version=VERSION):
        self.version = version
        self.msg_type = msg_type
        self.direction = direction
        self.device_id = device_id
        self.seq = seq
        self.time = time
        self.payload = payload

    def __eq__(self, other):
        return (
            isinstance(other, Frame)
            and self.version == other.version
            and self.msg_type == other.msg_type
            and self.direction == other.direction
            and self.device_id == other.device_id
            and self.seq == other.seq
            and self.time == other.time
            and self.payload == other.payload
        )

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        # The payload holds personal data: show its size only.
        return "Frame(type={}, dir={}, device={}, seq={}, time={}, payload={} bytes)".format(
            _m.type_name(self.msg_type), self.direction, self.device_id, self.seq, self.time, len(self.payload or b"")
        )


def _u32(value, field, low=0):
    if type(value) is not int or value < low or value > _U32:
        raise ValidationError("must be an integer " + str(low) + "..4294967295", field=field)


def _put32(buf, pos, v):
    buf[pos] = (v >> 24) & 0xFF
    buf[pos + 1] = (v >> 16) & 0xFF
    buf[pos + 2] = (v >> 8) & 0xFF
    buf[pos + 3] = v & 0xFF


def _get32(data, pos):
    return (data[pos] << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3]


def encode_header(frame):
    """The 15 header bytes of ``frame`` (validated)."""
    if frame.version != VERSION:
        raise ValidationError("unsupported frame version", field="version", expected=str(VERSION))
    if not _m.is_known(frame.msg_type):
        raise ValidationError("unknown message type", field="type")
    if frame.direction not in (UP, DOWN):
        raise ValidationError("direction must be UP (0) or DOWN (1)", field="direction")
    if not _m.direction_allowed(frame.msg_type, frame.direction):
        raise ValidationError("message type not allowed in this direction", field="direction")
    _u32(frame.device_id, "device_id", 1)
    _u32(frame.seq, "seq", 1)
    _u32(frame.time, "time")
    h = bytearray(HEADER_LEN)
    h[0] = frame.version
    h[1] = frame.msg_type
    h[2] = frame.direction
    _put32(h, 3, frame.device_id)
    _put32(h, 7, frame.seq)
    _put32(h, 11, frame.time)
    return bytes(h)


def decode_header(data):
    """Parse and check the header of ``data``; returns a Frame whose payload is None."""
    n = len(data)
    if n < HEADER_LEN + TAG_LEN:
        raise DecodeError(
            "frame too short", field="frame", position=n, expected="at least " + str(HEADER_LEN + TAG_LEN) + " bytes"
        )
    if n > MAX_FRAME:
        raise DecodeError("frame too long", field="frame", position=MAX_FRAME, expected="at most " + str(MAX_FRAME) + " bytes")
    if data[0] != VERSION:
        raise DecodeError("unsupported version " + str(data[0]), field="version", position=0, expected=str(VERSION))
    t = data[1]
    if not _m.is_known(t):
        raise DecodeError("unknown message type " + str(t), field="type", position=1, expected="1.." + str(_m.LAST_TYPE))
    flags = data[2]
    if flags & 0xFE:
        raise DecodeError("reserved flag bits set", field="flags", position=2, expected="0x00 or 0x01")
    if not _m.direction_allowed(t, flags):
        raise DecodeError("message type not allowed in this direction", field="flags", position=2)
    device = _get32(data, 3)
    if device == 0:
        raise DecodeError("device id 0 is reserved", field="device", position=3, expected="1..4294967295")
    seq = _get32(data, 7)
    if seq == 0:
        raise DecodeError("sequence number 0 is reserved", field="seq", position=7, expected="1..4294967295")
    if t in _m.SINGLE_SMS_TYPES and n > SINGLE_SMS:
        raise DecodeError("message type must fit one SMS", field="frame", position=SINGLE_SMS, expected="<= " + str(SINGLE_SMS) + " bytes")
    return Frame(t, device, seq, _get32(data, 11), None, flags, data[0])


def peek(data):
    """Unauthenticated header of a received frame (to find the device key); see ``open``."""
    return decode_header(data)


def nonce(frame):
    """The 13-byte CCM nonce: version, flags, device id, sequence number, three zero bytes."""
    n = bytearray(NONCE_LEN)
    n[0] = frame.version
    n[1] = frame.direction
    _put32(n, 2, frame.device_id)
    _put32(n, 6, frame.seq)
    return bytes(n)


def max_len(msg_type):
    """Largest allowed frame for the type: one SMS, or MAX_PARTS concatenated parts."""
    return SINGLE_SMS if msg_type in _m.SINGLE_SMS_TYPES else MAX_FRAME


def seal(cipher, frame):
    """Encrypt and authenticate ``frame`` with ``cipher`` (an AES128 of the device key)."""
    header = encode_header(frame)
    payload = frame.payload
    if not isinstance(payload, (bytes, bytearray)):
        raise ValidationError("payload must be bytes", field="payload")
    total = HEADER_LEN + len(payload) + TAG_LEN
    if total > max_len(frame.msg_type):
        raise ValidationError(
            "frame of " + str(total) + " bytes is too long for its type", field="payload",
            expected="<= " + str(max_len(frame.msg_type)) + " bytes",
        )
    return header + ccm.seal(cipher, nonce(frame), header, payload, TAG_LEN)


def open(cipher, data, direction=None):  # noqa: A001
    """Check and decrypt a received frame; returns the Frame with its plaintext payload.

    ``direction`` (UP / DOWN), when given, is the direction the receiver expects:
    a frame reflected back to its sender is rejected.  Raises DecodeError for a
    malformed header and SecurityError when the tag does not verify.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError("frame must be bytes", field="frame")
    data = bytes(data)
    f = decode_header(data)
    if direction is not None and f.direction != direction:
        raise SecurityError("frame travels in the wrong direction")
    f.payload = ccm.open(cipher, nonce(f), data[:HEADER_LEN], data[HEADER_LEN:], TAG_LEN)
    return f
