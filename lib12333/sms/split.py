"""
Splitting text into SMS parts and counting what it costs.

The length of a part is counted in the unit its alphabet uses: septets for the
GSM 7-bit alphabet (an extension character such as "€" or "[" costs two, the
escape and the code) and UTF-16 code units for UCS2 (a character above U+FFFF,
such as an emoji or a CJK Extension B ideograph, costs two, the surrogate pair).
A cut never falls inside an escape sequence or a surrogate pair: both halves
always travel in the same part.

Capacity of one part (TS 23.040 9.2.3.16 / 9.2.3.24): 140 octets of user data,
minus the header (UDHL + elements) when there is one; 7-bit text fills the rest
in septets after the fill bits.  Single-part: 160 septets or 70 units; with an
8-bit concatenation header: 153 septets or 67 units; 16-bit: 152 or 66.
"""

from lib12333.errors import ValidationError
from lib12333.sms import gsm7, ucs2, udh

CONCAT8_IE_LEN = 5
CONCAT16_IE_LEN = 6
PORTS16_IE_LEN = 6


def septets(text):
    """Septets ``text`` needs in the GSM 7-bit alphabet (ValidationError if it cannot)."""
    return gsm7.septets(text)


def is_gsm7(text):
    """True when ``text`` can be sent in the GSM 7-bit alphabet."""
    return gsm7.is_gsm7(text)


def utf16_units(text):
    """UTF-16 code units ``text`` needs in UCS2."""
    return ucs2.units(text)


def capacity(encoding, ie_len):
    """Units one part holds when its header elements take ``ie_len`` octets (0 = no header)."""
    hlen = ie_len + 1 if ie_len else 0
    if encoding == "gsm7":
        return 160 - udh.header_septets(hlen)
    if encoding == "ucs2":
        return (140 - hlen) // 2
    return 140 - hlen


class Plan:
    """How a text is split: ``encoding``, ``parts``, ``units``, ``capacity``, ``count``, ``left``."""

    __slots__ = ("encoding", "parts", "units", "capacity", "count", "left", "concat")

    def __init__(self, encoding, parts, units, cap, concat):
        self.encoding = encoding
        self.parts = parts
        self.units = units
        self.capacity = cap
        self.count = len(parts)
        self.left = cap - units[-1]
        self.concat = concat

    def to_dict(self):
        from lib12333.compat import OrderedDict

        return OrderedDict(
            (
                ("encoding", self.encoding),
                ("count", self.count),
                ("capacity", self.capacity),
                ("left", self.left),
                ("units", list(self.units)),
                ("parts", list(self.parts)),
            )
        )

    def __repr__(self):
        return "Plan(%s, %d part(s), %d left)" % (self.encoding, self.count, self.left)


def choose_encoding(text):
    """The cheapest alphabet for ``text``: "gsm7" when every character has a GSM code, else "ucs2"."""
    return "gsm7" if gsm7.is_gsm7(text) else "ucs2"


def _cut(text, encoding, cap):
    parts = []
    units = []
    if encoding == "ucs2":
        cost = ucs2.char_units
        if ucs2.units(text) == len(text):  # all in the BMP: slice directly
            for i in range(0, len(text), cap):
                parts.append(text[i : i + cap])
                units.append(len(parts[-1]))
            return parts, units
    else:
        cost = gsm7.char_cost
    start = 0
    used = 0
    for i in range(len(text)):
        c = cost(text[i])
        if c == 0:
            gsm7.septets(text)  # raises with the position
        if used + c > cap:
            parts.append(text[start:i])
            units.append(used)
            start = i
            used = 0
        used += c
    parts.append(text[start:])
    units.append(used)
    return parts, units


def plan(text, encoding=None, ports=False, ref16=False, extra_udh_len=0):
    """Split ``text`` into parts (see the module docstring); ``encoding`` None picks the cheapest."""
    if not isinstance(text, str):
        raise ValidationError("text must be a str", field="text", expected="str")
    if encoding is None:
        encoding = choose_encoding(text)
    elif encoding not in ("gsm7", "ucs2"):
        raise ValidationError("unknown text encoding", field="encoding", expected="gsm7 or ucs2")
    base = (PORTS16_IE_LEN if ports else 0) + extra_udh_len
    cap = capacity(encoding, base)
    total = gsm7.septets(text) if encoding == "gsm7" else ucs2.units(text)
    if total <= cap:
        return Plan(encoding, [text], [total], cap, False)
    cap = capacity(encoding, base + (CONCAT16_IE_LEN if ref16 else CONCAT8_IE_LEN))
    if cap < 2:
        raise ValidationError("header leaves no room for text", field="udh", expected="shorter extra elements")
    parts, units = _cut(text, encoding, cap)
    if len(parts) > 255:
        raise ValidationError("text needs %d parts" % len(parts), field="text", expected="<= 255 parts")
    return Plan(encoding, parts, units, cap, True)


def split_data(data, ports=False, ref16=False, extra_udh_len=0):
    """Cut 8-bit ``data`` into chunks: ``(chunks, concat_needed)``."""
    base = (PORTS16_IE_LEN if ports else 0) + extra_udh_len
    cap = capacity("8bit", base)
    if len(data) <= cap:
        return [bytes(data)], False
    cap = capacity("8bit", base + (CONCAT16_IE_LEN if ref16 else CONCAT8_IE_LEN))
    chunks = [bytes(data[i : i + cap]) for i in range(0, len(data), cap)]
    if len(chunks) > 255:
        raise ValidationError("data needs %d parts" % len(chunks), field="data", expected="<= 255 parts")
    return chunks, True
