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
per-code objects are kept.  The module-level functions answer for the national
table.  Local extension tables (``load_extension``) and the effective tree of a
region (``effective_tree``) live in ``lib12333.category_ext``, imported only
when used; the JSON format is in ``docs/categories.md``.
"""

# The public names; the stub lib12333/categories.pyi carries their types (docs/integrator.md)
__all__ = (
    "LEVEL_CLASS", "LEVEL_SUBCLASS", "LEVEL_PROVINCE", "LEVEL_CITY", "LEVEL_NAMES", "CodeFormatError",
    "UnknownCodeError", "Category", "check_format", "items", "validate", "exists", "lookup", "level",
    "parent", "path", "children", "search", "load_extension", "effective_tree",
)

from lib12333.errors import ValidationError

LEVEL_CLASS = 1
LEVEL_SUBCLASS = 2
LEVEL_PROVINCE = 3
LEVEL_CITY = 4
LEVEL_NAMES = ("", "class", "sub-class", "province", "city")

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


def items():
    """(code, name) for every national code in code order (= pre-order of the tree)."""
    pos = 0
    end = len(_TABLE) - 1
    while pos < end:
        nl = _TABLE.find("\n", pos + 1)
        sp = _TABLE.find(" ", pos + 1)
        yield _TABLE[pos + 1 : sp], _TABLE[sp + 1 : nl]
        pos = nl


def _unknown(code):
    return UnknownCodeError(
        "no " + LEVEL_NAMES[len(code) // 2] + " with this code",
        field="category code",
        expected="a code listed in the table",
    )


def validate(code, _name=_national_name):
    """The ``Category`` for a national ``code``; ``CodeFormatError`` or ``UnknownCodeError`` otherwise."""
    check_format(code)
    name = _name(code)
    if name is None:
        raise _unknown(code)
    return Category(code, name)


def exists(code):
    return isinstance(code, str) and len(code) in (2, 4) and _national_name(code) is not None


def lookup(code):
    """Name of a national code."""
    return validate(code).name


def level(code):
    """1 for a class, 2 for a sub-class (3 and 4 are the province and city levels)."""
    return len(validate(code).code) // 2


def parent(code):
    """Code of the parent, or None for a class."""
    return validate(code).code[:-2] or None


def path(code, _name=_national_name):
    """[Category] from the class down to ``code``."""
    validate(code, _name)
    return [Category(code[:n], _name(code[:n])) for n in range(2, len(code) + 1, 2)]


def children(code=None):
    """Codes directly below ``code`` in order; the 27 classes when ``code`` is None.

    Walks the packed table and slices out codes only, never names.
    """
    out = []
    if code is None:
        pos = 0
        end = len(_TABLE) - 1
        while pos < end:
            sp = _TABLE.find(" ", pos + 1)
            if sp - pos == 3:
                out.append(_TABLE[pos + 1 : sp])
            pos = _TABLE.find("\n", sp)
        return out
    validate(code)
    if len(code) != 2:
        return out  # the national table has no level below the sub-classes
    pos = _TABLE.find("\n", _TABLE.find("\n" + code + " ") + 1)
    while pos < len(_TABLE) - 1:
        sp = _TABLE.find(" ", pos + 1)
        child = _TABLE[pos + 1 : sp]
        if child[:2] != code:
            break
        out.append(child)
        pos = _TABLE.find("\n", sp)
    return out


def _matches(query):
    """(code, name) of the national names containing ``query``, found with ``str.find``
    so that only the matching lines are sliced."""
    out = []
    if "\n" in query or " " in query:
        return out  # names contain neither
    pos = _TABLE.find(query)
    while pos >= 0:
        start = _TABLE.rfind("\n", 0, pos)
        sp = _TABLE.find(" ", start)
        if pos > sp:
            end = _TABLE.find("\n", pos)
            out.append((_TABLE[start + 1 : sp], _TABLE[sp + 1 : end]))
            pos = _TABLE.find(query, end)
        else:
            pos = _TABLE.find(query, sp + 1)
    return out


def search(text, limit=None, _items=None):
    """[Category] whose name contains ``text``: exact matches first, then prefixes, then the rest.

    Within a rank the order is code order.  ASCII parentheses match the
    full-width ones of the standard.
    """
    if not isinstance(text, str):
        raise ValidationError("not a text value", field="search text", expected="Chinese text")
    query = text.replace("(", "（").replace(")", "）").strip()
    if not query:
        raise ValidationError("empty", field="search text", expected="at least one character")
    if _items is None:
        found = _matches(query)
    else:
        found = [(c, name) for c, name in _items() if query in name]
    ranks = ([], [], [])
    for c, name in found:
        ranks[0 if name == query else (1 if name.startswith(query) else 2)].append(Category(c, name))
    out = ranks[0] + ranks[1] + ranks[2]
    return out if limit is None else out[:limit]


def load_extension(data, source="<extension>"):
    """Parse and validate a local extension table; see ``lib12333.category_ext``."""
    from lib12333.category_ext import load_extension as load

    return load(data, source)


def effective_tree(province=None, city=None):
    """The ``Tree`` of a region: national + province + city tables (``lib12333.category_ext``)."""
    from lib12333.category_ext import Tree

    return Tree(province, city)
