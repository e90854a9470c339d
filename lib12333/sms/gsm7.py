"""
The GSM 7-bit default alphabet (3GPP TS 23.038 section 6.2.1) and septet packing.

A "septet string" here is a ``bytes`` object whose items are 0..127: one item
per septet, an extension character being the two septets ``0x1B, code``.
``pack`` / ``unpack`` convert between septet strings and the packed octets of
TS 23.038 section 6.1.2.1.1 (least significant bit first).  ``fill_bits``
shifts the first septet up, which is how user data continues after a user data
header (TS 23.040 section 9.2.3.24).

Only the default alphabet and its extension table are implemented (no national
language shift tables).  On decoding, an escape followed by a code the
extension table does not define gives the default-table character for that
code, as TS 23.038 asks of a receiver; an escape at the very end is a space.
"""

from lib12333.errors import DecodeError, ValidationError

ESC = 0x1B

# Code 0x00..0x7F of the default alphabet; 0x1B (escape) is shown as a space here.
DEFAULT = (
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e \u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./0123456789:;<=>?"
    "\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"
    "\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)

# Extension table: pairs of (code after ESC, character).
EXTENSION_CODES = b"\x0a\x14\x28\x29\x2f\x3c\x3d\x3e\x40\x65"
EXTENSION_CHARS = "\x0c^{}\\[~]|\u20ac"

_encode_map = None
_decode_ext = None


def _maps():
    """Build the char -> septet(s) dict on first use (keeps import cheap)."""
    global _encode_map, _decode_ext
    if _encode_map is None:
        m = {}
        for i in range(128):
            if i != ESC:
                m[DEFAULT[i]] = i
        d = {}
        for i in range(len(EXTENSION_CODES)):
            code = EXTENSION_CODES[i]
            ch = EXTENSION_CHARS[i]
            m[ch] = (ESC << 8) | code
            d[code] = ch
        _decode_ext = d
        _encode_map = m
    return _encode_map


def char_cost(ch):
    """Septets needed for ``ch``: 1, 2 (extension table) or 0 when it is not encodable."""
    v = _maps().get(ch)
    if v is None:
        return 0
    return 2 if v > 0xFF else 1


def septets(text):
    """Number of septets ``text`` needs (escape sequences count 2); ValidationError if not GSM."""
    m = _maps()
    n = 0
    for i in range(len(text)):
        v = m.get(text[i])
        if v is None:
            raise ValidationError(
                "character U+%04X at position %d is not in the GSM 7-bit alphabet" % (ord(text[i]), i),
                field="text",
                expected="GSM 03.38 default or extension table",
            )
        n += 2 if v > 0xFF else 1
    return n


def is_gsm7(text):
    """True when every character of ``text`` is in the default alphabet or its extension."""
    m = _maps()
    for ch in text:
        if ch not in m:
            return False
    return True


def encode(text):
    """Septet string (bytes of values 0..127) for ``text``; ValidationError if not GSM."""
    m = _maps()
    out = bytearray()
    for i in range(len(text)):
        v = m.get(text[i])
        if v is None:
            septets(text)  # raises with the position
        if v > 0xFF:
            out.append(ESC)
            out.append(v & 0x7F)
        else:
            out.append(v)
    return bytes(out)


def decode(data):
    """Text of a septet string.  Values above 127 raise DecodeError."""
    _maps()
    ext = _decode_ext
    table = DEFAULT
    out = []
    n = len(data)
    i = 0
    while i < n:
        c = data[i]
        if c > 0x7F:
            raise DecodeError("septet value above 0x7F", field="TP-UD", position=i, expected="0x00-0x7F")
        if c == ESC:
            i += 1
            if i >= n:
                out.append(" ")
                break
            c = data[i]
            if c > 0x7F:
                raise DecodeError("septet value above 0x7F", field="TP-UD", position=i, expected="0x00-0x7F")
            e = ext.get(c)
            if e is None:
                e = " " if c == ESC else table[c]
            out.append(e)
        else:
            out.append(table[c])
        i += 1
    return "".join(out)


def pack(data, fill_bits=0):
    """Pack a septet string into octets, the first septet starting ``fill_bits`` bits up."""
    out = bytearray()
    acc = 0
    nbits = fill_bits
    for s in data:
        acc |= (s & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits > 0 and len(data):
        out.append(acc & 0xFF)
    return bytes(out)


def packed_length(count, fill_bits=0):
    """Octets that ``count`` septets take after ``fill_bits`` fill bits."""
    return (count * 7 + fill_bits + 7) // 8 if count else 0


def unpack(data, count, fill_bits=0, pos=0):
    """``count`` septets from packed ``data`` starting at octet ``pos`` after ``fill_bits`` bits."""
    need = packed_length(count, fill_bits)
    if pos + need > len(data):
        raise DecodeError(
            "user data shorter than its length says",
            field="TP-UD",
            position=len(data),
            expected="%d octets for %d septets" % (need, count),
        )
    out = bytearray(count)
    acc = 0
    nbits = 0
    j = pos
    if fill_bits and count:
        acc = data[j] >> fill_bits
        nbits = 8 - fill_bits
        j += 1
    for i in range(count):
        if nbits < 7:
            acc |= data[j] << nbits
            j += 1
            nbits += 8
        out[i] = acc & 0x7F
        acc >>= 7
        nbits -= 7
    return bytes(out)
