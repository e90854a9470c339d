"""
One entry of the information library and the rules it must satisfy.

An entry is a question and answer (``qa``), a policy item (``policy``) or a
procedure (``procedure``).  Fields:

    key          stable identifier shared by the versions of an entry at every level
                 (ASCII letters, digits, ``-`` ``_`` ``.``; 1-64 characters)
    kind         ``qa`` | ``policy`` | ``procedure``
    category     national 4-digit sub-class code (``2505``) or a local 6/8-digit
                 code extending one (``250501``, ``25050102``); local codes only on
                 provincial and city entries
    level        ``national`` | ``provincial`` | ``city``
    region       6-digit administrative division code: ``""`` for national,
                 ``330000`` (ends in 0000) for a province, ``330100`` for a city
    title, body  text; keywords a list of short strings
    source_doc   document number (any accepted spelling, stored canonical 〔〕)
    source_date  the document's date (ISO or Chinese numerals, stored ISO)
    valid_from, valid_to   optional ISO dates, inclusive
    version      integer >= 1, raised each time the entry's content is revised

``Entry.from_dict`` checks all of this and raises ``ValidationError`` (or
``DecodeError`` for a malformed document number or date) naming the field.
"""

from lib12333.compat import OrderedDict
from lib12333.errors import DecodeError, ValidationError
from lib12333.library import docref

KINDS = ("qa", "policy", "procedure")
LEVELS = ("national", "provincial", "city")  # index = override rank
FIELDS = (
    "key", "kind", "category", "level", "region", "title", "body", "keywords",
    "source_doc", "source_date", "valid_from", "valid_to", "version",
)

_KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."


def _digits(text):
    if not text:
        return False
    for ch in text:
        if not ("0" <= ch <= "9"):
            return False
    return True


def check_category(code, level):
    """Validate a category code for an entry at ``level``; return it."""
    if not isinstance(code, str) or len(code) not in (4, 6, 8) or not _digits(code):
        raise ValidationError("category code must be 4 (national) or 6/8 (local) digits", field="category",
                              expected="e.g. 2505 or 25050102")
    if len(code) > 4 and level == "national":
        raise ValidationError("a national entry must use a national 4-digit code", field="category",
                              expected="4 digits")
    from lib12333.library import catref

    if not catref.is_national_subclass(code[:4]):
        raise ValidationError("category is not under a national sub-class", field="category",
                              expected="a sub-class of 人社信息函〔2010〕52号")
    return code


def check_region(region, level):
    if level == "national":
        if region not in ("", None):
            raise ValidationError("a national entry has no region", field="region", expected='""')
        return ""
    if not isinstance(region, str) or len(region) != 6 or not _digits(region) or region[:2] == "00":
        raise ValidationError("region must be a 6-digit division code", field="region", expected="e.g. 330000")
    if level == "provincial" and region[2:] != "0000":
        raise ValidationError("a provincial region ends in 0000", field="region", expected="e.g. 330000")
    if level == "city" and (region[2:4] == "00" or region[4:] != "00"):
        raise ValidationError("a city region ends in 00 but not 0000", field="region", expected="e.g. 330100")
    return region


def region_scope(region):
    """The levels visible from ``region``: ("", province, city) with absent parts None."""
    if not region:
        return ("", None, None)
    if region[2:] == "0000":
        return ("", region, None)
    return ("", region[:2] + "0000", region[:4] + "00")


def _text(d, name, required=True, limit=20000):
    value = d.get(name)
    if value is None or value == "":
        if required:
            raise ValidationError("missing", field=name)
        return ""
    if not isinstance(value, str):
        raise ValidationError("must be text", field=name)
    if len(value) > limit:
        raise ValidationError("too long", field=name, expected="at most " + str(limit) + " characters")
    return value


def _opt_date(d, name):
    value = d.get(name)
    if value is None or value == "":
        return None
    return docref.parse_any_date(value, name)


class Entry:
    __slots__ = FIELDS

    def __init__(self, key, kind, category, level, region, title, body, keywords=(), source_doc="",
                 source_date="", valid_from=None, valid_to=None, version=1):
        self.key = key
        self.kind = kind
        self.category = category
        self.level = level
        self.region = region
        self.title = title
        self.body = body
        self.keywords = tuple(keywords)
        self.source_doc = source_doc
        self.source_date = source_date
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.version = version

    @classmethod
    def from_dict(cls, d):
        """Validate a plain dict (from JSON) and build an ``Entry``."""
        if not isinstance(d, dict):
            raise ValidationError("entry must be an object", field="entry")
        for name in d:
            if name not in FIELDS:
                raise ValidationError("unknown field " + repr(name), field="entry", expected=", ".join(FIELDS))
        key = _text(d, "key", limit=64)
        for ch in key:
            if ch not in _KEY_CHARS:
                raise ValidationError("key has a character outside A-Z a-z 0-9 - _ .", field="key")
        kind = d.get("kind")
        if kind not in KINDS:
            raise ValidationError("unknown kind", field="kind", expected=" | ".join(KINDS))
        level = d.get("level")
        if level not in LEVELS:
            raise ValidationError("unknown level", field="level", expected=" | ".join(LEVELS))
        region = check_region(d.get("region", ""), level)
        category = check_category(d.get("category"), level)
        title = _text(d, "title", limit=200)
        body = _text(d, "body")
        keywords = d.get("keywords", [])
        if not isinstance(keywords, (list, tuple)):
            raise ValidationError("keywords must be a list of text", field="keywords")
        for word in keywords:
            if not isinstance(word, str) or not word or len(word) > 40:
                raise ValidationError("each keyword is text of 1-40 characters", field="keywords")
        source_doc = _text(d, "source_doc", limit=60)
        source_doc = docref.normalize_docnum(source_doc)
        source_date = docref.parse_any_date(_text(d, "source_date", limit=40), "source_date")
        valid_from = _opt_date(d, "valid_from")
        valid_to = _opt_date(d, "valid_to")
        if valid_from is not None and valid_to is not None and valid_to < valid_from:
            raise ValidationError("valid_to is before valid_from", field="valid_to")
        version = d.get("version", 1)
        if type(version) is not int or not 1 <= version <= 65535:
            raise ValidationError("version must be an integer 1-65535", field="version")
        return cls(key, kind, category, level, region, title, body, keywords, source_doc, source_date,
                   valid_from, valid_to, version)

    def to_dict(self):
        out = OrderedDict()
        for name in FIELDS:
            value = getattr(self, name)
            if name == "keywords":
                value = list(value)
            if value is None:
                continue
            out[name] = value
        return out

    def rank(self):
        """Override rank: national 0 < provincial 1 < city 2."""
        return LEVELS.index(self.level)

    def content(self):
        """Everything that makes two entries 'the same content' (for conflict reports)."""
        return (self.kind, self.category, self.title, self.body, self.keywords, self.source_doc,
                self.source_date, self.valid_from, self.valid_to)

    def is_valid_on(self, day):
        """True when ISO date ``day`` is inside [valid_from, valid_to] (open ends allowed)."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        if self.valid_to is not None and day > self.valid_to:
            return False
        return True

    def __eq__(self, other):
        if not isinstance(other, Entry):
            return False
        for name in FIELDS:
            if getattr(self, name) != getattr(other, name):
                return False
        return True

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.key, self.level, self.region, self.version))

    def __repr__(self):
        return "Entry(" + self.key + ", " + self.level + (" " + self.region if self.region else "") + ", v" + str(self.version) + ")"


def load_library(doc):
    """Validate a library document ``{"format": "lib12333-kb", "categories": {...}, "entries": [...]}``.

    Returns ``(entries, local_category_names)``.  Errors name the entry number.
    """
    if not isinstance(doc, dict) or doc.get("format") != "lib12333-kb":
        raise ValidationError("not a library document", field="format", expected='"lib12333-kb"')
    names = doc.get("categories", {})
    if not isinstance(names, dict):
        raise ValidationError("categories must be an object code -> name", field="categories")
    local = {}
    for code in names:
        name = names[code]
        if not isinstance(code, str) or len(code) not in (6, 8) or not _digits(code):
            raise ValidationError("local category code must be 6 or 8 digits", field="categories")
        if not isinstance(name, str) or not name:
            raise ValidationError("local category name must be text", field="categories")
        local[code] = name
    raw = doc.get("entries")
    if not isinstance(raw, list):
        raise ValidationError("entries must be a list", field="entries")
    entries = []
    for i in range(len(raw)):
        try:
            entries.append(Entry.from_dict(raw[i]))
        except ValidationError as exc:
            raise ValidationError("entry " + str(i) + ": " + exc.reason, field=exc.field, expected=exc.expected)  # noqa: B904
        except DecodeError as exc:
            raise DecodeError("entry " + str(i) + ": " + exc.reason, field=exc.field,  # noqa: B904
                              position=exc.position, expected=exc.expected)
    return entries, local
