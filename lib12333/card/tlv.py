"""
TLV as the social-security card uses it.

* SIMPLE-TLV (ISO 7816-4 5.2.1): records in SSSE/EF05 and EF06 are one tag byte
  (01-FE), one length byte (or FF followed by two big-endian length bytes) and the value.
* BER-TLV (ISO 7816-4 / ISO 8825): the FCI returned by SELECT (``6F`` with ``84``,
  ``A5``, ``88``, ``9F0C``...): multi-byte tags, definite lengths up to 3 bytes.

Parsers return lists of ``(tag, value)`` in card order and raise
:class:`lib12333.errors.DecodeError` with the byte position on malformed input.
"""

from lib12333.errors import DecodeError, LocalProtocolError


def parse_simple(data, field="SIMPLE-TLV"):
    """All SIMPLE-TLV objects in ``data`` as ``[(tag, value), ...]``.

    Padding bytes ``00`` or ``FF`` between or after objects are skipped, as ISO 7816-4
    allows before, between and after data objects.
    """
    out = []
    i = 0
    n = len(data)
    while i < n:
        tag = data[i]
        if tag == 0x00 or tag == 0xFF:
            i += 1
            continue
        if i + 1 >= n:
            raise DecodeError("tag %02X without a length byte" % tag, field=field, position=i + 1,
                              expected="length byte")
        length = data[i + 1]
        start = i + 2
        if length == 0xFF:
            if i + 3 >= n:
                raise DecodeError("3-byte length cut short", field=field, position=i + 2,
                                  expected="two length bytes")
            length = (data[i + 2] << 8) | data[i + 3]
            start = i + 4
        end = start + length
        if end > n:
            raise DecodeError("tag %02X value of %d bytes runs past the end (%d left)"
                              % (tag, length, n - start), field=field, position=start,
                              expected=str(length) + " bytes")
        out.append((tag, bytes(data[start:end])))
        i = end
    return out


def one_simple(data, tag, field="SIMPLE-TLV"):
    """The value of a record holding exactly one SIMPLE-TLV object with ``tag``."""
    items = parse_simple(data, field)
    if len(items) != 1 or items[0][0] != tag:
        got = "none" if not items else ",".join("%02X" % t for t, _ in items)
        raise DecodeError("record holds tag(s) " + got, field=field, position=0,
                          expected="exactly one tag %02X" % tag)
    return items[0][1]


def build_simple(tag, value):
    """Encode one SIMPLE-TLV object."""
    if type(tag) is not int or tag < 1 or tag > 0xFE:
        raise LocalProtocolError("SIMPLE-TLV tag must be 01-FE")
    n = len(value)
    if n > 0xFFFF:
        raise LocalProtocolError("SIMPLE-TLV value longer than 65535 bytes")
    if n < 0xFF:
        return bytes((tag, n)) + bytes(value)
    return bytes((tag, 0xFF, n >> 8, n & 0xFF)) + bytes(value)


def parse_ber(data, field="BER-TLV"):
    """Top-level BER-TLV objects in ``data`` as ``[(tag, value), ...]``; tag is an int (e.g. 0x9F0C)."""
    out = []
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == 0x00 or b == 0xFF:  # padding between objects
            i += 1
            continue
        tag = b
        i += 1
        if b & 0x1F == 0x1F:
            count = 0
            while True:
                if i >= n:
                    raise DecodeError("multi-byte tag cut short", field=field, position=i,
                                      expected="tag byte")
                b = data[i]
                tag = (tag << 8) | b
                i += 1
                count += 1
                if not b & 0x80:
                    break
                if count >= 3:
                    raise DecodeError("tag longer than 4 bytes", field=field, position=i,
                                      expected="at most 4 tag bytes")
        if i >= n:
            raise DecodeError("tag %X without a length" % tag, field=field, position=i,
                              expected="length byte")
        length = data[i]
        i += 1
        if length == 0x80:
            raise DecodeError("indefinite length", field=field, position=i - 1,
                              expected="definite length")
        if length > 0x80:
            k = length & 0x7F
            if k > 3:
                raise DecodeError("length field of %d bytes" % k, field=field, position=i - 1,
                                  expected="81, 82 or 83")
            if i + k > n:
                raise DecodeError("length bytes cut short", field=field, position=i,
                                  expected=str(k) + " length bytes")
            length = 0
            for j in range(k):
                length = (length << 8) | data[i + j]
            i += k
        if i + length > n:
            raise DecodeError("tag %X value of %d bytes runs past the end (%d left)" % (tag, length, n - i),
                              field=field, position=i, expected=str(length) + " bytes")
        out.append((tag, bytes(data[i:i + length])))
        i += length
    return out


def is_constructed(tag):
    """True when the first byte of ``tag`` has the constructed bit (0x20)."""
    first = tag
    while first > 0xFF:
        first >>= 8
    return bool(first & 0x20)


def find_ber(data, path, field="BER-TLV"):
    """Follow ``path`` (a tuple of tags) through nested templates; the value or None if absent."""
    value = data
    for depth in range(len(path)):
        found = None
        for tag, v in parse_ber(value, field):
            if tag == path[depth]:
                found = v
                break
        if found is None:
            return None
        value = found
    return value
