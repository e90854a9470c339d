"""
Message contents on an operator link: what goes in a submit and what comes out
of a deliver, independent of the protocol.

A link carries user data the way the air interface does (TS 23.040): octets,
optionally starting with a user data header (the "UDHI" flag of every one of
these protocols), in one of three codings the link uses:

    "ascii"   text of printable ASCII characters, one per octet
    "ucs2"    UTF-16BE text (Chinese notices)
    "binary"  8-bit data (the kiosks' frames, with their application port)
    "gb"      GB 2312/GBK text (CMPP, SMGP and SGIP format 15): received only,
              from handsets whose operator gateway converts to it; never sent

``parts(...)`` cuts a message into ``Part`` objects (concatenation header when
it needs more than one); ``inbound(...)`` turns a delivered part into an
``lib12333.sms.pdu.Message`` so that ``lib12333.sms.reassembly`` puts long
messages back together exactly as it does for a modem.
"""

from lib12333.errors import DecodeError, Lib12333Error, ValidationError
from lib12333.sms import split, ucs2, udh

ASCII, UCS2, BINARY, GB = "ascii", "ucs2", "binary", "gb"
# ``Message.dcs`` of a GB part: not a TS 23.038 value (those stop at 0xFF with other meanings); the
# parts are joined as octets like 8-bit data and decoded once the whole message is there, because an
# operator may cut a long GB message inside a double-byte character.
DCS_GB = 15


class Part:
    """One submit's worth: ``udhi`` (bool), ``coding``, ``octets`` (header included), ``total``, ``seq``."""

    __slots__ = ("udhi", "coding", "octets", "total", "seq")

    def __init__(self, udhi, coding, octets, total=1, seq=1):
        self.udhi = udhi
        self.coding = coding
        self.octets = octets
        self.total = total
        self.seq = seq


def coding_of(value, table):
    """The coding name whose protocol value (``table``: name -> value) is ``value``; anything else is
    read as binary (the write-card format is not used by the centre)."""
    for name in table:
        if table[name] == value:
            return name
    return BINARY


def _is_ascii(text):
    for ch in text:
        if not (" " <= ch <= "~"):
            return False
    return True


def parts(text=None, data=None, port=None, ref=0):
    """The parts of a message: ``text`` (str) or ``data`` (bytes, with an optional application ``port``).

    ``ref`` is the 8-bit concatenation reference used when more than one part is
    needed.  ValidationError for nothing to send, both, or more than 255 parts."""
    if (text is None) == (data is None):
        raise ValidationError("give text or data", field="content", expected="exactly one of text, data")
    if not (0 <= ref <= 255):
        raise ValidationError("concatenation reference out of range", field="ref", expected="0..255")
    base = [udh.ports_ie(port, port)] if port is not None else []
    if data is not None:
        chunks, concat = split.split_data(bytes(data), ports=port is not None)
        coding = BINARY
    elif _is_ascii(text) and len(text) <= 160:
        return [Part(False, ASCII, text.encode())]
    else:
        plan = split.plan(text, "ucs2")
        chunks = [ucs2.encode(t) for t in plan.parts]
        concat = plan.concat
        coding = UCS2
    total = len(chunks)
    out = []
    for i in range(total):
        ies = ([udh.concat_ie(ref, total, i + 1)] if concat else []) + base
        head = udh.build(ies)
        out.append(Part(bool(head), coding, head + chunks[i], total, i + 1))
    return out


def inbound(number, udhi, coding, octets):
    """A delivered part as an ``sms.pdu.Message`` (type "SMS-DELIVER"); DecodeError for a bad header or text."""
    from lib12333.sms.pdu import Message

    m = Message()
    m.type = "SMS-DELIVER"
    m.number = number
    octets = bytes(octets)
    body = octets
    if udhi:
        ies = udh.parse(octets, 0)
        m.udh = ies
        m.concat = udh.find_concat(ies)
        m.ports = udh.find_ports(ies)
        body = octets[1 + octets[0]:]
    m.udl = len(octets)
    if coding == UCS2:
        if len(body) & 1:
            raise DecodeError("odd number of UCS2 octets", field="content", position=len(octets) - len(body),
                              expected="an even count")
        m.encoding = "ucs2"
        m.dcs = 8
        m.data = body
        m.text = ucs2.decode(body)
    elif coding == GB:
        m.encoding = "8bit"
        m.dcs = DCS_GB
        m.data = body
    elif coding == ASCII:
        m.encoding = "8bit"  # joined as octets by the reassembler; dcs 0 says they are ASCII text
        m.dcs = 0
        m.data = body
        m.text = ascii_text(body)
    else:
        m.encoding = "8bit"
        m.dcs = 4
        m.data = body
    return m


def finish_text(m, gb_decode=None):
    """Give a whole message (one part, or joined) whose parts carry octets its text: ASCII read
    leniently, GB through ``gb_decode`` (bytes -> str, supplied by the application; without one,
    or when it fails, the text is read as ASCII with U+FFFD for every other byte)."""
    if m.dcs == 0:
        m.text = ascii_text(m.data)
    elif m.dcs == DCS_GB:
        text = None
        if gb_decode is not None:
            try:
                text = gb_decode(bytes(m.data))
            except (ValueError, Lib12333Error):  # UnicodeError is a ValueError on CPython
                text = None
        m.text = text if text is not None else ascii_text(m.data)
    return m


def ascii_text(octets):
    """Text of ASCII octets; anything else becomes U+FFFD (operators' gateways are not always clean)."""
    return "".join([chr(b) if 0x20 <= b < 0x7F or b in (9, 10, 13) else "\ufffd" for b in octets])
