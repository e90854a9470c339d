"""
Foreign permanent-residence ID numbers (外国人永久居留身份证, edition issued from 2023-12-01).

The National Immigration Administration's 2023 edition follows the citizen ID number
standard (GB 11643): 17 digits and an ISO 7064 MOD 11-2 check character, 18 in all.  It is
the 社会保障号码 of foreign residents.  Positions (1-based):

    1       "9": marks a foreigner (citizen ID numbers start with a province code, 1-8)
    2-3     province-level code (GB/T 2260) of the issuing authority
    4-6     nationality: the 3-digit numeric country code (GB/T 2659 / ISO 3166-1 numeric)
    7-14    birth date YYYYMMDD
    15-17   order code; the last digit is odd for men, even for women
    18      check character, computed as for a citizen ID number

The 2017 edition's 15-character numbers (3 letters + 12 digits) are not handled here.
The nationality is checked for shape (3 digits, not 000); lib12333 carries no country table.
Sources: docs/identifiers.md and protocols/identifiers/SOURCES.md.
"""

from lib12333.errors import DecodeError, ValidationError
from lib12333.identifiers import Gb11643Number, _accepts, _need_text, check_18, province_name

KIND = "foreign_pr_id"
FIELD = "foreign permanent-residence ID"
_NOT_ISSUING = ("71", "81", "82", "83")  # Taiwan, Hong Kong, Macao: no mainland issuing authority


class ForeignPrId(Gb11643Number):
    """A valid foreign permanent-residence ID number (18 characters): ``number``, ``province``,
    ``region``, ``nationality``, and from the base class ``birth``, ``birth_date``, ``sex``, ``masked``."""

    __slots__ = ()

    @property
    def province(self):
        """2-digit province-level code of the issuing authority."""
        return self.number[1:3]

    @property
    def region(self):
        """The issuing province as a 6-digit GB/T 2260 code (``330000``)."""
        return self.number[1:3] + "0000"

    @property
    def nationality(self):
        """3-digit numeric country code (GB/T 2659, ISO 3166-1 numeric), e.g. ``398``."""
        return self.number[3:6]


def _check_codes(text):
    if province_name(text[1:3]) is None or text[1:3] in _NOT_ISSUING:
        raise ValidationError("unknown issuing province code", field=FIELD + " province",
                              expected="a mainland GB/T 2260 province code")
    if text[3:6] == "000":
        raise ValidationError("nationality code 000", field=FIELD + " nationality",
                              expected="a 3-digit numeric country code")


def parse_foreign_pr_id(text, today=None):
    """Check an 18-character foreign permanent-residence ID number; return a ``ForeignPrId``.

    DecodeError for text of the wrong shape, ValidationError for a broken rule (messages
    never contain the number).  ``today`` as in ``identifiers.parse_citizen_id``."""
    text = _need_text(text, FIELD)
    if len(text) != 18:
        raise DecodeError("length " + str(len(text)), field=FIELD, expected="18 characters")
    if text[0] != "9":
        raise DecodeError("first character is not 9", field=FIELD, position=1, expected="9 (foreigner)")
    return ForeignPrId(check_18(text, FIELD, 6, today, _check_codes))


def is_valid_foreign_pr_id(text, today=None):
    return _accepts(parse_foreign_pr_id, text, today)
