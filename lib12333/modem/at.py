"""
The AT line layer: bytes from a modem in, classified items out.

``AtParser.feed(data)`` splits the byte stream into lines (``\\r``, ``\\n`` or
both end a line; empty lines are skipped), recognises the ``"> "`` prompt that
arrives without a line end, and joins the two-line unsolicited results ``+CMT``
and ``+CDS`` (header line, then the PDU line) into one item.  It returns a list
of tuples ``(kind, text, extra)``:

    (LINE,   "+CSQ: 21,0", None)
    (PROMPT, ">",          None)
    (URC2,   "+CMT: ,24",  "0791...")     header and its PDU line
    (GARBAGE, "", n)                      n bytes dropped (over-long line)

Nothing here decides whether a line answers a command: ``classify(line)`` says
what a line is *by itself* (final result, a known URC, or neither) and the
engine, which knows the command in flight, decides the rest.

Bytes are never decoded as UTF-8: AT traffic in PDU mode is ASCII and anything
else is line noise, so each byte maps to one character (Latin-1), which gives
the same result on CPython and MicroPython and cannot fail.
"""

from lib12333.compat import const
from lib12333.errors import DecodeError
from lib12333.hexdigits import parse_hex as _parse_hex

LINE = "line"
PROMPT = "prompt"
URC2 = "urc2"
GARBAGE = "garbage"

MAX_LINE = const(1024)  # longest line kept; a 176-octet PDU is 352 hex digits

# final result codes
OK = "OK"
ERROR = "ERROR"
CME = "+CME ERROR"
CMS = "+CMS ERROR"

# Unsolicited result codes we understand, by the text they start with.  Order
# matters only for shared prefixes (+CMTI before +CMT is handled by the ":").
URC_PREFIXES = (
    "+CMTI:",
    "+CMT:",
    "+CDSI:",
    "+CDS:",
    "+CBM:",
    "RING",
    "+CRING:",
    "+CLIP:",
    "NO CARRIER",
    "+CREG:",
    "+CGREG:",
    "+CEREG:",
    "+CPIN:",
    "RDY",
    "SMS DONE",
    "SMS Ready",
    "Call Ready",
    "PB DONE",
    "*ATREADY:",
    "+QIND:",
    "+CFUN:",
    "START",
    "+SIMCARD:",
    "+CIEV:",
    "+QUSIM:",
    "+CPMS:",
    "NORMAL POWER DOWN",
    "UNDER-VOLTAGE",
    "OVER-VOLTAGE",
)

# URCs followed by a second line (the PDU) in PDU mode.
_TWO_LINE = ("+CMT:", "+CDS:", "+CBM:")


def _text(data):
    """Bytes -> str, one character per byte (Latin-1), without a codec."""
    for b in data:
        if b > 0x7F:
            return "".join([chr(c) for c in data])
    return bytes(data).decode()


class AtParser:
    """Incremental splitter of a modem's output; see the module docstring.

    ``expect_prompt`` is set by the engine while it waits for ``"> "`` after
    ``AT+CMGS=<n>``; only then is a ``">"`` at the start of a line a prompt.
    """

    def __init__(self):
        self.buf = b""
        self.expect_prompt = False
        self.pending = None  # header of a two-line URC waiting for its PDU line

    def reset(self):
        self.buf = b""
        self.pending = None

    def feed(self, data):
        out = []
        data = bytes(data)
        if b"\x00" in data:
            data = data.replace(b"\x00", b"")  # NUL is line noise
        if b"\x1a" in data:
            data = data.replace(b"\x1a", b"")  # an echoed Ctrl-Z
        buf = self.buf + data if self.buf else data
        n = len(buf)
        start = 0
        while start < n:
            c = buf[start]
            if c == 0x0D or c == 0x0A:
                start += 1
                continue
            if c == 0x3E and self.expect_prompt and self.pending is None:
                # "> " at the start of a line: the modem waits for the PDU
                out.append((PROMPT, ">", None))
                self.expect_prompt = False
                start += 1
                continue
            end = buf.find(b"\r", start)
            lf = buf.find(b"\n", start)
            if end < 0 or (0 <= lf < end):
                end = lf
            if end < 0:
                break
            if end - start > MAX_LINE:
                out.append((GARBAGE, "", end - start))
            else:
                self._line(buf[start:end], out)
            start = end + 1
        rest = buf[start:] if start < n else b""
        if len(rest) > MAX_LINE:
            out.append((GARBAGE, "", len(rest)))
            rest = b""
        self.buf = rest
        return out

    def _line(self, raw, out):
        text = _text(raw).strip()
        if not text:
            return
        if self.pending is not None:
            header = self.pending
            self.pending = None
            if classify(text) is None:
                out.append((URC2, header, text))
                return
            # the PDU line never came: report the header alone, then this line
            out.append((URC2, header, None))
        for p in _TWO_LINE:
            if text.startswith(p):
                self.pending = text
                return
        out.append((LINE, text, None))


def classify(line):
    """What ``line`` is by itself: ``OK``, ``ERROR``, ``CME``, ``CMS``, a URC prefix
    from ``URC_PREFIXES``, or None (an ordinary response line)."""
    if line == "OK":
        return OK
    if line == "ERROR" or line == "NO CARRIER" or line == "COMMAND NOT SUPPORT":
        return ERROR
    if line.startswith("+CME ERROR"):
        return CME
    if line.startswith("+CMS ERROR"):
        return CMS
    for p in URC_PREFIXES:
        if line.startswith(p):
            return p
    return None


def is_final(kind):
    return kind == OK or kind == ERROR or kind == CME or kind == CMS


def error_detail(line):
    """``"+CMS ERROR: 500"`` -> ``"500"``; ``"+CME ERROR: SIM busy"`` -> ``"SIM busy"``."""
    cut = line.find(":")
    if cut < 0:
        return ""
    return line[cut + 1 :].strip()


def payload(line):
    """The text after ``"+XXX:"``, stripped (``"+CSQ: 21,0"`` -> ``"21,0"``)."""
    cut = line.find(":")
    if cut < 0:
        return line.strip()
    return line[cut + 1 :].strip()


def split_params(text, field="AT response"):
    """Split ``1,"SM",,"a,b"`` into ``[1, "SM", None, "a,b"]``.

    Unquoted digits become ints, empty fields None, quoted fields str (quotes
    removed).  Raises ``DecodeError`` for an unterminated quote.
    """
    out = []
    i = 0
    n = len(text)
    while True:
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise DecodeError("unterminated quoted string", field, i, 'a closing "')
            out.append(text[i + 1 : end])
            i = end + 1
            while i < n and text[i] == " ":
                i += 1
            if i < n and text[i] != ",":
                raise DecodeError("text after a quoted string", field, i, "',' or end of line")
        else:
            end = text.find(",", i)
            if end < 0:
                end = n
            item = text[i:end].strip()
            if item == "":
                out.append(None)
            elif _is_digits(item):
                out.append(int(item))
            else:
                out.append(item)
            i = end
        if i >= n:
            return out
        i += 1  # skip the comma
        if i >= n:
            out.append(None)
            return out


def _is_digits(s):
    if s.startswith("-"):
        s = s[1:]
    if not s:
        return False
    for c in s:
        if c < "0" or c > "9":
            return False
    return True


def param_int(params, index, field):
    """``params[index]`` as an int; ``DecodeError`` naming ``field`` otherwise."""
    if index >= len(params) or type(params[index]) is not int:
        raise DecodeError("missing or non-numeric value", field, index, "an integer")
    return params[index]


def parse_hex(text, field="PDU"):
    """Hex digits -> bytes; ``DecodeError`` with the position of a bad digit."""
    return _parse_hex(text.strip(), field)


def quote(text):
    """A string parameter for a command line; ``ValidationError`` if it cannot be quoted."""
    from lib12333.errors import ValidationError

    for c in text:
        if c == '"' or c == "\r" or c == "\n" or ord(c) < 0x20 or ord(c) > 0x7E:
            raise ValidationError("character not allowed in a quoted AT parameter", "parameter",
                                  "printable ASCII without '\"'")
    return '"' + text + '"'
