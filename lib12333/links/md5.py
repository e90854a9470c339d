"""
MD5 (RFC 1321) for the operator links' authenticators.

CMPP and SMGP authenticate a connection with an MD5 digest over the account,
the shared secret and a time stamp.  MD5 is long broken as a hash, but it is
what the operators' specifications prescribe, so the link has to compute it.
CPython's ``hashlib.md5`` is used when present; MicroPython builds usually carry
only SHA-256, so the algorithm is also written out here (the tests compare both
on the RFC 1321 appendix A.5 suite).
"""

_S = (7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21)
_MASK = 0xFFFFFFFF
_K = None


def _constants():
    # K[i] = floor(abs(sin(i + 1)) * 2**32), computed once, on first use (keeps the import cheap)
    global _K
    if _K is None:
        import math

        _K = [int(abs(math.sin(i + 1)) * 4294967296.0) & _MASK for i in range(64)]
    return _K


def _rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & _MASK


def md5_pure(data):
    """The 16-octet MD5 digest of ``data``, computed by hand."""
    k = _constants()
    msg = bytearray(data)
    bits = (len(msg) * 8) & 0xFFFFFFFFFFFFFFFF
    msg.append(0x80)
    while len(msg) % 64 != 56:
        msg.append(0)
    for i in range(8):
        msg.append((bits >> (8 * i)) & 0xFF)
    a0, b0, c0, d0 = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(msg), 64):
        m = [msg[off + 4 * j] | (msg[off + 4 * j + 1] << 8) | (msg[off + 4 * j + 2] << 16) | (msg[off + 4 * j + 3] << 24)
             for j in range(16)]
        a, b, c, d = a0, b0, c0, d0
        for i in range(64):
            r = i >> 4
            if r == 0:
                f = (b & c) | (~b & d)
                g = i
            elif r == 1:
                f = (d & b) | (~d & c)
                g = (5 * i + 1) & 15
            elif r == 2:
                f = b ^ c ^ d
                g = (3 * i + 5) & 15
            else:
                f = c ^ (b | (~d & _MASK))
                g = (7 * i) & 15
            f = (f + a + k[i] + m[g]) & _MASK
            a, d, c = d, c, b
            b = (b + _rotl(f, _S[(r << 2) | (i & 3)])) & _MASK
        a0 = (a0 + a) & _MASK
        b0 = (b0 + b) & _MASK
        c0 = (c0 + c) & _MASK
        d0 = (d0 + d) & _MASK
    out = bytearray()
    for v in (a0, b0, c0, d0):
        for i in range(4):
            out.append((v >> (8 * i)) & 0xFF)
    return bytes(out)


def md5(data):
    """The 16-octet MD5 digest of ``data`` (hashlib's when it has MD5)."""
    try:
        import hashlib

        return hashlib.md5(bytes(data)).digest()
    except (ImportError, AttributeError, ValueError):
        return md5_pure(data)
