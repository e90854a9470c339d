"""Hex text to bytes with the position of a bad digit (binascii's error names no position)."""

from lib12333.errors import DecodeError


def nibble(c):
    """The value 0-15 of hex digit ``c`` (either case), or -1."""
    o = ord(c)
    if 48 <= o <= 57:
        return o - 48
    if 65 <= o <= 70:
        return o - 55
    if 97 <= o <= 102:
        return o - 87
    return -1


def parse_hex(text, field="hex"):
    """Hex digits -> bytes; ``DecodeError`` naming ``field`` and the position of an odd end or a bad digit."""
    if len(text) % 2:
        raise DecodeError("odd number of hex digits", field, len(text), "an even count")
    out = bytearray(len(text) // 2)
    for i in range(0, len(text), 2):
        hi = nibble(text[i])
        lo = nibble(text[i + 1])
        if hi < 0 or lo < 0:
            raise DecodeError("not a hex digit", field, i if hi < 0 else i + 1, "0-9 or A-F")
        out[i // 2] = (hi << 4) | lo
    return bytes(out)
