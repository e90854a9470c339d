"""Key files in both formats (raw 16 bytes, 32 hex digits) and frame tools without ``cryptography``."""


import argparse
import importlib
import json
import sys

import pytest

from lib12333.errors import ValidationError
from lib12333.host.cli import EXIT_DATA, EXIT_OK, main
from lib12333.host.keyfile import parse_key, read_key_file

KEY = bytes.fromhex("6c6962313233333320746573746b6579")
FIELDS = {"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "张三丰"}
SEAL = ["--type", "loss-report", "--device", "1001", "--seq", "7", "--time", "1796083200",
        "--fields", json.dumps(FIELDS), "--json"]


def _seal(path, capsys):
    assert main(["frame", "seal", "--key-file", str(path)] + SEAL) == EXIT_OK
    return json.loads(capsys.readouterr().out)["frame"]


# ---------------------------------------------------------------- key files


@pytest.mark.parametrize("content", [KEY, KEY.hex().encode(), KEY.hex().upper().encode() + b"\n",
                                     b"  " + KEY.hex().encode() + b"\r\n\n"])
def test_key_file_formats(tmp_path, content):
    p = tmp_path / "k.key"
    p.write_bytes(content)
    assert read_key_file(str(p)) == KEY


@pytest.mark.parametrize("content", [b"", KEY[:15], KEY + b"\x00", b"\xff" * 32, KEY.hex()[:30].encode(),
                                     (KEY.hex() + "00").encode(), b"zz" * 16])
def test_bad_key_files_name_the_file_and_the_formats(tmp_path, content):
    p = tmp_path / "bad.key"
    p.write_bytes(content)
    with pytest.raises(ValidationError) as info:
        read_key_file(str(p))
    assert str(p) in str(info.value) and "16 raw bytes or 32 hex digits" in str(info.value)
    with pytest.raises(ValidationError):
        parse_key(content)


def test_gateway_key_out_opens_frames_sealed_with_the_hex_key(tmp_path, capsys):
    db = str(tmp_path / "centre.db")
    raw = tmp_path / "kiosk.key"
    assert main(["gateway", "device", "add", "--db", db, "--device-id", "1001", "--key-out", str(raw)]) == EXIT_OK
    capsys.readouterr()
    assert len(raw.read_bytes()) == 16
    hexfile = tmp_path / "kiosk.hex"
    hexfile.write_text(raw.read_bytes().hex() + "\n")
    sealed = _seal(raw, capsys)
    assert sealed == _seal(hexfile, capsys)  # same key, same frame
    assert main(["frame", "open", "--key-file", str(raw), sealed, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["authenticated"] is True


def test_frame_bad_key_file_exit_3(tmp_path, capsys):
    p = tmp_path / "bad.key"
    p.write_bytes(b"\xff" * 20)
    assert main(["frame", "open", "--key-file", str(p), "00" * 30]) == EXIT_DATA
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(p) in err and "32 hex digits" in err


def test_deploy_key_file_accepts_both_formats(tmp_path):
    from lib12333.host.cli.cmd_deploy import _read_key

    raw, hx, bad = tmp_path / "raw.key", tmp_path / "hex.key", tmp_path / "bad.key"
    raw.write_bytes(KEY)
    hx.write_text(KEY.hex() + "\n")
    bad.write_text("not a key")
    assert _read_key(argparse.Namespace(key_file=str(raw), key_hex=None)) == KEY
    assert _read_key(argparse.Namespace(key_file=str(hx), key_hex=None)) == KEY
    with pytest.raises(ValidationError, match="bad.key"):
        _read_key(argparse.Namespace(key_file=str(bad), key_hex=None))


# ---------------------------------------------------------------- no cryptography


def test_frame_tools_fall_back_to_pure_aes_without_cryptography(tmp_path, capsys, monkeypatch):
    from lib12333.secure.aes import AES128

    p = tmp_path / "k.key"
    p.write_bytes(KEY)
    with_openssl = _seal(p, capsys)
    for name in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "cryptography", None)  # import cryptography -> ImportError
    import lib12333.host
    import lib12333.host.cipher

    monkeypatch.setattr(lib12333.host, "cipher", lib12333.host.cipher)  # restored with sys.modules after the test
    monkeypatch.delitem(sys.modules, "lib12333.host.cipher")
    cipher = importlib.import_module("lib12333.host.cipher")
    c = cipher.aes128(KEY)
    assert isinstance(c, AES128) and c.backend == "pure"
    assert c.encrypt_block(bytes(16)).hex() == AES128(KEY, backend="pure").encrypt_block(bytes(16)).hex()
    assert _seal(p, capsys) == with_openssl
    assert main(["frame", "open", "--key-file", str(p), with_openssl, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["authenticated"] is True


def test_cipher_prefers_openssl_when_present():
    from lib12333.host import cipher

    assert cipher.aes128(KEY).backend == "openssl"
    assert cipher.aes128(KEY).encrypt_block(bytes(16)) == cipher.OpenSSLAES128(KEY).encrypt_block(bytes(16))


def test_gateway_device_add_reads_a_hex_key_file(tmp_path, capsys):
    from lib12333.host.gateway import db

    hexfile = tmp_path / "kiosk.hex"
    hexfile.write_text(KEY.hex() + "\n")
    path = str(tmp_path / "centre.db")
    assert main(["gateway", "device", "add", "--db", path, "--device-id", "7", "--key-file", str(hexfile)]) == EXIT_OK
    conn = db.connect(path)
    assert bytes(conn.execute("SELECT key FROM devices WHERE device_id = 7").fetchone()[0]) == KEY
    conn.close()
