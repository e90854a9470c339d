"""
Calendar arithmetic, one home for the whole tree (kiosk included: this module is small).

Proleptic Gregorian dates as (year, month, day) and day counts since 1970-01-01
(H. Hinnant's algorithms: exact for any year, no tables, no wall clock).
"""


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year, month):
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def is_date(year, month, day):
    """True when (year, month, day) exists (any year)."""
    return 1 <= month <= 12 and 1 <= day <= days_in_month(year, month)


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    """(year, month, day) of a day count since 1970-01-01."""
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def iso_day(seconds, offset_s=8 * 3600):
    """``YYYY-MM-DD`` of Unix ``seconds`` in the zone ``offset_s`` east of UTC (China Standard Time by default)."""
    y, m, d = civil_from_days((seconds + offset_s) // 86400)
    return "%04d-%02d-%02d" % (y, m, d)
