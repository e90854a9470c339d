"""
Identifiers: citizen ID numbers, unified social credit codes, card numbers, masking.

- Citizen ID number / 社会保障号码 (GB 11643-1999): 6-digit address code, 8-digit
  birth date, 3-digit order code, ISO 7064 MOD 11-2 check character.  The
  15-digit numbers of GB 11643-1989 (6-digit birth date, no check) are upgraded
  by inserting "19" and appending the check character.  The region check covers
  the 2-digit province part only; full GB/T 2260 division codes are not in the
  core yet (see docs/identifiers.md).
- Unified social credit code (GB 32100-2015): 18 characters from a 31-character
  alphabet, the last one a MOD 31 check character.
- Foreign permanent-residence ID number (2023 edition, ``lib12333.foreign_id``): "9",
  issuing province, 3-digit nationality, birth date, order code, MOD 11-2 check.
- Social-security card number (社会保障卡卡号, 人社信息函〔2012〕37号 附录A): 8
  characters and a MOD 11 check character.  Real cards are known to fail the
  check, so it is advisory: reported, never a reason to reject.
- Masking helpers for every place personal data is shown.

Parsers raise ``DecodeError`` for text that is not shaped like the identifier
and ``ValidationError`` for a rule it breaks; messages never contain the value.
``identify`` never raises for text input: it returns an ``IdCheck``.
"""

# The public names; the stub lib12333/identifiers.pyi carries their types (docs/integrator.md)
__all__ = (
    "MIN_BIRTH_YEAR", "KIND_CITIZEN", "KIND_CITIZEN15", "KIND_USCC", "KIND_CARD", "KIND_FOREIGN_PR",
    "KIND_UNKNOWN", "province_name", "days_in_month", "citizen_id_check_digit", "Gb11643Number",
    "CitizenId", "parse_citizen_id", "check_18", "is_valid_citizen_id", "upgrade_citizen_id",
    "downgrade_citizen_id", "uscc_check_char", "Uscc", "parse_uscc", "is_valid_uscc",
    "card_number_check_char", "CardNumber", "parse_card_number", "IdCheck", "identify",
)

from lib12333 import compat
from lib12333.dates import days_in_month
from lib12333.errors import DecodeError, ValidationError
from lib12333.masking import mask_card, mask_id, mask_name, mask_phone  # noqa: F401 (re-exported)

# 2-digit province-level codes of GB/T 2260, plus 83 (Taiwan residents'
# residence permits; 81 and 82 serve Hong Kong and Macao residents' permits).
_PROVINCES = (
    "|11北京市|12天津市|13河北省|14山西省|15内蒙古自治区|21辽宁省|22吉林省|23黑龙江省|"
    "31上海市|32江苏省|33浙江省|34安徽省|35福建省|36江西省|37山东省|41河南省|42湖北省|"
    "43湖南省|44广东省|45广西壮族自治区|46海南省|50重庆市|51四川省|52贵州省|53云南省|"
    "54西藏自治区|61陕西省|62甘肃省|63青海省|64宁夏回族自治区|65新疆维吾尔自治区|71台湾省|"
    "81香港特别行政区|82澳门特别行政区|83台湾地区（居住证）|"
)
_DIGITS = "0123456789"
_ID_CHECK = "10X98765432"
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CARD_BODY = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CARD_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
MIN_BIRTH_YEAR = 1800
KIND_CITIZEN = "citizen_id"
KIND_CITIZEN15 = "citizen_id_15"
KIND_USCC = "uscc"
KIND_CARD = "card_number"
KIND_FOREIGN_PR = "foreign_pr_id"  # 2023 foreign permanent-residence ID (lib12333.foreign_id)
KIND_UNKNOWN = "unknown"


def province_name(code):
    """Name of a 2-digit province-level code, or None."""
    if not isinstance(code, str) or len(code) != 2:
        return None
    i = _PROVINCES.find("|" + code)
    if i < 0:
        return None
    return _PROVINCES[i + 3 : _PROVINCES.find("|", i + 1)]


def _today_tuple(today):
    """(y, m, d) from a tuple (``time.localtime()`` works), a date object, "YYYY-MM-DD" or "YYYYMMDD", or None."""
    if today is None:
        return None
    if isinstance(today, str):
        t = today.replace("-", "")
        if len(t) != 8 or not all(ch in _DIGITS for ch in t):
            raise ValidationError("not a date", field="today", expected="YYYY-MM-DD")
        return (int(t[:4]), int(t[4:6]), int(t[6:]))
    if hasattr(today, "year") and hasattr(today, "month") and hasattr(today, "day"):
        today = (today.year, today.month, today.day)  # datetime.date on CPython
    if isinstance(today, tuple) and len(today) >= 3:
        t = (today[0], today[1], today[2])
        if all(type(v) is int for v in t):
            return t
    raise ValidationError("not a date", field="today", expected="(year, month, day), a date or YYYY-MM-DD")


def _check_birth(y, m, d, today, field):
    if m < 1 or m > 12 or d < 1 or d > days_in_month(y, m):
        raise ValidationError("birth date does not exist", field=field, expected="a calendar date")
    if y < MIN_BIRTH_YEAR:
        raise ValidationError(
            "birth year too early", field=field, expected="year " + str(MIN_BIRTH_YEAR) + " or later"
        )
    t = _today_tuple(today)
    if t is not None and (y, m, d) > t:
        raise ValidationError("birth date is after today", field=field, expected="a date not after today")


def _need_text(text, field):
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("ascii")
        except UnicodeError:
            raise DecodeError("not ASCII", field=field)  # noqa: B904 (no chaining on MicroPython)
    if not isinstance(text, str):
        raise DecodeError("not a text value", field=field, expected="a string")
    return text


def _need_digits(text, start, stop, field):
    if not text[start:stop].strip(_DIGITS):
        return  # all digits: one C call; the loop below only finds where the first wrong one is
    for i in range(start, stop):
        if text[i] not in _DIGITS:
            raise DecodeError("character is not a digit", field=field, position=i + 1, expected="0-9")


# ---------------------------------------------------------------- citizen ID


def citizen_id_check_digit(body):
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if compat.mod11_2_total is not None and type(body) is str and len(body) == 17 and not body.strip(_DIGITS):
        return _ID_CHECK[compat.mod11_2_total(body)]  # the usual case on CPython, checks in C
    body = _need_text(body, "citizen ID body")
    if len(body) != 17:
        raise DecodeError("length " + str(len(body)), field="citizen ID body", expected="17 digits")
    _need_digits(body, 0, 17, "citizen ID body")
    if compat.mod11_2_total is not None:
        return _ID_CHECK[compat.mod11_2_total(body)]
    total = 0
    weight = 1
    for i in range(16, -1, -1):
        weight = weight * 2 % 11
        total += (ord(body[i]) - 48) * weight
    return _ID_CHECK[total % 11]


class Gb11643Number:
    """An 18-character number shaped like GB 11643: birth date at 7-14, sex in the order code's
    last digit (17), MOD 11-2 check.  Base of ``CitizenId`` and ``foreign_id.ForeignPrId``."""

    __slots__ = ("number",)

    def __init__(self, number):
        self.number = number

    @property
    def birth(self):
        n = self.number
        return (int(n[6:10]), int(n[10:12]), int(n[12:14]))

    @property
    def birth_date(self):
        n = self.number
        return n[6:10] + "-" + n[10:12] + "-" + n[12:14]

    @property
    def sex(self):
        """ "male" for an odd order code, "female" for an even one."""
        return "male" if (ord(self.number[16]) - 48) % 2 else "female"

    @property
    def masked(self):
        return mask_id(self.number)

    def __eq__(self, other):
        return type(other) is type(self) and other.number == self.number

    def __hash__(self):
        return hash(self.number)

    def __repr__(self):
        return type(self).__name__ + "(" + repr(self.masked) + ")"


class CitizenId(Gb11643Number):
    """A valid citizen ID number.  ``number`` is always the 18-character form."""

    __slots__ = ("from15",)

    def __init__(self, number, from15=False):
        self.number = number
        self.from15 = from15

    @property
    def region(self):
        """The 6-digit address code (GB/T 2260) of the household registration at issue."""
        return self.number[:6]

    @property
    def province(self):
        return self.number[:2]


def parse_citizen_id(text, today=None):
    """Check a 15- or 18-character ID number; return a ``CitizenId`` (18-character form).

    A trailing lowercase ``x`` is accepted as ``X``.  ``today`` (``(y, m, d)`` or
    ``"YYYY-MM-DD"``) enables the not-in-the-future check of the birth date.
    """
    field = "citizen ID"
    text = _need_text(text, field)
    n = len(text)
    if n == 15:
        _need_digits(text, 0, 15, field)
        _check_region(text)
        _check_birth(1900 + int(text[6:8]), int(text[8:10]), int(text[10:12]), today, field + " birth date")
        return CitizenId(upgrade_citizen_id(text), True)
    if n != 18:
        raise DecodeError("length " + str(n), field=field, expected="15 or 18 characters")
    return CitizenId(check_18(text, field, 6, today, _check_region))


def check_18(text, field, birth_at, today, check_region):
    """``text`` (18 characters, trailing ``x`` made ``X``) checked as a GB 11643-style number:
    17 digits, ``check_region(text)``, the birth date at ``birth_at``, the MOD 11-2 check.
    Shared by citizen ID numbers and foreign permanent-residence ID numbers."""
    _need_digits(text, 0, 17, field)
    last = text[17]
    if last == "x":
        last = "X"
        text = text[:17] + "X"
    if last not in "0123456789X":
        raise DecodeError(
            "check character is not a digit or X", field=field, position=18, expected="0-9 or X"
        )
    check_region(text)
    b = birth_at
    _check_birth(int(text[b : b + 4]), int(text[b + 4 : b + 6]), int(text[b + 6 : b + 8]), today, field + " birth date")
    if citizen_id_check_digit(text[:17]) != last:
        raise ValidationError("check character does not match", field=field, expected="ISO 7064 MOD 11-2")
    return text


def _check_region(text):
    if province_name(text[:2]) is None:
        raise ValidationError(
            "unknown province code", field="citizen ID region", expected="a GB/T 2260 province"
        )


def _accepts(parse, *args):
    """True when ``parse(*args)`` raises neither DecodeError nor ValidationError (the ``is_valid_*`` functions)."""
    try:
        parse(*args)
    except (DecodeError, ValidationError):
        return False
    return True


def is_valid_citizen_id(text, today=None):
    return _accepts(parse_citizen_id, text, today)


def upgrade_citizen_id(text):
    """18-character form of a 15-digit ID number: insert "19", append the check character."""
    text = _need_text(text, "citizen ID (15)")
    if len(text) != 15:
        raise DecodeError("length " + str(len(text)), field="citizen ID (15)", expected="15 digits")
    _need_digits(text, 0, 15, "citizen ID (15)")
    body = text[:6] + "19" + text[6:]
    return body + citizen_id_check_digit(body)


def downgrade_citizen_id(text):
    """15-digit form of a valid 18-character ID number born 1900-1999 (the inverse of upgrade)."""
    cid = parse_citizen_id(text)
    if cid.number[6:8] != "19":
        raise ValidationError("born outside 1900-1999", field="citizen ID", expected="a 19xx birth year")
    return cid.number[:6] + cid.number[8:17]


# ---------------------------------------------------------------- USCC


def uscc_check_char(body):
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    body = _need_text(body, "USCC body")
    if len(body) != 17:
        raise DecodeError("length " + str(len(body)), field="USCC body", expected="17 characters")
    if compat.mod31_3_total is not None and not body.strip(_USCC):
        return _USCC[(31 - compat.mod31_3_total(body, _USCC)) % 31]
    total = 0
    weight = 1
    for i in range(17):
        v = _USCC.find(body[i])
        if v < 0:
            raise DecodeError(
                "character not in the code alphabet", field="USCC", position=i + 1, expected=_USCC
            )
        total += v * weight
        weight = weight * 3 % 31
    return _USCC[(31 - total % 31) % 31]


class Uscc:
    """A valid unified social credit code."""

    __slots__ = ("code",)

    def __init__(self, code):
        self.code = code

    @property
    def department(self):
        """Registering department code (position 1), e.g. "9" for market regulation."""
        return self.code[0]

    @property
    def entity_type(self):
        return self.code[1]

    @property
    def region(self):
        """6-digit division code of the registering authority (positions 3-8)."""
        return self.code[2:8]

    @property
    def organization_code(self):
        """The 9-character entity identifier (positions 9-17, the former organization code)."""
        return self.code[8:17]

    def __eq__(self, other):
        return isinstance(other, Uscc) and other.code == self.code

    def __hash__(self):
        return hash(self.code)

    def __repr__(self):
        return "Uscc(" + repr(self.code) + ")"


def parse_uscc(text):
    """Check an 18-character unified social credit code; return a ``Uscc``."""
    field = "USCC"
    text = _need_text(text, field)
    if len(text) != 18:
        raise DecodeError("length " + str(len(text)), field=field, expected="18 characters")
    for i in range(18) if text.strip(_USCC) else ():  # all in the alphabet: nothing to find
        if _USCC.find(text[i]) < 0:
            raise DecodeError(
                "character not in the code alphabet", field=field, position=i + 1, expected=_USCC
            )
    if text[0] == "0" or text[1] == "0":
        raise ValidationError("department or entity type is 0", field=field, expected="1-9 or A-Y")
    _need_digits(text, 2, 8, field + " region")
    if uscc_check_char(text[:17]) != text[17]:
        raise ValidationError("check character does not match", field=field, expected="GB 32100-2015 MOD 31")
    return Uscc(text)


def is_valid_uscc(text):
    return _accepts(parse_uscc, text)


# ---------------------------------------------------------------- card number


def card_number_check_char(body):
    """The check character for the first 8 characters of a social-security card number."""
    body = _need_text(body, "card number body")
    if len(body) != 8:
        raise DecodeError("length " + str(len(body)), field="card number body", expected="8 characters")
    total = 0
    for i in range(8):
        v = _CARD_BODY.find(body[i])
        if v < 0:
            raise DecodeError(
                "character is not 0-9 or A-Z", field="card number", position=i + 1, expected="0-9, A-Z"
            )
        total += v * _CARD_WEIGHTS[i]
    c = 11 - total % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


class CardNumber:
    """A social-security card number with the advisory check result.

    ``check_ok`` is False when the check character differs from ``expected``;
    real cards do that, so it is a warning, not an error.
    """

    __slots__ = ("number", "check_ok", "expected", "warnings")

    def __init__(self, number, check_ok, expected, warnings):
        self.number = number
        self.check_ok = check_ok
        self.expected = expected
        self.warnings = warnings

    @property
    def masked(self):
        return mask_card(self.number)

    def __repr__(self):
        return "CardNumber(" + repr(self.masked) + ", check_ok=" + repr(self.check_ok) + ")"


def parse_card_number(text):
    """Read a 9-character card number; raise only for a wrong shape, report the check."""
    field = "card number"
    text = _need_text(text, field)
    if len(text) != 9:
        raise DecodeError("length " + str(len(text)), field=field, expected="9 characters")
    expected = card_number_check_char(text[:8])
    warnings = []
    if text[0] not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        warnings.append("first character is not a letter (expected the issuing district letter)")
    ok = text[8] == expected
    if not ok:
        if text[8] not in "0123456789X":
            warnings.append("check character is not 0-9 or X")
        warnings.append("check character does not match (advisory; real cards may fail it)")
    return CardNumber(text, ok, expected, tuple(warnings))


# ---------------------------------------------------------------- identify


class IdCheck:
    """What ``identify`` found.  ``number`` is the normalised value (personal data:
    show ``masked`` unless the user asked for personal data)."""

    __slots__ = ("kind", "valid", "reason", "number", "region", "birth_date", "masked", "warnings", "nationality")

    def __init__(
        self, kind, valid, reason=None, number=None, region=None, birth_date=None, masked=None, warnings=(),
        nationality=None,
    ):
        self.nationality = nationality  # foreign permanent-residence IDs: the 3-digit country code
        self.kind = kind
        self.valid = valid
        self.reason = reason
        self.number = number
        self.region = region
        self.birth_date = birth_date
        self.masked = masked
        self.warnings = warnings

    def __repr__(self):
        return "IdCheck(" + self.kind + ", valid=" + repr(self.valid) + ", " + repr(self.masked) + ")"


def _region_warning(regions, code):
    if regions is None or regions.is_known(code):
        return ()
    return ("address code is not a current GB/T 2260 division (it may be a former code)",)


def _guess_kind(text):
    n = len(text)
    if n == 15:
        return KIND_CITIZEN15
    if n == 18:
        body_digits = all(ch in _DIGITS for ch in text[:17])
        if body_digits and text[17] in "0123456789Xx":
            if text[0] == "9":  # a foreigner's number, or a USCC registered by 工商 (9...)
                from lib12333.foreign_id import is_valid_foreign_pr_id

                if is_valid_foreign_pr_id(text) or not is_valid_uscc(text):
                    return KIND_FOREIGN_PR
            elif is_valid_citizen_id(text) or not is_valid_uscc(text):
                return KIND_CITIZEN
        return KIND_USCC
    if n == 9:
        return KIND_CARD
    return KIND_UNKNOWN


def identify(text, today=None, kind=None, regions=None):
    """Detect the kind of identifier and check it; return an ``IdCheck``.

    Spaces and hyphens are ignored.  ``kind`` forces one of ``KIND_CITIZEN``,
    ``KIND_USCC``, ``KIND_CARD``, ``KIND_FOREIGN_PR`` (``KIND_CITIZEN`` covers 15 and 18
    digits).  An 18-digit number is a citizen ID -- or, starting with 9, a foreign
    permanent-residence ID -- unless only the USCC reading is valid.

    ``regions`` is optional: any object with ``is_known(code) -> bool`` (for
    example ``lib12333.routing.regions.RegionTable``).  An address code it does
    not know only adds a warning, because people keep their number when their
    county is renamed or merged, so former codes stay valid.
    """
    text = _need_text(text, "identifier")
    text = text.replace(" ", "").replace("-", "")
    _today_tuple(today)
    if kind is None:
        kind = _guess_kind(text)
    elif kind == KIND_CITIZEN and len(text) == 15:
        kind = KIND_CITIZEN15
    masked = mask_id(text)
    try:
        if kind in (KIND_CITIZEN, KIND_CITIZEN15):
            cid = parse_citizen_id(text, today)
            warnings = ("upgraded from 15 digits",) if cid.from15 else ()
            warnings = warnings + _region_warning(regions, cid.region)
            return IdCheck(
                kind, True, None, cid.number, cid.region, cid.birth_date, mask_id(cid.number), warnings
            )
        if kind == KIND_USCC:
            u = parse_uscc(text)
            return IdCheck(
                kind, True, None, u.code, u.region, None, u.code, _region_warning(regions, u.region)
            )
        if kind == KIND_CARD:
            c = parse_card_number(text)
            return IdCheck(kind, True, None, c.number, None, None, c.masked, c.warnings)
        if kind == KIND_FOREIGN_PR:
            from lib12333.foreign_id import parse_foreign_pr_id

            f = parse_foreign_pr_id(text, today)
            return IdCheck(kind, True, None, f.number, f.region, f.birth_date, f.masked, (), f.nationality)
        if kind != KIND_UNKNOWN:
            raise ValidationError("unknown kind", field="kind",
                                  expected="citizen_id, uscc, card_number or foreign_pr_id")
        return IdCheck(
            KIND_UNKNOWN,
            False,
            "identifier: length " + str(len(text)) + "; expected 15 or 18 (ID, USCC) or 9 (card number)",
            None,
            None,
            None,
            masked,
        )
    except DecodeError as exc:
        return IdCheck(kind, False, str(exc), None, None, None, masked if kind != KIND_USCC else text)
    except ValidationError as exc:
        if exc.field == "kind":
            raise
        return IdCheck(kind, False, str(exc), None, None, None, masked if kind != KIND_USCC else text)
