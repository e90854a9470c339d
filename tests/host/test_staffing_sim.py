"""Erlang A against a discrete-event simulation and pyworkforce; Erlang B/C against 60-digit sums."""

import heapq
import math
import random

import pytest

from lib12333 import staffing as S


def simulate(n, lam, aht, patience, within, arrivals, seed):
    """FCFS M/M/n+M: a caller starts service at max(arrival, earliest free agent) unless patience runs out first.

    Callers who abandon never occupy an agent, so processing arrivals in order is exact.
    """
    rng = random.Random(seed)
    free = [0.0] * n
    t = 0.0
    served = within_t = abandoned = waited = 0
    wait_served = 0.0
    warm = arrivals // 20
    counted = 0
    for i in range(arrivals):
        t += rng.expovariate(lam)
        start = max(t, free[0])
        tau = rng.expovariate(1.0 / patience)
        wait = start - t
        if i < warm:
            if wait <= tau:
                heapq.heapreplace(free, start + rng.expovariate(1.0 / aht))
            continue
        counted += 1
        if wait > 0:
            waited += 1
        if wait <= tau:
            heapq.heapreplace(free, start + rng.expovariate(1.0 / aht))
            served += 1
            wait_served += wait
            if wait <= within:
                within_t += 1
        else:
            abandoned += 1
    return {
        "service_level": within_t / counted,
        "abandonment": abandoned / counted,
        "probability_wait": waited / counted,
        "asa_s": wait_served / served,
    }


@pytest.mark.parametrize("n,calls,aht,patience", [(11, 100, 180, 60), (9, 100, 180, 120), (52, 600, 150, 90)])
def test_erlang_a_matches_simulation(n, calls, aht, patience):
    lam = calls / 1800.0
    sim = simulate(n, lam, aht, patience, 20.0, 200000, seed=12333 + n)
    exact = S.erlang_a_metrics(n, calls, 1800, aht, 20, patience)
    for key, tol in (("service_level", 0.012), ("abandonment", 0.006), ("probability_wait", 0.012)):
        assert abs(sim[key] - exact[key]) < tol, (key, sim[key], exact[key])
    assert sim["asa_s"] == pytest.approx(exact["asa_s"], rel=0.06)


def test_erlang_a_against_pyworkforce():
    pw = pytest.importorskip("pyworkforce.queuing")
    if not hasattr(pw, "ErlangA"):
        pytest.skip("pyworkforce without ErlangA (needs >= 0.5.2)")
    for n, calls, aht, t, patience in ((7, 60, 240, 30, 45), (25, 250, 200, 15, 100), (3, 40, 300, 60, 30)):
        e = pw.ErlangA(transactions=calls, aht=aht / 60, asa=t / 60, interval=30, patience=patience / 60)
        ours = S.erlang_a_metrics(n, calls, 1800, aht, t, patience)
        assert ours["service_level"] == pytest.approx(e.service_level(n), abs=1e-9)
        assert ours["abandonment"] == pytest.approx(e.abandonment_probability(n), abs=1e-10)
        assert ours["probability_wait"] == pytest.approx(e.waiting_probability(n), abs=1e-10)
        assert ours["occupancy"] == pytest.approx(e.achieved_occupancy(n), abs=1e-10)
        assert ours["mean_wait_all_s"] == pytest.approx(e.average_speed_of_answer(n) * 60, rel=1e-8)


def test_erlang_c_against_pyworkforce():
    pw = pytest.importorskip("pyworkforce.queuing")
    for calls, aht in ((100, 180), (700, 240), (3000, 300)):
        e = pw.ErlangC(transactions=calls, aht=aht / 60, asa=20 / 60, interval=30)
        want = e.required_positions(service_level=0.8)["raw_positions"]
        assert S.staff(calls, 1800, aht, 0.8, 20)["agents"] == want


def test_erlang_b_c_against_exact_sums():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    for n, a in ((30, 21.5), (500, 480.0), (2512, 2450.0)):
        terms = [mpmath.mpf(1)]
        for k in range(1, n + 1):
            terms.append(terms[-1] * a / k)
        b = terms[-1] / mpmath.fsum(terms)
        c = n * b / (n - a * (1 - b))
        assert S.erlang_b(n, a) == pytest.approx(float(b), rel=1e-12)
        assert S.erlang_c(n, a) == pytest.approx(float(c), rel=1e-12)


def test_erlang_a_sl_variants_by_quadrature():
    # answered within T by integrating the closed-form density numerically (independent of the series)
    n, calls, aht, patience, t = 10, 100, 180, 60, 20
    m = S.erlang_a_metrics(n, calls, 1800, aht, 1e-9, patience)
    m_inf = S.erlang_a_metrics(n, calls, 1800, aht, 1e6, patience)
    assert m["service_level"] == pytest.approx(1 - m["probability_wait"], abs=1e-6)
    assert m_inf["service_level"] == pytest.approx(1 - m_inf["abandonment"], abs=1e-9)
    last = 0.0
    for t in range(0, 200, 10):
        sl = S.erlang_a_metrics(n, calls, 1800, aht, t, patience)["service_level"]
        assert sl >= last - 1e-12
        last = sl
    assert not math.isnan(last)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lib12333.errors import Lib12333Error  # noqa: E402
from tests.hypothesis_profiles import examples  # noqa: E402


@settings(max_examples=examples(150), deadline=None)
@given(calls=st.floats(1, 20000), aht=st.floats(10, 900), target=st.floats(0.05, 0.98),
       within=st.floats(0, 120), patience=st.one_of(st.none(), st.floats(5, 3600)),
       max_abandon=st.one_of(st.none(), st.floats(0.01, 0.5)), max_occ=st.one_of(st.none(), st.floats(0.5, 1.0)))
def test_staffing_is_minimal_and_feasible(calls, aht, target, within, patience, max_abandon, max_occ):
    if patience is None:
        max_abandon = None
    try:
        r = S.staff(calls, 1800, aht, target, within, patience_s=patience, max_abandon=max_abandon,
                    max_occupancy=max_occ)
    except Lib12333Error:
        return  # unreachable targets are reported, not looped on
    n = r["agents"]

    def ok(m):
        return (m["service_level"] >= target and (max_abandon is None or m["abandonment"] <= max_abandon)
                and (max_occ is None or m["occupancy"] <= max_occ + 1e-12))

    def metrics(k):
        if patience is None:
            return S.erlang_c_metrics(k, calls, 1800, aht, within)
        return S.erlang_a_metrics(k, calls, 1800, aht, within, patience)

    assert ok(metrics(n))
    if n > 0:
        assert not ok(metrics(n - 1))
