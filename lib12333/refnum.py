"""
Request reference numbers as a citizen reads and types them; small enough for the kiosk.

A reference (``lib12333.requests.make_ref``) is 21 characters, e.g. ``T330100K0113030100077``:
kind, centre, device, day YYMMDD, sequence NNNN, check character.  A citizen types only
its day and sequence (10 digits); a STATUS_QUERY frame carries them as one number,
days since 2000-01-01 x 10000 + sequence.  Kiosk and gateway both compute it here.
"""

from lib12333.dates import civil_from_days, days_from_civil, is_date

REF_LENGTH = 21
TYPED_DIGITS = 10  # the day YYMMDD and the sequence NNNN
_DAY_2000 = 10957  # days_from_civil(2000, 1, 1)


def format_ref(ref):
    """``T-330100-K01-130301-0007-7`` for reading aloud; text of another length comes back unchanged."""
    if len(ref) != REF_LENGTH:
        return ref
    return ref[0] + "-" + ref[1:7] + "-" + ref[7:10] + "-" + ref[10:16] + "-" + ref[16:20] + "-" + ref[20]


def day_number(year, month, day):
    """Days from 2000-01-01 to (year, month, day) for the years 2000-2099 a reference can name, else None."""
    if not (2000 <= year <= 2099 and is_date(year, month, day)):
        return None
    return days_from_civil(year, month, day) - _DAY_2000


def query_number(day, seq):
    """The STATUS_QUERY ``ref_seq`` for a reference's ``day`` (y, m, d) and ``seq`` (1-9999), or None."""
    days = day_number(day[0], day[1], day[2])
    if days is None or not 1 <= seq <= 9999:
        return None
    return days * 10000 + seq


def typed_number(typed):
    """The STATUS_QUERY ``ref_seq`` for the 10 typed digits YYMMDDNNNN of a reference, or None if they cannot be one."""
    if len(typed) != TYPED_DIGITS:
        return None
    for ch in typed:
        if not ("0" <= ch <= "9"):
            return None
    return query_number((2000 + int(typed[0:2]), int(typed[2:4]), int(typed[4:6])), int(typed[6:10]))


def query_day(number):
    """The reference's (day (y, m, d), seq) named by a STATUS_QUERY ``ref_seq`` (inverse of :func:`query_number`)."""
    days, seq = divmod(number, 10000)
    return civil_from_days(_DAY_2000 + days), seq
