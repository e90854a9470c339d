"""
AES-128 encryption of single 16-byte blocks (FIPS-197), for CCM.

``AES128(key)`` uses the firmware's ``cryptolib.aes`` (``ucryptolib`` on older
ports) in mode 1 (ECB) when the module exists, and the pure-Python cipher below
otherwise; ``backend="pure"`` forces the fallback.  Only the forward cipher is
provided: CCM never decrypts with the block cipher.

The pure cipher is byte oriented (S-box and xtime tables of 256 bytes each, no
32-bit T-tables) so that it allocates no long integers on MicroPython; the
round loop is unrolled over the 16 state bytes held in local variables.
It is not hardened against cache-timing attacks (table look-ups depend on the
key and data); docs/security.md discusses why that is acceptable on a kiosk.
"""

# The public names; the stub lib12333/secure/aes.pyi carries their types (docs/integrator.md)
__all__ = ("BLOCK_SIZE", "KEY_SIZE", "has_cryptolib", "expand_key", "encrypt_block_pure", "AES128")

from binascii import unhexlify

from lib12333.errors import ValidationError

try:
    import cryptolib as _cryptolib
except ImportError:
    try:
        import ucryptolib as _cryptolib
    except ImportError:
        _cryptolib = None

# FIPS-197 Figure 7 (S-box), row by row.
_SBOX = unhexlify(
    "637c777bf26b6fc53001672bfed7ab76ca82c97dfa5947f0add4a2af9ca472c0"
    "b7fd9326363ff7cc34a5e5f171d8311504c723c31896059a071280e2eb27b275"
    "09832c1a1b6e5aa0523bd6b329e32f8453d100ed20fcb15b6acbbe394a4c58cf"
    "d0efaafb434d338545f9027f503c9fa851a3408f929d38f5bcb6da2110fff3d2"
    "cd0c13ec5f974417c4a77e3d645d197360814fdc222a908846eeb814de5e0bdb"
    "e0323a0a4906245cc2d3ac629195e479e7c8376d8dd54ea96c56f4ea657aae08"
    "ba78252e1ca6b4c6e8dd741f4bbd8b8a703eb5664803f60e613557b986c11d9e"
    "e1f8981169d98e949b1e87e9ce5528df8ca1890dbfe6426841992d0fb054bb16"
)


def _make_xtime():
    out = bytearray(256)
    for x in range(256):
        y = x << 1
        if x & 0x80:
            y ^= 0x11B
        out[x] = y
    return bytes(out)


# xtime(x) = x * {02} in GF(2^8) (FIPS-197 section 4.2.1).
_XT = _make_xtime()
_RCON = b"\x01\x02\x04\x08\x10\x20\x40\x80\x1b\x36"

BLOCK_SIZE = 16
KEY_SIZE = 16


def has_cryptolib():
    """True when the runtime offers a native AES (``cryptolib`` / ``ucryptolib``)."""
    return _cryptolib is not None


def expand_key(key):
    """The 176-byte AES-128 key schedule (11 round keys), FIPS-197 section 5.2."""
    w = bytearray(176)
    w[0:16] = key
    S = _SBOX
    i = 16
    r = 0
    while i < 176:
        t0 = w[i - 4]
        t1 = w[i - 3]
        t2 = w[i - 2]
        t3 = w[i - 1]
        if i % 16 == 0:
            # RotWord, SubWord, Rcon
            t0, t1, t2, t3 = S[t1] ^ _RCON[r], S[t2], S[t3], S[t0]
            r += 1
        w[i] = w[i - 16] ^ t0
        w[i + 1] = w[i - 15] ^ t1
        w[i + 2] = w[i - 14] ^ t2
        w[i + 3] = w[i - 13] ^ t3
        i += 4
    return bytes(w)


def encrypt_block_pure(rk, block):
    """Encrypt one 16-byte block with the expanded key ``rk`` (from ``expand_key``)."""
    S = _SBOX
    X = _XT
    s0 = block[0] ^ rk[0]
    s1 = block[1] ^ rk[1]
    s2 = block[2] ^ rk[2]
    s3 = block[3] ^ rk[3]
    s4 = block[4] ^ rk[4]
    s5 = block[5] ^ rk[5]
    s6 = block[6] ^ rk[6]
    s7 = block[7] ^ rk[7]
    s8 = block[8] ^ rk[8]
    s9 = block[9] ^ rk[9]
    s10 = block[10] ^ rk[10]
    s11 = block[11] ^ rk[11]
    s12 = block[12] ^ rk[12]
    s13 = block[13] ^ rk[13]
    s14 = block[14] ^ rk[14]
    s15 = block[15] ^ rk[15]
    k = 16
    for _ in range(9):
        # SubBytes + ShiftRows: column c takes rows r from column (c + r) mod 4.
        a0 = S[s0]
        a1 = S[s5]
        a2 = S[s10]
        a3 = S[s15]
        b0 = S[s4]
        b1 = S[s9]
        b2 = S[s14]
        b3 = S[s3]
        c0 = S[s8]
        c1 = S[s13]
        c2 = S[s2]
        c3 = S[s7]
        d0 = S[s12]
        d1 = S[s1]
        d2 = S[s6]
        d3 = S[s11]
        # MixColumns + AddRoundKey, one column at a time.
        u = a0 ^ a1 ^ a2 ^ a3
        s0 = a0 ^ u ^ X[a0 ^ a1] ^ rk[k]
        s1 = a1 ^ u ^ X[a1 ^ a2] ^ rk[k + 1]
        s2 = a2 ^ u ^ X[a2 ^ a3] ^ rk[k + 2]
        s3 = a3 ^ u ^ X[a3 ^ a0] ^ rk[k + 3]
        u = b0 ^ b1 ^ b2 ^ b3
        s4 = b0 ^ u ^ X[b0 ^ b1] ^ rk[k + 4]
        s5 = b1 ^ u ^ X[b1 ^ b2] ^ rk[k + 5]
        s6 = b2 ^ u ^ X[b2 ^ b3] ^ rk[k + 6]
        s7 = b3 ^ u ^ X[b3 ^ b0] ^ rk[k + 7]
        u = c0 ^ c1 ^ c2 ^ c3
        s8 = c0 ^ u ^ X[c0 ^ c1] ^ rk[k + 8]
        s9 = c1 ^ u ^ X[c1 ^ c2] ^ rk[k + 9]
        s10 = c2 ^ u ^ X[c2 ^ c3] ^ rk[k + 10]
        s11 = c3 ^ u ^ X[c3 ^ c0] ^ rk[k + 11]
        u = d0 ^ d1 ^ d2 ^ d3
        s12 = d0 ^ u ^ X[d0 ^ d1] ^ rk[k + 12]
        s13 = d1 ^ u ^ X[d1 ^ d2] ^ rk[k + 13]
        s14 = d2 ^ u ^ X[d2 ^ d3] ^ rk[k + 14]
        s15 = d3 ^ u ^ X[d3 ^ d0] ^ rk[k + 15]
        k += 16
    # Final round: no MixColumns.
    return bytes(
        (
            S[s0] ^ rk[160],
            S[s5] ^ rk[161],
            S[s10] ^ rk[162],
            S[s15] ^ rk[163],
            S[s4] ^ rk[164],
            S[s9] ^ rk[165],
            S[s14] ^ rk[166],
            S[s3] ^ rk[167],
            S[s8] ^ rk[168],
            S[s13] ^ rk[169],
            S[s2] ^ rk[170],
            S[s7] ^ rk[171],
            S[s12] ^ rk[172],
            S[s1] ^ rk[173],
            S[s6] ^ rk[174],
            S[s11] ^ rk[175],
        )
    )


class AES128:
    """AES-128 forward cipher for one key.

    ``backend`` is ``None`` (native ``cryptolib`` when present, else pure),
    ``"pure"`` or ``"cryptolib"`` (fails with ValidationError when absent).
    ``self.backend`` tells which one is in use.
    """

    def __init__(self, key, backend=None):
        if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_SIZE:
            raise ValidationError("AES-128 key must be 16 bytes", field="key", expected="16 bytes")
        if backend is None:
            backend = "cryptolib" if _cryptolib is not None else "pure"
        if backend == "cryptolib":
            if _cryptolib is None:
                raise ValidationError("cryptolib is not available on this runtime", field="backend")
            # Mode 1 is ECB in MicroPython's (u)cryptolib.
            self._native = _cryptolib.aes(bytes(key), 1)
            self._rk = None
        elif backend == "pure":
            self._native = None
            self._rk = expand_key(key)
        else:
            raise ValidationError("unknown AES backend", field="backend", expected="'pure' or 'cryptolib'")
        self.backend = backend

    def encrypt_block(self, block):
        """Encrypt exactly 16 bytes and return the 16-byte result as ``bytes``."""
        if len(block) != BLOCK_SIZE:
            raise ValidationError("AES block must be 16 bytes", field="block", expected="16 bytes")
        if self._native is not None:
            return bytes(self._native.encrypt(bytes(block)))
        return encrypt_block_pure(self._rk, block)
