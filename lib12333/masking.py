"""
Masking of personal data: ID numbers, names, phone numbers, card numbers.

Use these wherever personal data is shown -- logs, screens, SMS, exports --
unless the user explicitly asked for it in clear.  They are also available as
``lib12333.identifiers.mask_*``; this small module exists so that code that
only masks (SMS, request records) does not load the identifier checks.
Rules and examples: docs/identifiers.md.
"""

# The public names; the stub lib12333/masking.pyi carries their types (docs/integrator.md)
__all__ = (
    "PERSONAL_KINDS", "mask_id", "mask_name", "mask_phone", "mask_card", "find_personal", "mask_text",
)

_DIGITS = "0123456789"
_COMPOUND = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|轩辕|令狐|端木|"
    "百里|呼延|独孤|南宫|西门|申屠|闻人|澹台|公冶|太叔|赫连|钟离|宗政|濮阳|淳于|单于|"
    "拓跋|万俟|司空|左丘|东郭|第五|"
)


def mask_id(text):
    """``110105********002X``: first 6 and last 4 characters kept (all but 4 for short text)."""
    text = str(text)
    n = len(text)
    if n >= 11:
        return text[:6] + "*" * (n - 10) + text[n - 4 :]
    if n > 4:
        return "*" * (n - 4) + text[n - 4 :]
    return "*" * n


def mask_name(name):
    """``张*``, ``张**``, ``欧阳**``: the surname kept (compound surnames included).

    A Latin-script name keeps the first letter of each word: ``J*** S****``.
    """
    name = str(name).strip()
    if not name:
        return ""
    if " " in name:
        return " ".join(w[:1] + "*" * (len(w) - 1) for w in name.split(" ") if w)
    keep = 1
    if len(name) > 2 and _COMPOUND.find(name[:2] + "|") >= 0:
        keep = 2
    if len(name) == 1:
        return "*"
    return name[:keep] + "*" * (len(name) - keep)


def mask_phone(text):
    """``138****1234``: digits kept are the first 3 and last 4; separators stay in place.

    Numbers of 7 digits or fewer keep only the last 2 digits.
    """
    text = str(text)
    positions = [i for i in range(len(text)) if text[i] in _DIGITS]
    n = len(positions)
    if n > 7:
        hide = positions[3 : n - 4]
    else:
        hide = positions[: max(0, n - 2)]
    out = list(text)
    for i in hide:
        out[i] = "*"
    return "".join(out)


def mask_card(text):
    """Card numbers: 9-character social-security card numbers keep the first and last 2
    (``X******19``); longer (bank) numbers keep the first 6 and last 4."""
    text = str(text)
    n = len(text)
    if n >= 12:
        return text[:6] + "*" * (n - 10) + text[n - 4 :]
    if n >= 4:
        return text[:1] + "*" * (n - 3) + text[n - 2 :]
    return "*" * n


# ------------------------------------------------------------ numbers inside free text
#
# Hand-written scanning (MicroPython's ``re`` has no ``{m,n}`` nor groups()).  A *token* is a run
# of letters and digits (full-width forms count as their ASCII letters and digits); a single "-"
# joins any two of them, so "6222-0212-3456" and the grouped reference "T-330100-K01-130301-0007-7"
# are one token each.  Between two digits, a run of up to three spaces, or one ".", "_" (or their
# full-width forms) also joins: people write mobiles "139 1234 5678", "139.1234.5678" or
# "139_1234_5678" to slip past filters.  A "." or "_" join is kept only when the joined number is
# an ID, mobile or card, so version numbers and addresses such as 192.168.1.10 are left alone.

PERSONAL_KINDS = ("id", "phone", "card", "number")

# Spaces of every width, and line breaks: a number broken over lines is still the number.
_SPACES = " \t\n\r\u3000\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
# Invisible characters (zero-width space and joiners, word joiner, BOM, soft hyphen) are skipped
# wherever they stand inside a number: they change nothing a reader sees.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Join two digits only when the result is personal: ".", "_", "/", "·", ",", brackets, long dashes
# (and full-width forms), also mixed with spaces ("139 - 1234 - 5678").
_SOFT = "._\uff0e\uff3f/\uff0f\u00b7\u30fb,\uff0c()\uff08\uff09\u2013\u2014\u2212"
_DASHES = "-\uff0d"
_MAX_SPACES = 3  # longest separator run that joins
# Chinese numerals, each followed by the digit it stands for (幺 is "one" read out in phone numbers).
_CN_DIGITS = "〇0零0一1壹1幺1二2贰2三3叁3四4肆4五5伍5六6陆6七7柒7八8捌8九9玖9"


def _digit(ch):
    if "0" <= ch <= "9":
        return ch
    o = ord(ch)
    if 0xFF10 <= o <= 0xFF19:
        return chr(o - 0xFF10 + 48)
    if o >= 0x3000:
        k = _CN_DIGITS.find(ch)
        if k >= 0 and k % 2 == 0:
            return _CN_DIGITS[k + 1]
    return None


def _letter(ch):
    """The upper-case ASCII letter ``ch`` stands for (full-width too), or None."""
    if "a" <= ch <= "z":
        return ch.upper()
    if "A" <= ch <= "Z":
        return ch
    o = ord(ch)
    if 0xFF21 <= o <= 0xFF3A:
        return chr(o - 0xFF21 + 65)
    if 0xFF41 <= o <= 0xFF5A:
        return chr(o - 0xFF41 + 65)
    return None


def _is_date(text, pos):
    # 2026-12-06 / 2026.12.06: a date in a notice, not personal data
    if len(pos) != 8 or pos[7] - pos[0] != 9:
        return False
    sep = text[pos[0] + 4]
    if sep not in "-./" or text[pos[0] + 7] != sep:
        return False
    m = text[pos[0] + 5 : pos[0] + 7]
    d = text[pos[0] + 8 : pos[0] + 10]
    return "01" <= m <= "12" and "01" <= d <= "31"


def _starts_with_date_then_space(text, pos):
    # Only a space after the day splits: "1391-12-03456" (a mobile grouped oddly) stays one number.
    return (len(pos) > 8 and _is_date(text, pos[:8]) and text[pos[0]:pos[0] + 2] in ("19", "20")
            and text[pos[7] + 1] in _SPACES)


def _classify(digits):
    n = len(digits)
    if n == 15 or n == 18:
        return "id"
    if n == 11 and digits[0] == "1" and "3" <= digits[1] <= "9":
        return "phone"
    if n == 13 and digits[:2] == "86" and _classify(digits[2:]) == "phone":
        return "phone"
    if 16 <= n <= 19:
        return "card"
    if n >= 7:
        return "number"
    return None


def _joined(text, j, prev_is_digit, soft):
    """``(index of the next token character, soft)`` when the separator run at ``j`` joins, else ``(-1, False)``.

    One dash joins any two token characters; a run of up to ``_MAX_SPACES`` spaces joins two
    digits; a run that holds a soft separator or a dash among spaces joins two digits when ``soft``.
    """
    n = len(text)
    if text[j] in _DASHES and j + 1 < n and (_digit(text[j + 1]) is not None or _letter(text[j + 1]) is not None):
        return j + 1, False
    if not prev_is_digit:
        return -1, False
    k = j
    spaces_only = True
    while k < n and k - j < _MAX_SPACES:
        c = text[k]
        if c in _DASHES or c in _SOFT:
            spaces_only = False
        elif c not in _SPACES and c not in _INVISIBLE:
            break
        k += 1
    if k < n and _digit(text[k]) is not None and (spaces_only or soft):
        return k, not spaces_only
    return -1, False


def _token(text, i, soft):
    """``(positions, characters, end, used_soft)`` of the token starting at ``i``."""
    n = len(text)
    pos = [i]
    chars = [_digit(text[i]) or _letter(text[i])]
    used_soft = False
    j = i + 1
    while j < n:
        c = text[j]
        norm = _digit(c) or _letter(c)
        if norm is not None:
            pos.append(j)
            chars.append(norm)
            j += 1
            continue
        if c in _INVISIBLE:
            j += 1
            continue
        k, joined_soft = _joined(text, j, chars[-1] <= "9", soft)
        if k < 0:
            break
        if joined_soft:
            used_soft = True
        j = k
    return pos, "".join(chars), j, used_soft


def find_personal(text):
    """Personal numbers inside free text, as a list of ``(kind, positions, value)``.

    ``kind`` is one of ``PERSONAL_KINDS``: ``"id"`` (15 or 18 characters, the last may be X),
    ``"phone"`` (11-digit mobile number 13x-19x, also after 86), ``"card"`` (social-security card number
    like ``A1234567X``, or a 16-19 digit bank card number), ``"number"`` (any other run of
    7 or more digits: landline, account).  ``positions`` are the indexes in ``text`` of the
    number's characters (separators excluded), ``value`` the number with ASCII digits.
    Numbers are found however they are written: full-width, grouped by spaces, "-", "." or "_",
    or glued to letters (``tel13912345678``, ``wx13912345678``, ``ID11010519491231002X``).
    Not personal data: runs of 6 digits or fewer (12333, card tails, times), dates written
    ``2026-12-06`` and letter-and-digit codes such as request reference numbers (unless
    they hold a mobile number or 14 or more digits in a row).  Rules: docs/identifiers.md.
    """
    out = []
    if not isinstance(text, str):
        return out
    n = len(text)
    i = 0
    while i < n:
        if _digit(text[i]) is None and _letter(text[i]) is None:
            i += 1
            continue
        pos, token, j, used_soft = _token(text, i, True)
        if used_soft and not _sensitive(_personal_token(text, pos, token)):
            pos, token, j, used_soft = _token(text, i, False)
        i = j
        found = _personal_token(text, pos, token)
        if found:
            out.extend(found)
    return out


def _sensitive(found):
    for kind, _pos, _value in found:
        if kind != "number":
            return True
    return False


def _personal_token(text, pos, token):
    """The personal numbers inside one token (a list, maybe empty)."""
    letters = 0
    for c in token:
        if "A" <= c <= "Z":
            letters += 1
    if letters == 0 or (letters == 1 and len(token) == 18 and token[17] == "X"):
        if _is_date(text, pos):
            return []
        if _starts_with_date_then_space(text, pos):
            # "2026-12-03 10:57": the time after a date joined it through the space; judge it alone
            return _personal_token(text, pos[8:], token[8:])
        kind = _classify(token)
        return [(kind, pos, token)] if kind is not None else []
    if (len(token) == 9 and "A" <= token[0] <= "Z" and letters <= 2 and token[8] in "0123456789X"
            and _all_digits(token[1:8])):
        return [("card", pos, token)]
    if _is_reference(token):
        return []
    # a code of letters and digits: a long digit run or a mobile number inside it is personal
    out = []
    k = 0
    while k < len(token):
        if token[k] < "0" or token[k] > "9":
            k += 1
            continue
        s = k
        while k < len(token) and ("0" <= token[k] <= "9" or (token[k] == "X" and k - s == 17)):
            k += 1
        kind = _classify(token[s:k])
        if k - s >= 14 or kind == "phone":
            out.append((kind or "number", pos[s:k], token[s:k]))
    return out


def _is_reference(token):
    # a request reference number (lib12333.citizen_requests.make_ref) can hold 11 digits in a row that look
    # like a mobile; its shape and ISO 7064 check character tell it apart from "wx13912345678"
    if (len(token) != 21 or "ZTJ".find(token[0]) < 0 or not _all_digits(token[1:7]) or not "A" <= token[7] <= "Z"
            or not _all_digits(token[10:20])):
        return False
    from lib12333.citizen_requests import ref_check_char

    return ref_check_char(token[:20]) == token[20]


def _all_digits(s):
    for c in s:
        if not ("0" <= c <= "9"):
            return False
    return True


def mask_text(text):
    """``text`` with every number ``find_personal`` reports masked in place.

    ID numbers as ``mask_id``, cards as ``mask_card``, phone and other numbers as
    ``mask_phone``; separators and the surrounding text are kept.
    """
    found = find_personal(text)
    if not found:
        return text
    out = list(text)
    for kind, pos, value in found:
        if kind == "id":
            masked = mask_id(value)
        elif kind == "card":
            masked = mask_card(value)
        else:
            masked = mask_phone(value)
        for k in range(len(pos)):
            if masked[k] == "*":
                out[pos[k]] = "*"
    return "".join(out)
