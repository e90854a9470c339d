"""Differential tests: our check characters agree with python-stdnum (a `peers` extra)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import identifiers as ids
from lib12333.host.testing.identifiers import USCC_ALPHABET
from tests.hypothesis_profiles import examples

ric = pytest.importorskip("stdnum.cn.ric", reason="python-stdnum (pip install -e .[peers]) is not installed")
uscc = pytest.importorskip(
    "stdnum.cn.uscc", reason="python-stdnum (pip install -e .[peers]) is not installed"
)


@settings(max_examples=examples(400), deadline=None)
@given(st.text("0123456789", min_size=17, max_size=17))
def test_citizen_check_digit_matches_stdnum(body):
    # stdnum's calc_check_digit takes the full number and ignores its last character
    assert ids.citizen_id_check_digit(body) == ric.calc_check_digit(body + "0")


@settings(max_examples=examples(400), deadline=None)
@given(st.text(USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_matches_stdnum(body):
    assert ids.uscc_check_char(body) == uscc.calc_check_digit(body)


def test_standard_examples_agree():
    assert ric.is_valid("11010519491231002X") and ids.is_valid_citizen_id("11010519491231002X")
    assert uscc.is_valid("91350100M000100Y43") and ids.is_valid_uscc("91350100M000100Y43")
