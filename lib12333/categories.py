"""
Category codes of the public-service information library (人社信息函[2010]52号).

The national standard 《人力资源社会保障公共服务信息资源库分类和编码规范》 has
27 classes (2-digit codes) and 146 sub-classes (4-digit codes).  The three-level
library lets a province extend a national sub-class with two digits (6-digit
codes) and a city extend a provincial code with two more (8-digit codes).

    >>> from lib12333 import categories
    >>> categories.lookup("1402")
    '城镇职工基本养老保险'
    >>> categories.parent("1402"), categories.level("1402")
    ('14', 2)

The national table is one packed ``str`` (``_TABLE``, generated from the seed by
``tools/gen_categories.py``); nothing is decoded at import time and no
per-code objects are kept.  Local extension tables are loaded with
``load_extension`` and combined into an effective tree with ``Tree``; the JSON
format is in ``docs/categories.md``.
"""

from lib12333.errors import ConfigError, ValidationError

LEVEL_CLASS = 1
LEVEL_SUBCLASS = 2
LEVEL_PROVINCE = 3
LEVEL_CITY = 4
LEVEL_NAMES = ("", "class", "sub-class", "province", "city")
FORMAT_TAG = "lib12333/category-extension/1"
MAX_NAME = 60

# BEGIN GENERATED TABLE (tools/gen_categories.py)
_TABLE = (
    "\n01 综合"
    "\n0101 综合性政策法规"
    "\n0102 信访工作"
    "\n0103 规划计划"
    "\n0104 统计工作"
    "\n0105 信息管理"
    "\n0106 财务管理"
    "\n0107 组织机构"
    "\n0108 标准管理"
    "\n0109 科技管理"
    "\n0119 其他"
    "\n02 人力资源社会保障法制工作"
    "\n0201 行政执法监督"
    "\n0202 劳动保障监察"
    "\n0209 其他"
    "\n03 就业促进"
    "\n0301 积极的就业政策"
    "\n0302 公共就业服务"
    "\n0303 就业管理"
    "\n0304 创业指导服务"
    "\n0305 大学生就业"
    "\n0306 农村劳动力转移就业"
    "\n0307 困难人员就业"
    "\n0308 外国人与港澳台人员就业管理"
    "\n0309 其他"
    "\n04 人力资源市场"
    "\n0401 市场监管"
    "\n0402 服务机构管理"
    "\n0403 招聘会审批"
    "\n0404 人力资源服务业"
    "\n0405 市场监测与调控"
    "\n0406 选调干部备案管理"
    "\n0407 解决干部两地分居备案管理"
    "\n0409 其他"
    "\n05 军官转业安置"
    "\n0501 军转教育培训"
    "\n0502 军转安置"
    "\n0503 自主择业管理服务"
    "\n0509 其他"
    "\n06 职业能力建设"
    "\n0601 职业培训"
    "\n0602 技工院校"
    "\n0603 职业分类与新职业"
    "\n0604 职业技能鉴定管理"
    "\n0605 职业技能竞赛与表彰"
    "\n0606 技能人员职业资格证书管理"
    "\n0607 高技能人才管理"
    "\n0609 其他"
    "\n07 专业技术人员管理"
    "\n0701 专家管理"
    "\n0702 职称政策管理"
    "\n0703 留学人员和回国（来华）专家管理"
    "\n0704 博士后管理"
    "\n0705 继续教育与培养培训管理"
    "\n0706 职称评审"
    "\n0709 其他"
    "\n08 事业单位人事管理"
    "\n0801 综合监督"
    "\n0802 聘用管理"
    "\n0803 岗位管理"
    "\n0804 公开招聘"
    "\n0805 考核管理"
    "\n0806 奖惩管理"
    "\n0807 培训管理"
    "\n0809 其他"
    "\n09 农民工工作"
    "\n0901 农民工工作"
    "\n0902 家庭服务业工作"
    "\n0909 其他"
    "\n10 劳动关系"
    "\n1001 劳动合同"
    "\n1002 集体协商和集体合同"
    "\n1003 国有企业改制劳动关系政策"
    "\n1009 其他"
    "\n11 劳动报酬与福利"
    "\n1101 最低工资"
    "\n1102 企业工资宏观指导与调控"
    "\n1103 国有企业工资管理"
    "\n1104 工资支付保障"
    "\n1109 其他"
    "\n12 劳动标准"
    "\n1201 劳动定员定额"
    "\n1202 工作时间与休息休假"
    "\n1203 女工特殊劳动保护"
    "\n1204 禁止使用童工及未成年工特殊劳动保护"
    "\n1209 其他"
    "\n13 机关事业单位工资福利"
    "\n1301 机关工资制度"
    "\n1302 事业单位工资制度"
    "\n1303 机关事业单位福利政策"
    "\n1304 艰苦地区津贴及地区附加津贴制度"
    "\n1305 机关事业单位岗位津贴补贴制度"
    "\n1306 驻外人员工资制度"
    "\n1307 机关事业单位离退休人员离退休制度"
    "\n1309 其他"
    "\n14 养老保险"
    "\n1401 基本制度"
    "\n1402 城镇职工基本养老保险"
    "\n1403 机关事业单位养老保险"
    "\n1404 城镇居民社会养老保险"
    "\n1405 补充养老保险"
    "\n1406 离退休人员管理服务"
    "\n1409 其他"
    "\n15 失业保险"
    "\n1501 基本制度"
    "\n1502 失业保险管理"
    "\n1503 失业保险与再就业联动"
    "\n1509 其他"
    "\n16 医疗保险"
    "\n1601 基本制度"
    "\n1602 城镇职工基本医疗保险"
    "\n1603 城镇居民基本医疗保险"
    "\n1604 新型农村合作医疗"
    "\n1605 医疗保险服务管理"
    "\n1606 城乡医疗救助"
    "\n1607 商业健康保险"
    "\n1608 补充医疗保障"
    "\n1609 其他"
    "\n17 工伤保险"
    "\n1701 基本制度"
    "\n1702 工伤保险管理"
    "\n1703 工伤认定和劳动能力鉴定"
    "\n1704 工伤预防和工伤康复"
    "\n1709 其他"
    "\n18 生育保险"
    "\n1801 基本制度"
    "\n1802 生育保险管理"
    "\n1809 其他"
    "\n19 农村社会保险"
    "\n1901 基本制度"
    "\n1902 农村社会养老保险"
    "\n1903 被征地农民社会保障"
    "\n1909 其他"
    "\n20 社会保障基金监督"
    "\n2001 基本制度"
    "\n2002 基本社会保险基金监督"
    "\n2003 补充保险基金监督"
    "\n2004 全国社会保障基金监督"
    "\n2009 其他"
    "\n21 社会保险综合"
    "\n2101 基本制度"
    "\n2102 社会保险经办"
    "\n2103 社会保险基金管理"
    "\n2104 社会保险稽核内控"
    "\n2105 社会保险档案管理"
    "\n2106 社会保险关系转移"
    "\n2109 其他"
    "\n22 行政事业性收费"
    "\n2201 基本制度"
    "\n2202 行政性收费"
    "\n2209 事业性收费"
    "\n23 劳动（人事）争议处理"
    "\n2301 基本制度"
    "\n2302 劳动（人事）争议调解"
    "\n2303 劳动（人事）争议仲裁"
    "\n2309 其他"
    "\n24 公务员管理"
    "\n2401 基本制度"
    "\n2402 职位管理"
    "\n2403 考试录用"
    "\n2404 考核奖惩"
    "\n2405 公务员的纪律惩戒和申诉控告"
    "\n2406 培训与监督"
    "\n2409 其他"
    "\n25 人力资源社会保障信息化"
    "\n2501 系统规划"
    "\n2502 网络与信息安全"
    "\n2503 统一应用软件"
    "\n2504 公共服务"
    "\n2505 社会保障卡"
    "\n2509 其他"
    "\n26 外国专家管理"
    "\n27 国际公约"
    "\n"
)
# END GENERATED TABLE


class CodeFormatError(ValidationError):
    """The text is not a category code at all (not digits, or not 2/4/6/8 long)."""


class UnknownCodeError(ValidationError):
    """The code is well formed but not in the table (national plus loaded extensions)."""


class Category:
    """One entry: ``code`` and ``name``; ``level`` and ``parent`` follow from the code."""

    __slots__ = ("code", "name")

    def __init__(self, code, name):
        self.code = code
        self.name = name

    @property
    def level(self):
        return len(self.code) // 2

    @property
    def parent(self):
        return self.code[:-2] or None

    def __eq__(self, other):
        return isinstance(other, Category) and self.code == other.code and self.name == other.name

    def __hash__(self):
        return hash(self.code)

    def __repr__(self):
        return "Category(%r, %r)" % (self.code, self.name)


def check_format(code):
    """Raise ``CodeFormatError`` unless ``code`` is a str of 2, 4, 6 or 8 ASCII digits."""
    if not isinstance(code, str):
        raise CodeFormatError("not a text value", field="category code", expected="2, 4, 6 or 8 digits")
    for i in range(len(code)):
        if code[i] not in "0123456789":
            raise CodeFormatError(
                "character " + str(i + 1) + " is not a digit", field="category code", expected="digits 0-9"
            )
    if len(code) not in (2, 4, 6, 8):
        raise CodeFormatError(
            "length " + str(len(code)), field="category code", expected="2, 4, 6 or 8 digits"
        )


def _national_name(code):
    """Name of a national code or None; scans the packed table (codes are unique)."""
    if len(code) not in (2, 4):
        return None
    i = _TABLE.find("\n" + code + " ")
    if i < 0:
        return None
    start = i + len(code) + 2
    return _TABLE[start : _TABLE.find("\n", start)]


def _iter_national():
    """(code, name) for every national code, in table order, without splitting the table."""
    pos = 0
    end = len(_TABLE) - 1
    while pos < end:
        nl = _TABLE.find("\n", pos + 1)
        sp = _TABLE.find(" ", pos + 1)
        yield _TABLE[pos + 1 : sp], _TABLE[sp + 1 : nl]
        pos = nl


def _normalise_query(text):
    return text.replace("(", "（").replace(")", "）").strip()


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
        check_format(code)
        name = self.name(code)
        if name is None:
            level = LEVEL_NAMES[len(code) // 2]
            raise UnknownCodeError(
                "no " + level + " with this code", field="category code", expected="a code listed in the table"
            )
        return Category(code, name)

    def lookup(self, code):
        return self.validate(code).name

    def level(self, code):
        return len(self.validate(code).code) // 2

    def parent(self, code):
        """Code of the parent, or None for a class."""
        return self.validate(code).code[:-2] or None

    def path(self, code):
        """[Category] from the class down to ``code``."""
        self.validate(code)
        out = []
        for n in range(2, len(code) + 1, 2):
            out.append(Category(code[:n], self.name(code[:n])))
        return out

    def children(self, code=None):
        """Codes directly below ``code`` in order; the 27 classes when ``code`` is None."""
        if code is None:
            return [c for c, _ in _iter_national() if len(c) == 2]
        self.validate(code)
        want = len(code) + 2
        if want == 4:
            return [c for c, _ in _iter_national() if len(c) == 4 and c[:2] == code]
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
        for c, name in _iter_national():
            while j < len(local) and local[j] < c:
                yield local[j], self._local[local[j]]
                j += 1
            yield c, name
        while j < len(local):
            yield local[j], self._local[local[j]]
            j += 1

    def search(self, text, limit=None):
        """[Category] whose name contains ``text``; exact matches first, then prefixes, then the rest.

        Within a rank the order is code order.  ASCII parentheses match the
        full-width ones of the standard.
        """
        if not isinstance(text, str):
            raise ValidationError("not a text value", field="search text", expected="Chinese text")
        query = _normalise_query(text)
        if not query:
            raise ValidationError("empty", field="search text", expected="at least one character")
        ranks = ([], [], [])
        for c, name in self.items():
            if name == query:
                ranks[0].append(Category(c, name))
            elif name.startswith(query):
                ranks[1].append(Category(c, name))
            elif query in name:
                ranks[2].append(Category(c, name))
        out = ranks[0] + ranks[1] + ranks[2]
        if limit is not None:
            out = out[:limit]
        return out


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
            raise ConfigError("not UTF-8 text", source=source)
    if isinstance(data, str):
        text = data
        if text[:1] == "\ufeff":
            text = text[1:]
        import json

        try:
            data = json.loads(text)
        except (ValueError, RuntimeError) as exc:  # RuntimeError: nesting too deep
            line = getattr(exc, "lineno", None)
            raise ConfigError("not valid JSON", source=source, line=line, expected="a JSON object")
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
        raise ConfigError("a province region ends in 0000", source=source, item=region, expected="e.g. 330000")
    if level == LEVEL_CITY and region[2:] == "0000":
        raise ConfigError("a city region does not end in 0000", source=source, item=region, expected="e.g. 330100")
    from lib12333.identifiers import province_name

    if province_name(region[:2]) is None:
        raise ConfigError("unknown province in region", source=source, item=region, expected="a GB/T 2260 code")
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
            raise ConfigError(where + '"code" missing', source=source, line=line, expected="a string of digits")
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


_national = None


def national():
    """The national ``Tree`` (no extensions)."""
    global _national
    if _national is None:
        _national = Tree()
    return _national


def lookup(code):
    """Name of a national code; ``CodeFormatError`` / ``UnknownCodeError`` otherwise."""
    return national().lookup(code)


def validate(code):
    return national().validate(code)


def exists(code):
    return national().exists(code)


def parent(code):
    return national().parent(code)


def children(code=None):
    return national().children(code)


def path(code):
    return national().path(code)


def level(code):
    return national().level(code)


def search(text, limit=None):
    return national().search(text, limit)
