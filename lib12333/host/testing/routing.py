"""Hypothesis strategies for routing (``lib12333.routing``): numbers, regions, requests, rule sets."""

from hypothesis import strategies as st

from lib12333 import categories
from lib12333.host.regions import default_table as default_region_table
from lib12333.routing import engine, schema

_TABLE = None


def region_table():
    """The installed region table (read once)."""
    global _TABLE
    if _TABLE is None:
        _TABLE = default_region_table()
    return _TABLE


_CODES = None


def _region_codes():
    global _CODES
    if _CODES is None:
        table = region_table()
        rows = list(table.regions())
        cities = tuple(r.code for r in rows if r.kind in "CDM")
        provinces = tuple(r.code for r in rows if r.kind in "PM" and r.code[:2] not in ("71", "81", "82"))
        counties = tuple(table.counties())
        areas = tuple(a for a, _ in table.areas())
        _CODES = (cities, provinces, counties, areas)
    return _CODES


def division_codes():
    """Current division codes at any level: provinces, cities, counties."""
    cities, provinces, counties, _ = _region_codes()
    return st.one_of(st.sampled_from(cities), st.sampled_from(provinces), st.sampled_from(counties))


def area_codes():
    """Area codes present in the region table ("010", "0571")."""
    return st.sampled_from(_region_codes()[3])


def _join(parts, seps):
    out = parts[0]
    for i in range(1, len(parts)):
        out += seps[(i - 1) % len(seps)] + parts[i]
    return out


@st.composite
def written_numbers(draw):
    """(text, kind, area, local): a number written one of the ways people write it, and its parts."""
    kind = draw(st.sampled_from(("mobile", "fixed", "service")))
    if kind == "mobile":
        local = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
        area = None
    else:
        area = draw(st.one_of(st.none(), area_codes()))
        if kind == "service":
            local = draw(st.sampled_from(("12333", "12370")))
        else:
            size = draw(st.sampled_from((7, 8)))
            local = draw(st.sampled_from("23456789")) + draw(st.text("0123456789", min_size=size - 1, max_size=size - 1))
    seps = draw(st.lists(st.sampled_from(("", " ", "-", ".")), min_size=1, max_size=3))
    prefix = draw(st.sampled_from(("", "+86", "0086"))) if (area or kind == "mobile") else ""
    if area is None:
        parts = [local] if kind != "mobile" else [local[:3], local[3:7], local[7:]]
        if prefix:
            parts = [prefix] + parts
        return _join(parts, seps), kind, None, local
    area_part = area if not prefix else area[1:]
    if draw(st.booleans()) and not prefix:
        return "(" + area + ")" + draw(st.sampled_from(("", " "))) + local, kind, area, local
    parts = ([prefix] if prefix else []) + [area_part, local]
    return _join(parts, seps), kind, area, local


def category_codes():
    """National codes and local 6/8-digit extensions of national sub-classes."""
    national = tuple(c for c, _ in categories.items())
    subclasses = tuple(c for c in national if len(c) == 4)
    local6 = st.tuples(st.sampled_from(subclasses), st.text("0123456789", min_size=2, max_size=2)).map("".join)
    local8 = st.tuples(local6, st.text("0123456789", min_size=2, max_size=2)).map("".join)
    return st.one_of(st.sampled_from(national), local6, local8)


@st.composite
def times(draw):
    year = draw(st.integers(2024, 2028))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    hour = draw(st.integers(0, 23))
    minute = draw(st.sampled_from((0, 1, 29, 30, 59)))
    return "%04d-%02d-%02dT%02d:%02d" % (year, month, day, hour, minute)


@st.composite
def requests(draw):
    """An ``engine.Request`` with every input possibly missing."""
    return engine.Request(
        number=draw(st.sampled_from(("12333", "12370", None))),
        channel=draw(st.sampled_from(schema.CHANNELS)),
        reached=draw(st.one_of(st.none(), division_codes())),
        caller_region=draw(st.one_of(st.none(), division_codes())),
        card_region=draw(st.one_of(st.none(), division_codes())),
        category=draw(st.one_of(st.none(), category_codes())),
        time=draw(st.one_of(st.none(), times())),
        waiting=draw(st.one_of(st.none(), st.integers(0, 40))),
        agents=draw(st.one_of(st.none(), st.integers(0, 5))),
    )


@st.composite
def conditions(draw):
    """A ``when`` object with a few random conditions."""
    when = {}
    keys = draw(st.lists(st.sampled_from(schema.WHEN_KEYS), min_size=1, max_size=3, unique=True))
    discrete = dict(schema.DISCRETE)
    for key in keys:
        if key in discrete:
            when[key] = draw(st.lists(st.sampled_from(discrete[key]), min_size=1, max_size=2, unique=True))
        elif key == "category":
            when[key] = draw(st.lists(category_codes(), min_size=1, max_size=2, unique=True))
        elif key in schema.PREFIX:
            when[key] = draw(st.lists(st.one_of(division_codes(), st.just("unknown")), min_size=1, max_size=2, unique=True))
        elif key == "hours":
            a = draw(st.integers(0, 47)) * 30
            b = (a + 30 * draw(st.integers(1, 47))) % 1440
            when[key] = "%02d:%02d-%02d:%02d" % (a // 60, a % 60, b // 60, b % 60)
        else:
            lo = draw(st.integers(0, 10))
            rng = {"min": lo}
            if draw(st.booleans()):
                rng["max"] = lo + draw(st.integers(0, 10))
            when[key] = rng
    return when


@st.composite
def outcomes(draw):
    action = draw(st.sampled_from(schema.ACTIONS))
    centres = schema.CENTRES if action != "transfer" else ("national", "card-city", "card-province", "caller-province")
    then = {"action": action, "centre": draw(st.sampled_from(centres))}
    if draw(st.booleans()):
        then["queue"] = draw(st.sampled_from(("general", "civil-service", "seats-{city}", "pool-{province}")))
    return then


@st.composite
def rule_documents(draw, max_rules=8):
    """A rule-set document: random rules (distinct priorities, so no overlap conflicts) plus a default."""
    n = draw(st.integers(0, max_rules))
    priorities = draw(st.lists(st.integers(1, 1000), min_size=n, max_size=n, unique=True))
    rules = []
    for i in range(n):
        rules.append({"name": "r%d" % i, "priority": priorities[i], "when": draw(conditions()), "then": draw(outcomes())})
    rules.append({"name": "default", "priority": 0, "then": draw(outcomes())})
    draw(st.randoms()).shuffle(rules)
    return {"schema": "lib12333-routing/1", "name": "generated", "rules": rules}
