"""Property tests for routing: normalisation, one decision per input, explain == evaluate, an independent oracle."""

import datetime
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.compat import data_path
from lib12333.errors import ConfigError, DecodeError
from lib12333.host.testing.routing import region_table, requests, rule_documents, written_numbers
from lib12333.routing import clock, loader, numbers
from tests.hypothesis_profiles import examples

EXAMPLES = settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLE = region_table()
PRESETS = {}
for _name in ("city", "province"):
    with open(data_path("route-%s.json" % _name), "rb") as _f:
        PRESETS[_name] = loader.loads(_f.read(), _name, TABLE)
MUNICIPALITIES = ("11", "12", "31", "50")


@EXAMPLES
@given(written_numbers())
def test_normalise_written_forms(case):
    text, kind, area, local = case
    assert numbers.normalise(text) == numbers.Number(kind, area, local)


@EXAMPLES
@given(st.text(alphabet="0123456789+-() .x", max_size=24))
def test_normalise_only_decode_error(text):
    try:
        n = numbers.normalise(text)
    except DecodeError:
        return
    assert n.kind in ("mobile", "fixed", "service")
    assert numbers.normalise(n.display()) == n


@EXAMPLES
@given(requests(), st.sampled_from(sorted(PRESETS)))
def test_presets_one_decision_and_explain_agrees(request, name):
    rules = PRESETS[name]
    decision = rules.evaluate(request)
    result = rules.explain(request)
    assert result["decision"].key() == decision.key()
    matched = [t for t in result["tried"] if t["matched"]]
    assert len(matched) == 1 and result["tried"][-1] is matched[0]
    assert decision.action in ("queue", "self-service", "callback", "transfer")


# --- an independent oracle: match raw JSON rules against raw inputs -------------------------


def _region_matches(cond, code):
    for c in cond:
        if c == "unknown":
            if code is None:
                return True
            continue
        if code is None:
            continue
        if c.endswith("0000"):
            if code[:2] == c[:2]:
                return True
        elif c.endswith("00") and c[:2] not in MUNICIPALITIES:
            if code[:4] == c[:4]:
                return True
        elif code == c:
            return True
    return False


def _day(request, holidays):
    if request.date is None:
        return "unknown"
    if request.date in holidays:
        return "restday"
    return "workday" if datetime.date.fromisoformat(request.date).weekday() < 5 else "restday"


def _relation(request):
    card, home = request.card_region, request.reached
    if card is None or home is None:
        return "unknown"
    if card[:2] != home[:2]:
        return "other-province"
    city = lambda c: c[:2] if c[:2] in MUNICIPALITIES else (c if c[2:4] == "90" else c[:4])  # noqa: E731
    return "same-city" if city(card) == city(home) else "same-province"


def _as_list(v):
    return [v] if isinstance(v, str) else v


def oracle(doc, request, holidays=()):
    ordered = sorted(enumerate(doc["rules"]), key=lambda p: (-p[1].get("priority", 0), p[0]))
    for _, rule in ordered:
        when = rule.get("when", {})
        ok = True
        for key, cond in when.items():
            if key == "number":
                ok = request.number in _as_list(cond)
            elif key == "channel":
                ok = request.channel in _as_list(cond)
            elif key == "day":
                ok = _day(request, holidays) in _as_list(cond)
            elif key == "card_relation":
                ok = _relation(request) in _as_list(cond)
            elif key in ("reached", "caller_region", "card_region"):
                ok = _region_matches(_as_list(cond), getattr(request, key))
            elif key == "category":
                ok = request.category is not None and any(request.category.startswith(c) for c in _as_list(cond))
            elif key == "hours":
                start = int(cond[:2]) * 60 + int(cond[3:5])
                end = int(cond[6:8]) * 60 + int(cond[9:11])
                m = request.minute
                ok = m is not None and ((start <= m < end) if start < end else (m >= start or m < end))
            else:
                v = getattr(request, key)
                ok = v is not None and v >= cond.get("min", 0) and ("max" not in cond or v <= cond["max"])
            if not ok:
                break
        if ok:
            return rule["name"]
    return None


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rule_documents(), st.lists(requests(), min_size=1, max_size=8))
def test_generated_rules_agree_with_oracle(doc, reqs):
    try:
        rules = loader.compile_doc(doc, json.dumps(doc), "gen", TABLE, loader.category_check())
    except ConfigError:
        return
    for request in reqs:
        decision = rules.evaluate(request)
        assert decision.rule == oracle(doc, request)
        assert rules.explain(request)["decision"].key() == decision.key()


@EXAMPLES
@given(requests(), st.lists(st.dates(datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)).map(str), max_size=5))
def test_holidays_passed_in_are_honoured(request, holidays):
    with open(data_path("route-city.json")) as f:
        doc = json.load(f)
    rules = PRESETS["city"]
    got = rules.evaluate(request, clock.Calendar(holidays)).rule
    assert got == oracle(doc, request, set(holidays))


def _doc_with(*rules):
    return {"schema": "lib12333-routing/1", "rules": list(rules) + [{"name": "default", "then": {"action": "queue"}}]}


@EXAMPLES
@given(rule_documents(max_rules=4))
def test_narrowed_copy_after_rule_is_unreachable(doc):
    rules = [r for r in doc["rules"] if r["name"] != "default" and r.get("when")]
    if not rules:
        return
    first = rules[0]
    narrower = dict(first, name="narrower", priority=first["priority"] - 1 if first["priority"] > 1 else 0)
    channels = first["when"].get("channel", ["kiosk", "web"])
    narrower["when"] = dict(first["when"], channel=channels[:1])
    d = _doc_with(first, narrower)
    try:
        loader.compile_doc(d, json.dumps(d), "gen", TABLE, None)
    except ConfigError as exc:
        if exc.item == "narrower":
            assert "unreachable" in str(exc) or "overlaps" in str(exc)
            return
        # the first rule itself may be invalid only through a ConfigError about it
        assert exc.item in (first["name"], "default")
        return
    raise AssertionError("a narrowed copy of an earlier rule was accepted")


@EXAMPLES
@given(rule_documents(max_rules=5), st.lists(st.integers(0, 3), min_size=12, max_size=12), st.sampled_from((None, 1, 2)))
def test_rule_lines_match_layout(doc, gaps, indent):
    parts = ['{"schema": "lib12333-routing/1", "note": "a \\"rules\\": [{", "rules": [']
    line = 1
    expected = []
    for i, rule in enumerate(doc["rules"]):
        line += 1 + gaps[i]
        parts.append("\n" * (1 + gaps[i]) + json.dumps(rule, indent=indent) + ("," if i + 1 < len(doc["rules"]) else ""))
        expected.append(line)
        line += json.dumps(rule, indent=indent).count("\n")
    text = "".join(parts) + "]}"
    assert json.loads(text)["rules"] == doc["rules"]
    assert loader.rule_lines(text) == expected


def _rejected(doc):
    """The ConfigError the loader raises for ``doc`` (the test fails when it accepts it)."""
    with pytest.raises(ConfigError) as info:
        loader.compile_doc(doc, json.dumps(doc), "gen", TABLE, None)
    return info.value


@EXAMPLES
@given(rule_documents(max_rules=5))
def test_loader_error_for_each_check(doc):
    text = json.dumps(doc)
    try:
        loader.compile_doc(doc, text, "gen", TABLE, None)
    except ConfigError:
        return
    # 1. without its default rule the set is rejected
    no_default = dict(doc, rules=[r for r in doc["rules"] if r["name"] != "default"])
    if no_default["rules"]:
        assert "no default rule" in str(_rejected(no_default))
    # 2. a twin of a rule at the same priority with another result is an overlap (or unreachable)
    first = next((r for r in doc["rules"] if r["name"] != "default"), None)
    if first is not None:
        twin = dict(first, name="twin", then={"action": "callback", "centre": "national", "queue": "twin-only"})
        d = dict(doc, rules=doc["rules"] + [twin])
        exc = _rejected(d)
        assert exc.item == "twin"
        assert "unreachable" in str(exc) or "overlaps" in str(exc)
    # 3. an unknown region code in any rule is rejected with that rule's name
    bad = dict(doc, rules=[dict(r, when=dict(r.get("when", {}), reached=["330199"])) if r["name"] != "default" else r
                           for r in doc["rules"]])
    if first is not None:
        assert "unknown region" in str(_rejected(bad))
