"""
AES-CCM authenticated encryption (RFC 3610, NIST SP 800-38C).

    seal(cipher, nonce, aad, plaintext, tag_len) -> ciphertext || tag
    open(cipher, nonce, aad, sealed, tag_len)    -> plaintext   (SecurityError when the tag fails)

``cipher`` is an object with ``encrypt_block(16 bytes) -> 16 bytes`` (an
``lib12333.secure.aes.AES128``), so the key schedule is computed once per key.
The nonce is 7 to 13 bytes; L = 15 - len(nonce) is the size of the length
field, and the plaintext must be shorter than 2**(8L) bytes.  ``tag_len`` (M)
is 4, 6, ..., 16.  The kiosk frame uses M = 8 and L = 2 (13-byte nonce); see
protocols/frame/README.md for why.

Associated data of any length uses the three encodings of RFC 3610 section
2.2 (2 bytes, 0xFFFE + 4 bytes, 0xFFFF + 8 bytes).
"""

from lib12333.errors import SecurityError, ValidationError


def _check(nonce, tag_len, length):
    n = len(nonce)
    if n < 7 or n > 13:
        raise ValidationError("CCM nonce must be 7 to 13 bytes", field="nonce", expected="7..13 bytes")
    if tag_len < 4 or tag_len > 16 or tag_len % 2:
        raise ValidationError("CCM tag length must be even, 4 to 16", field="tag_len", expected="4, 6, ..., 16")
    q = 15 - n
    if q < 8 and length >= (1 << (8 * q)):
        raise ValidationError("message too long for the CCM length field", field="plaintext")
    return q


def _be(value, size):
    out = bytearray(size)
    i = size - 1
    while i >= 0:
        out[i] = value & 0xFF
        value >>= 8
        i -= 1
    return out


class _Mac:
    """Incremental CBC-MAC over 16-byte blocks; ``pad()`` zero-fills the current block."""

    def __init__(self, cipher, first_block):
        self._cipher = cipher
        self._x = cipher.encrypt_block(first_block)
        self._buf = bytearray(16)
        self._n = 0

    def update(self, data):
        buf = self._buf
        n = self._n
        for b in data:
            buf[n] = b
            n += 1
            if n == 16:
                self._absorb()
                n = 0
        self._n = n

    def _absorb(self):
        x = self._x
        buf = self._buf
        for i in range(16):
            buf[i] ^= x[i]
        self._x = self._cipher.encrypt_block(buf)

    def pad(self):
        if self._n:
            buf = self._buf
            for i in range(self._n, 16):
                buf[i] = 0
            self._absorb()
            self._n = 0

    def value(self):
        return self._x


def _tag(cipher, nonce, aad, plaintext, tag_len, q):
    flags = (0x40 if len(aad) else 0) | (((tag_len - 2) // 2) << 3) | (q - 1)
    b0 = bytearray(16)
    b0[0] = flags
    b0[1 : 1 + len(nonce)] = nonce
    b0[16 - q :] = _be(len(plaintext), q)
    mac = _Mac(cipher, b0)
    a = len(aad)
    if a:
        if a < 0xFF00:
            mac.update(_be(a, 2))
        elif a < (1 << 32):
            mac.update(b"\xff\xfe")
            mac.update(_be(a, 4))
        else:
            mac.update(b"\xff\xff")
            mac.update(_be(a, 8))
        mac.update(aad)
        mac.pad()
    mac.update(plaintext)
    mac.pad()
    return mac.value()


def _ctr(cipher, nonce, q, data, out):
    """XOR ``data`` with the key stream S_1, S_2, ... into ``out``; returns S_0."""
    a = bytearray(16)
    a[0] = q - 1
    a[1 : 1 + len(nonce)] = nonce
    s0 = cipher.encrypt_block(a)
    counter = 1
    pos = 0
    n = len(data)
    while pos < n:
        c = counter
        i = 15
        while i >= 16 - q:
            a[i] = c & 0xFF
            c >>= 8
            i -= 1
        s = cipher.encrypt_block(a)
        end = pos + 16
        if end > n:
            end = n
        j = 0
        while pos < end:
            out[pos] = data[pos] ^ s[j]
            pos += 1
            j += 1
        counter += 1
    return s0


def seal(cipher, nonce, aad, plaintext, tag_len=8):
    """Encrypt and authenticate: returns ``ciphertext || tag`` (len(plaintext) + tag_len bytes)."""
    q = _check(nonce, tag_len, len(plaintext))
    t = _tag(cipher, nonce, aad, plaintext, tag_len, q)
    out = bytearray(len(plaintext) + tag_len)
    s0 = _ctr(cipher, nonce, q, plaintext, out)
    base = len(plaintext)
    for i in range(tag_len):
        out[base + i] = t[i] ^ s0[i]
    return bytes(out)


def open(cipher, nonce, aad, sealed, tag_len=8):  # noqa: A001 - the RFC's name for the operation
    """Check and decrypt ``ciphertext || tag``; raises SecurityError when authentication fails."""
    if len(sealed) < tag_len:
        raise SecurityError("CCM input shorter than its tag")
    n = len(sealed) - tag_len
    q = _check(nonce, tag_len, n)
    plain = bytearray(n)
    s0 = _ctr(cipher, nonce, q, memoryview(sealed)[:n], plain)
    t = _tag(cipher, nonce, aad, plain, tag_len, q)
    diff = 0
    for i in range(tag_len):
        diff |= (t[i] ^ s0[i]) ^ sealed[n + i]
    if diff:
        # Do not hand out unauthenticated plaintext.
        for i in range(n):
            plain[i] = 0
        raise SecurityError("CCM authentication tag does not match")
    return bytes(plain)
