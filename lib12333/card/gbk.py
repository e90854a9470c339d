"""
GBK decoding without a codec and without the table in RAM.

Names on the social-security card are GBK.  MicroPython has only utf-8/ascii, so
the characters are looked up in ``lib12333/data/gbk.bin`` (generated from
CPython's ``gbk`` codec by ``tools/gen_gbk.py``; layout documented there): one
``seek`` and one 2-byte ``readinto`` per double-byte character.  The caller opens
the file (``open(compat.data_path("gbk.bin"), "rb")`` or a copy in flash) and
passes it in; this module never opens files.

    table = GbkTable(f)
    name = table.decode(raw_name)       # str, or DecodeError with the byte position

Heap use is a few small objects per call plus the result; the 48 KB table stays on
flash (figures in docs/benchmarks.md).
"""

from lib12333.errors import DecodeError, StorageError

_HEADER = 8
_MAGIC = b"GBK1"


class GbkTable:
    """A GBK table file opened by the caller (binary mode, seekable)."""

    def __init__(self, f):
        head = f.read(_HEADER)
        if len(head) != _HEADER or head[:4] != _MAGIC:
            raise StorageError("gbk table: bad header; expected magic GBK1 (regenerate with tools/gen_gbk.py)")
        self._f = f
        self._lead_first = head[4]
        self._lead_last = head[5]
        self._trail_first = head[6]
        self._trail_last = head[7]
        self._row = head[7] - head[6] + 1
        self._cell = bytearray(2)

    def lookup(self, lead, trail):
        """Code point of the pair, or 0 when it is not a GBK character."""
        if not (self._lead_first <= lead <= self._lead_last and self._trail_first <= trail <= self._trail_last):
            return 0
        f = self._f
        f.seek(_HEADER + ((lead - self._lead_first) * self._row + (trail - self._trail_first)) * 2)
        cell = self._cell
        if f.readinto(cell) != 2:
            raise StorageError("gbk table: file truncated")
        return (cell[0] << 8) | cell[1]

    def decode(self, data, field="GBK"):
        """Decode GBK ``data`` to str.  ASCII passes through; 0x80 and 0xFF are not GBK."""
        out = bytearray()
        i = 0
        n = len(data)
        while i < n:
            b = data[i]
            if b < 0x80:
                out.append(b)
                i += 1
                continue
            if b == 0x80 or b == 0xFF:
                raise DecodeError("byte %02X is not a GBK lead byte" % b, field=field, position=i,
                                  expected="00-7F or 81-FE")
            if i + 1 >= n:
                raise DecodeError("lead byte %02X at the end without a trail byte" % b, field=field,
                                  position=i, expected="trail byte 40-FE")
            t = data[i + 1]
            code = self.lookup(b, t)
            if code == 0:
                raise DecodeError("byte pair %02X%02X is not a GBK character" % (b, t), field=field,
                                  position=i, expected="a GBK double-byte character")
            _utf8(out, code)
            i += 2
        return out.decode()


def _utf8(out, code):
    if code < 0x80:
        out.append(code)
    elif code < 0x800:
        out.append(0xC0 | (code >> 6))
        out.append(0x80 | (code & 0x3F))
    else:
        out.append(0xE0 | (code >> 12))
        out.append(0x80 | ((code >> 6) & 0x3F))
        out.append(0x80 | (code & 0x3F))


def strip_padding(data):
    """Drop the trailing 00 (an fields) or FF (unpersonalised) padding of a card field."""
    end = len(data)
    while end and (data[end - 1] == 0x00 or data[end - 1] == 0xFF):
        end -= 1
    return bytes(data[:end])
