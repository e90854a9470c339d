"""
The TP-User-Data-Header (3GPP TS 23.040 section 9.2.3.24).

A header is ``UDHL`` followed by information elements ``IEI, length, value``.
``parse`` keeps every element in order, including ones it does not know, so a
message can be forwarded or re-encoded without losing them.  The elements it
interprets:

    0x00  concatenation, 8-bit reference:  ref, total, seq
    0x08  concatenation, 16-bit reference: ref (2 octets), total, seq
    0x04  application ports, 8-bit:  destination, source
    0x05  application ports, 16-bit: destination (2 octets), source (2 octets)

A concatenation element whose total or sequence number is 0, or whose sequence
number is above the total, is kept in the list but not reported as
concatenation: TS 23.040 says the receiver shall ignore such an element.
"""

from lib12333.errors import DecodeError, ValidationError

IEI_CONCAT8 = 0x00
IEI_PORTS8 = 0x04
IEI_PORTS16 = 0x05
IEI_CONCAT16 = 0x08


class Concat:
    """Concatenation information: ``ref``, ``total``, ``seq`` (1-based), ``bits`` (8 or 16)."""

    __slots__ = ("ref", "total", "seq", "bits")

    def __init__(self, ref, total, seq, bits):
        self.ref = ref
        self.total = total
        self.seq = seq
        self.bits = bits

    def __eq__(self, other):
        return (
            isinstance(other, Concat)
            and self.ref == other.ref
            and self.total == other.total
            and self.seq == other.seq
            and self.bits == other.bits
        )

    def __repr__(self):
        return "Concat(ref=%d, total=%d, seq=%d, bits=%d)" % (self.ref, self.total, self.seq, self.bits)


def parse(data, pos=0):
    """Information elements of the header starting with its UDHL octet at ``data[pos]``.

    Returns a list of ``(iei, value_bytes)``.  DecodeError when an element runs
    past the header or the header runs past ``data``.
    """
    if pos >= len(data):
        raise DecodeError("user data header missing", field="TP-UDHL", position=pos, expected="1 octet")
    end = pos + 1 + data[pos]
    if end > len(data):
        raise DecodeError(
            "user data header longer than the user data", field="TP-UDHL", position=pos, expected="<= %d" % (len(data) - pos - 1)
        )
    ies = []
    i = pos + 1
    while i < end:
        if i + 2 > end:
            raise DecodeError("truncated information element", field="TP-UDH", position=i, expected="IEI and length")
        iei = data[i]
        n = data[i + 1]
        if i + 2 + n > end:
            raise DecodeError(
                "information element 0x%02X longer than the header" % iei, field="TP-UDH", position=i, expected="<= %d octets" % (end - i - 2)
            )
        ies.append((iei, bytes(data[i + 2 : i + 2 + n])))
        i += 2 + n
    return ies


def build(ies):
    """Header bytes (UDHL first) for a list of ``(iei, value_bytes)``; b"" for no elements."""
    if not ies:
        return b""
    out = bytearray(1)
    for iei, value in ies:
        if not (0 <= iei <= 0xFF) or len(value) > 0xFF:
            raise ValidationError("bad information element", field="TP-UDH", expected="IEI 0..255, value <= 255 octets")
        out.append(iei)
        out.append(len(value))
        out += value
    if len(out) - 1 > 139:
        raise ValidationError("user data header too long", field="TP-UDH", expected="<= 139 octets")
    out[0] = len(out) - 1
    return bytes(out)


def fill_bits(header_len):
    """Fill bits after a header of ``header_len`` octets (UDHL included) in 7-bit user data."""
    return (7 - (header_len * 8) % 7) % 7


def header_septets(header_len):
    """Septets that a header of ``header_len`` octets (UDHL included) occupies in 7-bit user data."""
    return (header_len * 8 + 6) // 7


def concat_ie(ref, total, seq, bits=8):
    """The ``(iei, value)`` of a concatenation element."""
    if bits == 16:
        if not (0 <= ref <= 0xFFFF):
            raise ValidationError("concatenation reference out of range", field="ref", expected="0..65535")
        return (IEI_CONCAT16, bytes((ref >> 8, ref & 0xFF, total, seq)))
    if not (0 <= ref <= 0xFF):
        raise ValidationError("concatenation reference out of range", field="ref", expected="0..255 (or ref16=True)")
    return (IEI_CONCAT8, bytes((ref, total, seq)))


def ports_ie(dest, src):
    """The ``(iei, value)`` of a 16-bit application port element."""
    if not (0 <= dest <= 0xFFFF and 0 <= src <= 0xFFFF):
        raise ValidationError("application port out of range", field="ports", expected="0..65535")
    return (IEI_PORTS16, bytes((dest >> 8, dest & 0xFF, src >> 8, src & 0xFF)))


def find_concat(ies):
    """``Concat`` from the first valid concatenation element, or None."""
    for iei, v in ies:
        if iei == IEI_CONCAT8 and len(v) == 3:
            c = Concat(v[0], v[1], v[2], 8)
        elif iei == IEI_CONCAT16 and len(v) == 4:
            c = Concat((v[0] << 8) | v[1], v[2], v[3], 16)
        else:
            continue
        if c.total and c.seq and c.seq <= c.total:
            return c
    return None


def find_ports(ies):
    """``(destination, source)`` from a port element, or None."""
    for iei, v in ies:
        if iei == IEI_PORTS16 and len(v) == 4:
            return ((v[0] << 8) | v[1], (v[2] << 8) | v[3])
        if iei == IEI_PORTS8 and len(v) == 2:
            return (v[0], v[1])
    return None
