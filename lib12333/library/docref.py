"""
Chinese document numbers (发文字号) and dates written in Chinese numerals.

A document number names the issuing office's prefix, the year in brackets and a
serial number: ``人社信息函〔2010〕52号``.  Printed notices use several bracket
pairs for the year: the official hexagonal 〔〕, ASCII ``[]``, full-width ［］ and
lenticular 【】; some wrap the whole number in parentheses and put a space
before the serial (``（人社信息函[2012] 9号）``).  ``parse_docnum`` accepts all of
these; ``format_docnum`` writes the canonical 〔〕 form.

Dates at the foot of a notice are written digit by digit for the year and in
counting numerals for month and day: ``二○一○年十月十二日`` (the zero is the
circle ○ U+25CB or the ideographic zero 〇 U+3007, sometimes 零).  Newer notices
write ``2013年2月25日``; both parse to a ``(year, month, day)`` tuple.

Bad input raises ``DecodeError`` with the character ``position`` where reading
failed and what was ``expected`` there.  A date that does not exist (二月三十日)
is a ``DecodeError`` too, pointing at the day.
"""

from lib12333.dates import days_in_month
from lib12333.errors import DecodeError

# digit values of the characters used for years: 〇 ○ 零 O and 一..九
_ZERO = "〇○零"
_CN_DIGITS = "一二三四五六七八九"
_FW_DIGITS = "０１２３４５６７８９"
_OPEN = "〔[［【"
_CLOSE = "〕]］】"
_SPACES = " \u3000\t"


def _digit(ch):
    """Value 0-9 of an ASCII or full-width digit, else -1."""
    if "0" <= ch <= "9":
        return ord(ch) - 48
    i = _FW_DIGITS.find(ch)
    return i


def _cn_digit(ch):
    """Value of a single Chinese digit character (〇/○/零 = 0, 一..九), else -1."""
    if ch in _ZERO:
        return 0
    i = _CN_DIGITS.find(ch)
    if i >= 0:
        return i + 1
    return -1


def _is_cjk(ch):
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF


class DocNumber:
    """A parsed document number: ``issuer`` prefix, ``year`` and ``serial``."""

    __slots__ = ("issuer", "year", "serial")

    def __init__(self, issuer, year, serial):
        self.issuer = issuer
        self.year = year
        self.serial = serial

    def __eq__(self, other):
        return (
            isinstance(other, DocNumber)
            and self.issuer == other.issuer
            and self.year == other.year
            and self.serial == other.serial
        )

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.issuer, self.year, self.serial))

    def __repr__(self):
        return "DocNumber(" + format_docnum(self) + ")"

    def __str__(self):
        return format_docnum(self)


def _skip_spaces(chars, i):
    while i < len(chars) and chars[i] in _SPACES:
        i += 1
    return i


def _read_number(chars, i, field, max_digits):
    """Read 1..max_digits ASCII/full-width digits at i; return (value, next index)."""
    start = i
    value = 0
    while i < len(chars):
        d = _digit(chars[i])
        if d < 0:
            break
        value = value * 10 + d
        i += 1
        if i - start > max_digits:
            raise DecodeError("too many digits", field=field, position=i - 1, expected=str(max_digits) + " digits at most")
    if i == start:
        raise DecodeError("missing number", field=field, position=i, expected="digits")
    return value, i


def _chars(text, field):
    """``text`` as a list of characters (MicroPython indexes a str by walking its UTF-8 from the start); DecodeError when it is not a str."""
    if not isinstance(text, str):
        raise DecodeError("not text", field=field, position=0, expected="str")
    return list(text)


def parse_docnum(text):
    """Parse ``人社信息函〔2010〕52号`` (any of 〔〕 [] ［］ 【】) into a ``DocNumber``."""
    chars = _chars(text, "docnum")
    n = len(chars)
    i = _skip_spaces(chars, 0)
    wrapped = None
    if i < n and chars[i] in "（(":
        wrapped = "）" if chars[i] == "（" else ")"
        i = _skip_spaces(chars, i + 1)
    start = i
    while i < n and _is_cjk(chars[i]):
        i += 1
    if i == start:
        raise DecodeError("missing issuer prefix", field="docnum", position=i, expected="Chinese characters such as 人社信息函")
    issuer = "".join(chars[start:i])
    i = _skip_spaces(chars, i)
    if i >= n or chars[i] not in _OPEN:
        raise DecodeError("missing opening bracket before year", field="docnum", position=i, expected="one of " + _OPEN)
    close = _CLOSE[_OPEN.find(chars[i])]
    i = _skip_spaces(chars, i + 1)
    year_at = i
    year, i = _read_number(chars, i, "docnum year", 4)
    if i - year_at != 4 or year < 1949:
        raise DecodeError("year must have four digits from 1949", field="docnum year", position=year_at, expected="e.g. 2010")
    i = _skip_spaces(chars, i)
    if i >= n or chars[i] != close:
        raise DecodeError("missing closing bracket after year", field="docnum", position=i, expected=close)
    i = _skip_spaces(chars, i + 1)
    if i < n and chars[i] == "第":
        i = _skip_spaces(chars, i + 1)
    serial_at = i
    serial, i = _read_number(chars, i, "docnum serial", 5)
    if serial == 0:
        raise DecodeError("serial number 0", field="docnum serial", position=serial_at, expected="1 or more")
    i = _skip_spaces(chars, i)
    if i >= n or chars[i] != "号":
        raise DecodeError("missing 号 after serial number", field="docnum", position=i, expected="号")
    i = _skip_spaces(chars, i + 1)
    if wrapped is not None:
        if i >= n or chars[i] not in "）)":
            raise DecodeError("missing closing parenthesis", field="docnum", position=i, expected=wrapped)
        i = _skip_spaces(chars, i + 1)
    if i != n:
        raise DecodeError("unexpected text after the number", field="docnum", position=i, expected="end of text")
    return DocNumber(issuer, year, serial)


def format_docnum(doc, brackets="〔〕"):
    """Canonical text of a ``DocNumber``: ``issuer〔year〕serial号``."""
    if len(brackets) != 2:
        raise DecodeError("brackets must be a pair", field="brackets", expected="two characters such as 〔〕")
    return doc.issuer + brackets[0] + str(doc.year) + brackets[1] + str(doc.serial) + "号"


def normalize_docnum(text):
    """Re-write any accepted spelling in the canonical 〔〕 form."""
    return format_docnum(parse_docnum(text))


# ---------------------------------------------------------------- dates


def _read_cn_count(chars, i, field):
    """Read a counting numeral 1..39 (一 .. 十 .. 三十九) at i; return (value, next)."""
    n = len(chars)
    start = i
    tens = 0
    units = 0
    if i < n and chars[i] == "十":
        tens = 1
        i += 1
    else:
        d = _cn_digit(chars[i]) if i < n else -1
        if d <= 0:
            raise DecodeError("missing Chinese numeral", field=field, position=i, expected="一 to 三十一")
        i += 1
        if i < n and chars[i] == "十":
            if d > 3:
                raise DecodeError("tens digit too large", field=field, position=start, expected="一, 二 or 三 before 十")
            tens = d
            i += 1
        else:
            return d, i
    if i < n:
        d = _cn_digit(chars[i])
        if d > 0:
            units = d
            i += 1
    return tens * 10 + units, i


def parse_cn_date(text):
    """Parse ``二○一○年十月十二日`` or ``2013年2月25日`` into ``(year, month, day)``."""
    chars = _chars(text, "date")
    n = len(chars)
    i = _skip_spaces(chars, 0)
    year_at = i
    if i < n and _digit(chars[i]) >= 0:
        arabic = True
        year, i = _read_number(chars, i, "date year", 4)
        if i - year_at != 4:
            raise DecodeError("year must have four digits", field="date year", position=year_at, expected="e.g. 2010")
    else:
        arabic = False
        year = 0
        while i < n and _cn_digit(chars[i]) >= 0:
            year = year * 10 + _cn_digit(chars[i])
            i += 1
        if i - year_at != 4:
            raise DecodeError("year must be four Chinese digits", field="date year", position=year_at, expected="e.g. 二〇一〇")
    if year < 1900:
        raise DecodeError("year out of range", field="date year", position=year_at, expected="1900 or later")
    i = _past_unit(chars, i, "年", "年")
    month_at = i
    month, i = _read_date_part(chars, i, arabic, "date month")
    if not 1 <= month <= 12:
        raise DecodeError("month out of range", field="date month", position=month_at, expected="1 to 12")
    i = _past_unit(chars, i, "月", "月")
    day_at = i
    day, i = _read_date_part(chars, i, arabic, "date day")
    if not 1 <= day <= days_in_month(year, month):
        raise DecodeError("day does not exist in that month", field="date day", position=day_at,
                          expected="1 to " + str(days_in_month(year, month)))
    i = _past_unit(chars, i, "日号", "日")
    if i != n:
        raise DecodeError("unexpected text after the date", field="date", position=i, expected="end of text")
    return (year, month, day)


def _read_date_part(chars, i, arabic, field):
    """The month or day at ``i``, written like the year (Arabic digits or a Chinese count); ``(value, next i)``."""
    if arabic:
        return _read_number(chars, i, field, 2)
    return _read_cn_count(chars, i, field)


def _past_unit(chars, i, units, shown):
    """The index after the unit character (one of ``units``) that must follow, spaces skipped either side."""
    i = _skip_spaces(chars, i)
    if i >= len(chars) or chars[i] not in units:
        raise DecodeError("missing " + shown, field="date", position=i, expected=shown)
    return _skip_spaces(chars, i + 1)


def _cn_count(value):
    """1..31 as a counting numeral: 十, 十二, 二十, 三十一."""
    tens = value // 10
    units = value % 10
    out = ""
    if tens == 1:
        out = "十"
    elif tens > 1:
        out = _CN_DIGITS[tens - 1] + "十"
    if units:
        out += _CN_DIGITS[units - 1]
    return out


def format_cn_date(year, month, day, zero="〇"):
    """``(2010, 10, 12)`` → ``二〇一〇年十月十二日`` (``zero`` may be ``○``)."""
    check_date(year, month, day)
    digits = ""
    for ch in str(year):
        v = ord(ch) - 48
        digits += zero if v == 0 else _CN_DIGITS[v - 1]
    return digits + "年" + _cn_count(month) + "月" + _cn_count(day) + "日"


def check_date(year, month, day, field="date"):
    if not (type(year) is int and type(month) is int and type(day) is int):
        raise DecodeError("date parts must be integers", field=field)
    if not 1900 <= year <= 9999 or not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        raise DecodeError("no such date", field=field, expected="a calendar date from 1900")


def iso_date(date):
    """``(2010, 10, 12)`` → ``"2010-10-12"``."""
    y, m, d = date
    check_date(y, m, d)
    return str(y) + "-" + ("0" if m < 10 else "") + str(m) + "-" + ("0" if d < 10 else "") + str(d)


def parse_iso_date(text, field="date"):
    """``"2010-10-12"`` → ``(2010, 10, 12)``; DecodeError with position otherwise."""
    if not isinstance(text, str):
        raise DecodeError("not text", field=field, position=0, expected="YYYY-MM-DD")
    if len(text) != 10:
        raise DecodeError("wrong length", field=field, position=min(len(text), 10), expected="YYYY-MM-DD")
    for i in range(10):
        ch = text[i]
        if i in (4, 7):
            if ch != "-":
                raise DecodeError("missing '-'", field=field, position=i, expected="YYYY-MM-DD")
        elif not ("0" <= ch <= "9"):
            raise DecodeError("not a digit", field=field, position=i, expected="YYYY-MM-DD")
    y = int(text[0:4])
    m = int(text[5:7])
    d = int(text[8:10])
    if not 1 <= m <= 12:
        raise DecodeError("month out of range", field=field, position=5, expected="01 to 12")
    if y < 1900 or not 1 <= d <= days_in_month(y, m):
        raise DecodeError("no such date", field=field, position=8 if y >= 1900 else 0, expected="a calendar date from 1900")
    return (y, m, d)


def parse_any_date(text, field="date"):
    """ISO ``2010-10-12`` or a Chinese date; returns the ISO string."""
    if isinstance(text, str) and len(text) == 10 and text[4:5] == "-":
        return iso_date(parse_iso_date(text, field))
    return iso_date(parse_cn_date(text))
