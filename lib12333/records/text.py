"""
CSV and JSON Lines forms of ``ServiceRecord``, and UTC time stamps without a clock.

CSV: a header row with the field names in ``ServiceRecord.FIELDS`` order, then one
record per line.  Times are ISO 8601 UTC (``2026-03-01T08:00:05Z``), missing
values are empty, text is quoted RFC 4180 style only when it holds ``,`` or ``"``
(text never holds line breaks: the record forbids control characters).

JSON Lines: one object per line with the same keys; times are integers (seconds
since 1970 UTC) or ``null``.
"""

import json

from lib12333.dates import civil_from_days, days_from_civil
from lib12333.errors import DecodeError, ValidationError
from lib12333.records import ServiceRecord

HEADER = ",".join(ServiceRecord.FIELDS)
_INT_FIELDS = ("service", "region")
_TIME_FIELDS = ("arrival", "answer", "end")


# ------------------------------------------------------------------ time stamps

def _two(n):
    return ("0" + str(n)) if n < 10 else str(n)


def format_time(t, offset_s=0, utc_mark=True):
    """``YYYY-MM-DDTHH:MM:SSZ`` for epoch seconds ``t`` (shifted by ``offset_s`` first)."""
    t += offset_s
    days = t // 86400
    rest = t - days * 86400
    y, m, d = civil_from_days(days)
    text = (str(y) + "-" + _two(m) + "-" + _two(d) + "T" + _two(rest // 3600) + ":" + _two((rest // 60) % 60)
            + ":" + _two(rest % 60))
    return text + "Z" if utc_mark else text


def _digits(text, start, count, field, position):
    value = 0
    for i in range(start, start + count):
        c = text[i]
        if not ("0" <= c <= "9"):
            raise DecodeError("not a digit", field=field, position=position, expected="digit")
        value = value * 10 + ord(c) - 48
    return value


def parse_time(text, field="time", position=0, offset_s=0, sep="T", zulu=True):
    """Epoch seconds of ``YYYY-MM-DD<sep>HH:MM:SS`` (+ ``Z`` when ``zulu``) minus ``offset_s``.

    ``offset_s`` is the UTC offset the text was written in (28800 for Beijing time).
    """
    want = 20 if zulu else 19
    if len(text) != want or text[4] != "-" or text[7] != "-" or text[10] != sep or text[13] != ":" \
            or text[16] != ":" or (zulu and text[19] != "Z"):
        raise DecodeError("bad time stamp", field=field, position=position,
                          expected="YYYY-MM-DD" + sep + "HH:MM:SS" + ("Z" if zulu else ""))
    y = _digits(text, 0, 4, field, position)
    mo = _digits(text, 5, 2, field, position)
    d = _digits(text, 8, 2, field, position)
    h = _digits(text, 11, 2, field, position)
    mi = _digits(text, 14, 2, field, position)
    s = _digits(text, 17, 2, field, position)
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 60):
        raise DecodeError("time stamp out of range", field=field, position=position, expected="a real date and time")
    days = days_from_civil(y, mo, d)
    if civil_from_days(days) != (y, mo, d):
        raise DecodeError("no such date", field=field, position=position, expected="a real date")
    return days * 86400 + h * 3600 + mi * 60 + s - offset_s


# ------------------------------------------------------------------ CSV

def split_csv_line(line, position=0):
    """Fields of one RFC 4180 line (no line breaks inside fields).  ``position`` labels errors."""
    fields = []
    i = 0
    n = len(line)
    while True:
        if i < n and line[i] == '"':
            i += 1
            buf = []
            while True:
                j = line.find('"', i)
                if j < 0:
                    raise DecodeError("unterminated quoted field", field="csv", position=position,
                                      expected='closing "')
                buf.append(line[i:j])
                if j + 1 < n and line[j + 1] == '"':
                    buf.append('"')
                    i = j + 2
                    continue
                i = j + 1
                break
            fields.append("".join(buf))
            if i < n and line[i] != ",":
                raise DecodeError("text after closing quote", field="csv", position=position,
                                  expected="',' or end of line")
        else:
            j = line.find(",", i)
            if j < 0:
                j = n
            field = line[i:j]
            if '"' in field:
                raise DecodeError("quote inside unquoted field", field="csv", position=position,
                                  expected="quoted field")
            fields.append(field)
            i = j
        if i >= n:
            return fields
        i += 1  # the comma
        if i == n:
            fields.append("")
            return fields


def _quote(text):
    if "," in text or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv_line(record):
    """One CSV line (no line terminator)."""
    out = []
    for name in ServiceRecord.FIELDS:
        value = getattr(record, name)
        if name in _TIME_FIELDS:
            out.append("" if value is None else format_time(value))
        elif name in _INT_FIELDS:
            out.append(str(value))
        else:
            out.append(_quote(value))
    return ",".join(out)


def from_csv_line(line, line_no=0):
    """Record from one CSV line; ``line_no`` goes into error positions."""
    line = line.rstrip("\r\n")
    fields = split_csv_line(line, line_no)
    if len(fields) != len(ServiceRecord.FIELDS):
        raise DecodeError("wrong number of columns " + str(len(fields)), field="csv", position=line_no,
                          expected=str(len(ServiceRecord.FIELDS)))
    kwargs = {}
    for name, value in zip(ServiceRecord.FIELDS, fields):
        if name in _TIME_FIELDS:
            kwargs[name] = None if value == "" else parse_time(value, name, line_no)
        elif name in _INT_FIELDS:
            if not value or len(value) > 6 or not _all_digits(value):
                raise DecodeError("not a number", field=name, position=line_no, expected="digits")
            kwargs[name] = int(value)
        else:
            kwargs[name] = value
    if kwargs["arrival"] is None:
        raise DecodeError("missing arrival time", field="arrival", position=line_no, expected="a time stamp")
    try:
        return ServiceRecord(**kwargs)
    except ValidationError as exc:
        raise DecodeError(exc.reason, field=exc.field, position=line_no, expected=exc.expected)  # noqa: B904 (no chaining on MicroPython)


def _all_digits(text):
    for c in text:
        if not ("0" <= c <= "9"):
            return False
    return True


# ------------------------------------------------------------------ JSON Lines

def to_json_line(record):
    return json.dumps(record.to_dict())


def from_json_line(line, line_no=0):
    try:
        data = json.loads(line)
    except ValueError:
        raise DecodeError("not JSON", field="jsonl", position=line_no, expected="one JSON object per line")  # noqa: B904 (no chaining on MicroPython)
    except RuntimeError:  # CPython's RecursionError, MicroPython's "maximum recursion depth exceeded"
        raise DecodeError("JSON nested too deeply", field="jsonl", position=line_no, expected="one flat JSON object per line")  # noqa: B904
    if not isinstance(data, dict):
        raise DecodeError("not a JSON object", field="jsonl", position=line_no, expected="object")
    try:
        return ServiceRecord.from_dict(data)
    except (ValidationError, TypeError) as exc:
        field = getattr(exc, "field", None) or "jsonl"
        reason = getattr(exc, "reason", "bad record")
        raise DecodeError(reason, field=field, position=line_no, expected=getattr(exc, "expected", None))  # noqa: B904
