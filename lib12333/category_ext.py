"""
Local extensions of the category codes and the effective tree of a region.

The three-level information library (ministry -> province -> city) lets a
province extend a national sub-class with two digits (6-digit codes) and a city
extend a provincial code with two more (8-digit codes).  ``load_extension``
reads and validates one table (JSON, format in ``docs/categories.md``);
``Tree(province, city)`` combines the national table with them.  Separate from
``lib12333.categories`` so that a device that only browses the national table
never loads this code.
"""

from lib12333.categories import (
    LEVEL_CITY,
    LEVEL_PROVINCE,
    Category,
    _national_name,
    children,
    items,
    path,
    search,
    validate,
)
from lib12333.errors import ConfigError

FORMAT_TAG = "lib12333/category-extension/1"
MAX_NAME = 60


class Tree:
    """The effective category tree of one region: national + province + city.

    ``province`` and ``city`` are ``Extension`` objects from ``load_extension``
    (or None).  A city table needs the province table it extends; the
    combination is validated here and bad tables raise ``ConfigError``.
    """

    __slots__ = ("province", "city", "_local")

    def __init__(self, province=None, city=None):
        self.province = province
        self.city = city
        self._local = {}
        if province is not None:
            if province.level != LEVEL_PROVINCE:
                raise ConfigError(
                    "table is not a province table", source=province.source, expected='"level": "province"'
                )
            for code, name in province.entries:
                self._local[code] = name
        if city is not None:
            if city.level != LEVEL_CITY:
                raise ConfigError("table is not a city table", source=city.source, expected='"level": "city"')
            if province is None:
                raise ConfigError(
                    "a city table needs the province table it extends", source=city.source, item=city.region
                )
            if city.region[:2] != province.region[:2]:
                raise ConfigError(
                    "city region is not inside the province region",
                    source=city.source,
                    item=city.region,
                    expected="a region starting with " + province.region[:2],
                )
            for i in range(len(city.entries)):
                code, name = city.entries[i]
                if code[:6] not in self._local:
                    raise ConfigError(
                        "parent code is not in the province table",
                        source=city.source,
                        line=city.lines[i],
                        item=code,
                        expected="an existing 6-digit provincial code",
                    )
                self._local[code] = name

    def name(self, code):
        """Name of ``code`` or None when it is not in this tree (no format check)."""
        if len(code) <= 4:
            return _national_name(code)
        return self._local.get(code)

    def exists(self, code):
        return isinstance(code, str) and len(code) in (2, 4, 6, 8) and self.name(code) is not None

    def validate(self, code):
        """The ``Category`` for ``code``; ``CodeFormatError`` or ``UnknownCodeError`` otherwise."""
        return validate(code, self.name)

    def lookup(self, code):
        return self.validate(code).name

    def level(self, code):
        return len(self.validate(code).code) // 2

    def parent(self, code):
        """Code of the parent, or None for a class."""
        return self.validate(code).code[:-2] or None

    def path(self, code):
        """[Category] from the class down to ``code``."""
        return path(code, self.name)

    def children(self, code=None):
        """Codes directly below ``code`` in order; the 27 classes when ``code`` is None."""
        if code is None or len(code) == 2:
            return children(code)
        self.validate(code)
        want = len(code) + 2
        return sorted(c for c in self._local if len(c) == want and c[: len(code)] == code)

    def walk(self, code=None):
        """(depth, Category) for ``code`` (depth 0) and everything below it, in code order.

        With ``code`` None, the whole tree, classes at depth 0.
        """
        if code is not None:
            self.validate(code)
        top = 1 if code is None else len(code) // 2
        for c, name in self.items():
            if code is None or c[: len(code)] == code:
                yield len(c) // 2 - top, Category(c, name)

    def items(self):
        """(code, name) for every code of the tree in code order (= pre-order of the tree)."""
        local = sorted(self._local)
        j = 0
        for c, name in items():
            while j < len(local) and local[j] < c:
                yield local[j], self._local[local[j]]
                j += 1
            yield c, name
        while j < len(local):
            yield local[j], self._local[local[j]]
            j += 1

    def search(self, text, limit=None):
        """Like ``categories.search`` over the whole effective tree."""
        return search(text, limit, self.items)


class Extension:
    """A validated local extension table (province or city level)."""

    __slots__ = ("level", "region", "title", "entries", "lines", "source")

    def __init__(self, level, region, title, entries, lines, source):
        self.level = level
        self.region = region
        self.title = title
        self.entries = entries
        self.lines = lines
        self.source = source

    def __len__(self):
        return len(self.entries)


_TOP_KEYS = ("format", "level", "region", "title", "categories")


def _digits(text, n):
    return isinstance(text, str) and len(text) == n and all(ch in "0123456789" for ch in text)


def _line_at(text, pos):
    if text is None or pos < 0:
        return None
    return text.count("\n", 0, pos) + 1


def load_extension(data, source="<extension>"):
    """Parse and validate one extension table; return an ``Extension``.

    ``data`` is the JSON text (``str`` or UTF-8 ``bytes``) or the already parsed
    ``dict``.  Every problem raises ``ConfigError`` naming ``source``, the line
    (when the text is known) and the offending code.  A province table's
    parents are checked against the national table here; a city table's parents
    are checked when it is combined with its province table in ``Tree``.
    """
    text = None
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeError:
            raise ConfigError("not UTF-8 text", source=source)  # noqa: B904 (no chaining on MicroPython)
    if isinstance(data, str):
        text = data
        if text[:1] == "\ufeff":
            text = text[1:]
        import json

        try:
            data = json.loads(text)
        except (ValueError, RuntimeError) as exc:  # RuntimeError: nesting too deep
            line = getattr(exc, "lineno", None)
            raise ConfigError("not valid JSON", source=source, line=line, expected="a JSON object")  # noqa: B904
    if not isinstance(data, dict):
        raise ConfigError("top level is not an object", source=source, expected="a JSON object")
    for key in sorted(data):
        if key not in _TOP_KEYS:
            raise ConfigError("unknown key", source=source, item=key, expected=", ".join(_TOP_KEYS))
    if data.get("format") != FORMAT_TAG:
        raise ConfigError('"format" missing or unknown', source=source, expected=FORMAT_TAG)
    level_name = data.get("level")
    if level_name == "province":
        level = LEVEL_PROVINCE
    elif level_name == "city":
        level = LEVEL_CITY
    else:
        raise ConfigError('"level" missing or unknown', source=source, expected='"province" or "city"')
    region = data.get("region")
    if not _digits(region, 6):
        raise ConfigError('"region" is not a 6-digit division code', source=source, expected="e.g. 330000")
    if level == LEVEL_PROVINCE and region[2:] != "0000":
        raise ConfigError(
            "a province region ends in 0000", source=source, item=region, expected="e.g. 330000"
        )
    if level == LEVEL_CITY and region[2:] == "0000":
        raise ConfigError(
            "a city region does not end in 0000", source=source, item=region, expected="e.g. 330100"
        )
    from lib12333.identifiers import province_name

    if province_name(region[:2]) is None:
        raise ConfigError(
            "unknown province in region", source=source, item=region, expected="a GB/T 2260 code"
        )
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise ConfigError('"title" is not text', source=source)
    items = data.get("categories")
    if not isinstance(items, list) or not items:
        raise ConfigError('"categories" missing or empty', source=source, expected="a non-empty list")
    width = 6 if level == LEVEL_PROVINCE else 8
    seen = {}
    entries = []
    lines = []
    cursor = 0
    for n in range(len(items)):
        item = items[n]
        where = "entry " + str(n + 1) + ": "
        line = None
        code = item.get("code") if isinstance(item, dict) else None
        if text is not None and isinstance(code, str):
            pos = text.find('"' + code + '"', cursor)
            if pos >= 0:
                cursor = pos + 1
                line = _line_at(text, pos)
        if not isinstance(item, dict):
            raise ConfigError(where + "not an object", source=source, expected='{"code": ..., "name": ...}')
        for key in sorted(item):
            if key not in ("code", "name"):
                raise ConfigError(where + "unknown key " + repr(key), source=source, line=line, item=code)
        if not isinstance(code, str) or not code:
            raise ConfigError(
                where + '"code" missing', source=source, line=line, expected="a string of digits"
            )
        for ch in code:
            if ch not in "0123456789":
                raise ConfigError(where + "code is not all digits", source=source, line=line, item=code)
        if len(code) != width:
            raise ConfigError(
                where + "code has " + str(len(code)) + " digits",
                source=source,
                line=line,
                item=code,
                expected=str(width) + " digits for a " + level_name + " table",
            )
        if code in seen:
            raise ConfigError(
                where + "duplicate code (first at entry " + str(seen[code]) + ")",
                source=source,
                line=line,
                item=code,
            )
        seen[code] = n + 1
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(where + '"name" missing or empty', source=source, line=line, item=code)
        if name != name.strip() or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
            raise ConfigError(
                where + "name has surrounding spaces, control characters or is too long",
                source=source,
                line=line,
                item=code,
                expected="at most " + str(MAX_NAME) + " characters",
            )
        if level == LEVEL_PROVINCE:
            parent = code[:4]
            if _national_name(parent) is None:
                raise ConfigError(
                    where + "parent is not a national sub-class",
                    source=source,
                    line=line,
                    item=code,
                    expected="a 4-digit code of 人社信息函[2010]52号",
                )
        entries.append((code, name))
        lines.append(line)
    return Extension(level, region, title, entries, lines, source)
