"""
Normalise Chinese telephone numbers as people write them.

Accepted forms (spaces, dashes, dots and brackets between digits are ignored):

    +86 / 0086 country prefix      +86 571 8765 4321, 0086-10-12345678
    trunk 0 with an area code      0571-87654321, (010) 12345678, 0571-12333
    mobile                         13800000000, +86 138 0000 0000
    service numbers                12333, 12370, 0571-12333, +86 571 12333
    a local fixed number           87654321 (area comes from the caller)

Area codes follow the national numbering plan: 10 and 20-29 are two digits,
every other code three digits (written with the trunk 0: "010", "0571").
Whether the area code exists is a question for ``RegionTable.area``.

``normalise`` returns a ``Number``; bad input raises ``DecodeError`` whose
message names the position but never repeats the digits (they are personal data).
"""

from lib12333.errors import DecodeError

MOBILE = "mobile"
FIXED = "fixed"
SERVICE = "service"

# Short numbers this module treats as service numbers (5 digits, 12xxx family of public-service numbers).
SERVICE_NUMBERS = ("12333", "12370")

_SEPARATORS = " -.()\t"


class Number:
    """A normalised number: ``kind`` (mobile/fixed/service), ``area`` ("0571" or None), ``local`` digits."""

    __slots__ = ("kind", "area", "local")

    def __init__(self, kind, area, local):
        self.kind = kind
        self.area = area
        self.local = local

    def national(self):
        """The national dialling form without separators, e.g. "057112333"."""
        return (self.area or "") + self.local

    def display(self):
        """"0571-12333", "13800000000", "12333"."""
        if self.area:
            return self.area + "-" + self.local
        return self.local

    def e164(self):
        """"+8657112333"; None for a local number without an area code."""
        if self.kind == MOBILE:
            return "+86" + self.local
        if not self.area:
            return None
        return "+86" + self.area[1:] + self.local

    def masked(self):
        """Display form with the middle digits hidden: 138****0000, 0571-87****21; service numbers stay whole."""
        if self.kind == SERVICE:
            return self.display()
        local = self.local
        head, tail = (3, 4) if self.kind == MOBILE else (2, 2)
        hidden = local[:head] + "*" * (len(local) - head - tail) + local[len(local) - tail :]
        if self.area:
            return self.area + "-" + hidden
        return hidden

    def __eq__(self, other):
        return (
            isinstance(other, Number)
            and self.kind == other.kind
            and self.area == other.area
            and self.local == other.local
        )

    def __repr__(self):
        return "Number(%r, %r, %r)" % (self.kind, self.area, self.local)


def area_length(digits):
    """Digits in the area code that starts ``digits`` (without the trunk 0): 2 or 3."""
    if digits[0] == "1" or digits[0] == "2":
        return 2
    return 3


def _strip(text):
    if type(text) is not str:
        raise DecodeError("number must be text", field="number", expected="str")
    out = []
    plus = False
    for i, ch in enumerate(text):
        if "0" <= ch <= "9":
            out.append(ch)
        elif ch == "+" and not out and not plus:
            plus = True
        elif ch in _SEPARATORS:
            continue
        else:
            raise DecodeError("unexpected character", field="number", position=i, expected="digits, +, spaces or dashes")
    if not out:
        raise DecodeError("no digits", field="number", position=0, expected="a telephone number")
    return plus, "".join(out)


def _is_mobile(digits):
    return len(digits) == 11 and digits[0] == "1" and "3" <= digits[1] <= "9"


def _local_fixed(local):
    return 7 <= len(local) <= 8 and local[0] not in "01"


def _after_area(area, rest, position):
    if rest in SERVICE_NUMBERS:
        return Number(SERVICE, area, rest)
    if _local_fixed(rest):
        return Number(FIXED, area, rest)
    raise DecodeError(
        "subscriber part has a wrong length or start",
        field="number",
        position=position,
        expected="7-8 digits not starting with 0 or 1, or 12333/12370",
    )


def normalise(text):
    """Parse ``text`` into a ``Number``; raise DecodeError for anything else."""
    plus, digits = _strip(text)
    international = False
    if plus:
        if not digits.startswith("86"):
            raise DecodeError("only +86 numbers are supported", field="number", position=1, expected="+86")
        digits = digits[2:]
        international = True
    elif digits.startswith("0086"):
        digits = digits[4:]
        international = True
    if not digits:
        raise DecodeError("nothing after the country code", field="number", expected="a national number")
    if international:
        if _is_mobile(digits):
            return Number(MOBILE, None, digits)
        if digits[0] == "0":  # "+86 0571 ..." is common though wrong; the trunk 0 is dropped
            digits = digits[1:]
        if not digits or digits[0] == "0":
            raise DecodeError("area code cannot start with 0 after +86", field="number", expected="1-9")
        n = area_length(digits)
        return _after_area("0" + digits[:n], digits[n:], n)
    if digits[0] == "0":
        if len(digits) < 3 or digits[1] == "0":
            raise DecodeError("bad area code", field="number", position=1, expected="0 then 1-9")
        n = area_length(digits[1:])
        return _after_area(digits[: n + 1], digits[n + 1 :], n + 1)
    if _is_mobile(digits):
        return Number(MOBILE, None, digits)
    if digits in SERVICE_NUMBERS:
        return Number(SERVICE, None, digits)
    if _local_fixed(digits):
        return Number(FIXED, None, digits)
    raise DecodeError(
        "not a mobile, fixed-line or service number",
        field="number",
        position=0,
        expected="11-digit mobile, 0+area+number, 7-8 digit local number, 12333 or 12370",
    )
