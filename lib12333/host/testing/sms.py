"""Hypothesis strategies for SMS (``lib12333.sms``): texts, numbers, time stamps, PDUs.

Integrators can reuse them to test their own SMS handling, e.g.::

    from hypothesis import given
    from lib12333.host.testing import sms as sms_st

    @given(sms_st.submit_pdus())
    def test_gateway_accepts(pdu_bytes): ...
"""

from hypothesis import strategies as st

from lib12333.sms import encode, gsm7
from lib12333.sms.scts import Timestamp

GSM7_CHARS = "".join(gsm7.DEFAULT[i] for i in range(128) if i != 0x1B)
GSM7_EXTENSION = gsm7.EXTENSION_CHARS


def gsm7_texts(min_size=0, max_size=400, extension=True):
    """Text the GSM 7-bit alphabet can carry (extension characters included unless ``extension=False``)."""
    chars = GSM7_CHARS + (GSM7_EXTENSION if extension else "")
    return st.text(st.sampled_from(chars), min_size=min_size, max_size=max_size)


def chinese_texts(min_size=1, max_size=300):
    """Chinese notices: CJK ideographs, full-width punctuation, digits and some emoji / Extension B."""
    cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
    punct = st.sampled_from("，。、：；！？【】（）0123456789 ")
    astral = st.sampled_from("\U0001F600\U0001F44D\U00020000\U0002A6D6")
    return st.text(st.one_of(cjk, cjk, cjk, punct, astral), min_size=min_size, max_size=max_size)


def unicode_texts(min_size=0, max_size=300, astral=True, controls=True):
    """Any text a handset could send: no lone surrogates; astral planes unless ``astral=False``,
    C0/C1 control characters unless ``controls=False``."""
    top = 0x10FFFF if astral else 0xFFFF
    bad = ("Cs",) if controls else ("Cs", "Cc")
    return st.text(st.characters(max_codepoint=top, blacklist_categories=bad), min_size=min_size, max_size=max_size)


def numbers():
    """Phone numbers in lib12333's text form: international, national/short, alphanumeric."""
    intl = st.text("0123456789", min_size=3, max_size=15).map(lambda d: "+" + d)
    national = st.text("0123456789", min_size=1, max_size=20)
    alpha = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 "), min_size=1, max_size=11).filter(
        lambda t: not t.isdigit()
    )
    return st.one_of(intl, national, alpha)


def timestamps():
    """Valid ``Timestamp`` values (1970..2069, offsets in quarters of an hour)."""
    return st.builds(
        Timestamp,
        st.integers(1970, 2069),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
        st.integers(-48, 56).map(lambda q: q * 15),
    )


@st.composite
def submit_pdus(draw, text=None):
    """Bytes of one SMS-SUBMIT PDU (SMSC field first), possibly one part of a long message."""
    t = draw(text if text is not None else st.one_of(gsm7_texts(max_size=200), chinese_texts(max_size=100)))
    ref = draw(st.integers(0, 255))
    parts = encode.encode_submit(draw(numbers()), t, ref=ref, smsc=draw(st.sampled_from([None, "+8613800571500"])))
    return draw(st.sampled_from(parts)).pdu


@st.composite
def deliver_pdus(draw):
    """Bytes of one SMS-DELIVER PDU (SMSC field first)."""
    t = draw(st.one_of(gsm7_texts(max_size=200), chinese_texts(max_size=100)))
    parts = encode.encode_deliver(draw(numbers()), draw(timestamps()), t, ref=draw(st.integers(0, 65535)), ref16=True)
    return draw(st.sampled_from(parts)).pdu
