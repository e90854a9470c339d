"""
OpenSSL-backed AES-128 for host code (centre gateway, tools, tests).

``OpenSSLAES128(key)`` has the same ``encrypt_block`` method as
``lib12333.secure.aes.AES128``, so ``lib12333.secure.ccm`` and
``lib12333.secure.frame`` use it unchanged; the block cipher then runs in
OpenSSL (via the ``cryptography`` package) instead of pure Python.
"""

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from lib12333.errors import ValidationError


class OpenSSLAES128:
    backend = "openssl"

    def __init__(self, key):
        if not isinstance(key, (bytes, bytearray)) or len(key) != 16:
            raise ValidationError("AES-128 key must be 16 bytes", field="key", expected="16 bytes")
        self._enc = Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor()

    def encrypt_block(self, block):
        if len(block) != 16:
            raise ValidationError("AES block must be 16 bytes", field="block", expected="16 bytes")
        return self._enc.update(bytes(block))
