"""
The library's view of the national category standard (人社信息函〔2010〕52号).

``lib12333.categories`` owns the code table; this module asks it the two
questions the library needs and keeps them in one place.
"""


def _categories():
    try:
        from lib12333 import categories
    except ImportError:
        return None
    return categories


def is_national_subclass(code):
    """True when ``code`` is a 4-digit sub-class of the national table."""
    if not isinstance(code, str) or len(code) != 4:
        return False
    for ch in code:
        if not ("0" <= ch <= "9"):
            return False
    mod = _categories()
    if mod is not None:
        return mod.exists(code)
    # format only: class 01-27, sub-class 01-99
    return 1 <= int(code[:2]) <= 27 and code[2:] != "00"


def national_name(code):
    """Chinese name of a national 2- or 4-digit code, or None when unknown."""
    mod = _categories()
    if mod is None or not mod.exists(code):
        return None
    return mod.lookup(code)
