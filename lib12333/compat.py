"""
Every difference between CPython and MicroPython that the core has to know about.

Nothing else in ``lib12333`` tests ``sys.implementation``; code that needs one of
these helpers imports it from here, so the list of differences stays in one file.
"""

import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

try:
    from micropython import const
except ImportError:  # CPython

    def const(value):
        return value


try:
    from collections import OrderedDict
except ImportError:  # pragma: no cover - every supported port has it
    OrderedDict = dict


if IS_MICROPYTHON:
    from sys import print_exception  # noqa: F401
else:
    import traceback

    def print_exception(exc, file=None):
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=file)


if IS_MICROPYTHON:
    # MicroPython has no UTF-16 codec (encoding to it silently yields UTF-8): callers fall back
    # to their hand-written code when these are None.
    utf16be_encode = None
    utf16be_decode = None
else:

    def utf16be_encode(text):
        """UTF-16BE bytes through CPython's codec (UnicodeError for a lone surrogate)."""
        return text.encode("utf-16-be")

    from codecs import utf_16_be_decode as _u16be_decode

    def utf16be_decode(data):
        """Text of UTF-16BE bytes (UnicodeError for odd length or a lone surrogate).

        Calls the codec function directly: ``bytes.decode("utf-16-be")`` spends about
        as long looking the codec up by name as decoding a 70-character SMS."""
        return _u16be_decode(data, "strict", True)[0]


def utf8_error(b):
    """Index of the first byte that is not valid UTF-8 (RFC 3629), or -1.

    MicroPython's ``bytes.decode`` does not check its input, so decoders validate
    text with this before decoding it, on both runtimes alike.
    """
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            need, lo, hi = 1, 0x80, 0xBF
        elif c == 0xE0:
            need, lo, hi = 2, 0xA0, 0xBF
        elif 0xE1 <= c <= 0xEC or 0xEE <= c <= 0xEF:
            need, lo, hi = 2, 0x80, 0xBF
        elif c == 0xED:
            need, lo, hi = 2, 0x80, 0x9F
        elif c == 0xF0:
            need, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= c <= 0xF3:
            need, lo, hi = 3, 0x80, 0xBF
        elif c == 0xF4:
            need, lo, hi = 3, 0x80, 0x8F
        else:
            return i
        if i + need >= n:
            return i
        if not (lo <= b[i + 1] <= hi):
            return i
        for k in range(2, need + 1):
            if not (0x80 <= b[i + k] <= 0xBF):
                return i
        i += need + 1
    return -1


def is_int(value):
    """True for an int that is not a bool (MicroPython's bool is not an int subclass)."""
    return type(value) is int


def bit_length(value):
    """``int.bit_length`` for non-negative ints; MicroPython ints lack the method."""
    n = 0
    while value:
        value >>= 1
        n += 1
    return n


def int_from_bytes(data, signed=False):
    """Big-endian integer from bytes (MicroPython's from_bytes takes no keywords)."""
    value = int.from_bytes(data, "big")
    if signed and data and data[0] & 0x80:
        value -= 1 << (8 * len(data))
    return value


def reversed_bytes(data):
    """``data[::-1]`` for bytes; MicroPython forbids slices with a step."""
    out = bytearray(len(data))
    n = len(data)
    for i in range(n):
        out[n - 1 - i] = data[i]
    return bytes(out)


def ljust(text, width, fill=" "):
    """``str.ljust``, which MicroPython lacks."""
    if len(text) >= width:
        return text
    return text + fill * (width - len(text))


def rjust(text, width, fill=" "):
    """``str.rjust`` / ``zfill`` (with fill "0"), which MicroPython lacks."""
    if len(text) >= width:
        return text
    return fill * (width - len(text)) + text


def data_path(name):
    """Where the installed package keeps the generated data file ``name`` (``lib12333/data/``).

    The core never opens files itself; the caller opens this path (or a copy in
    flash) and passes the file object in.
    """
    import lib12333

    base = lib12333.__file__
    cut = base.rfind("/")
    if cut < 0:
        cut = base.rfind("\\")
    return base[:cut] + "/data/" + name


if IS_MICROPYTHON:
    # The check-character loops of lib12333.identifiers run as written: parsing a 17-digit
    # number in base 13 would make a big integer on every call, which a small heap pays for.
    mod11_2_total = None
    mod31_3_total = None
else:

    def mod11_2_total(digits):
        """ISO 7064 MOD 11-2 weighted sum of ASCII digits, mod 11 (weight 2 on the last digit, 4, 8...).

        13 = 2 (mod 11), so the digits read as one base-13 number give the same sum: one
        ``int()`` call in C instead of a Python loop (the arithmetic python-stdnum uses too).
        The caller has checked that ``digits`` holds only 0-9.
        """
        return 2 * int(digits, 13) % 11

    _base34 = {}

    def mod31_3_total(code, alphabet):
        """GB 32100 weighted sum (weight 1, 3, 9... mod 31 from the left) of ``code``, mod 31.

        Each character becomes its index in ``alphabet`` written as a base-34 digit, and the
        reversed string is read as a base-34 number: 34 = 3 (mod 31). The caller has
        checked that every character of ``code`` is in ``alphabet`` (at most 34 of them).
        """
        table = _base34.get(alphabet)
        if table is None:
            table = _base34[alphabet] = str.maketrans(alphabet, "0123456789ABCDEFGHIJKLMNOPQRSTUVWX"[: len(alphabet)])
        return int(code.translate(table)[::-1], 34) % 31
