"""
Seat sizing for a 12333 / 12370 call centre: Erlang B, Erlang C and Erlang A.

Pure arithmetic (``math`` only), no factorials and no powers of the load, so it
stays exact to a few ulps for thousands of agents and runs unchanged on
MicroPython.  All times are in **seconds**.

* ``erlang_b(n, a)``         blocking probability of ``n`` trunks offered ``a`` Erlangs.
* ``erlang_c(n, a)``         probability that a caller waits (M/M/n, infinitely patient).
* ``erlang_c_metrics(...)``  service level, ASA, occupancy for ``n`` agents.
* ``erlang_a_metrics(...)``  the same with exponential patience (M/M/n+M), abandonment
  and every service-level variant.
* ``staff(...)``             the smallest number of agents meeting a service-level target,
  an abandonment cap and an occupancy cap, then shrinkage.
* ``square_root_staffing(...)`` the Halfin-Whitt approximation, as a cross-check.

Method (docs/staffing.md has the derivations and the published examples):
Erlang B uses the recursion ``B(k) = a B(k-1) / (k + a B(k-1))``; Erlang C is
``n B / (n - a (1 - B))``.  For Erlang A the queue part of the stationary
distribution is a series in ``y / (x + j)`` with ``x = n mu / theta`` and
``y = lambda / theta``; the offered wait of a caller who finds ``j`` waiting is
``-ln(U) / theta`` with ``U ~ Beta(x, j + 1)``, which sums over ``j`` to a
closed form for "answered within T" that needs one more series.  Series are
rescaled whenever a term passes ``1e30``, so single-precision float builds do not
overflow either (they do lose precision: use a double-precision build for
sizing).
"""

# The public names; the stub lib12333/staffing.pyi carries their types (docs/integrator.md)
__all__ = (
    "MAX_LOAD", "MAX_CALLERS_PER_PATIENCE", "erlang_b", "erlang_c", "erlang_b_servers", "erlang_b_load",
    "offered_load", "erlang_c_metrics", "erlang_a_metrics", "staff", "halfin_whitt_wait",
    "square_root_staffing",
)

import math

from lib12333.compat import OrderedDict, is_int
from lib12333.errors import ValidationError

_BIG = 1e30
_LOG_BIG = math.log(_BIG)
_EPS = 1e-17
# Bounds that keep every search and series finite.  The largest 12333 centres staff some
# thousands of seats; 100,000 Erlangs is far beyond any real queue.  An Erlang A evaluation
# sums up to about (callers arriving within one mean patience) terms: a million keeps it under
# a second on a PC (patience of hours at the busiest centre's call rate).
MAX_LOAD = 100000.0
MAX_CALLERS_PER_PATIENCE = 1000000.0


def _number(name, value, low=None, high=None, low_open=False, high_open=False):
    if not (is_int(value) or type(value) is float) or value != value:
        raise ValidationError("not a number", field=name, expected="int or float")
    value = float(value)
    if value - value != 0.0:  # inf - inf is nan
        raise ValidationError("not a finite number", field=name, expected="a finite number")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValidationError("out of range", field=name, expected=_range_text(low, high, low_open, high_open))
    if high is not None and (value > high or (high_open and value == high)):
        raise ValidationError("out of range", field=name, expected=_range_text(low, high, low_open, high_open))
    return value


def _range_text(low, high, low_open, high_open):
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    return left + str(low) + ", " + ("inf" if high is None else str(high)) + right


def _servers(n):
    if not is_int(n) or n < 0:
        raise ValidationError("not a non-negative integer", field="agents", expected="int >= 0")
    return n


def erlang_b(n, a):
    """Blocking probability B(n, a) of ``n`` servers offered ``a`` Erlangs (loss system)."""
    n = _servers(n)
    a = _number("load", a, 0.0)
    if n > 64 and a > 0.0 and n - a <= 20.0 * math.sqrt(a):
        return _erlang_b_near(n, a)
    b = 1.0
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def _erlang_b_near(n, a):
    """B(n, a) for n near a: 1/B = sum_{j=0..n} n!/((n-j)! a^j), summed from j = 0 until the tail is negligible.

    The terms peak where n - j ~ a and then fall like a Gaussian, so about (n - a) + 9 sqrt(a)
    terms are added instead of the n steps of the recursion; bounded by exp((n-a)^2 / 2a) <= e^200.
    """
    total = 0.0
    term = 1.0
    j = 0
    while j <= n:
        total += term
        r = (n - j) / a
        term *= r
        j += 1
        if r < 1.0 and term * r <= _EPS * total * (1.0 - r):
            break
    return 1.0 / total


def erlang_c(n, a):
    """Probability of waiting C(n, a); 1.0 when ``n <= a`` (the queue grows without bound)."""
    n = _servers(n)
    a = _number("load", a, 0.0)
    if n <= a:
        return 1.0
    b = erlang_b(n, a)
    return n * b / (n - a * (1.0 - b))


def erlang_b_servers(a, max_blocking):
    """Smallest ``n`` with B(n, a) <= ``max_blocking``."""
    a = _number("load", a, 0.0)
    target = _number("max_blocking", max_blocking, 0.0, 1.0, low_open=True)
    if a == 0.0:
        return 0
    b = 1.0
    n = 0
    while b > target:
        n += 1
        ab = a * b
        b = ab / (n + ab)
    return n


def erlang_b_load(n, blocking):
    """The load in Erlangs that ``n`` servers carry at exactly ``blocking`` (the Erlang B table)."""
    n = _servers(n)
    target = _number("blocking", blocking, 0.0, 1.0, low_open=True, high_open=True)
    low, high = 0.0, float(n) + 10.0
    while erlang_b(n, high) < target:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if erlang_b(n, mid) < target:
            low = mid
        else:
            high = mid
        if high - low <= 1e-12 * high:
            break
    return (low + high) / 2.0


def offered_load(calls, period_s, aht_s):
    """Offered load in Erlangs: calls x handle time / period."""
    calls = _number("calls", calls, 0.0)
    period_s = _number("period", period_s, 0.0, low_open=True)
    aht_s = _number("aht", aht_s, 0.0, low_open=True)
    a = calls * aht_s / period_s
    if not a <= MAX_LOAD:
        raise ValidationError("offered load too large", field="calls/aht",
                              expected="calls x aht / period <= %d Erlangs" % MAX_LOAD)
    return a


def _patience(calls, period_s, patience_s):
    patience_s = _number("patience", patience_s, 0.0, low_open=True)
    if calls / period_s * patience_s > MAX_CALLERS_PER_PATIENCE:
        raise ValidationError("patience too long for this call rate", field="patience",
                              expected="calls / period x patience <= %d" % MAX_CALLERS_PER_PATIENCE)
    return patience_s


def erlang_c_metrics(n, calls, period_s, aht_s, within_s):
    """Erlang C figures for ``n`` agents; ``None`` for ASA when the queue is unstable."""
    a = offered_load(calls, period_s, aht_s)
    within_s = _number("within", within_s, 0.0)
    n = _servers(n)
    return _c_metrics(n, a, aht_s, within_s, None)


def _c_metrics(n, a, aht_s, within_s, c):
    out = OrderedDict()
    out["model"] = "erlang-c"
    out["agents"] = n
    out["load_erlangs"] = a
    if a == 0.0:
        out["probability_wait"] = 0.0
        out["service_level"] = 1.0
        out["asa_s"] = 0.0
        out["mean_wait_all_s"] = 0.0
        out["abandonment"] = 0.0
        out["occupancy"] = 0.0
        return out
    if n <= a:
        out["probability_wait"] = 1.0
        out["service_level"] = 0.0
        out["asa_s"] = None
        out["mean_wait_all_s"] = None
        out["abandonment"] = 0.0
        out["occupancy"] = 1.0 if n else 0.0
        return out
    if c is None:
        c = erlang_c(n, a)
    out["probability_wait"] = c
    out["service_level"] = max(0.0, 1.0 - c * math.exp(-(n - a) * within_s / aht_s))
    out["asa_s"] = c * aht_s / (n - a)
    out["mean_wait_all_s"] = out["asa_s"]
    out["abandonment"] = 0.0
    out["occupancy"] = a / n
    return out


def _series_s(x1, v):
    """(log scale, sum s_n, sum (n+1) s_n) with s_n = v^n / (x1 (x1+1) ... (x1+n)), scaled by exp(-scale)."""
    term = 1.0 / x1
    total = 0.0
    weighted = 0.0
    scale = 0.0
    n = 0
    limit = max(0, int(v - x1)) + 60 * int(math.sqrt(v) + 1.0) + 200
    while True:
        total += term
        weighted += (n + 1) * term
        n += 1
        ratio = v / (x1 + n)
        term *= ratio
        if term > _BIG:
            term /= _BIG
            total /= _BIG
            weighted /= _BIG
            scale += _LOG_BIG
        if ratio < 1.0 and term * (n + 2) / (1.0 - ratio) <= _EPS * weighted:
            break
        if n > limit or term == 0.0:
            break
    return scale, total, weighted


def erlang_a_metrics(n, calls, period_s, aht_s, within_s, patience_s):
    """Erlang A (M/M/n+M) figures for ``n`` agents with mean patience ``patience_s``.

    Keys: probability_wait, service_level (answered within T / offered), asa_s (mean
    queue wait of answered calls), mean_wait_all_s (all arrivals, Little's law),
    abandonment, abandoned_within (abandoned within T / offered), occupancy, and
    ``service_level_variants`` (see docs/staffing.md).
    """
    a = offered_load(calls, period_s, aht_s)
    within_s = _number("within", within_s, 0.0)
    patience_s = _patience(calls, period_s, patience_s)
    n = _servers(n)
    lam = calls / period_s
    mu = 1.0 / aht_s
    theta = 1.0 / patience_s
    out = OrderedDict()
    out["model"] = "erlang-a"
    out["agents"] = n
    out["load_erlangs"] = a
    if lam == 0.0:
        _fill_a(out, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0)
        return out
    if n == 0:
        # Nobody answers: every caller abandons after Exp(theta) patience.
        ab_t = 1.0 - math.exp(-theta * within_s)
        _fill_a(out, 1.0, 0.0, None, patience_s, 1.0, ab_t, 0.0, 0.0)
        return out
    b = erlang_b(n, a)
    if b == 0.0:
        _fill_a(out, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, a / n)
        return out
    x = n * mu / theta
    y = lam / theta
    # Queue states j = 0, 1, ...: w_j = pi(n+j) / pi(n) = prod_{i<=j} y / (x + i).
    w = 1.0
    sw = sq = ss = sab = sv = 0.0
    harmonic = 0.0
    scale = 0.0
    j = 0
    limit = max(0, int(y - x)) + 60 * int(math.sqrt(y) + 1.0) + 200
    while True:
        harmonic += 1.0 / (x + j + 1)
        served = x / (x + j + 1)
        sw += w
        sq += j * w
        ss += w * served
        sab += w * (j + 1) / (x + j + 1)
        sv += w * served * harmonic
        j += 1
        ratio = y / (x + j)
        w *= ratio
        if w > _BIG:
            w /= _BIG
            sw /= _BIG
            sq /= _BIG
            ss /= _BIG
            sab /= _BIG
            sv /= _BIG
            scale += _LOG_BIG
        if ratio < 1.0 and w * (j + 1) / (1.0 - ratio) <= _EPS * sw:
            break
        if j > limit or w == 0.0:
            break
    # pi(n) = 1 / (1/B - 1 + sum w); k = pi(n) * exp(scale) multiplies the scaled sums.
    log_pi = -(scale + math.log(sw + (1.0 / b - 1.0) * math.exp(-scale)))
    k = math.exp(log_pi + scale)
    p_delayed = k * sw
    p_ab = k * sab
    p_served_delayed = k * ss
    mean_wait_all = k * sq / lam
    wait_served = k * sv / theta
    # Answered / abandoned within T: closed form through the series S(x+1, y z), z = exp(-theta T).
    if within_s > 0.0:
        v = y * math.exp(-theta * within_s)
        s_scale, s_sum, s_weighted = _series_s(x + 1.0, v)
        log_base = log_pi + math.log(x) - (x + 1.0) * theta * within_s - y * math.expm1(-theta * within_s)
        tail_served = math.exp(log_base + s_scale) * s_sum
        tail_ab = math.exp(log_base + s_scale) * s_weighted / x
        ans_t = (1.0 - p_delayed) + max(0.0, p_served_delayed - tail_served)
        ab_t = max(0.0, p_ab - tail_ab)
    else:
        ans_t = 1.0 - p_delayed
        ab_t = 0.0
    p_served = 1.0 - p_ab
    asa = wait_served / p_served if p_served > 0.0 else None
    occupancy = a * p_served / n
    _fill_a(out, p_delayed, min(1.0, ans_t), asa, mean_wait_all, p_ab, ab_t, p_served, occupancy)
    return out


def _fill_a(out, p_wait, ans_t, asa, mean_wait_all, p_ab, ab_t, p_served, occupancy):
    out["probability_wait"] = p_wait
    out["service_level"] = ans_t
    out["asa_s"] = asa
    out["mean_wait_all_s"] = mean_wait_all
    out["abandonment"] = p_ab
    out["abandoned_within"] = ab_t
    out["occupancy"] = min(1.0, occupancy)
    variants = OrderedDict()
    variants["answered_within_over_offered"] = ans_t
    variants["answered_within_over_answered"] = ans_t / p_served if p_served > 0.0 else 0.0
    variants["within_over_offered"] = min(1.0, ans_t + ab_t)
    rest = 1.0 - ab_t
    variants["answered_within_over_offered_less_abandoned_within"] = ans_t / rest if rest > 0.0 else 0.0
    out["service_level_variants"] = variants


def _ceil(value):
    """ceil() that forgives float noise such as 14 / 0.7 = 20.000000000000004."""
    return int(math.ceil(value - 1e-9))


def staff(calls, period_s, aht_s, target, within_s, patience_s=None, max_abandon=None,
          shrinkage=0.0, max_occupancy=None):
    """Smallest number of agents meeting every target, as an ordered dict.

    Erlang C when ``patience_s`` is None, else Erlang A.  ``target`` is the service
    level (answered within ``within_s`` / offered), ``max_abandon`` caps the
    abandonment probability (Erlang A only), ``max_occupancy`` caps agent occupancy,
    ``shrinkage`` (0 <= s < 1) turns productive agents into scheduled agents:
    ceil(agents / (1 - s)).  ``binding`` names the constraint that set the number.
    """
    a = offered_load(calls, period_s, aht_s)
    target = _number("target", target, 0.0, 1.0, high_open=True)
    within_s = _number("within", within_s, 0.0)
    shrinkage = _number("shrinkage", shrinkage, 0.0, 1.0, high_open=True)
    if max_occupancy is not None:
        max_occupancy = _number("max_occupancy", max_occupancy, 0.0, 1.0, low_open=True)
    if max_abandon is not None:
        max_abandon = _number("max_abandon", max_abandon, 0.0, 1.0)
        if patience_s is None:
            raise ValidationError("an abandonment cap needs a patience", field="max_abandon",
                                  expected="patience_s")
    if patience_s is None:
        n, binding, c = _staff_c(a, target, within_s, aht_s, max_occupancy)
        result = _c_metrics(n, a, aht_s, within_s, c)
    else:
        patience_s = _patience(calls, period_s, patience_s)
        n, binding = _staff_a(calls, period_s, aht_s, target, within_s, patience_s, max_abandon, max_occupancy)
        result = erlang_a_metrics(n, calls, period_s, aht_s, within_s, patience_s)
    result["binding"] = binding
    result["shrinkage"] = shrinkage
    result["scheduled_agents"] = _ceil(n / (1.0 - shrinkage))
    srs = square_root_staffing(a, aht_s, target, within_s)
    result["square_root_staffing"] = srs
    return result


def _staff_c(a, target, within_s, aht_s, max_occupancy):
    if a == 0.0:
        return 0, "service_level", 0.0
    n = int(a) + 1
    b = erlang_b(n, a)
    while True:
        c = n * b / (n - a * (1.0 - b))
        if 1.0 - c * math.exp(-(n - a) * within_s / aht_s) >= target:
            break
        n += 1
        ab = a * b
        b = ab / (n + ab)
    binding = "service_level"
    if max_occupancy is not None and a > 0.0:
        need = _ceil(a / max_occupancy)
        if need > n:
            n = need
            binding = "max_occupancy"
            c = None
    return n, binding, c


def _feasible_a(n, calls, period_s, aht_s, target, within_s, patience_s, max_abandon, max_occupancy):
    m = erlang_a_metrics(n, calls, period_s, aht_s, within_s, patience_s)
    if m["service_level"] < target:
        return "service_level"
    if max_abandon is not None and m["abandonment"] > max_abandon:
        return "max_abandon"
    if max_occupancy is not None and m["occupancy"] > max_occupancy:
        return "max_occupancy"
    return None


def _staff_a(calls, period_s, aht_s, target, within_s, patience_s, max_abandon, max_occupancy):
    args = (calls, period_s, aht_s, target, within_s, patience_s, max_abandon, max_occupancy)
    if _feasible_a(0, *args) is None:
        return 0, "service_level"
    a = calls * aht_s / period_s
    low = 0  # known infeasible
    high = max(1, int(a))
    cap = int(a * 4.0) + 1000
    while _feasible_a(high, *args) is not None:
        low = high
        high *= 2
        if high > cap:
            raise ValidationError("targets cannot be met", field="target", expected="a reachable target")
    while high - low > 1:
        mid = (low + high) // 2
        if _feasible_a(mid, *args) is None:
            high = mid
        else:
            low = mid
    binding = _feasible_a(high - 1, *args) if high > 0 else "service_level"
    return high, binding or "service_level"


def _phi_cdf(z):
    erf = getattr(math, "erf", None)
    if erf is not None:
        return 0.5 * (1.0 + erf(z / math.sqrt(2.0)))
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7) for ports built without math.erf.
    x = abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    e = 1.0 - poly * math.exp(-x * x)
    return 0.5 * (1.0 + (e if z >= 0 else -e))


def halfin_whitt_wait(beta):
    """Halfin-Whitt approximation of P(wait) for n = a + beta * sqrt(a): 1 / (1 + beta Phi / phi)."""
    if beta <= 0.0:
        return 1.0
    pdf = math.exp(-beta * beta / 2.0) / math.sqrt(2.0 * math.pi)
    # written pdf / (pdf + ...) rather than 1 / (1 + .../pdf): pdf underflows to 0 for beta > 38
    return pdf / (pdf + beta * _phi_cdf(beta))


def square_root_staffing(a, aht_s, target, within_s):
    """Square-root staffing n = a + beta sqrt(a) with the Halfin-Whitt wait probability.

    Returns an ordered dict with ``agents`` (smallest integer n > a whose approximate
    service level meets ``target``) and ``beta``.
    """
    a = _number("load", a, 0.0)
    out = OrderedDict()
    if a == 0.0:
        out["agents"] = 0
        out["beta"] = 0.0
        return out
    root = math.sqrt(a)
    n = int(a) + 1
    while True:
        beta = (n - a) / root
        sl = 1.0 - halfin_whitt_wait(beta) * math.exp(-beta * root * within_s / aht_s)
        if sl >= target:
            break
        n += 1
    out["agents"] = n
    out["beta"] = beta
    return out
