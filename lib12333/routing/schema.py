"""
The routing rule schema: turn one JSON rule object into a checked ``Rule``.

A rule is ``{"name", "priority", "when": {...}, "then": {...}}``; the keys of
``when`` are below (docs/routing.md has the full description).  Every problem
raises ``ConfigError(source, line, item)`` naming the rule.
"""

from lib12333.compat import is_int
from lib12333.errors import ConfigError, DecodeError
from lib12333.routing import clock
from lib12333.routing.regions import MUNICIPALITIES, is_digits

CHANNELS = ("voice", "sms", "kiosk", "web")
NUMBERS = ("12333", "12370", "other")
DAYS = ("workday", "restday", "unknown")
RELATIONS = ("same-city", "same-province", "other-province", "unknown")
ACTIONS = ("queue", "self-service", "callback", "transfer")
CENTRES = ("city", "province", "national", "caller-city", "caller-province", "card-city", "card-province")

# Discrete conditions: key -> the values it may take (a list equal to all of them is "any").
DISCRETE = (("number", NUMBERS), ("channel", CHANNELS), ("day", DAYS), ("card_relation", RELATIONS))
# Prefix conditions: region codes (6 digits, or "unknown") and category codes (2/4/6/8 digits).
PREFIX = ("reached", "caller_region", "card_region", "category")
# Range conditions, checked after the index narrowed the candidates.
RANGES = ("waiting", "agents")
WHEN_KEYS = ("number", "channel", "day", "card_relation", "reached", "caller_region", "card_region", "category", "hours", "waiting", "agents")
RULE_KEYS = ("name", "priority", "when", "then", "comment")
THEN_KEYS = ("action", "centre", "queue", "note")
MAX_QUEUE = 64


class Rule:
    """A checked rule. ``conds`` maps a condition key to its normalised value; absent key = any."""

    __slots__ = ("name", "priority", "line", "order", "conds", "action", "centre", "queue", "note")

    def __init__(self, name, priority, line, order, conds, action, centre, queue, note):
        self.name = name
        self.priority = priority
        self.line = line
        self.order = order
        self.conds = conds
        self.action = action
        self.centre = centre
        self.queue = queue
        self.note = note

    def outcome(self):
        """What the rule decides, for comparing two rules."""
        return (self.action, self.centre, self.queue)

    def is_default(self):
        return not self.conds


def _values(raw, key, fail):
    if type(raw) is str:
        raw = [raw]
    if type(raw) is not list or not raw:
        fail("must be a non-empty list of strings", key)
    out = []
    for v in raw:
        if type(v) is not str:
            fail("must be a non-empty list of strings", key)
        if v not in out:
            out.append(v)
    return out


def _region(code, key, fail, table):
    if code == "unknown":
        return code
    if len(code) != 6 or not is_digits(code):
        fail("region must be a 6-digit division code or \"unknown\"", code)
    if table is not None:
        if code[:2] in MUNICIPALITIES and code[2:] != "0000" and code[4:] == "00":
            fail("a municipality is named by its xx0000 code", code)
        if not table.is_known(code):
            fail("unknown region code (not a current GB/T 2260 division in regions.txt)", code)
    elif code[:2] == "00":
        fail("unknown region code", code)
    if code[2:] == "0000":
        return code[:2]
    if code[4:] == "00" and code[:2] not in MUNICIPALITIES:
        return code[:4]
    return code


def _category(code, fail, categories):
    if len(code) not in (2, 4, 6, 8) or not is_digits(code):
        fail("category must be 2, 4, 6 or 8 digits (national class, sub-class, local extensions)", code)
    if categories is not None and not categories(code):
        fail("unknown category code", code)
    return code


def _range(raw, key, fail):
    if type(raw) is not dict or not raw:
        fail("must be an object with min and/or max", key)
    lo = 0
    hi = None
    for k in raw:
        v = raw[k]
        if k not in ("min", "max") or not is_int(v) or v < 0:
            fail("min and max must be non-negative integers", key)
        if k == "min":
            lo = v
        else:
            hi = v
    if hi is not None and lo > hi:
        fail("min is greater than max", key)
    return (lo, hi)


def _hours(raw, fail):
    if type(raw) is not str or len(raw) != 11 or raw[5] != "-":
        fail("hours must be \"HH:MM-HH:MM\"", "hours")
    try:
        start = clock.parse_clock(raw[:5])
        end = clock.parse_clock(raw[6:])
    except DecodeError:
        fail("hours must be \"HH:MM-HH:MM\" with real times", raw)
    if start == end:
        fail("hours start and end are equal (leave hours out for all day)", raw)
    if start < end:
        return ((start, end),)
    spans = [(start, 1440)]
    if end > 0:
        spans.append((0, end))
    return tuple(spans)


def _check_queue(queue, fail):
    if type(queue) is not str or not queue or len(queue) > MAX_QUEUE:
        fail("queue must be a string of 1-64 characters", "queue")
    rest = queue
    while "{" in rest:
        start = rest.index("{")
        end = rest.find("}", start)
        if end < 0 or rest[start + 1 : end] not in ("city", "province"):
            fail("queue placeholders are {city} and {province}", queue)
        rest = rest[end + 1 :]
    if "}" in rest:
        fail("unbalanced } in queue", queue)


def parse_rule(raw, order, line, source, table=None, categories=None):
    """Check one rule object; ``categories(code) -> bool`` validates category codes when given."""
    name = raw.get("name") if type(raw) is dict else None
    item = name if type(name) is str else "rule #" + str(order + 1)

    def fail(message, what=None):
        raise ConfigError(message if what is None else message + ": " + str(what), source=source, line=line, item=item)

    if type(raw) is not dict:
        fail("a rule must be an object")
    for key in raw:
        if key not in RULE_KEYS:
            fail("unknown rule key", key)
    if type(name) is not str or not name:
        fail("rule needs a non-empty \"name\"")
    priority = raw.get("priority", 0)
    if not is_int(priority) or not -1000000 <= priority <= 1000000:
        fail("priority must be an integer")
    when = raw.get("when", {})
    if type(when) is not dict:
        fail("\"when\" must be an object")
    conds = {}
    for key in when:
        if key not in WHEN_KEYS:
            fail("unknown condition", key)
    for key, allowed in DISCRETE:
        if key in when:
            vals = _values(when[key], key, fail)
            for v in vals:
                if v not in allowed:
                    fail("%s must be one of %s" % (key, ", ".join(allowed)), v)
            if len(vals) < len(allowed):
                conds[key] = tuple(sorted(vals))
    for key in PREFIX:
        if key in when:
            vals = _values(when[key], key, fail)
            if key == "category":
                keys = [_category(v, fail, categories) for v in vals]
            else:
                keys = [_region(v, key, fail, table) for v in vals]
            conds[key] = tuple(sorted(keys))
    if "hours" in when:
        conds["hours"] = _hours(when["hours"], fail)
    for key in RANGES:
        if key in when:
            conds[key] = _range(when[key], key, fail)  # even {"min": 0}: the value must be given
    then = raw.get("then")
    if type(then) is not dict:
        fail("rule needs a \"then\" object")
    for key in then:
        if key not in THEN_KEYS:
            fail("unknown result key", key)
    action = then.get("action")
    if action not in ACTIONS:
        fail("action must be one of " + ", ".join(ACTIONS), action)
    centre = then.get("centre", "city")
    if type(centre) is not str or (centre not in CENTRES and (len(centre) != 6 or not is_digits(centre))):
        fail("centre must be one of " + ", ".join(CENTRES) + " or a 6-digit region code", centre)
    if len(centre) == 6 and is_digits(centre) and table is not None and table.region(centre) is None:
        fail("unknown centre region (must be a province, municipality or city in regions.txt)", centre)
    if action == "transfer" and centre in ("city", "province"):
        fail("a transfer needs another centre (card-city, card-province, caller-*, national or a code)", centre)
    queue = then.get("queue")
    if queue is not None:
        _check_queue(queue, fail)
    note = then.get("note")
    if note is not None and type(note) is not str:
        fail("note must be a string")
    return Rule(name, priority, line, order, conds, action, centre, queue, note)
