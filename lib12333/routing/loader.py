"""
Load a routing rule set from JSON text and compile it once.

    from lib12333.routing import loader
    rules = loader.loads(text, source="rules.json", table=region_table)
    decision = rules.evaluate(engine.Request(number="12333", reached="330100", ...))

The document (schema in docs/routing.md)::

    {"schema": "lib12333-routing/1", "name": "...", "description": "...",
     "calendar": {"holidays": ["2026-10-01"], "workdays": ["2026-10-10"]},
     "rules": [{"name": "...", "priority": 10, "when": {...}, "then": {...}}, ...]}

Malformed JSON raises ``DecodeError``; everything else wrong raises
``ConfigError`` with the source, the rule's line and its name.  Category codes
are checked against ``lib12333.categories`` (national part; local 6/8-digit
extensions must extend an existing national sub-class); region codes against the
``RegionTable`` when one is given, otherwise by format only.
"""

import json

from lib12333.errors import ConfigError, DecodeError
from lib12333.routing import analysis, clock, engine, schema

SCHEMA = "lib12333-routing/1"
TOP_KEYS = ("schema", "name", "description", "calendar", "rules")
MAX_RULES = 4096


def _skip_string(data, i, n):
    """Index of the closing quote of the string opening at ``i`` (``n`` when unterminated)."""
    j = i + 1
    while True:
        j = data.find(b'"', j)
        if j < 0:
            return n
        k = j - 1
        while data[k] == 92:  # backslash
            k -= 1
        if (j - 1 - k) % 2 == 0:  # an even number of backslashes: the quote is not escaped
            return j
        j += 1


_MARKS = (b'"', b"{", b"}", b"[", b"]")


def rule_lines(text):
    """Line numbers (1-based) of the objects in the top-level ``"rules"`` array of valid JSON text.

    Works on the UTF-8 bytes (MicroPython indexes ``str`` by scanning from the
    start, bytes in constant time) and jumps between the structural characters
    with ``find``.
    """
    data = text.encode() if isinstance(text, str) else bytes(text)
    lines = []
    stack = []
    last = None
    n = len(data)
    nxt = [data.find(c) for c in _MARKS]
    line = 1
    counted = 0
    i = 0
    while True:
        pos = n
        which = -1
        for m in range(5):
            p = nxt[m]
            if p >= 0 and p < pos:
                pos = p
                which = m
        if which < 0:
            break
        if which == 0:
            end = _skip_string(data, pos, n)
            if len(stack) == 1:
                last = data[pos + 1 : end]
            i = end + 1
        else:
            if which == 1 or which == 3:
                if which == 1 and len(stack) == 2 and stack[1] == 0:
                    line += data.count(b"\n", counted, pos)
                    counted = pos
                    lines.append(line)
                if which == 3 and len(stack) == 1 and stack[0] == 1 and last == b"rules":
                    stack.append(0)  # the rules array
                else:
                    stack.append(which)
            elif stack:
                stack.pop()
            i = pos + 1
        if i >= n:
            break
        for m in range(5):
            if nxt[m] >= 0 and nxt[m] < i:
                nxt[m] = data.find(_MARKS[m], i)
    return lines


def key_line(text, key):
    """Line of the first ``"key"`` in ``text``, or None."""
    at = text.find('"' + key + '"')
    if at < 0:
        return None
    return text.count("\n", 0, at) + 1


def category_check():
    """``code -> bool`` using lib12333.categories (national part of local codes)."""
    from lib12333 import categories

    def known(code):
        return categories.exists(code if len(code) <= 4 else code[:4])

    return known


def _calendar(doc, text, source):
    raw = doc.get("calendar", {})
    line = key_line(text, "calendar")
    if type(raw) is not dict:
        raise ConfigError("calendar must be an object", source=source, line=line, item="calendar")
    for key in raw:
        if key not in ("holidays", "workdays"):
            raise ConfigError("unknown calendar key", source=source, line=line, item=key)
    lists = []
    for key in ("holidays", "workdays"):
        dates = raw.get(key, [])
        if type(dates) is not list:
            raise ConfigError("must be a list of YYYY-MM-DD dates", source=source, line=line, item=key)
        for d in dates:
            try:
                clock.parse_date(d, key)
            except DecodeError as exc:
                raise ConfigError(str(exc), source=source, line=line, item=key)  # noqa: B904 (no chaining on MicroPython)
        lists.append(dates)
    return clock.Calendar(lists[0], lists[1])


def compile_doc(doc, text="", source="<rules>", table=None, categories=None):
    """Check and compile an already-parsed document (``text`` only gives line numbers)."""
    if type(doc) is not dict:
        raise ConfigError("the rule set must be a JSON object", source=source, line=1)
    for key in doc:
        if key not in TOP_KEYS:
            raise ConfigError("unknown top-level key", source=source, line=key_line(text, key), item=key)
    if doc.get("schema") != SCHEMA:
        raise ConfigError("schema must be " + SCHEMA, source=source, line=key_line(text, "schema"), item="schema")
    name = doc.get("name", source)
    if type(name) is not str:
        raise ConfigError("name must be a string", source=source, line=key_line(text, "name"), item="name")
    if "description" in doc and type(doc["description"]) is not str:
        raise ConfigError("description must be a string", source=source, item="description")
    raws = doc.get("rules")
    if type(raws) is not list or not raws:
        raise ConfigError("rules must be a non-empty list", source=source, line=key_line(text, "rules"), item="rules")
    if len(raws) > MAX_RULES:
        raise ConfigError("too many rules", source=source, item="rules", expected="at most " + str(MAX_RULES))
    calendar = _calendar(doc, text, source)
    lines = rule_lines(text) if text else []
    if len(lines) != len(raws):
        lines = [None] * len(raws)
    rules = []
    seen = {}
    for i in range(len(raws)):
        rule = schema.parse_rule(raws[i], i, lines[i], source, table, categories)
        if rule.name in seen:
            raise ConfigError(
                "duplicate rule name (first at line %s)" % seen[rule.name], source=source, line=rule.line, item=rule.name
            )
        seen[rule.name] = rule.line
        rules.append(rule)
    ordered = sorted(rules, key=lambda r: (-r.priority, r.order))
    analysis.check(ordered, source)
    return engine.RuleSet(name, ordered, calendar, source)


def loads(text, source="<rules>", table=None, categories=True):
    """Parse and compile JSON ``text`` (str or UTF-8 bytes).

    ``categories`` is True to check codes with lib12333.categories, False for
    format only, or a ``code -> bool`` function.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except (UnicodeError, ValueError):
            raise DecodeError("rule file is not UTF-8", field=source, expected="UTF-8 JSON")  # noqa: B904 (no chaining on MicroPython)
    if type(text) is not str:
        raise DecodeError("rule text must be str or bytes", field=source)
    try:
        doc = json.loads(text)
    except (ValueError, RuntimeError, MemoryError, TypeError) as exc:
        raise DecodeError("invalid JSON", field=source, position=getattr(exc, "pos", None), expected="a JSON object")  # noqa: B904 (no chaining on MicroPython)
    if categories is True:
        categories = category_check()
    elif categories is False:
        categories = None
    return compile_doc(doc, text, source, table, categories)


def load(stream, source=None, table=None, categories=True):
    """``loads`` on an open file (text or binary)."""
    return loads(stream.read(), source or getattr(stream, "name", "<rules>"), table, categories)
