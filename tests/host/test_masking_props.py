"""Property tests for lib12333.masking.find_personal / mask_text on arbitrary text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import masking as M
from lib12333.sms.policy import Policy
from tests.hypothesis_profiles import examples

PIECES = st.sampled_from(["1", "3", "9", "0", "X", "x", "A", "K", "-", " ", "１", "号", "，", ":", "86", "2026-12-06",
                          "11010519491231002X", "13912345678", "A1234567X", "12333"])
TEXT = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=30).map("".join))


@settings(max_examples=examples(400), deadline=None)
@given(TEXT)
def test_mask_text_keeps_length_and_hides_what_it_found(text):
    masked = M.mask_text(text)
    assert len(masked) == len(text)
    for i in range(len(text)):
        assert masked[i] == text[i] or masked[i] == "*"
    for kind, pos, value in M.find_personal(text):
        assert kind in M.PERSONAL_KINDS
        assert len(pos) == len(value) and pos == sorted(pos)
        assert any(masked[p] == "*" for p in pos)
    assert [k for k, _p, _v in M.find_personal(masked) if k in ("id", "phone", "card")] == []


@settings(max_examples=examples(300), deadline=None)
@given(TEXT)
def test_policy_check_raises_only_validation_error(text):
    from lib12333.errors import ValidationError

    p = Policy("【中心】")
    try:
        p.check(p.sign(text))
    except ValidationError:
        pass


FULL_WIDTH = {c: chr(ord(c) - 48 + 0xFF10) for c in "0123456789"}
SEPARATORS = st.sampled_from(["", " ", "  ", "-", ".", "_", "\u3000", "－", "．", "＿"])


@st.composite
def disguised_mobiles(draw):
    """An 11-digit mobile written to slip past a filter: groups, separators, full width, letters glued."""
    number = "1" + draw(st.sampled_from("3456789")) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                                                            min_size=9, max_size=9)))
    sep = draw(SEPARATORS)
    text = number[:3] + sep + number[3:7] + sep + number[7:] if draw(st.booleans()) else number
    if draw(st.booleans()):
        text = "".join(FULL_WIDTH.get(c, c) for c in text)
    prefix = draw(st.sampled_from(["", "tel", "wx", "QQ", "ＷＸ", "电话", "tel:", "微信"]))
    suffix = draw(st.sampled_from(["", "号", "abc", "。"]))
    return number, prefix + text + suffix


@settings(max_examples=examples(300), deadline=None)
@given(disguised_mobiles())
def test_disguised_mobiles_are_found_masked_and_refused(case):
    from lib12333.errors import ValidationError

    number, text = case
    assert [(k, v) for k, _p, v in M.find_personal(text)] == [("phone", number)]
    masked = M.mask_text(text)
    digits = "".join(c if c <= "9" else chr(ord(c) - 0xFF10 + 48) for c in masked
                     if "0" <= c <= "9" or "０" <= c <= "９")
    assert digits == number[:3] + number[7:]
    p = Policy("【中心】")
    try:
        p.check(p.sign(text))
    except ValidationError as exc:
        assert "mobile number" in exc.reason
    else:
        raise AssertionError("policy let a mobile number through: " + text)
