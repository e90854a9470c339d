"""
Load-time checks on a rule list: a default rule, no shadowed rules, no ambiguous overlaps.

Rules are tried by priority (highest first), then in file order; the first
match decides.  ``check`` raises ConfigError for:

* no default rule (a rule without conditions): some input would get no decision;
* an unreachable rule: an earlier rule matches everything it matches;
* two rules with the same priority that can match the same input but decide
  differently: their file order would silently decide, so one of them needs a
  higher priority.

Condition values are the normalised forms from ``schema``: sorted tuples for
discrete and prefix conditions, interval tuples for hours, (min, max) for ranges.
"""

from lib12333.errors import ConfigError
from lib12333.routing.schema import DISCRETE, PREFIX, RANGES

_DISCRETE_KEYS = tuple(k for k, _ in DISCRETE)


def _prefix_covers(a, b):
    for x in b:
        ok = False
        for y in a:
            if x == y or (y != "unknown" and x != "unknown" and x.startswith(y)):
                ok = True
                break
        if not ok:
            return False
    return True


def _prefix_meets(a, b):
    for x in a:
        for y in b:
            if x == y:
                return True
            if x != "unknown" and y != "unknown" and (x.startswith(y) or y.startswith(x)):
                return True
    return False


def _hours_covers(a, b):
    for lo, hi in b:
        ok = False
        for alo, ahi in a:
            if alo <= lo and hi <= ahi:
                ok = True
                break
        if not ok:
            return False
    return True


def _hours_meets(a, b):
    for lo, hi in a:
        for blo, bhi in b:
            if lo < bhi and blo < hi:
                return True
    return False


def _range_covers(a, b):
    if a[0] > b[0]:
        return False
    if a[1] is None:
        return True
    return b[1] is not None and b[1] <= a[1]


def _range_meets(a, b):
    lo = a[0] if a[0] > b[0] else b[0]
    if a[1] is None:
        hi = b[1]
    elif b[1] is None:
        hi = a[1]
    else:
        hi = a[1] if a[1] < b[1] else b[1]
    return hi is None or lo <= hi


def _dim(key):
    if key in _DISCRETE_KEYS:
        return "discrete"
    if key in PREFIX:
        return "prefix"
    if key in RANGES:
        return "range"
    return "hours"


def covers(a, b):
    """True when rule ``a`` matches every input rule ``b`` matches."""
    for key in a.conds:
        if key not in b.conds:
            return False
        x = a.conds[key]
        y = b.conds[key]
        kind = _dim(key)
        if kind == "discrete":
            for v in y:
                if v not in x:
                    return False
        elif kind == "prefix":
            if not _prefix_covers(x, y):
                return False
        elif kind == "range":
            if not _range_covers(x, y):
                return False
        elif not _hours_covers(x, y):
            return False
    return True


def meets(a, b):
    """True when some input matches both rules."""
    for key in a.conds:
        if key not in b.conds:
            continue
        x = a.conds[key]
        y = b.conds[key]
        kind = _dim(key)
        if kind == "discrete":
            hit = False
            for v in y:
                if v in x:
                    hit = True
                    break
            if not hit:
                return False
        elif kind == "prefix":
            if not _prefix_meets(x, y):
                return False
        elif kind == "range":
            if not _range_meets(x, y):
                return False
        elif not _hours_meets(x, y):
            return False
    return True


def _prefixes(key):
    """Proper even-length prefixes of a code key ("330106" -> "33", "3301")."""
    if key == "unknown":
        return ()
    return tuple(key[:n] for n in range(2, len(key), 2))


class _MeetIndex:
    """Per condition key: the rules that could share an input with a given condition (bit masks)."""

    def __init__(self, ordered):
        self.everyone = (1 << len(ordered)) - 1
        self.dims = []
        for key in _DISCRETE_KEYS + PREFIX:
            free = 0
            exact = {}
            longer = {}
            for i in range(len(ordered)):
                bit = 1 << i
                cond = ordered[i].conds.get(key)
                if cond is None:
                    free |= bit
                    continue
                for v in cond:
                    exact[v] = exact.get(v, 0) | bit
                    for p in _prefixes(v):
                        longer[p] = longer.get(p, 0) | bit
            if free != self.everyone:
                self.dims.append((key, free, exact, longer))

    def candidates(self, rule):
        mask = self.everyone
        for key, free, exact, longer in self.dims:
            cond = rule.conds.get(key)
            if cond is None:
                continue
            m = free
            for v in cond:
                m |= exact.get(v, 0) | longer.get(v, 0)
                for p in _prefixes(v):
                    m |= exact.get(p, 0)
            mask &= m
            if not mask:
                break
        return mask


def check(ordered, source):
    """Run the checks on rules already in evaluation order; raise ConfigError on the first problem.

    Only pairs that can share an input (found with a bit-mask index over the
    discrete and prefix conditions) are compared in full, so large rule sets
    load in near-linear time.
    """
    if not ordered:
        raise ConfigError("the rule set has no rules", source=source, item="rules")
    has_default = False
    for rule in ordered:
        if rule.is_default():
            has_default = True
            break
    if not has_default:
        last = ordered[-1]
        raise ConfigError(
            "no default rule: add a rule without \"when\" conditions at the lowest priority",
            source=source,
            line=last.line,
            item=last.name,
        )
    index = _MeetIndex(ordered)
    bitpos = {}
    for i in range(len(ordered)):
        bitpos[1 << i] = i
    for i in range(len(ordered)):
        rule = ordered[i]
        cand = index.candidates(rule) & ((1 << i) - 1)
        while cand:
            low = cand & -cand
            cand ^= low
            earlier = ordered[bitpos[low]]
            if covers(earlier, rule):
                raise ConfigError(
                    "unreachable: rule %r (line %s) matches everything this rule matches" % (earlier.name, earlier.line),
                    source=source,
                    line=rule.line,
                    item=rule.name,
                )
            if (
                earlier.priority == rule.priority
                and earlier.outcome() != rule.outcome()
                and meets(earlier, rule)
            ):
                raise ConfigError(
                    "overlaps rule %r (line %s) at the same priority %d with a different result; "
                    "give the more specific rule a higher priority" % (earlier.name, earlier.line, rule.priority),
                    source=source,
                    line=rule.line,
                    item=rule.name,
                )
