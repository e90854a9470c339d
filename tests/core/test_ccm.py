"""AES-CCM (lib12333.secure.ccm) against RFC 3610 and NIST SP 800-38C."""

import sys
import unittest
from binascii import hexlify, unhexlify

from lib12333.errors import SecurityError, ValidationError
from lib12333.secure import ccm
from lib12333.secure.aes import AES128
from tests.core.support import read_json

RFC = read_json("protocols/frame/vectors/ccm_rfc3610.json")["vectors"]
SP = read_json("protocols/frame/vectors/ccm_sp800_38c.json")["vectors"]
IS_MICROPYTHON = sys.implementation.name == "micropython"


def _aad(v):
    if "aad_repeat" in v:
        return bytes(range(256)) * v["aad_repeat"]
    return unhexlify(v["aad"])


class TestCCMVectors(unittest.TestCase):
    def _check(self, v):
        c = AES128(unhexlify(v["key"]), backend="pure")
        nonce = unhexlify(v["nonce"])
        aad = _aad(v)
        pt = unhexlify(v["plaintext"])
        sealed = ccm.seal(c, nonce, aad, pt, v["tag_len"])
        self.assertEqual(hexlify(sealed).decode(), v["sealed"])
        self.assertEqual(ccm.open(c, nonce, aad, sealed, v["tag_len"]), pt)

    def test_rfc3610(self):
        self.assertEqual(len(RFC), 24)
        for v in RFC:
            with self.subTest(v["name"]):
                self._check(v)

    def test_sp800_38c_examples_1_to_3(self):
        for v in SP[:3]:
            with self.subTest(v["name"]):
                self._check(v)

    @unittest.skipIf(IS_MICROPYTHON, "65536-byte associated data: 4100 pure-Python blocks, too slow for the wasm runner")
    def test_sp800_38c_example_4_long_aad(self):
        self._check(SP[3])


class TestCCMRejects(unittest.TestCase):
    def setUp(self):
        v = RFC[0]
        self.c = AES128(unhexlify(v["key"]), backend="pure")
        self.nonce = unhexlify(v["nonce"])
        self.aad = unhexlify(v["aad"])
        self.sealed = unhexlify(v["sealed"])

    def test_every_flipped_bit_fails(self):
        for i in range(len(self.sealed)):
            for bit in (0x01, 0x80):
                bad = bytearray(self.sealed)
                bad[i] ^= bit
                with self.assertRaises(SecurityError):
                    ccm.open(self.c, self.nonce, self.aad, bytes(bad), 8)

    def test_wrong_aad_nonce_key_or_tag_length(self):
        with self.assertRaises(SecurityError):
            ccm.open(self.c, self.nonce, self.aad[:-1], self.sealed, 8)
        with self.assertRaises(SecurityError):
            ccm.open(self.c, b"\x01" + self.nonce[1:], self.aad, self.sealed, 8)
        with self.assertRaises(SecurityError):
            ccm.open(AES128(bytes(16), backend="pure"), self.nonce, self.aad, self.sealed, 8)
        with self.assertRaises(SecurityError):
            ccm.open(self.c, self.nonce, self.aad, self.sealed, 10)

    def test_truncated(self):
        for n in (0, 1, 7, 8, 20, len(self.sealed) - 1):
            with self.assertRaises(SecurityError):
                ccm.open(self.c, self.nonce, self.aad, self.sealed[:n], 8)

    def test_parameters_checked(self):
        with self.assertRaises(ValidationError):
            ccm.seal(self.c, bytes(6), b"", b"x", 8)
        with self.assertRaises(ValidationError):
            ccm.seal(self.c, bytes(14), b"", b"x", 8)
        with self.assertRaises(ValidationError):
            ccm.seal(self.c, bytes(13), b"", b"x", 7)
        with self.assertRaises(ValidationError):
            ccm.seal(self.c, bytes(13), b"", b"x", 18)
        with self.assertRaises(ValidationError):
            ccm.seal(self.c, bytes(13), b"", bytes(65536), 8)

    def test_empty_plaintext_and_aad(self):
        s = ccm.seal(self.c, self.nonce, b"", b"", 8)
        self.assertEqual(len(s), 8)
        self.assertEqual(ccm.open(self.c, self.nonce, b"", s, 8), b"")
        s2 = ccm.seal(self.c, self.nonce, b"a", b"", 8)
        self.assertTrue(s != s2)


if __name__ == "__main__":
    unittest.main()
