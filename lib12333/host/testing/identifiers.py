"""Hypothesis strategies for identifiers (``lib12333.identifiers``).

Every generated "valid" value passes the library's own parser; the mutants are
guaranteed to differ from the original in exactly one character.
"""

import datetime

from hypothesis import strategies as st

from lib12333 import identifiers as ids

PROVINCES = tuple("%02d" % n for n in range(10, 100) if ids.province_name("%02d" % n) is not None)
ID_ALPHABET = "0123456789X"
USCC_ALPHABET = ids._USCC


def birth_dates(min_year=1900, max_date=datetime.date(2026, 1, 1)):
    return st.dates(min_value=datetime.date(min_year, 1, 1), max_value=max_date)


@st.composite
def citizen_ids(draw, min_year=1900, max_date=datetime.date(2026, 1, 1)):
    """A valid 18-character citizen ID number (random province, county digits, date and order code)."""
    province = draw(st.sampled_from(PROVINCES))
    county = "%04d" % draw(st.integers(0, 9999))
    born = draw(birth_dates(min_year, max_date))
    order = "%03d" % draw(st.integers(0, 999))
    body = province + county + "%04d%02d%02d" % (born.year, born.month, born.day) + order
    return body + ids.citizen_id_check_digit(body)


@st.composite
def citizen_ids_15(draw):
    """A valid 15-digit (GB 11643-1989) ID number, births 1900-1999."""
    province = draw(st.sampled_from(PROVINCES))
    county = "%04d" % draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)))
    order = "%03d" % draw(st.integers(0, 999))
    return province + county + "%02d%02d%02d" % (born.year % 100, born.month, born.day) + order


@st.composite
def usccs(draw):
    """A valid unified social credit code (department and type 1-9/A-Y, digit region, any entity id)."""
    head = draw(st.sampled_from(USCC_ALPHABET[1:])) + draw(st.sampled_from(USCC_ALPHABET[1:]))
    region = "%06d" % draw(st.integers(0, 999999))
    entity = "".join(draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=9, max_size=9)))
    body = head + region + entity
    return body + ids.uscc_check_char(body)


@st.composite
def card_numbers(draw, valid_check=True):
    """A 9-character social-security card number whose check character matches (or not)."""
    body = draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + "".join(
        draw(st.lists(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=7, max_size=7))
    )
    check = ids.card_number_check_char(body)
    if not valid_check:
        check = draw(st.sampled_from([c for c in "0123456789X" if c != check]))
    return body + check


@st.composite
def single_char_mutants(draw, value, alphabet):
    """``value`` with exactly one position replaced by a different character of ``alphabet``."""
    pos = draw(st.integers(0, len(value) - 1))
    choices = [c for c in alphabet if c != value[pos]]
    return value[:pos] + draw(st.sampled_from(choices)) + value[pos + 1 :]


def citizen_id_mutants(min_year=1900):
    """Invalid citizen IDs: a valid one with one character changed (digits and X, last position)."""
    return citizen_ids(min_year).flatmap(
        lambda v: single_char_mutants(v, ID_ALPHABET).filter(lambda m: "X" not in m[:17])
    )


def uscc_mutants():
    return usccs().flatmap(lambda v: single_char_mutants(v, USCC_ALPHABET))
