"""
Masking of personal data: ID numbers, names, phone numbers, card numbers.

Use these wherever personal data is shown -- logs, screens, SMS, exports --
unless the user explicitly asked for it in clear.  They are also available as
``lib12333.identifiers.mask_*``; this small module exists so that code that
only masks (SMS, request records) does not load the identifier checks.
Rules and examples: docs/identifiers.md.
"""

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
# of ASCII letters and digits (full-width digits count as digits); a single "-" joins any two of
# them and a single space joins two digits, so "139 1234 5678", "6222-0212-3456" and the grouped
# reference "T-330100-K01-130301-0007-7" are one token each.

PERSONAL_KINDS = ("id", "phone", "card", "number")


def _digit(ch):
    if "0" <= ch <= "9":
        return ch
    o = ord(ch)
    if 0xFF10 <= o <= 0xFF19:
        return chr(o - 0xFF10 + 48)
    return None


def _letter(ch):
    return ("A" <= ch <= "Z") or ("a" <= ch <= "z")


def _is_date(text, start, end):
    # 2026-12-06: a date in a notice, not personal data
    if end - start != 10 or text[start + 4] != "-" or text[start + 7] != "-":
        return False
    m = text[start + 5 : start + 7]
    d = text[start + 8 : start + 10]
    return "01" <= m <= "12" and "01" <= d <= "31"


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


def find_personal(text):
    """Personal numbers inside free text, as a list of ``(kind, positions, value)``.

    ``kind`` is one of ``PERSONAL_KINDS``: ``"id"`` (15 or 18 characters, the last may be X),
    ``"phone"`` (11-digit mobile number 13x-19x, also after 86), ``"card"`` (social-security card number
    like ``A1234567X``, or a 16-19 digit bank card number), ``"number"`` (any other run of
    7 or more digits: landline, account).  ``positions`` are the indexes in ``text`` of the
    number's characters (separators excluded), ``value`` the number with ASCII digits.
    Not personal data: runs of 6 digits or fewer (12333, card tails, times), dates written
    ``2026-12-06`` and letter-and-digit codes such as request reference numbers (unless
    they hold 14 or more digits in a row).  Rules: docs/identifiers.md.
    """
    out = []
    if not isinstance(text, str):
        return out
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if _digit(ch) is None and not _letter(ch):
            i += 1
            continue
        # one token: significant positions and their normalised characters
        pos = [i]
        chars = [_digit(ch) or ch.upper()]
        j = i + 1
        while j < n:
            c = text[j]
            if _digit(c) is not None or _letter(c):
                pos.append(j)
                chars.append(_digit(c) or c.upper())
                j += 1
            elif (c == "-" or c == " ") and j + 1 < n:
                nxt = text[j + 1]
                nd = _digit(nxt) is not None
                if c == "-" and (nd or _letter(nxt)) or (c == " " and nd and chars[-1] in "0123456789"):
                    j += 1
                    continue
                break
            else:
                break
        end = pos[-1] + 1
        i = j
        token = "".join(chars)
        letters = 0
        for c in token:
            if "A" <= c <= "Z":
                letters += 1
        if letters == 0 or (letters == 1 and len(token) == 18 and token[17] == "X"):
            if _is_date(text, pos[0], end):
                continue
            kind = _classify(token)
            if kind is not None:
                out.append((kind, pos, token))
            continue
        if (len(token) == 9 and "A" <= token[0] <= "Z" and letters <= 2 and token[8] in "0123456789X"
                and _all_digits(token[1:8])):
            out.append(("card", pos, token))
            continue
        # a code of letters and digits: only a long digit run inside it is personal
        k = 0
        while k < len(token):
            if token[k] < "0" or token[k] > "9":
                k += 1
                continue
            s = k
            while k < len(token) and ("0" <= token[k] <= "9" or (token[k] == "X" and k - s == 17)):
                k += 1
            if k - s >= 14:
                out.append((_classify(token[s:k]) or "number", pos[s:k], token[s:k]))
    return out


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
