"""Hypothesis strategies for the information library and citizen requests.

    from lib12333.host.testing.library import entries, docnum_parts, dates, refs

``entries()`` draws valid ``Entry`` objects from a small key space so that
overrides, duplicates and conflicts actually happen; ``libraries()`` draws
lists of them.
"""

from hypothesis import strategies as st

from lib12333 import categories
from lib12333.dates import days_in_month
from lib12333.library.entry import Entry

SUBCLASSES = tuple(c for c, _ in categories.items() if len(c) == 4)
ISSUERS = ("人社信息函", "人社厅发", "劳社部函", "人社部发", "人社厅函", "工信部电管函")
BRACKETS = ("〔〕", "[]", "［］", "【】")
PROVINCES = ("330000", "440000")
CITIES = {"330000": ("330100", "330200"), "440000": ("440100",)}
KEYS = ("dial", "sms", "card-loss", "complaint", "scope", "fee")
DAYS = ("2010-01-01", "2011-06-30", "2012-02-29", "2013-03-01", "2013-12-31", "2014-07-01")


@st.composite
def dates(draw, min_year=1900, max_year=2099):
    """A calendar date ``(y, m, d)``."""
    y = draw(st.integers(min_year, max_year))
    m = draw(st.integers(1, 12))
    d = draw(st.integers(1, days_in_month(y, m)))
    return (y, m, d)


@st.composite
def docnum_parts(draw):
    """``(issuer, year, serial)`` of a document number."""
    issuer = draw(st.one_of(st.sampled_from(ISSUERS),
                            st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=8)))
    return issuer, draw(st.integers(1949, 9999)), draw(st.integers(1, 99999))


def iso_days():
    return st.sampled_from(DAYS)


@st.composite
def entries(draw):
    """A valid ``Entry`` with a key from a small set, at any level and region."""
    level = draw(st.sampled_from(("national", "provincial", "city")))
    region = ""
    if level == "provincial":
        region = draw(st.sampled_from(PROVINCES))
    elif level == "city":
        region = draw(st.sampled_from(CITIES["330000"] + CITIES["440000"]))
    cat = draw(st.sampled_from(SUBCLASSES))
    if level != "national" and draw(st.booleans()):
        cat += draw(st.sampled_from(("01", "02", "0101")))
    valid_from = draw(st.one_of(st.none(), iso_days()))
    valid_to = draw(st.one_of(st.none(), iso_days()))
    if valid_from and valid_to and valid_to < valid_from:
        valid_from, valid_to = valid_to, valid_from
    return Entry.from_dict({
        "key": draw(st.sampled_from(KEYS)),
        "kind": draw(st.sampled_from(("qa", "policy", "procedure"))),
        "category": cat,
        "level": level,
        "region": region,
        "title": draw(st.sampled_from(("怎样拨打12333", "社保卡挂失", "短信署名", "投诉举报"))),
        "body": draw(st.sampled_from(("甲", "乙", "丙"))),
        "source_doc": draw(st.sampled_from(("人社信息函〔2010〕52号", "人社厅发[2010]92号"))),
        "source_date": draw(st.sampled_from(("2010-12-06", "2010-10-12"))),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "version": draw(st.integers(1, 3)),
    })


def libraries(max_size=25):
    return st.lists(entries(), max_size=max_size)


def regions():
    """A merge target: national, a province, or a city (including one without entries)."""
    return st.sampled_from(("", "330000", "440000", "330100", "330200", "440100", "330300"))


@st.composite
def ref_args(draw):
    """Arguments of ``lib12333.requests.make_ref``."""
    kind = draw(st.sampled_from(("consultation", "complaint", "report")))
    centre = draw(st.text("0123456789", min_size=6, max_size=6))
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    device = draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + draw(st.text(alnum, min_size=2, max_size=2))
    day = draw(dates(2000, 2099))
    seq = draw(st.integers(1, 9999))
    return kind, centre, device, day, seq
