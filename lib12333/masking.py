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
