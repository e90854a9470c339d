"""
AES-128 for host code (frame CLI, tools, tests): OpenSSL when available.

``OpenSSLAES128(key)`` has the same ``encrypt_block`` method as
``lib12333.secure.aes.AES128``, so ``lib12333.secure.ccm`` and
``lib12333.secure.frame`` use it unchanged; the block cipher then runs in
OpenSSL (via the ``cryptography`` package) instead of pure Python.

``cryptography`` is only in the ``dev`` extra, so a plain ``pip install .``
may not have it.  ``aes128(key)`` therefore returns an ``OpenSSLAES128`` when
``cryptography`` can be imported and otherwise the core's pure-Python
``AES128`` (same interface, same results, only slower): the frame tools keep
working on a minimal install instead of failing with an ImportError.
"""

from lib12333.errors import ValidationError

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:  # not installed: aes128() falls back to the pure-Python cipher
    Cipher = None


def aes128(key):
    """The fastest available AES-128 cipher object for ``key`` (16 bytes)."""
    if Cipher is None:
        from lib12333.secure.aes import AES128

        return AES128(key, backend="pure")
    return OpenSSLAES128(key)


class OpenSSLAES128:
    backend = "openssl"

    def __init__(self, key):
        if Cipher is None:
            raise ValidationError("the cryptography package is not installed", field="backend",
                                  expected="pip install cryptography, or use aes128()")
        if not isinstance(key, (bytes, bytearray)) or len(key) != 16:
            raise ValidationError("AES-128 key must be 16 bytes", field="key", expected="16 bytes")
        self._enc = Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor()

    def encrypt_block(self, block):
        if len(block) != 16:
            raise ValidationError("AES block must be 16 bytes", field="block", expected="16 bytes")
        return self._enc.update(bytes(block))
