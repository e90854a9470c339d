"""
Dates, times of day and the holiday calendar, without a wall clock.

The time of a request comes in as text (``2026-11-29T20:00``, seconds allowed)
and the holidays as dates the caller passes; nothing here reads a clock.

A day is a *workday* when it is a make-up working day (调休上班) or a Monday to
Friday that is not a holiday; every other day is a *restday*.  Holidays win
over make-up days if a date is listed as both.
"""

from lib12333.dates import days_from_civil, days_in_month
from lib12333.errors import DecodeError


def _num(text, start, end, field):
    part = text[start:end]
    if len(part) == end - start and part.isdigit() and len(part.encode()) == len(part):
        return int(part)  # fast path: ASCII digits only (isdigit alone accepts other scripts' digits)
    if len(part) != end - start:
        raise DecodeError("too short", field=field, position=start, expected="YYYY-MM-DDTHH:MM")
    value = 0
    for i in range(len(part)):
        ch = part[i]
        if ch < "0" or ch > "9":
            raise DecodeError("not a digit", field=field, position=start + i, expected="a digit")
        value = value * 10 + ord(ch) - 48
    return value


def parse_date(text, field="date"):
    """Check ``YYYY-MM-DD`` and return it unchanged; DecodeError when malformed or not a real date."""
    if type(text) is not str or len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise DecodeError("bad date", field=field, expected="YYYY-MM-DD")
    year = _num(text, 0, 4, field)
    month = _num(text, 5, 7, field)
    day = _num(text, 8, 10, field)
    if year < 1900 or not 1 <= month <= 12:
        raise DecodeError("date out of range", field=field, expected="a year from 1900 and month 01-12")
    last = days_in_month(year, month)
    if not 1 <= day <= last:
        raise DecodeError("no such day in that month", field=field, expected="01-" + str(last))
    return text


def weekday(date):
    """0 = Monday ... 6 = Sunday for a checked ``YYYY-MM-DD``."""
    days = days_from_civil(int(date[0:4]), int(date[5:7]), int(date[8:10]))  # since 1970-01-01, a Thursday
    return (days + 3) % 7


def parse_clock(text, field="hours"):
    """``HH:MM`` -> minutes after midnight (0-1439)."""
    if type(text) is not str or len(text) != 5 or text[2] != ":":
        raise DecodeError("bad time of day", field=field, expected="HH:MM")
    hour = _num(text, 0, 2, field)
    minute = _num(text, 3, 5, field)
    if hour > 23 or minute > 59:
        raise DecodeError("time of day out of range", field=field, expected="00:00-23:59")
    return hour * 60 + minute


def parse_time(text, field="time"):
    """``YYYY-MM-DDTHH:MM[:SS]`` (a space may replace T) -> (date, minute of day)."""
    if type(text) is not str or len(text) not in (16, 19) or text[10] not in "T ":
        raise DecodeError("bad timestamp", field=field, expected="YYYY-MM-DDTHH:MM")
    date = parse_date(text[:10], field)
    if text[13] != ":":
        raise DecodeError("bad time of day", field=field, position=13, expected="HH:MM")
    hour = _num(text, 11, 13, field)
    minute = _num(text, 14, 16, field)
    if hour > 23 or minute > 59:
        raise DecodeError("time of day out of range", field=field, position=11, expected="00:00-23:59")
    minute += hour * 60
    if len(text) == 19:
        if text[16] != ":" or _num(text, 17, 19, field) > 59:
            raise DecodeError("bad seconds", field=field, position=16, expected=":SS")
    return date, minute


class Calendar:
    """Holidays and make-up workdays (sets of ``YYYY-MM-DD``), passed in by the caller."""

    __slots__ = ("holidays", "workdays")

    def __init__(self, holidays=(), workdays=()):
        self.holidays = set()
        self.workdays = set()
        for d in holidays:
            self.holidays.add(parse_date(d, "holidays"))
        for d in workdays:
            self.workdays.add(parse_date(d, "workdays"))

    def merged(self, other):
        """A new Calendar with the dates of both."""
        out = Calendar()
        out.holidays = self.holidays | other.holidays
        out.workdays = self.workdays | other.workdays
        return out

    def day_type(self, date):
        """``"workday"`` or ``"restday"`` for a checked date."""
        if date in self.holidays:
            return "restday"
        if date in self.workdays:
            return "workday"
        return "workday" if weekday(date) < 5 else "restday"
