"""lib12333.staffing on hostile numbers: a result or a ValidationError, never another exception or a hang."""

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import staffing
from lib12333.errors import ValidationError
from tests.hypothesis_profiles import examples

ANY = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**12),
                st.sampled_from([0.0, 1e-300, 1e9, 1e308, float("inf")]))
SHARE = st.one_of(st.floats(0.0, 1.0), ANY)


# deadline: a hang guard, not a timing; one example took 2.6 s with the fast tier on two workers, load 11
@settings(max_examples=examples(300), deadline=10000)
@given(ANY, st.sampled_from([1.0, 1800.0, 3600.0]), ANY, SHARE, st.floats(0.0, 600.0),
       st.one_of(st.none(), ANY))
def test_staff_returns_or_refuses(calls, period, aht, target, within, patience):
    try:
        result = staffing.staff(calls, period, aht, target, within, patience_s=patience)
    except ValidationError:
        return
    assert result["agents"] >= 0
    assert 0.0 <= result["service_level"] <= 1.0


def test_tiny_load_has_no_division_by_zero():
    # 1 call of 1 s per 30 minutes: the Halfin-Whitt density underflows to 0
    result = staffing.staff(1, 1800, 1, 0.8, 20)
    assert result["agents"] == 1
    assert result["square_root_staffing"]["agents"] == 1
    assert staffing.halfin_whitt_wait(50.0) == 0.0


def run(*args):
    return subprocess.run([sys.executable, "-m", "lib12333", "staffing", *args], capture_output=True, text=True,
                          timeout=60)


def test_cli_refuses_bad_numbers_with_exit_3():
    for args, field in ((["--calls", "inf", "--aht", "100"], "calls: not a finite number"),
                        (["--calls", "nan", "--aht", "100"], "calls: not a number"),
                        (["--calls", "1e9", "--aht", "1e9"], "offered load too large"),
                        (["--calls", "100", "--aht", "300", "--patience", "1e9"], "patience too long")):
        r = run(*args)
        assert r.returncode == 3, (args, r.stderr)
        assert field in r.stderr
        assert "Traceback" not in r.stderr


def test_cli_tiny_load():
    r = run("--calls", "1", "--aht", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert '"agents": 1' in r.stdout
