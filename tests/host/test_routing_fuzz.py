"""Fuzz the routing rule loader, the region table reader and the number parser: only lib12333 errors escape."""

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.compat import data_path
from lib12333.errors import ConfigError, DecodeError, ValidationError
from lib12333.host.testing.routing import region_table, requests
from lib12333.routing import loader, numbers
from lib12333.routing.regions import RegionTable
from tests.hypothesis_profiles import examples

FUZZ = settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLE = region_table()
with open(data_path("route-province.json"), "rb") as _f:
    PRESET = _f.read()
PRESET_DOC = json.loads(PRESET)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2000) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
KEYS = ("name", "priority", "when", "then", "number", "channel", "day", "card_relation", "reached", "caller_region",
        "card_region", "category", "hours", "waiting", "agents", "action", "centre", "queue", "min", "max")


def _load(data):
    try:
        return loader.loads(data, "fuzz.json", TABLE)
    except (ConfigError, DecodeError):
        return None


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data):
    _load(data)


@FUZZ
@given(json_values)
def test_random_json_documents(value):
    _load(json.dumps(value))
    _load(json.dumps({"schema": "lib12333-routing/1", "rules": value}))
    _load(json.dumps({"schema": "lib12333-routing/1", "rules": [value, {"name": "d", "then": {"action": "queue"}}]}))


@FUZZ
@given(st.randoms(use_true_random=False), st.integers(1, 12))
def test_mutated_preset_bytes(rnd, flips):
    data = bytearray(PRESET)
    for _ in range(flips):
        op = rnd.randrange(3)
        i = rnd.randrange(len(data))
        if op == 0:
            data[i] = rnd.randrange(256)
        elif op == 1:
            del data[i]
        else:
            data.insert(i, rnd.choice(b'{}[]",:0123456789-ntf'))
    _load(bytes(data))


@FUZZ
@given(st.randoms(use_true_random=False), st.sampled_from(KEYS), json_values)
def test_mutated_preset_structure(rnd, key, value):
    doc = json.loads(PRESET)
    rule = rnd.choice(doc["rules"])
    target = rnd.choice([rule, rule.get("when", {}), rule["then"]])
    target[key] = value
    rs = _load(json.dumps(doc, indent=1))
    if rs is not None:  # still valid: it must decide for any request
        rs.evaluate(random_request(rnd))


def random_request(rnd):
    from lib12333.routing import engine

    codes = (None, "330100", "330106", "440300", "110105", "429004")
    return engine.Request(
        number=rnd.choice(("12333", "12370", None)),
        channel=rnd.choice(("voice", "sms", "kiosk", "web")),
        reached=rnd.choice(codes),
        card_region=rnd.choice(codes),
        category=rnd.choice((None, "24", "2505", "100101")),
        time=rnd.choice((None, "2026-11-29T20:00", "2026-11-27T09:00")),
        waiting=rnd.choice((None, 0, 30)),
        agents=rnd.choice((None, 0, 3)),
    )


@FUZZ
@given(st.text(max_size=30))
def test_numbers_any_text(text):
    try:
        numbers.normalise(text)
    except DecodeError:
        pass


@FUZZ
@given(st.binary(min_size=0, max_size=400))
def test_region_table_garbage(data):
    try:
        t = RegionTable(data)
    except ConfigError:
        return
    for code in ("330100", "110000"):
        try:
            t.region(code)
            t.area("0571")
            t.is_county("330106")
        except ConfigError:
            pass


@FUZZ
@given(st.randoms(use_true_random=False), st.integers(1, 20))
def test_region_table_corrupted_rows(rnd, flips):
    with open(data_path("regions.txt"), "rb") as f:
        data = bytearray(f.read())
    for _ in range(flips):
        data[rnd.randrange(160, len(data))] = rnd.randrange(256)
    t = RegionTable(bytes(data))
    for code in ("330100", "110000", "429004", "654000"):
        try:
            t.region(code)
            t.city(code)
        except (ConfigError, ValidationError):
            pass
    try:
        t.area(rnd.choice(("0571", "024", "010", "0898")))
        list(t.regions())
    except ConfigError:
        pass


PRESET_RULES = loader.loads(PRESET, "p", TABLE)


@settings(max_examples=examples(200), deadline=None)
@given(requests())
def test_requests_never_raise(request):
    assert PRESET_RULES.evaluate(request).rule in [r.name for r in PRESET_RULES.rules]


def test_deep_nesting_is_decode_error():
    for depth in (100, 5000, 100000):
        assert _load("[" * depth + "]" * depth) is None
        assert _load('{"a":' * depth + "1" + "}" * depth) is None


def test_loader_random_rules_seeded():
    rnd = random.Random(8)
    for _ in range(300):
        doc = json.loads(PRESET)
        for rule in doc["rules"]:
            if rnd.random() < 0.3:
                rule["priority"] = rnd.choice([0, 60, 70, 90, "x", -1, 10**7])
            if rnd.random() < 0.2:
                rule.setdefault("when", {})[rnd.choice(KEYS)] = rnd.choice(["voice", ["12370"], {"min": 3}, [], 5])
        rnd.shuffle(doc["rules"])
        _load(json.dumps(doc))
