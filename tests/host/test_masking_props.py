"""Property tests for lib12333.masking.find_personal / mask_text on arbitrary text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import masking as M
from lib12333.sms.policy import Policy

PIECES = st.sampled_from(["1", "3", "9", "0", "X", "x", "A", "K", "-", " ", "１", "号", "，", ":", "86", "2026-12-06",
                          "11010519491231002X", "13912345678", "A1234567X", "12333"])
TEXT = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=30).map("".join))


@settings(max_examples=400, deadline=None)
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


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_policy_check_raises_only_validation_error(text):
    from lib12333.errors import ValidationError

    p = Policy("【中心】")
    try:
        p.check(p.sign(text))
    except ValidationError:
        pass
