"""
The octets shared by the operator link protocols: one table-driven body codec
and the length-prefixed framing.

CMPP, SGIP, SMGP and SMPP all frame a PDU as a 4-octet big-endian total length,
a 4-octet command id and a sequence, followed by a body of fixed-width fields,
C strings, length-prefixed contents and (SMPP, SMGP) tag-length-value options.
Each protocol module describes its bodies as tables of ``(kind, name, size)``;
this module reads and writes them:

    u8 / u16 / u32     unsigned big-endian integer
    fix   n            text in exactly n octets, NUL-padded (decoded without the padding)
    raw   n            exactly n octets kept as bytes (message ids, authenticators)
    cstr  n            text up to n octets including its terminating NUL (SMPP C-Octet String)
    sm8 / sm32         a 1- or 4-octet length, then that many octets of content
    list8 n            a 1-octet count, then that many ``fix n`` numbers (CMPP/SMGP destinations)
    tlv                the rest of the body: ``[(tag, value_bytes)]`` with 2-octet tag and length

Text fields are ASCII: numbers, account names, time stamps.  A non-ASCII octet
in one is a ``DecodeError`` naming the field (operators put Chinese only in
message contents, which are ``sm8``/``sm32`` bytes).
"""

from lib12333.errors import DecodeError, ValidationError

SECRET_FIELDS = ("password", "LoginPassword")  # SMPP bind, SGIP Bind: the secret in clear
MAX_PDU = 0x10000  # no PDU of these protocols comes near 64 KiB; a bigger length is a broken stream


class Pdu:
    """One PDU: ``command`` id, ``seq`` (int; SGIP's is a 3-tuple), ``status``
    (SMPP's header status, else None) and the body ``fields`` (dict)."""

    __slots__ = ("command", "seq", "status", "fields")

    def __init__(self, command, seq, fields=None, status=None):
        self.command = command
        self.seq = seq
        self.status = status
        self.fields = {} if fields is None else fields

    def get(self, name, default=None):
        return self.fields.get(name, default)

    def __eq__(self, other):
        return (isinstance(other, Pdu) and self.command == other.command and self.seq == other.seq
                and self.status == other.status and self.fields == other.fields)

    def __repr__(self):
        # a bind's password never reaches a log or a traceback through a repr
        shown = {}
        for name in self.fields:
            shown[name] = "***" if name in SECRET_FIELDS else self.fields[name]
        return "Pdu(0x%08X, seq=%r, status=%r, %r)" % (self.command, self.seq, self.status, shown)


def timestamp(month, day, hour, minute, second):
    """The MMDDHHMMSS integer CMPP, SMGP and SGIP put in their logins and sequence numbers."""
    return (((month * 100 + day) * 100 + hour) * 100 + minute) * 100 + second


def ascii_field(data, name, pos):
    """Text of a field's octets; DecodeError naming ``name`` at ``pos`` for a non-ASCII octet."""
    for i in range(len(data)):
        if data[i] > 0x7E or (data[i] < 0x20 and data[i] != 0):
            raise DecodeError("not printable ASCII", field=name, position=pos + i, expected="ASCII text")
    return bytes(data).decode()


def _need(data, pos, n, name):
    if pos + n > len(data):
        raise DecodeError("body ends early", field=name, position=pos, expected="%d more octets" % n)


def decode_body(table, data, pos=0, end=None):
    """The fields of ``table`` read from ``data[pos:end]`` as a dict; the whole range must be used."""
    if end is None:
        end = len(data)
    data = memoryview(data)[:end]
    out = {}
    for kind, name, size in table:
        if kind == "u8":
            _need(data, pos, 1, name)
            out[name] = data[pos]
            pos += 1
        elif kind == "u16":
            _need(data, pos, 2, name)
            out[name] = (data[pos] << 8) | data[pos + 1]
            pos += 2
        elif kind == "u32":
            _need(data, pos, 4, name)
            out[name] = int.from_bytes(bytes(data[pos:pos + 4]), "big")
            pos += 4
        elif kind == "fix":
            _need(data, pos, size, name)
            raw = bytes(data[pos:pos + size])
            cut = raw.find(b"\x00")
            if cut >= 0:
                if raw[cut:] != b"\x00" * (size - cut):
                    raise DecodeError("octets after the NUL padding", field=name, position=pos + cut,
                                      expected="NUL up to the end of the field")
                raw = raw[:cut]
            out[name] = ascii_field(raw, name, pos)
            pos += size
        elif kind == "raw":
            _need(data, pos, size, name)
            out[name] = bytes(data[pos:pos + size])
            pos += size
        elif kind == "cstr":
            i = pos
            while i < end and data[i] != 0:
                i += 1
            if i >= end:
                raise DecodeError("no terminating NUL", field=name, position=pos, expected="a C string")
            if i + 1 - pos > size:
                raise DecodeError("C string too long", field=name, position=pos,
                                  expected="<= %d octets with the NUL" % size)
            out[name] = ascii_field(data[pos:i], name, pos)
            pos = i + 1
        elif kind in ("sm8", "sm32"):
            w = 1 if kind == "sm8" else 4
            _need(data, pos, w, name)
            n = data[pos] if w == 1 else int.from_bytes(bytes(data[pos:pos + 4]), "big")
            pos += w
            _need(data, pos, n, name)
            out[name] = bytes(data[pos:pos + n])
            pos += n
        elif kind == "list8":
            _need(data, pos, 1, name)
            count = data[pos]
            pos += 1
            _need(data, pos, count * size, name)
            items = []
            for _ in range(count):
                items.append(decode_body((("fix", name, size),), data, pos, pos + size)[name])
                pos += size
            out[name] = items
        elif kind == "tlv":
            opts = []
            while pos < end:
                _need(data, pos, 4, name)
                tag = (data[pos] << 8) | data[pos + 1]
                n = (data[pos + 2] << 8) | data[pos + 3]
                _need(data, pos + 4, n, name)
                opts.append((tag, bytes(data[pos + 4:pos + 4 + n])))
                pos += 4 + n
            out[name] = opts
        else:  # pragma: no cover - tables are ours
            raise ValidationError("unknown field kind " + kind, field=name)
    if pos != end:
        raise DecodeError("octets after the last field", field="body", position=pos, expected="end of PDU")
    return out


def _text(value, name, limit):
    if not isinstance(value, str):
        raise ValidationError("must be a str", field=name, expected="ASCII text")
    raw = value.encode()
    if len(raw) > limit:
        raise ValidationError("too long", field=name, expected="<= %d octets" % limit)
    for b in raw:
        if b < 0x20 or b > 0x7E:
            raise ValidationError("not printable ASCII", field=name, expected="ASCII text")
    return raw


def _uint(value, name, octets):
    if type(value) is not int or value < 0 or value >> (8 * octets):
        raise ValidationError("out of range", field=name, expected="0..%d" % ((1 << (8 * octets)) - 1))
    return value.to_bytes(octets, "big")


def encode_body(table, fields):
    """The octets of ``fields`` laid out by ``table``; a missing field is 0 / empty."""
    out = bytearray()
    for kind, name, size in table:
        value = fields.get(name)
        if kind in ("u8", "u16", "u32"):
            out += _uint(0 if value is None else value, name, {"u8": 1, "u16": 2, "u32": 4}[kind])
        elif kind == "fix":
            raw = _text("" if value is None else value, name, size)
            out += raw + b"\x00" * (size - len(raw))
        elif kind == "raw":
            raw = b"\x00" * size if value is None else bytes(value)
            if len(raw) != size:
                raise ValidationError("wrong length", field=name, expected="%d octets" % size)
            out += raw
        elif kind == "cstr":
            out += _text("" if value is None else value, name, size - 1) + b"\x00"
        elif kind in ("sm8", "sm32"):
            raw = b"" if value is None else bytes(value)
            out += _uint(len(raw), name, 1 if kind == "sm8" else 4) + raw
        elif kind == "list8":
            items = value or []
            out += _uint(len(items), name, 1)
            for item in items:
                raw = _text(item, name, size)
                out += raw + b"\x00" * (size - len(raw))
        elif kind == "tlv":
            for tag, v in value or ():
                out += _uint(tag, name, 2) + _uint(len(v), name, 2) + bytes(v)
    return bytes(out)


def _seq_octets(seq, name):
    if isinstance(seq, tuple):  # SGIP: (node, time, counter)
        return b"".join([_uint(v, name, 4) for v in seq])
    return _uint(seq, name, 4)


def encode_pdu(bodies, pdu, names, with_status=False):
    """Header and body of ``pdu``.  ``names``: the header fields' names in the protocol's words
    (length, command, sequence); ``with_status``: SMPP's status between command and sequence,
    and no body for an error response (SMPP 3.4 section 4).  A tuple ``seq`` is SGIP's three
    4-octet numbers."""
    table = bodies.get(pdu.command)
    if table is None:
        raise ValidationError("unknown command 0x%08X" % pdu.command, field=names[1])
    status = pdu.status or 0
    body = b"" if (with_status and status and pdu.command & 0x80000000) else encode_body(table, pdu.fields)
    seq = _seq_octets(pdu.seq, names[2])
    head = 8 + len(seq) + (4 if with_status else 0)
    return b"".join((_uint(head + len(body), names[0], 4), _uint(pdu.command, names[1], 4),
                     _uint(status, "command_status", 4) if with_status else b"", seq, body))


def decode_pdu(bodies, data, names, with_status=False, what="a command the link uses", seq_words=1):
    """One PDU (``data`` is exactly one, as ``Framer`` cuts them); see ``encode_pdu``.  With
    ``with_status`` a response may come without a body; ``seq_words`` 3 reads SGIP's sequence."""
    head = 8 + 4 * seq_words + (4 if with_status else 0)
    if len(data) < head:
        raise DecodeError("shorter than the header", field="header", position=0, expected="%d octets" % head)
    length = int.from_bytes(bytes(data[0:4]), "big")
    if length != len(data):
        raise DecodeError("%s %d for %d octets" % (names[0], length, len(data)), field=names[0], position=0,
                          expected=str(len(data)))
    command = int.from_bytes(bytes(data[4:8]), "big")
    table = bodies.get(command)
    if table is None:
        raise DecodeError("unknown command 0x%08X" % command, field=names[1], position=4, expected=what)
    status = int.from_bytes(bytes(data[8:12]), "big") if with_status else None
    words = [int.from_bytes(bytes(data[i:i + 4]), "big") for i in range(head - 4 * seq_words, head, 4)]
    seq = words[0] if seq_words == 1 else tuple(words)
    if with_status and command & 0x80000000 and len(data) == head:
        return Pdu(command, seq, {}, status)
    return Pdu(command, seq, decode_body(table, data, head), status)


class Framer:
    """Splits a byte stream into PDUs by their 4-octet length prefix.

    ``feed(data)`` returns the complete PDUs (bytes, length prefix included).
    A length below ``minimum`` or above ``MAX_PDU`` means the stream is out of
    step; ``DecodeError`` is raised and the connection has to be dropped, as
    nothing after it can be trusted.
    """

    def __init__(self, minimum):
        self.minimum = minimum
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data
        out = []
        while len(self.buf) >= 4:
            n = int.from_bytes(bytes(self.buf[:4]), "big")
            if n < self.minimum or n > MAX_PDU:
                raise DecodeError("PDU length %d" % n, field="length", position=0,
                                  expected="%d..%d" % (self.minimum, MAX_PDU))
            if len(self.buf) < n:
                break
            out.append(bytes(self.buf[:n]))
            self.buf = self.buf[n:]
        return out
