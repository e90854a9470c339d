"""Property tests and fuzzing for lib12333.identifiers (and the `lib12333 id` CLI)."""

import datetime
import io
import json
from contextlib import redirect_stderr, redirect_stdout

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import identifiers as ids
from lib12333.errors import Lib12333Error
from lib12333.host.cli import main
from lib12333.host.testing.identifiers import (
    ID_ALPHABET,
    card_numbers,
    citizen_id_mutants,
    citizen_ids,
    citizen_ids_15,
    uscc_mutants,
    usccs,
)
from tests.hypothesis_profiles import examples

EXAMPLES = settings(max_examples=examples(300), deadline=None)


def reference_check(body):
    """GB 11643 check character computed the textbook way (weights 2^(17-i) mod 11), independent of the core."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


@EXAMPLES
@given(citizen_ids())
def test_generated_ids_validate(number):
    cid = ids.parse_citizen_id(number, today=(2026, 1, 1))
    assert cid.number == number
    assert number[17] == reference_check(number[:17])
    assert cid.birth_date == number[6:10] + "-" + number[10:12] + "-" + number[12:14]
    datetime.date(*cid.birth)  # a real calendar date
    assert cid.masked == number[:6] + "********" + number[14:]
    r = ids.identify(number, today=(2026, 1, 1))
    assert (r.kind, r.valid, r.region) == (ids.KIND_CITIZEN, True, number[:6])


@EXAMPLES
@given(citizen_id_mutants())
def test_every_single_character_change_is_caught(mutant):
    assert not ids.is_valid_citizen_id(mutant)
    assert ids.identify(mutant).valid is False or ids.identify(mutant).kind == ids.KIND_USCC


@settings(max_examples=examples(60), deadline=None)
@given(citizen_ids())
def test_all_single_changes_of_one_id(number):
    # exhaustively: every position, every other character of the alphabet
    for pos in range(18):
        for ch in ID_ALPHABET:
            if ch == number[pos] or (ch == "X" and pos < 17):
                continue
            assert not ids.is_valid_citizen_id(number[:pos] + ch + number[pos + 1 :])


@EXAMPLES
@given(citizen_ids_15())
def test_upgrade_round_trip(old):
    new = ids.upgrade_citizen_id(old)
    assert len(new) == 18 and new[6:8] == "19"
    assert ids.parse_citizen_id(new).number == new
    assert ids.parse_citizen_id(old).number == new
    assert ids.downgrade_citizen_id(new) == old
    assert new[17] == reference_check(new[:17])


@EXAMPLES
@given(citizen_ids(min_year=1900, max_date=datetime.date(1999, 12, 31)))
def test_downgrade_round_trip(new):
    assert ids.upgrade_citizen_id(ids.downgrade_citizen_id(new)) == new


@EXAMPLES
@given(usccs())
def test_generated_usccs_validate(code):
    u = ids.parse_uscc(code)
    assert u.code == code and u.region == code[2:8]


@EXAMPLES
@given(uscc_mutants())
def test_uscc_single_change_caught(mutant):
    assert not ids.is_valid_uscc(mutant)


@EXAMPLES
@given(card_numbers())
def test_card_numbers_check(number):
    c = ids.parse_card_number(number)
    assert c.check_ok and c.warnings == ()


@EXAMPLES
@given(card_numbers(valid_check=False))
def test_card_numbers_bad_check_is_advisory(number):
    c = ids.parse_card_number(number)
    assert not c.check_ok and c.warnings
    r = ids.identify(number)
    assert r.kind == ids.KIND_CARD and r.valid is True


@EXAMPLES
@given(card_numbers(), st.integers(0, 8), st.integers(1, 9))
def test_card_digit_changes_are_caught(number, pos, delta):
    # weights 3 7 9 10 5 8 4 2 are non-zero mod 11: any digit-for-digit change alters the check;
    # a changed check character is caught by definition
    if pos < 8 and number[pos] not in "0123456789":
        return
    if pos == 8:
        alphabet = "0123456789X"
        mutant = number[:8] + alphabet[(alphabet.index(number[8]) + delta) % 11]
    else:
        mutant = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    assert not ids.parse_card_number(mutant).check_ok


FUZZ_ALPHABET = "0123456789X x-abcABCIOSVZ\u00e9\u4e2d\u0000\ufeff"


@settings(max_examples=examples(500), deadline=None)
@given(st.one_of(st.text(FUZZ_ALPHABET, max_size=24), st.text(max_size=24), st.binary(max_size=24)))
def test_fuzz_only_library_errors(text):
    for fn in (
        ids.parse_citizen_id,
        ids.parse_uscc,
        ids.parse_card_number,
        ids.upgrade_citizen_id,
        ids.downgrade_citizen_id,
        ids.citizen_id_check_digit,
        ids.uscc_check_char,
        ids.card_number_check_char,
    ):
        try:
            fn(text)
        except Lib12333Error:
            pass
    r = ids.identify(text) if isinstance(text, str) else None
    if r is not None:
        assert r.valid in (True, False)
        assert (r.reason is None) == r.valid
    for mask in (ids.mask_id, ids.mask_name, ids.mask_phone, ids.mask_card):
        assert isinstance(mask(text if isinstance(text, str) else "x"), str)


@settings(max_examples=examples(300), deadline=None)
@given(citizen_ids(), st.integers(0, 17), st.sampled_from(["", "1", "x", "中", " ", "-"]))
def test_fuzz_mutated_ids(number, pos, insert):
    text = number[:pos] + insert + number[pos + 1 :]
    try:
        r = ids.identify(text)
    except Lib12333Error:
        return
    normalised = text.replace(" ", "").replace("-", "")
    if normalised.endswith("x"):
        normalised = normalised[:-1] + "X"
    if r.valid:
        assert normalised == number or r.kind == ids.KIND_USCC


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=examples(40), deadline=None)
@given(citizen_ids(max_date=datetime.date(2020, 1, 1)))
def test_cli_check_masks_unless_asked(number):
    code, out, _ = run_cli("id", "check", number, "--json")
    assert code == 0
    data = json.loads(out)
    assert number not in out
    assert data["masked"] == ids.mask_id(number)
    assert data["birth_date"] == number[6:10] + "-**-**"
    assert "number" not in data
    code, out, _ = run_cli("id", "check", number, "--json", "--show-pii")
    data = json.loads(out)
    assert data["number"] == number
    assert data["birth_date"] == ids.parse_citizen_id(number).birth_date


def test_cli_check_exit_codes():
    assert run_cli("id", "check", "11010519491231002X")[0] == 0
    assert run_cli("id", "check", "110105194912310021")[0] == 1
    assert run_cli("id", "check", "hello")[0] == 1
    code, out, _ = run_cli("id", "check", "110105202612310025", "--today", "2026-11-29", "--json")
    data = json.loads(out)
    assert code == 1 and "after today" in data["reason"]
    code, _, err = run_cli("id", "check", "11010519491231002X", "--today", "someday")
    assert code == 3 and "today" in err
    code, out, _ = run_cli("id", "checkdigit", "11010519491231002", "--json")
    assert code == 0 and json.loads(out) == {
        "kind": "citizen_id",
        "check": "X",
        "masked": "110105********002X",
    }
    code, out, _ = run_cli("id", "checkdigit", "91350100M000100Y4")
    assert out.strip() == "3"
    code, out, _ = run_cli("id", "checkdigit", "D2143569")
    assert out.strip() == "X"
    assert run_cli("id", "checkdigit", "1234")[0] == 3
    code, out, _ = run_cli("id", "upgrade", "130503670401001")
    assert out.strip() == "130503********0016"
    assert run_cli("id", "upgrade", "130503671301001")[0] == 3


@settings(max_examples=examples(200), deadline=None)
@given(
    st.one_of(
        st.none(),
        st.text(max_size=12),
        st.tuples(st.integers(), st.integers(), st.integers()),
        st.lists(st.integers(), max_size=4).map(tuple),
        st.dates(),
        st.integers(),
        st.tuples(st.text(max_size=2), st.text(max_size=2), st.text(max_size=2)),
    )
)
def test_fuzz_today_values(today):
    try:
        ids.parse_citizen_id("11010519491231002X", today=today)
        r = ids.identify("11010519491231002X", today=today)
    except Lib12333Error:
        return
    assert r.valid is True


MAINLAND_PROVINCES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
                      "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")


@st.composite
def foreign_pr_ids(draw):
    """2023 foreign permanent-residence ID numbers: 9, province, nationality, birth date, order, check."""
    day = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(2020, 12, 31)))
    body = ("9" + draw(st.sampled_from(MAINLAND_PROVINCES)) + "%03d" % draw(st.integers(1, 999))
            + day.strftime("%Y%m%d") + "%03d" % draw(st.integers(0, 999)))
    return body + reference_check(body)


@EXAMPLES
@given(foreign_pr_ids())
def test_foreign_pr_ids_are_their_own_kind(number):
    r = ids.identify(number)
    assert (r.kind, r.valid) == (ids.KIND_FOREIGN_PR, True)
    assert r.masked == number[:6] + "********" + number[14:]
    code, out, _ = run_cli("id", "check", number, "--json")
    data = json.loads(out)
    assert code == 0 and number not in out
    assert (data["kind"], data["nationality"], data["birth_date"]) == ("foreign_pr_id", number[3:6],
                                                                         number[6:10] + "-**-**")
    assert data["sex"] == ("male" if int(number[16]) % 2 else "female")


@EXAMPLES
@given(foreign_pr_ids(), st.integers(0, 17), st.integers(1, 9))
def test_foreign_pr_single_digit_change_is_caught(number, pos, delta):
    if pos == 0:
        return  # changing the 9 makes it another kind
    ch = number[pos]
    new = "0123456789X"[("0123456789X".index(ch) + delta) % (11 if pos == 17 else 10)]
    mutant = number[:pos] + new + number[pos + 1:]
    assert not ids.identify(mutant, kind=ids.KIND_FOREIGN_PR).valid
