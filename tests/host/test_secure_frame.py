"""
Host checks of lib12333.secure: against OpenSSL (via ``cryptography``), against the
construct definition in protocols/frame/definition.py, and under fuzzing.
"""

import json
import os
import subprocess
import sys
import types

import pytest
from construct import ConstructError
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lib12333.errors import DecodeError, Lib12333Error, SecurityError
from lib12333.host.cipher import OpenSSLAES128
from lib12333.host.testing import frame as S
from lib12333.secure import aes, ccm
from lib12333.secure import frame as F
from lib12333.secure import messages as M
from lib12333.secure.replay import ReplayWindow
from protocols.frame import definition as D
from tests.hypothesis_profiles import examples

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAST = settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ crypto vs OpenSSL


@FAST
@given(key=S.keys(), block=st.binary(min_size=16, max_size=16))
def test_pure_aes_matches_openssl(key, block):
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    assert aes.AES128(key, backend="pure").encrypt_block(block) == enc.update(block)


@FAST
@given(
    key=S.keys(),
    nonce=st.integers(7, 13).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    aad=st.binary(max_size=300),
    pt=st.binary(max_size=300),
    tag_len=st.sampled_from((4, 6, 8, 10, 12, 14, 16)),
)
def test_ccm_matches_openssl(key, nonce, aad, pt, tag_len):
    ref = AESCCM(key, tag_length=tag_len).encrypt(nonce, pt, aad)
    c = aes.AES128(key, backend="pure")
    assert ccm.seal(c, nonce, aad, pt, tag_len) == ref
    assert ccm.open(c, nonce, aad, ref, tag_len) == pt


@pytest.mark.parametrize("aad_len", [0xFEFF, 0xFF00, 0xFF01])
def test_ccm_aad_length_encoding_boundary(aad_len):
    """2-byte length below 0xFF00, 0xFFFE + 4 bytes from there (RFC 3610 section 2.2)."""
    key = bytes(range(16, 32))
    aad = bytes((i * 7) & 0xFF for i in range(aad_len))
    nonce = bytes(13)
    got = ccm.seal(aes.AES128(key, backend="pure"), nonce, aad, b"payload", 8)
    assert got == AESCCM(key, tag_length=8).encrypt(nonce, b"payload", aad)


class _OpenSSLCryptolib(types.SimpleNamespace):
    """A cryptolib look-alike (aes(key, 1).encrypt) backed by OpenSSL, to test the native adapter."""

    @staticmethod
    def aes(key, mode):
        assert mode == 1
        enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        return types.SimpleNamespace(encrypt=enc.update)


@FAST
@given(frame=S.frames(), key=S.keys())
def test_native_backend_gives_same_frames(frame, key):
    saved = aes._cryptolib
    aes._cryptolib = _OpenSSLCryptolib()
    try:
        native = aes.AES128(key)
    finally:
        aes._cryptolib = saved
    assert native.backend == "cryptolib"
    pure = aes.AES128(key, backend="pure")
    sealed = F.seal(native, frame)
    assert sealed == F.seal(pure, frame)
    assert F.open(pure, sealed) == frame
    assert F.open(native, sealed) == frame


# ------------------------------------------------------------------ core vs construct


@FAST
@given(msg=S.messages())
def test_payload_build_agrees(msg):
    t, fields = msg
    core = M.encode(t, fields)
    assert core == D.PAYLOADS[t].build(fields)
    assert D.parse_payload(t, core) == fields
    assert M.decode(t, D.PAYLOADS[t].build(fields)) == fields


def _construct_payload(t, data):
    try:
        return True, D.parse_payload(t, data)
    except (ConstructError, UnicodeDecodeError):
        return False, None


def _core_payload(t, data):
    try:
        return True, M.decode(t, data)
    except DecodeError:
        return False, None


@FAST
@given(t=st.integers(1, M.LAST_TYPE), data=st.binary(max_size=60))
def test_payload_parse_agrees_on_random_bytes(t, data):
    assert _core_payload(t, data) == _construct_payload(t, data)


@FAST
@given(msg=S.messages(), data=st.data())
def test_payload_parse_agrees_on_mutations(msg, data):
    t, fields = msg
    mutated = data.draw(S.mutations(M.encode(t, fields)))
    assert _core_payload(t, mutated) == _construct_payload(t, mutated)


@FAST
@given(frame=S.frames(), key=S.keys())
def test_sealed_frame_agrees_with_construct_and_openssl(frame, key):
    sealed = F.seal(aes.AES128(key, backend="pure"), frame)
    parsed = D.SEALED_FRAME.parse(sealed)
    h = parsed.header
    assert (h.type, h.flags, h.device, h.seq, h.time) == (
        frame.msg_type, frame.direction, frame.device_id, frame.seq, frame.time)
    # Build the same frame from the definition alone: construct header + OpenSSL CCM.
    header = D.HEADER.build(dict(type=frame.msg_type, flags=frame.direction, device=frame.device_id,
                                 seq=frame.seq, time=frame.time))
    ref = header + AESCCM(key, tag_length=D.TAG_LEN).encrypt(D.nonce_of(D.HEADER.parse(header)), frame.payload, header)
    assert ref == sealed
    assert F.open(aes.AES128(key, backend="pure"), ref) == frame


def _construct_header(data):
    try:
        D.SEALED_FRAME.parse(data)
        return True
    except ConstructError:
        return False


def _core_header(data):
    try:
        F.decode_header(data)
        return True
    except DecodeError:
        return False


@FAST
@given(data=st.one_of(st.binary(max_size=150), S.frames().map(lambda f: F.encode_header(f) + bytes(len(f.payload) + 8))))
def test_header_acceptance_agrees(data):
    assert _core_header(data) == _construct_header(data)


@FAST
@given(frame=S.frames(), data=st.data())
def test_header_acceptance_agrees_on_mutations(frame, data):
    raw = F.seal(aes.AES128(bytes(16), backend="pure"), frame)
    mutated = data.draw(S.mutations(raw))
    assert _core_header(mutated) == _construct_header(mutated)


# ------------------------------------------------------------------ forgery, tampering, replay

KEY = bytes(range(16))
CIPHER = aes.AES128(KEY, backend="pure")


@settings(max_examples=examples(500), deadline=None)
@given(frame=S.frames(), data=st.data())
def test_modified_frames_rejected_with_lib12333_errors_only(frame, data):
    raw = F.seal(CIPHER, frame)
    mutated = data.draw(S.mutations(raw))
    assume(mutated != raw)
    with pytest.raises(Lib12333Error) as info:
        F.open(CIPHER, mutated)
    assert isinstance(info.value, (DecodeError, SecurityError))


@FAST
@given(frame=S.frames(), other=S.keys())
def test_forgery_with_another_key_rejected(frame, other):
    assume(other != KEY)
    forged = F.seal(aes.AES128(other, backend="pure"), frame)
    with pytest.raises(SecurityError):
        F.open(CIPHER, forged)


@FAST
@given(data=st.binary(max_size=600))
def test_random_bytes_never_open(data):
    with pytest.raises(Lib12333Error):
        F.open(CIPHER, data)


@FAST
@given(frames=st.lists(S.frames(max_device=3), min_size=1, max_size=20), replays=st.lists(st.integers(0, 19), max_size=10))
def test_replays_rejected_by_window(frames, replays):
    """Receiver pipeline: open (authenticate), then the device's window; every replay is refused."""
    windows = {}
    delivered = []
    sent = [F.seal(CIPHER, f) for f in frames]
    for i in replays:
        if i < len(sent):
            sent.append(sent[i])
    accepted = set()
    for raw in sent:
        f = F.open(CIPHER, raw)
        w = windows.setdefault((f.device_id, f.direction), ReplayWindow(64))
        key = (f.device_id, f.direction, f.seq)
        try:
            w.accept(f.seq)
        except SecurityError:
            assert key in accepted or f.seq <= w.highest - w.size
            continue
        assert key not in accepted
        accepted.add(key)
        delivered.append(raw)
    assert len(delivered) == len(accepted)


def test_vector_file_is_current():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "frame_vectors.py"), "--check"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


@FAST
@given(frame=S.frames(), key=S.keys())
def test_host_openssl_cipher_gives_same_frames(frame, key):
    fast = OpenSSLAES128(key)
    sealed = F.seal(fast, frame)
    assert sealed == F.seal(aes.AES128(key, backend="pure"), frame)
    assert F.open(fast, sealed) == frame


def test_rfc_and_nist_vectors_match_openssl():
    for name in ("ccm_rfc3610.json", "ccm_sp800_38c.json"):
        with open(os.path.join(ROOT, "protocols", "frame", "vectors", name)) as f:
            for v in json.load(f)["vectors"]:
                aad = bytes(range(256)) * v["aad_repeat"] if "aad_repeat" in v else bytes.fromhex(v["aad"])
                ref = AESCCM(bytes.fromhex(v["key"]), tag_length=v["tag_len"]).encrypt(
                    bytes.fromhex(v["nonce"]), bytes.fromhex(v["plaintext"]), aad)
                assert ref.hex() == v["sealed"], v["name"]
