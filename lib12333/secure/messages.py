"""
Payloads of the kiosk <-> centre frame, one compact binary layout per message type.

    encode(msg_type, fields) -> bytes        (ValidationError on a bad field)
    decode(msg_type, payload) -> dict        (DecodeError naming field and byte position)

Field encodings (protocols/frame/README.md has the tables):

    ssn     9 bytes: the 18-character social-security number, two characters a
            byte, high nibble first; digits 0-9 are nibbles 0-9, "X" is 0xA
    card    9 bytes: the card number (卡号) as ASCII, characters 0-9 A-Z
    phone   u8 digit count (0..20), then the digits two a byte, high nibble
            first, an odd count padded with nibble 0xF; count 0 = no phone
    name    u8 byte count (1..255), then UTF-8
    text    UTF-8 up to the end of the payload (may be empty)
    code    u16, a 4-digit category code of 人社信息函[2010]52号 ("0000"-"9999")
    region  3 bytes: a 6-digit GB/T 2260 division code, two digits a byte (BCD)
    bytes   raw bytes up to the end of the payload (an enclosed payload)
    version u8 byte count (1..16), then printable ASCII (0x21-0x7E): a firmware version
    u8/u16/u32  unsigned, big-endian

Dicts are returned with plain keys; nothing here is printed, and the frame's
``repr`` never shows a payload, so personal data stays out of logs.
"""

from lib12333.compat import utf8_error
from lib12333.errors import DecodeError, ValidationError

LOSS_REPORT = 1
CARD_STATUS_QUERY = 2
CARD_STATUS_ANSWER = 3
REQUEST = 4
STATUS_QUERY = 5
STATUS_ANSWER = 6
ACK = 7
ERROR = 8
# Centre <-> centre (issue 8): a kiosk frame relayed to the responsible centre, and its answer.
RELAY = 9
RELAY_ANSWER = 10
# Kiosk -> centre (issue 17): firmware, signal, outbox backlog and error counters; no personal data.
KIOSK_STATUS = 11
LAST_TYPE = 11

_NAMES = ("", "loss-report", "card-status-query", "card-status-answer", "request", "status-query",
          "status-answer", "ack", "error", "relay", "relay-answer",
          "kiosk-status")

# Types that must fit one SMS; the others may use up to MAX_PARTS concatenated parts.
SINGLE_SMS_TYPES = (LOSS_REPORT, CARD_STATUS_QUERY, CARD_STATUS_ANSWER, STATUS_QUERY, ACK, ERROR, KIOSK_STATUS)
_UP_ONLY = (LOSS_REPORT, CARD_STATUS_QUERY, REQUEST, STATUS_QUERY, RELAY, KIOSK_STATUS)
_DOWN_ONLY = (CARD_STATUS_ANSWER, STATUS_ANSWER, RELAY_ANSWER)
# Kiosk request types a centre may relay, and the answers that may travel back.
RELAYABLE = (LOSS_REPORT, CARD_STATUS_QUERY, REQUEST, STATUS_QUERY)
ANSWERS = (CARD_STATUS_ANSWER, STATUS_ANSWER, ACK, ERROR)

# REQUEST kinds
CONSULTATION = 1
COMPLAINT = 2
REPORT = 3  # 举报
# STATUS_ANSWER status
ST_UNKNOWN = 0
ST_RECEIVED = 1
ST_IN_PROGRESS = 2
ST_ANSWERED = 3
ST_CLOSED = 4
# ACK result
ACK_APPLIED = 0
ACK_DUPLICATE = 1
ACK_QUEUED = 2
# ERROR codes
E_MALFORMED = 1
E_UNSUPPORTED = 2
E_IDENTITY = 3
E_UNKNOWN_CARD = 4
E_STATE = 5
E_CHANNEL = 6
E_UNKNOWN_REF = 7
E_BUSY = 8
E_INTERNAL = 9

# Layout of each type: a tuple of (field name, kind); "text" may only come last.
LAYOUTS = {
    LOSS_REPORT: (("ssn", "ssn"), ("card", "card"), ("phone", "phone"), ("name", "name")),
    CARD_STATUS_QUERY: (("ssn", "ssn"), ("card", "card"), ("name", "name")),
    CARD_STATUS_ANSWER: (("ref_seq", "u32"), ("state", "u8"), ("since", "u32"), ("until", "u32")),
    REQUEST: (("kind", "u8"), ("category", "code"), ("phone", "phone"), ("text", "text")),
    STATUS_QUERY: (("ref_device", "u32"), ("ref_seq", "u32")),
    STATUS_ANSWER: (("ref_device", "u32"), ("ref_seq", "u32"), ("status", "u8"), ("updated", "u32"),
                    ("text", "text")),
    ACK: (("ref_seq", "u32"), ("result", "u8"), ("state", "u8"), ("until", "u32")),
    ERROR: (("ref_seq", "u32"), ("code", "u8"), ("state", "u8")),
    RELAY: (("origin_device", "u32"), ("origin_seq", "u32"), ("origin_time", "u32"), ("inner_type", "u8"),
            ("inner", "bytes")),
    RELAY_ANSWER: (("origin_device", "u32"), ("origin_seq", "u32"), ("reply_type", "u8"), ("reply", "bytes")),
    # rssi/ber: AT+CSQ's two numbers (99 = not known); error counters count since the previous report.
    KIOSK_STATUS: (("firmware", "version"), ("rssi", "u8"), ("ber", "u8"), ("backlog", "u16"), ("oldest_age", "u32"),
                   ("storage_errors", "u16"), ("modem_errors", "u16"), ("card_errors", "u16"), ("uptime", "u32"),
                   ("boots", "u16")),
}
# Optional trailing fields: present when the payload continues after the last required field.
# The card-issuing region lets the centre apply the routing rules (relay to the card's centre).
OPTIONAL = {
    LOSS_REPORT: ("card_region", "region"),
    CARD_STATUS_QUERY: ("card_region", "region"),
}

_CARD_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SSN_LEN = 18
CARD_LEN = 9
MAX_PHONE = 20
MAX_VERSION = 16


def is_known(msg_type):
    return type(msg_type) is int and 1 <= msg_type <= LAST_TYPE


def type_name(msg_type):
    return _NAMES[msg_type] if is_known(msg_type) else "unknown(" + str(msg_type) + ")"


def direction_allowed(msg_type, direction):
    if msg_type in _UP_ONLY:
        return direction == 0
    if msg_type in _DOWN_ONLY:
        return direction == 1
    return direction in (0, 1)


# ---------------------------------------------------------------- encoding


def _enc_ssn(v, out):
    if not isinstance(v, str) or len(v) != SSN_LEN:
        raise ValidationError("must be 18 characters", field="ssn", expected="18 of 0-9, X")
    for i in range(0, SSN_LEN, 2):
        b = 0
        for k in (i, i + 1):
            ch = v[k]
            if "0" <= ch <= "9":
                d = ord(ch) - 48
            elif ch == "X":
                d = 10
            else:
                raise ValidationError("bad character at position " + str(k), field="ssn", expected="0-9 or X")
            b = (b << 4) | d
        out.append(b)


def _enc_card(v, out):
    if not isinstance(v, str) or len(v) != CARD_LEN:
        raise ValidationError("must be 9 characters", field="card", expected="9 of 0-9, A-Z")
    for k in range(CARD_LEN):
        ch = v[k]
        if ch not in _CARD_CHARS:
            raise ValidationError("bad character at position " + str(k), field="card", expected="0-9 or A-Z")
        out.append(ord(ch))


def _enc_phone(v, out, field):
    if v is None:
        v = ""
    if not isinstance(v, str) or len(v) > MAX_PHONE:
        raise ValidationError("must be at most 20 digits", field=field, expected="0-20 digits")
    n = len(v)
    out.append(n)
    for i in range(0, n, 2):
        hi = v[i]
        lo = v[i + 1] if i + 1 < n else None
        if not ("0" <= hi <= "9") or (lo is not None and not ("0" <= lo <= "9")):
            bad = i if not ("0" <= hi <= "9") else i + 1
            raise ValidationError("bad character at position " + str(bad), field=field, expected="0-9")
        out.append(((ord(hi) - 48) << 4) | (15 if lo is None else ord(lo) - 48))


def _enc_uint(v, size, out, field):
    if type(v) is not int or v < 0 or v >= (1 << (8 * size)):
        raise ValidationError("out of range", field=field, expected="0.." + str((1 << (8 * size)) - 1))
    for s in range(size - 1, -1, -1):
        out.append((v >> (8 * s)) & 0xFF)


def encode(msg_type, fields):
    """Payload bytes of ``msg_type`` from a dict of its fields (see LAYOUTS)."""
    if not is_known(msg_type):
        raise ValidationError("unknown message type", field="type")
    out = bytearray()
    for name, kind in LAYOUTS[msg_type]:
        if name not in fields:
            raise ValidationError("missing", field=name)
        _encode_field(name, kind, fields[name], out)
    opt = OPTIONAL.get(msg_type)
    if opt is not None and fields.get(opt[0]) is not None:
        _encode_field(opt[0], opt[1], fields[opt[0]], out)
    return bytes(out)


def _encode_field(name, kind, v, out):
    if kind == "ssn":
        _enc_ssn(v, out)
    elif kind == "card":
        _enc_card(v, out)
    elif kind == "phone":
        _enc_phone(v, out, name)
    elif kind == "name":
        if not isinstance(v, str):
            raise ValidationError("must be text", field=name)
        b = v.encode("utf-8")
        if not 1 <= len(b) <= 255:
            raise ValidationError("must be 1..255 UTF-8 bytes", field=name, expected="1..255 bytes")
        out.append(len(b))
        out.extend(b)
    elif kind == "text":
        if not isinstance(v, str):
            raise ValidationError("must be text", field=name)
        out.extend(v.encode("utf-8"))
    elif kind == "code":
        if not isinstance(v, str) or len(v) != 4 or not _digits(v):
            raise ValidationError("must be 4 digits", field=name, expected="0000-9999")
        _enc_uint(int(v), 2, out, name)
    elif kind == "region":
        if not isinstance(v, str) or len(v) != 6 or not _digits(v):
            raise ValidationError("must be 6 digits", field=name, expected="a 6-digit division code")
        for i in range(0, 6, 2):
            out.append(((ord(v[i]) - 48) << 4) | (ord(v[i + 1]) - 48))
    elif kind == "bytes":
        if not isinstance(v, (bytes, bytearray)):
            raise ValidationError("must be bytes", field=name)
        out.extend(v)
    elif kind == "version":
        if not isinstance(v, str) or not 1 <= len(v) <= MAX_VERSION or not _printable(v):
            raise ValidationError("must be 1..16 printable ASCII characters", field=name, expected="e.g. 1.4.2")
        out.append(len(v))
        out.extend(v.encode("ascii"))
    elif kind == "u8":
        _enc_uint(v, 1, out, name)
    elif kind == "u16":
        _enc_uint(v, 2, out, name)
    else:
        _enc_uint(v, 4, out, name)


def _printable(s):
    for ch in s:
        if not ("!" <= ch <= "~"):
            return False
    return True


def _digits(s):
    for ch in s:
        if not ("0" <= ch <= "9"):
            return False
    return True


# ---------------------------------------------------------------- decoding


def _text(b, field, pos):
    bad = utf8_error(b)
    if bad >= 0:
        raise DecodeError("invalid UTF-8", field=field, position=pos + bad, expected="UTF-8 text")
    return bytes(b).decode("utf-8")


def _need(payload, pos, n, field):
    if pos + n > len(payload):
        raise DecodeError("payload ends inside the field", field=field, position=len(payload),
                          expected=str(n) + " more bytes")


def decode(msg_type, payload):
    """Dict of fields from the payload bytes of ``msg_type``; trailing bytes are an error."""
    if not is_known(msg_type):
        raise DecodeError("unknown message type", field="type", expected="1.." + str(LAST_TYPE))
    p = payload
    pos = 0
    out = {}
    for name, kind in LAYOUTS[msg_type]:
        pos = _decode_field(p, pos, name, kind, out)
    opt = OPTIONAL.get(msg_type)
    if opt is not None and pos < len(p):
        pos = _decode_field(p, pos, opt[0], opt[1], out)
    if pos != len(p):
        raise DecodeError("unexpected bytes after the last field", field=type_name(msg_type), position=pos,
                          expected=str(pos) + " bytes")
    return out


def _decode_field(p, pos, name, kind, out):
    if kind == "ssn":
        _need(p, pos, 9, name)
        chars = []
        for i in range(9):
            for d in (p[pos + i] >> 4, p[pos + i] & 15):
                if d < 10:
                    chars.append(chr(48 + d))
                elif d == 10:
                    chars.append("X")
                else:
                    raise DecodeError("bad nibble", field=name, position=pos + i, expected="0-9 or 0xA")
        out[name] = "".join(chars)
        pos += 9
    elif kind == "card":
        _need(p, pos, CARD_LEN, name)
        s = ""
        for i in range(CARD_LEN):
            c = p[pos + i]
            if not (48 <= c <= 57 or 65 <= c <= 90):
                raise DecodeError("bad character", field=name, position=pos + i, expected="0-9 or A-Z")
            s += chr(c)
        out[name] = s
        pos += CARD_LEN
    elif kind == "phone":
        _need(p, pos, 1, name)
        n = p[pos]
        if n > MAX_PHONE:
            raise DecodeError("too many digits", field=name, position=pos, expected="0-20")
        nb = (n + 1) // 2
        _need(p, pos + 1, nb, name)
        digits = []
        for i in range(nb):
            b = p[pos + 1 + i]
            hi = b >> 4
            lo = b & 15
            if hi > 9:
                raise DecodeError("bad digit", field=name, position=pos + 1 + i, expected="0-9")
            digits.append(chr(48 + hi))
            if 2 * i + 1 < n:
                if lo > 9:
                    raise DecodeError("bad digit", field=name, position=pos + 1 + i, expected="0-9")
                digits.append(chr(48 + lo))
            elif lo != 15:
                raise DecodeError("bad padding", field=name, position=pos + 1 + i, expected="nibble 0xF")
        out[name] = "".join(digits)
        pos += 1 + nb
    elif kind == "name":
        _need(p, pos, 1, name)
        n = p[pos]
        if n == 0:
            raise DecodeError("empty", field=name, position=pos, expected="1..255 bytes")
        _need(p, pos + 1, n, name)
        out[name] = _text(p[pos + 1 : pos + 1 + n], name, pos + 1)
        pos += 1 + n
    elif kind == "text":
        out[name] = _text(p[pos:], name, pos)
        pos = len(p)
    elif kind == "code":
        _need(p, pos, 2, name)
        v = (p[pos] << 8) | p[pos + 1]
        if v > 9999:
            raise DecodeError("category code above 9999", field=name, position=pos, expected="0-9999")
        s = str(v)
        out[name] = "0" * (4 - len(s)) + s
        pos += 2
    elif kind == "region":
        _need(p, pos, 3, name)
        chars = []
        for i in range(3):
            for d in (p[pos + i] >> 4, p[pos + i] & 15):
                if d > 9:
                    raise DecodeError("bad digit", field=name, position=pos + i, expected="BCD digits 0-9")
                chars.append(chr(48 + d))
        out[name] = "".join(chars)
        pos += 3
    elif kind == "bytes":
        out[name] = bytes(p[pos:])
        pos = len(p)
    elif kind == "version":
        _need(p, pos, 1, name)
        n = p[pos]
        if not 1 <= n <= MAX_VERSION:
            raise DecodeError("bad length", field=name, position=pos, expected="1..16")
        _need(p, pos + 1, n, name)
        for i in range(pos + 1, pos + 1 + n):
            if not 0x21 <= p[i] <= 0x7E:
                raise DecodeError("not printable ASCII", field=name, position=i, expected="0x21-0x7E")
        out[name] = bytes(p[pos + 1 : pos + 1 + n]).decode("ascii")
        pos += 1 + n
    elif kind == "u8":
        _need(p, pos, 1, name)
        out[name] = p[pos]
        pos += 1
    elif kind == "u16":
        _need(p, pos, 2, name)
        out[name] = (p[pos] << 8) | p[pos + 1]
        pos += 2
    else:
        _need(p, pos, 4, name)
        out[name] = (p[pos] << 24) | (p[pos + 1] << 16) | (p[pos + 2] << 8) | p[pos + 3]
        pos += 4
    return pos
