"""
Addresses in PDUs (3GPP TS 23.040 section 9.1.2.5 and TS 24.011 for the SMSC).

Text form used throughout lib12333.sms:

- international (type of number 1): "+" then the digits, e.g. "+8613800571500";
- any other numeric type: the digits as they are ("12333", "13800571500");
  ``*`` and ``#`` stand for the semi-octets 0xA and 0xB; 0xC..0xE decode as
  ``a``, ``b``, ``c``.  Without an explicit ``toa``, text with letters is encoded
  alphanumeric; with a numeric ``toa`` (e.g. 0x91) it must be made of these
  semi-octet characters (ValidationError otherwise);
- alphanumeric (type of number 5): the name, GSM 7-bit packed on the wire.

Decoding is strict by default: an odd number of digits must end on the filler
half-octet 1111, and the length must not count the filler (DecodeError); lenient
decoding (``lib12333.sms.pdu.decode(..., lenient=True)``) records both as warnings.

TP addresses count their length in semi-octets (digits); for an alphanumeric
address that is the number of semi-octets actually used, and the number of
characters is ``length * 4 // 7`` (so no phantom trailing '@').  The SMSC
address counts its length in octets, type octet included, 0 meaning "none".
"""

from lib12333.errors import DecodeError, ValidationError
from lib12333.sms import gsm7

TOA_INTERNATIONAL = 0x91
TOA_UNKNOWN = 0x81
TOA_NATIONAL = 0xA1
TOA_ALPHANUMERIC = 0xD0

_DIGITS = "0123456789*#abc"


def _probe_translate():
    try:
        return b"\x12".translate(bytes(((i & 15) << 4) | (i >> 4) for i in range(256))) == b"\x21"
    except Exception:  # noqa: BLE001 - MicroPython has no bytes.translate
        return False


# Fast path where bytes.translate exists (CPython): swap the two semi-octets of every
# octet with one table lookup in C, then read or write the digits as hex text.
_SWAP = bytes(((i & 15) << 4) | (i >> 4) for i in range(256)) if _probe_translate() else None


def _bcd(digits, field):
    if _SWAP is not None and digits.isdigit() and digits.isascii():
        return bytes.fromhex(digits + "f" if len(digits) & 1 else digits).translate(_SWAP)
    out = bytearray()
    n = len(digits)
    for i in range(0, n, 2):
        lo = _DIGITS.find(digits[i])
        hi = _DIGITS.find(digits[i + 1]) if i + 1 < n else 15
        if lo < 0 or hi < 0:
            raise ValidationError("address has a character that is not a digit, *, #, a, b or c", field=field, expected="a phone number")
        out.append((hi << 4) | lo)
    return bytes(out)


def _digits(data, pos, count, field, warn=None):
    """``count`` semi-octets at ``data[pos]`` as text.  An odd count must end on the filler
    half-octet 1111 and the filler must not be counted (TS 23.040 9.1.2.5): DecodeError, or
    with a ``warn`` list (lenient decoding) a ``(position, field, what)`` entry appended."""
    text = None
    if _SWAP is not None:
        text = data[pos : pos + ((count + 1) >> 1)].translate(_SWAP).hex()[:count]
        if not text.isdigit():
            text = None
    if text is None:
        out = []
        for k in range(count):
            b = data[pos + (k >> 1)]
            d = (b >> 4) if k & 1 else (b & 0x0F)
            if d == 15:
                if k == count - 1:
                    _deviation(warn, "address length counts the filler half-octet", field, pos + (k >> 1),
                               "the number of digits, without the filler")
                    return "".join(out)
                raise DecodeError("filler semi-octet inside the address", field=field, position=pos + (k >> 1), expected="a digit")
            out.append(_DIGITS[d])
        text = "".join(out)
    if count & 1 and data[pos + (count >> 1)] >> 4 != 15:
        _deviation(warn, "odd-length address does not end on the filler 1111", field, pos + (count >> 1),
                   "high half-octet 1111")
    return text


def _deviation(warn, what, field, position, expected):
    if warn is None:
        raise DecodeError(what, field=field, position=position, expected=expected)
    warn.append((position, field, what))


def split_number(number, toa=None, field="TP-DA"):
    """``(toa, digits_or_name, alphanumeric)`` for a number given as text."""
    if not isinstance(number, str) or not number:
        raise ValidationError("empty address", field=field, expected="a phone number or a name")
    if number[0] == "+":
        digits = number[1:]
        if toa is None:
            toa = TOA_INTERNATIONAL
        return toa, digits, False
    if toa is not None and (toa & 0x70) != 0x50:
        # a numeric type of number is written in semi-octets (TS 23.040 9.1.2.5), where
        # * # a b c are the values 1010-1110 (9.1.2.3): never GSM 7-bit text under a numeric type
        for ch in number:
            if _DIGITS.find(ch) < 0:
                raise ValidationError("a numeric type of number takes digits, *, #, a, b and c only", field=field,
                                      expected="semi-octets (TS 23.040 9.1.2.5), or toa=0xD0 for a name")
        return toa, number, False
    alpha = False
    for ch in number:
        if _DIGITS.find(ch) < 0 or ch > "9" and ch != "*" and ch != "#":
            alpha = True
            break
    if alpha:
        return (TOA_ALPHANUMERIC if toa is None else toa), number, True
    return (TOA_UNKNOWN if toa is None else toa), number, False


def encode(number, toa=None, field="TP-DA"):
    """A TP address field (length in semi-octets, type, value) for ``number``."""
    toa, value, alpha = split_number(number, toa, field)
    if alpha or (toa & 0x70) == 0x50:
        sept = gsm7.encode(value)
        if len(sept) > 11:
            raise ValidationError("alphanumeric address too long", field=field, expected="<= 11 septets")
        packed = gsm7.pack(sept)
        semis = (len(sept) * 7 + 3) // 4
        return bytes((semis, toa)) + packed
    if len(value) > 20 or not value:
        raise ValidationError("address length out of range", field=field, expected="1..20 digits")
    return bytes((len(value), toa)) + _bcd(value, field)


def encode_smsc(number, toa=None):
    """The SMSC address field (length in octets); ``None`` or "" gives b"\\x00"."""
    if not number:
        return b"\x00"
    toa, value, alpha = split_number(number, toa, "SMSC")
    if alpha or len(value) > 20:
        raise ValidationError("SMSC must be 1..20 digits", field="SMSC", expected="a phone number")
    body = _bcd(value, "SMSC")
    return bytes((len(body) + 1, toa)) + body


def _text(toa, value):
    if (toa & 0x70) == 0x10:
        return "+" + value
    return value


def decode(data, pos, field="TP-OA", warn=None):
    """``(number, toa, next_pos)`` of the TP address at ``data[pos]``; ``warn``: see ``_digits``."""
    if pos + 2 > len(data):
        raise DecodeError("address truncated", field=field, position=pos, expected="length and type octets")
    semis = data[pos]
    toa = data[pos + 1]
    if semis > 20:
        raise DecodeError("address length %d semi-octets" % semis, field=field, position=pos, expected="0..20")
    octets = (semis + 1) >> 1
    start = pos + 2
    end = start + octets
    if end > len(data):
        raise DecodeError("address runs past the end of the PDU", field=field, position=pos, expected="%d octets" % octets)
    if (toa & 0x70) == 0x50:
        count = semis * 4 // 7
        value = gsm7.decode(gsm7.unpack(data, count, 0, start))
    else:
        value = _digits(data, start, semis, field, warn)
    if (toa & 0x70) == 0x10:
        value = "+" + value
    return value, toa, end


def decode_smsc(data, pos=0):
    """``(number_or_None, toa_or_None, next_pos)`` of the SMSC address at ``data[pos]``."""
    if pos >= len(data):
        raise DecodeError("PDU is empty", field="SMSC", position=pos, expected="SMSC length octet")
    n = data[pos]
    if n == 0:
        return None, None, pos + 1
    if n > 11:
        raise DecodeError("SMSC length %d octets" % n, field="SMSC", position=pos, expected="0..11")
    end = pos + 1 + n
    if end > len(data):
        raise DecodeError("SMSC address runs past the end of the PDU", field="SMSC", position=pos, expected="%d octets" % n)
    toa = data[pos + 1]
    if n == 1:
        return None, toa, end
    count = (n - 1) * 2
    if data[end - 1] >> 4 == 15:
        count -= 1
    if (toa & 0x70) == 0x50:
        value = gsm7.decode(gsm7.unpack(data, (n - 1) * 8 // 7, 0, pos + 2))
    else:
        value = _digits(data, pos + 2, count, "SMSC")
    if (toa & 0x70) == 0x10:
        value = "+" + value
    return value, toa, end
