"""Hypothesis strategies for the category codes of 人社信息函[2010]52号 (``lib12333.categories``)."""

from hypothesis import strategies as st

from lib12333 import categories
from lib12333.category_ext import FORMAT_TAG

NATIONAL = tuple(code for code, _ in categories.items())
CLASSES = tuple(c for c in NATIONAL if len(c) == 2)
SUBCLASSES = tuple(c for c in NATIONAL if len(c) == 4)


def national_codes():
    """Any of the 173 national codes."""
    return st.sampled_from(NATIONAL)


def class_codes():
    return st.sampled_from(CLASSES)


def subclass_codes():
    return st.sampled_from(SUBCLASSES)


def unknown_codes():
    """Well-formed 2- or 4-digit codes that are not in the national table."""
    digits = st.text("0123456789", min_size=2, max_size=2)
    two = digits
    four = st.tuples(digits, digits).map("".join)
    return st.one_of(two, four).filter(lambda c: not categories.exists(c))


def malformed_codes():
    """Text that is not a category code at all (wrong length or a non-digit)."""
    wrong_length = st.text("0123456789", min_size=0, max_size=10).filter(lambda t: len(t) not in (2, 4, 6, 8))
    with_letter = st.tuples(
        st.text("0123456789", min_size=0, max_size=3),
        st.characters(blacklist_characters="0123456789"),
        st.text("0123456789", min_size=0, max_size=4),
    ).map("".join)
    return st.one_of(wrong_length, with_letter)


_names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12)


def _table(draw, level, region, parents, max_entries):
    """A table of ``level`` whose codes extend ``parents`` by two digits (1 to 3 children each)."""
    codes = set()
    for p in parents:
        for suffix in draw(st.lists(st.integers(1, 99), min_size=1, max_size=3, unique=True)):
            codes.add(p + "%02d" % suffix)
    codes = sorted(codes)[:max_entries]
    return {
        "format": FORMAT_TAG,
        "level": level,
        "region": region,
        "categories": [{"code": c, "name": draw(_names)} for c in codes],
    }


@st.composite
def province_tables(draw, region="330000", max_entries=8):
    """A valid province extension table as a dict (the JSON object of docs/categories.md)."""
    parents = draw(st.lists(subclass_codes(), min_size=1, max_size=4, unique=True))
    return _table(draw, "province", region, parents, max_entries)


@st.composite
def city_tables(draw, province_table, region="330100", max_entries=8):
    """A valid city table extending the codes of ``province_table`` (a dict)."""
    parents = [e["code"] for e in province_table["categories"]]
    chosen = draw(st.lists(st.sampled_from(parents), min_size=1, max_size=3, unique=True))
    return _table(draw, "city", region, chosen, max_entries)
