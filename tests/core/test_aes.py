"""AES-128 (lib12333.secure.aes) against the FIPS-197 examples, both backends."""

import unittest
from binascii import hexlify, unhexlify

from lib12333.errors import ValidationError
from lib12333.secure import aes
from tests.core.support import read_json

VECTORS = read_json("protocols/frame/vectors/aes_fips197.json")["vectors"]


class _FakeNativeAES:
    """Stands in for cryptolib.aes(key, 1): records the mode, encrypts with the pure cipher."""

    calls = []

    def __init__(self, key, mode):
        _FakeNativeAES.calls.append(mode)
        self._rk = aes.expand_key(key)

    def encrypt(self, block):
        return aes.encrypt_block_pure(self._rk, block)


class _FakeModule:
    aes = _FakeNativeAES


class TestPureAES(unittest.TestCase):
    def test_fips197_vectors(self):
        for v in VECTORS:
            with self.subTest(v["name"]):
                c = aes.AES128(unhexlify(v["key"]), backend="pure")
                out = c.encrypt_block(unhexlify(v["plaintext"]))
                self.assertEqual(hexlify(out).decode(), v["ciphertext"])

    def test_key_schedule_last_round_key(self):
        for v in VECTORS:
            with self.subTest(v["name"]):
                rk = aes.expand_key(unhexlify(v["key"]))
                self.assertEqual(len(rk), 176)
                self.assertEqual(hexlify(rk[160:]).decode(), v["last_round_key"])
                self.assertEqual(rk[:16], unhexlify(v["key"]))

    def test_accepts_bytearray_and_memoryview_input(self):
        v = VECTORS[1]
        c = aes.AES128(bytearray(unhexlify(v["key"])), backend="pure")
        block = bytearray(unhexlify(v["plaintext"]))
        self.assertEqual(hexlify(c.encrypt_block(block)).decode(), v["ciphertext"])
        self.assertEqual(hexlify(c.encrypt_block(memoryview(block))).decode(), v["ciphertext"])

    def test_bad_key_and_block(self):
        with self.assertRaises(ValidationError):
            aes.AES128(b"short")
        with self.assertRaises(ValidationError):
            aes.AES128("0123456789abcdef")
        with self.assertRaises(ValidationError):
            aes.AES128(bytes(16), backend="des")
        c = aes.AES128(bytes(16), backend="pure")
        with self.assertRaises(ValidationError):
            c.encrypt_block(bytes(15))

    def test_avalanche_one_bit(self):
        c = aes.AES128(bytes(16), backend="pure")
        a = c.encrypt_block(bytes(16))
        b = c.encrypt_block(b"\x01" + bytes(15))
        differing = 0
        for i in range(16):
            x = a[i] ^ b[i]
            while x:
                differing += x & 1
                x >>= 1
        self.assertTrue(30 < differing < 100)


class TestNativeBackend(unittest.TestCase):
    """The cryptolib adapter: uses mode 1 (ECB) and gives the FIPS results."""

    def setUp(self):
        self._saved = aes._cryptolib

    def tearDown(self):
        aes._cryptolib = self._saved

    def test_adapter_with_fake_module(self):
        aes._cryptolib = _FakeModule
        _FakeNativeAES.calls = []
        for v in VECTORS:
            c = aes.AES128(unhexlify(v["key"]))
            self.assertEqual(c.backend, "cryptolib")
            self.assertEqual(hexlify(c.encrypt_block(unhexlify(v["plaintext"]))).decode(), v["ciphertext"])
        self.assertEqual(_FakeNativeAES.calls, [1, 1])

    def test_missing_native_falls_back(self):
        aes._cryptolib = None
        self.assertFalse(aes.has_cryptolib())
        self.assertEqual(aes.AES128(bytes(16)).backend, "pure")
        with self.assertRaises(ValidationError):
            aes.AES128(bytes(16), backend="cryptolib")

    @unittest.skipIf(not aes.has_cryptolib(), "runtime has no cryptolib")
    def test_real_cryptolib(self):
        for v in VECTORS:
            c = aes.AES128(unhexlify(v["key"]), backend="cryptolib")
            self.assertEqual(hexlify(c.encrypt_block(unhexlify(v["plaintext"]))).decode(), v["ciphertext"])


if __name__ == "__main__":
    unittest.main()
