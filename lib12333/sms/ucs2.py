"""
UCS2 as SMS uses it in practice: UTF-16 big-endian with surrogate pairs.

TS 23.038 names the 16-bit alphabet "UCS2", but every current handset sends
characters outside the Basic Multilingual Plane (emoji, rare CJK ideographs
from CJK Extension B, which Chinese names do use) as UTF-16 surrogate pairs,
so we read and write UTF-16BE.

MicroPython has no UTF-16 codec (encoding to it silently returns UTF-8
there), so the codec is written out by hand.  When the running Python has a
working UTF-16BE codec (CPython; ``lib12333.compat.utf16be_encode``) it is
used as a fast path; the hand-written code is the reference and the tests
compare both.

Decoding: an odd number of octets raises DecodeError; a lone (unpaired)
surrogate becomes U+FFFD, the replacement character, so the text can always be
re-encoded as UTF-8.  Encoding: a lone surrogate in a Python ``str`` raises
ValidationError.
"""

from lib12333.compat import utf16be_decode, utf16be_encode
from lib12333.errors import DecodeError, ValidationError

FAST = utf16be_encode is not None


def units(text):
    """Number of UTF-16 code units ``text`` needs (characters above U+FFFF count 2)."""
    if FAST:
        try:
            return len(utf16be_encode(text)) >> 1
        except UnicodeError:
            pass
    n = len(text)
    for ch in text:
        if ord(ch) > 0xFFFF:
            n += 1
    return n


def char_units(ch):
    """UTF-16 units of one character: 1 or 2."""
    return 2 if ord(ch) > 0xFFFF else 1


def encode_slow(text):
    """Hand-written UTF-16BE encoder (used on MicroPython)."""
    out = bytearray()
    for i in range(len(text)):
        c = ord(text[i])
        if c < 0x10000:
            if 0xD800 <= c < 0xE000:
                raise ValidationError(
                    "lone surrogate U+%04X at position %d" % (c, i), field="text", expected="a valid character"
                )
            out.append(c >> 8)
            out.append(c & 0xFF)
        else:
            c -= 0x10000
            hi = 0xD800 | (c >> 10)
            lo = 0xDC00 | (c & 0x3FF)
            out.append(hi >> 8)
            out.append(hi & 0xFF)
            out.append(lo >> 8)
            out.append(lo & 0xFF)
    return bytes(out)


def decode_slow(data, pos=0, end=None):
    """Hand-written UTF-16BE decoder (used on MicroPython); see the module notes."""
    if end is None:
        end = len(data)
    if (end - pos) & 1:
        raise DecodeError("UCS2 text has an odd number of octets", field="TP-UD", position=end, expected="even length")
    out = []
    i = pos
    while i < end:
        c = (data[i] << 8) | data[i + 1]
        i += 2
        if 0xD800 <= c < 0xDC00:
            if i < end:
                lo = (data[i] << 8) | data[i + 1]
                if 0xDC00 <= lo < 0xE000:
                    i += 2
                    out.append(chr(0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00)))
                    continue
            out.append("\ufffd")
        elif 0xDC00 <= c < 0xE000:
            out.append("\ufffd")
        else:
            out.append(chr(c))
    return "".join(out)


if FAST:

    def encode(text):
        """UTF-16BE bytes of ``text``; ValidationError for a lone surrogate."""
        try:
            return utf16be_encode(text)
        except UnicodeError:
            return encode_slow(text)

    def decode(data, pos=0, end=None):
        """Text of UTF-16BE ``data[pos:end]``; DecodeError for odd length."""
        if pos or end is not None:
            data = data[pos:end]
        try:
            return utf16be_decode(data)
        except UnicodeError:
            return decode_slow(data)

else:
    encode = encode_slow
    decode = decode_slow
