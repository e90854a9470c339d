"""
ISO/IEC 7816-4 APDUs: build and parse command APDUs (cases 1-4, short form),
split responses, explain status words, and run one exchange with the T=0 rules
for ``61xx`` (fetch the rest with GET RESPONSE) and ``6Cxx`` (repeat with Le=xx).

The exchange is sans-IO.  Either drive an :class:`Exchange` yourself::

    ex = Exchange(command)
    while not ex.done:
        ex.receive(transmit(ex.command))
    data, sw = ex.data, ex.sw

or call :func:`transmit_apdu` with your ``transmit(apdu_bytes) -> response_bytes``.
"""

from lib12333.errors import CardError, DecodeError, LocalProtocolError, RemoteProtocolError
from lib12333.hexdigits import parse_hex

INS_SELECT = 0xA4
INS_READ_RECORD = 0xB2
INS_READ_BINARY = 0xB0
INS_VERIFY = 0x20
INS_GET_CHALLENGE = 0x84
INS_EXTERNAL_AUTHENTICATE = 0x82
INS_INTERNAL_AUTHENTICATE = 0x88
INS_GET_RESPONSE = 0xC0

SW_OK = 0x9000

# Exact status words (ISO 7816-4 and the card spec's table 5), one "SW text" per line.
_SW_TEXT = """
9000 success
6200 warning: no information given
6281 warning: returned data may be corrupted
6282 warning: end of file or record reached before Le bytes
6283 warning: selected file invalidated
6581 memory failure
6700 wrong length (Lc or Le)
6881 logical channel not supported
6882 secure messaging not supported
6900 command not allowed
6901 command not accepted
6981 command incompatible with file structure
6982 security status not satisfied
6983 authentication method blocked (key or PIN locked)
6984 referenced data invalidated
6985 conditions of use not satisfied
6986 command not allowed (no current EF)
6987 expected secure messaging data objects missing
6988 secure messaging data objects incorrect (MAC)
6A80 incorrect parameters in the data field
6A81 function not supported (card or application locked)
6A82 file or application not found
6A83 record not found
6A84 not enough memory space in the file
6A86 incorrect parameters P1-P2
6A88 referenced data (key) not found
6B00 wrong parameters P1-P2 (offset outside the EF)
6D00 instruction code not supported
6E00 class not supported
6F00 no precise diagnosis
9302 MAC invalid
9303 application permanently locked
9401 insufficient balance
9403 key not found
9406 required MAC not available
"""


def sw_meaning(sw):
    """A short English description of status word ``sw`` (an int 0x0000-0xFFFF)."""
    key = "\n%04X " % sw
    table = _SW_TEXT  # starts with a newline
    i = table.find(key)
    if i >= 0:
        start = i + len(key)
        return table[start:table.index("\n", start)]
    sw1 = sw >> 8
    sw2 = sw & 0xFF
    if sw1 == 0x61:
        return "success, " + str(sw2 or 256) + " bytes still available (GET RESPONSE)"
    if sw1 == 0x6C:
        return "wrong Le; exact length is " + str(sw2 or 256)
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return "verification failed, " + str(sw2 & 0x0F) + " tries left"
    if sw1 == 0x62 or sw1 == 0x63:
        return "warning (state of non-volatile memory unchanged or changed)"
    if sw1 == 0x64 or sw1 == 0x65:
        return "execution error"
    if sw1 == 0x67:
        return "wrong length"
    if sw1 == 0x68:
        return "functions in CLA not supported"
    if sw1 == 0x69:
        return "command not allowed"
    if sw1 == 0x6A:
        return "wrong parameters P1-P2"
    return "unknown status word"


def sw_hex(sw):
    return "%04X" % sw


def is_success(sw):
    """True for 9000 and the 61xx "more data" family."""
    return sw == SW_OK or (sw >> 8) == 0x61


def check_sw(sw, what):
    """Raise :class:`CardError` (``sw``, ``command`` = ``what``, code = the SW as 4 hex digits) unless ``sw`` is 9000."""
    if sw != SW_OK:
        raise CardError(what + ": card answered " + sw_hex(sw) + " (" + sw_meaning(sw) + ")", sw, command=what)


def _byte(value, name):
    if type(value) is not int or value < 0 or value > 255:
        raise LocalProtocolError("APDU " + name + " must be an int 0-255")
    return value


def build(cla, ins, p1, p2, data=b"", le=None):
    """A short command APDU.  ``data`` up to 255 bytes, ``le`` 1-256 (256 is sent as 00) or None.

    Case 1: no data, no le; case 2: le only; case 3: data only; case 4: both.
    """
    out = bytearray(4)
    out[0] = _byte(cla, "CLA")
    out[1] = _byte(ins, "INS")
    out[2] = _byte(p1, "P1")
    out[3] = _byte(p2, "P2")
    n = len(data)
    if n > 255:
        raise LocalProtocolError("APDU data longer than 255 bytes (extended APDUs are not used by this card)")
    if n:
        out.append(n)
        out.extend(data)
    if le is not None:
        if type(le) is not int or le < 1 or le > 256:
            raise LocalProtocolError("APDU Le must be 1-256")
        out.append(le & 0xFF)
    return bytes(out)


class Command:
    """A parsed short command APDU; ``le`` is None when absent, 256 when encoded as 00."""

    def __init__(self, cla, ins, p1, p2, data, le):
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le

    @property
    def case(self):
        if self.data:
            return 4 if self.le is not None else 3
        return 2 if self.le is not None else 1

    def to_bytes(self):
        return build(self.cla, self.ins, self.p1, self.p2, self.data, self.le)

    def __repr__(self):
        return "Command(%02X %02X %02X %02X, Lc=%d, Le=%s)" % (
            self.cla, self.ins, self.p1, self.p2, len(self.data), self.le)


def parse_command(apdu):
    """Parse a short command APDU (cases 1-4).  Raises :class:`DecodeError` on malformed bytes."""
    n = len(apdu)
    if n < 4:
        raise DecodeError("command APDU shorter than 4 bytes", field="APDU", position=n,
                          expected="CLA INS P1 P2")
    if n == 4:
        return Command(apdu[0], apdu[1], apdu[2], apdu[3], b"", None)
    p3 = apdu[4]
    if n == 5:
        return Command(apdu[0], apdu[1], apdu[2], apdu[3], b"", p3 or 256)
    if p3 == 0:
        raise DecodeError("Lc is 0 with bytes following (extended APDUs are not supported)",
                          field="APDU Lc", position=4, expected="1-255")
    if n == 5 + p3:
        return Command(apdu[0], apdu[1], apdu[2], apdu[3], bytes(apdu[5:]), None)
    if n == 6 + p3:
        return Command(apdu[0], apdu[1], apdu[2], apdu[3], bytes(apdu[5:5 + p3]), apdu[5 + p3] or 256)
    raise DecodeError("length " + str(n) + " does not match Lc " + str(p3), field="APDU Lc",
                      position=4, expected=str(5 + p3) + " or " + str(6 + p3) + " bytes")


def split_response(response):
    """``(data, sw)`` from a response APDU; at least the two status bytes are required."""
    n = len(response)
    if n < 2:
        raise DecodeError("response shorter than the two status bytes", field="response APDU",
                          position=n, expected="data SW1 SW2")
    sw1 = response[n - 2]
    if not (0x60 <= sw1 <= 0x6F or 0x90 <= sw1 <= 0x9F):
        raise DecodeError("SW1 %02X is not a status byte" % sw1, field="SW1", position=n - 2,
                          expected="6x or 9x")
    return bytes(response[:n - 2]), (sw1 << 8) | response[n - 1]


class Exchange:
    """One command APDU run to completion under the T=0 rules (sans-IO).

    ``command`` is the next bytes to send; call :meth:`receive` with the card's
    answer until ``done``.  Then ``data`` holds all response data (GET RESPONSE
    parts joined) and ``sw`` the final status word.  ``max_rounds`` bounds the
    number of commands so a card that keeps answering 61xx cannot hang a kiosk.
    """

    def __init__(self, command, max_rounds=16, cla_get_response=0x00):
        self.original = parse_command(command)
        self.command = bytes(command)
        self.done = False
        self.data = b""
        self.sw = None
        self._parts = []
        self._rounds = 0
        self._max = max_rounds
        self._cla = cla_get_response

    def receive(self, response):
        if self.done:
            raise LocalProtocolError("exchange already finished")
        self._rounds += 1
        data, sw = split_response(response)
        sw1 = sw >> 8
        if self._rounds >= self._max and (sw1 == 0x61 or sw1 == 0x6C):
            raise RemoteProtocolError("card keeps asking for another round (SW " + sw_hex(sw) + ") after "
                                      + str(self._rounds) + " commands")
        if sw1 == 0x61:
            self._parts.append(data)
            self.command = build(self._cla, INS_GET_RESPONSE, 0, 0, b"", (sw & 0xFF) or 256)
            return
        if sw1 == 0x6C:
            c = self.original
            if data:
                raise RemoteProtocolError("card sent data with SW 6Cxx")
            self.command = build(c.cla, c.ins, c.p1, c.p2, c.data, (sw & 0xFF) or 256)
            return
        self._parts.append(data)
        self.data = b"".join(self._parts)
        self._parts = []
        self.sw = sw
        self.done = True


def transmit_apdu(transmit, command, max_rounds=16):
    """Send ``command`` through ``transmit(bytes) -> bytes`` with T=0 handling; returns ``(data, sw)``."""
    ex = Exchange(command, max_rounds)
    while not ex.done:
        ex.receive(transmit(ex.command))
    return ex.data, ex.sw


def to_hex(data):
    """Upper-case hex without separators (``binascii.hexlify`` spelled portably)."""
    out = []
    for b in data:
        out.append("%02X" % b)
    return "".join(out)


def from_hex(text):
    """Bytes from hex text; spaces are ignored.  Raises :class:`DecodeError` on bad digits."""
    return parse_hex("".join(text.split()), "hex")
