"""
The CPython fast paths of the check characters (lib12333.compat.mod11_2_total / mod31_3_total)
give what the loops MicroPython runs give, for every body, and the same errors for bad input.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import compat
from lib12333 import identifiers as ids
from lib12333.errors import DecodeError
from tests.hypothesis_profiles import examples

DIGITS = st.text(alphabet="0123456789", min_size=17, max_size=17)
USCC = st.text(alphabet=ids._USCC, min_size=17, max_size=17)


def both(monkeypatch, fn, value):
    """(fast path result, loop result) of ``fn(value)``; errors are returned as (type, message)."""

    def call():
        try:
            return fn(value)
        except DecodeError as exc:
            return (type(exc), str(exc))

    fast = call()
    with monkeypatch.context() as m:
        m.setattr(compat, "mod11_2_total", None)
        m.setattr(compat, "mod31_3_total", None)
        slow = call()
    return fast, slow


def test_the_fast_paths_are_used_on_cpython():
    assert compat.mod11_2_total is not None and compat.mod31_3_total is not None
    assert ids.citizen_id_check_digit("11010519491231002") == "X"  # GB 11643 example
    assert ids.uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize("fn,bodies", [(ids.citizen_id_check_digit, DIGITS), (ids.uscc_check_char, USCC)],
                         ids=["citizen ID", "USCC"])
@settings(max_examples=examples(300))
@given(data=st.data())
def test_check_character_fast_equals_loop(fn, bodies, data):
    body = data.draw(bodies)
    with pytest.MonkeyPatch.context() as mp:
        fast, slow = both(mp, fn, body)
    assert fast == slow


@settings(max_examples=examples(300))
@given(st.text(min_size=17, max_size=17))
def test_bad_bodies_fail_alike(body):
    # int() would accept "+", "_", spaces and non-ASCII digits: the checks before it must not
    with pytest.MonkeyPatch.context() as mp:
        assert both(mp, ids.citizen_id_check_digit, body)[0] == both(mp, ids.citizen_id_check_digit, body)[1]
        assert both(mp, ids.uscc_check_char, body)[0] == both(mp, ids.uscc_check_char, body)[1]


@pytest.mark.parametrize("body", ["+1010519491231002", "1_010519491231002", " 1010519491231002", "١١010519491231002"])
def test_what_int_would_accept_is_refused(body):
    with pytest.raises(DecodeError):
        ids.citizen_id_check_digit(body)
