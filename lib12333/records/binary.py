"""
Compact binary form of ``ServiceRecord`` for devices (kiosks log their transactions this way).

Normative definition: ``protocols/records/record.py`` (construct) and
``protocols/records/README.md``.  Big-endian; one record is::

    u16 body length (bytes that follow)
    u8  version (1)
    u8  channel code   (index in records.CHANNELS)
    u8  outcome code   (index in records.OUTCOMES)
    u8  flags          bit 0: answer present, bit 1: end present, bits 2-7: zero
    u16 service number (12333 or 12370)
    u32 region code
    u32 arrival, u32 answer, u32 end   (seconds since 1970 UTC; 0 when absent)
    5 x (u8 length + bytes): category (ASCII digits), queue, agent, caller, ref (UTF-8)

A file of records is the records back to back.  The encoding is canonical: a
value has exactly one byte form, so ``encode(decode(b)) == b``.
"""

import struct

from lib12333.errors import DecodeError, ValidationError
from lib12333.records import CHANNELS, OUTCOMES, ServiceRecord, _utf8_ok

VERSION = 1
_HEAD = ">BBBBHIIII"
_HEAD_SIZE = 22
_TEXTS = ("category", "queue", "agent", "caller", "ref")
MAX_RECORD = 2 + _HEAD_SIZE + 5 * (1 + 64)


def encode(record):
    """Bytes of one record (length prefix included)."""
    if not isinstance(record, ServiceRecord):
        raise ValidationError("not a ServiceRecord", field="record", expected="ServiceRecord")
    flags = 0
    answer = 0
    end = 0
    if record.answer is not None:
        flags |= 1
        answer = record.answer
    if record.end is not None:
        flags |= 2
        end = record.end
    head = struct.pack(_HEAD, VERSION, CHANNELS.index(record.channel), OUTCOMES.index(record.outcome), flags,
                       record.service, record.region, record.arrival, answer, end)
    parts = [head]
    for name in _TEXTS:
        b = getattr(record, name).encode("utf-8")
        parts.append(bytes((len(b),)))
        parts.append(b)
    body = b"".join(parts)
    return struct.pack(">H", len(body)) + body


def decode(data, offset=0):
    """Decode the record at ``offset``; returns ``(record, offset after it)``.

    Raises ``DecodeError`` (field, position, expected) on anything malformed.
    """
    n = len(data)
    if offset + 2 > n:
        raise DecodeError("truncated length prefix", field="length", position=offset, expected="2 bytes")
    body_len = (data[offset] << 8) | data[offset + 1]
    start = offset + 2
    stop = start + body_len
    if stop > n:
        raise DecodeError("truncated record", field="length", position=offset,
                          expected=str(body_len) + " bytes, have " + str(n - start))
    if body_len < _HEAD_SIZE + 5:
        raise DecodeError("record too short", field="length", position=offset, expected=">= 27")
    version, ch, oc, flags, service, region, arrival, answer, end = struct.unpack_from(_HEAD, data, start)
    if version != VERSION:
        raise DecodeError("unsupported version " + str(version), field="version", position=start, expected="1")
    if ch >= len(CHANNELS):
        raise DecodeError("unknown channel code " + str(ch), field="channel", position=start + 1,
                          expected="0.." + str(len(CHANNELS) - 1))
    if oc >= len(OUTCOMES):
        raise DecodeError("unknown outcome code " + str(oc), field="outcome", position=start + 2,
                          expected="0.." + str(len(OUTCOMES) - 1))
    if flags & 0xFC:
        raise DecodeError("reserved flag bits set", field="flags", position=start + 3, expected="bits 2-7 zero")
    if not flags & 1:
        if answer:
            raise DecodeError("answer without its flag", field="answer", position=start + 14, expected="0")
        answer = None
    if not flags & 2:
        if end:
            raise DecodeError("end without its flag", field="end", position=start + 18, expected="0")
        end = None
    pos = start + _HEAD_SIZE
    texts = []
    for name in _TEXTS:
        if pos >= stop:
            raise DecodeError("missing text field", field=name, position=pos, expected="u8 length")
        size = data[pos]
        pos += 1
        if pos + size > stop:
            raise DecodeError("text runs past the record", field=name, position=pos - 1,
                              expected="<= " + str(stop - pos) + " bytes")
        raw = bytes(data[pos:pos + size])
        if not _utf8_ok(raw):
            raise DecodeError("invalid UTF-8 or control character", field=name, position=pos, expected="text")
        texts.append(raw.decode("utf-8"))
        pos += size
    if pos != stop:
        raise DecodeError("trailing bytes in record", field="length", position=pos, expected=str(stop - start))
    try:
        record = ServiceRecord(channel=CHANNELS[ch], service=service, region=region, category=texts[0],
                               queue=texts[1], arrival=arrival, answer=answer, end=end, outcome=OUTCOMES[oc],
                               agent=texts[2], caller=texts[3], ref=texts[4])
    except ValidationError as exc:
        raise DecodeError(exc.reason, field=exc.field, position=start, expected=exc.expected)  # noqa: B904 (no chaining on MicroPython)
    return record, stop


def decode_all(data):
    """Every record in ``data`` (a whole file in memory), as a list."""
    out = []
    pos = 0
    while pos < len(data):
        record, pos = decode(data, pos)
        out.append(record)
    return out


def read_records(stream):
    """Yield records from a file-like object with ``read(n)``, one at a time (constant memory).

    Positions in errors are byte offsets in the stream.
    """
    offset = 0
    while True:
        head = stream.read(2)
        if not head:
            return
        if len(head) < 2:
            raise DecodeError("truncated length prefix", field="length", position=offset, expected="2 bytes")
        size = (head[0] << 8) | head[1]
        body = stream.read(size)
        if body is None or len(body) < size:
            raise DecodeError("truncated record", field="length", position=offset, expected=str(size) + " bytes")
        try:
            record, _ = decode(head + body)
        except DecodeError as exc:
            pos = None if exc.position is None else offset + exc.position
            raise DecodeError(exc.reason, field=exc.field, position=pos, expected=exc.expected)  # noqa: B904
        offset += 2 + size
        yield record
