"""
``lib12333 firmware build`` / ``firmware fs``: real MicroPython v1.28.0 images with the kiosk frozen.

The images are built once per machine and cached by input hash (.cache/firmware and
~/.cache/lib12333); these tests check what was built: the files, their formats, the
size report against the board's flash layout, the cache, the errors a technician
sees, and the LittleFS image's contents.
"""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys

import pytest

from lib12333.errors import CapacityError
from lib12333.host.firmware_image import build, fsimage

from .firmware_support import image, skip_or_fail

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UF2_MAGIC = (0x0A324655, 0x9E5D5157, 0x0AB16F30)


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "lib12333"] + list(args), capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=900)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("firmware"))


def test_rp2040_image_fits_and_has_the_kiosk_frozen(out_dir):
    r = image("rp2040-ec800n", out_dir)
    assert r["micropython"] == "1.28.0" and r["port"] == "rp2"
    with open(r["files"]["bin"], "rb") as f:
        binary = f.read()
    assert len(binary) == r["image_bytes"]
    assert 300_000 < len(binary) <= 0xA0000  # the code area ends where the file system starts (640 KiB)
    assert r["flash_left"] == 0xA0000 - len(binary)
    # the core, the kiosk and the board module are in the image, the core being the largest of ours
    frozen = r["frozen_bytes"]
    assert frozen["lib12333"] > frozen["firmware"] > frozen["board"] > 0
    assert b"lib12333/secure/aes.py" in binary and b"firmware/app.py" in binary
    # data stays out of the code image: no piece of the GBK table is in it
    with open(os.path.join(ROOT, "lib12333", "data", "gbk.bin"), "rb") as f:
        table = f.read()
    assert not [i for i in range(64, len(table) - 64, 4096) if table[i:i + 64] in binary]
    # the ELF is an Arm executable
    with open(r["files"]["elf"], "rb") as f:
        head = f.read(20)
    assert head[:4] == b"\x7fELF" and struct.unpack_from("<H", head, 18)[0] == 40  # EM_ARM


def test_rp2040_uf2_carries_the_bin_for_the_pico_bootloader(out_dir):
    r = image("rp2040-ec800n", out_dir)
    with open(r["files"]["uf2"], "rb") as f:
        uf2 = f.read()
    with open(r["files"]["bin"], "rb") as f:
        binary = f.read()
    assert len(uf2) % 512 == 0
    rebuilt = bytearray()
    blocks = len(uf2) // 512
    for i in range(blocks):
        block = uf2[i * 512:(i + 1) * 512]
        m0, m1, flags, addr, size, seq, total, family = struct.unpack_from("<8I", block)
        assert (m0, m1, struct.unpack_from("<I", block, 508)[0]) == UF2_MAGIC
        assert flags & 0x2000 and family == 0xE48BFF56  # the RP2040 family id the BOOTSEL drive checks
        assert (seq, total) == (i, blocks) and addr == 0x10000000 + 256 * i
        rebuilt += block[32:32 + size]
    assert bytes(rebuilt[:len(binary)]) == binary


def test_qemu_image_is_a_cortex_m3_image_with_the_kiosk_and_its_data(out_dir):
    r = image("qemu-mps2", out_dir)
    assert r["port"] == "qemu" and r["micropython_board"] == "MPS2_AN385"
    assert set(r["files"]) == {"elf", "bin", "size.json"}  # not flashed by drag-and-drop: no .uf2
    frozen = r["frozen_bytes"]
    assert frozen["lib12333"] > frozen["firmware"] > 0 and "tests" in frozen and "romfs_data" in frozen
    with open(r["files"]["bin"], "rb") as f:
        binary = f.read()
    with open(os.path.join(ROOT, "lib12333", "data", "gbk.bin"), "rb") as f:
        gbk = f.read()
    assert gbk in binary  # no file system on this machine: the GBK table is a frozen ROMFS


def test_second_build_comes_from_the_cache_with_the_same_bytes(out_dir, tmp_path):
    first = image("qemu-mps2", out_dir)
    p = cli("firmware", "build", "--board", "qemu-mps2", "--out", str(tmp_path), "--json")
    assert p.returncode == 0, p.stderr
    assert "cached image" in p.stderr
    again = json.loads(p.stdout)
    assert again["input_hash"] == first["input_hash"] and again["sha256"] == first["sha256"]
    with open(os.path.join(str(tmp_path), "qemu-mps2.bin"), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == first["sha256"]


@pytest.mark.slow  # two cold image builds: ~25 s idle, ~75 s loaded
def test_cold_build_in_a_fresh_cache_gives_the_same_bytes(out_dir, tmp_path):
    """Reproducible: a second machine (here: an empty cache folder) builds the identical image."""
    first = image("qemu-mps2", out_dir)
    env = dict(os.environ, LIB12333_CACHE=str(tmp_path / "cache"))
    fresh_root = tmp_path / "clone"  # a copy of the project without this checkout's .cache/
    ignore = shutil.ignore_patterns("__pycache__")
    for rel in ("lib12333", "firmware", "board", os.path.join("tests", "core")):
        shutil.copytree(os.path.join(ROOT, rel), str(fresh_root / rel), ignore=ignore)
    shutil.copyfile(os.path.join(ROOT, "tests", "__init__.py"), str(fresh_root / "tests" / "__init__.py"))
    env["PYTHONPATH"] = str(fresh_root)
    p = subprocess.run([sys.executable, "-m", "lib12333", "firmware", "build", "--board", "qemu-mps2", "--json",
                        "--micropython", _vendored()], capture_output=True, text=True, cwd=str(fresh_root),
                       env=env, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "cached image" not in p.stderr  # really built
    again = json.loads(p.stdout)
    assert again["input_hash"] == first["input_hash"]
    assert again["sha256"] == first["sha256"]
    # a frozen file changed but older than the last build's .mpy (another worktree, a restored
    # file): MicroPython's makemanifest goes by mtimes, the image must still hold the new code
    app = fresh_root / "firmware" / "app.py"
    app.write_text(app.read_text() + '\nSTALE_CHECK = "frozen-file-older-than-the-build"\n')
    os.utime(str(app), (946684800, 946684800))  # 2000-01-01
    p = subprocess.run([sys.executable, "-m", "lib12333", "firmware", "build", "--board", "qemu-mps2", "--json",
                        "--micropython", _vendored(), "--out", str(tmp_path / "changed")], capture_output=True,
                       text=True, cwd=str(fresh_root), env=env, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    changed = json.loads(p.stdout)
    assert changed["input_hash"] != first["input_hash"] and changed["sha256"] != first["sha256"]
    with open(changed["files"]["bin"], "rb") as f:
        assert b"frozen-file-older-than-the-build" in f.read()


def test_input_hash_covers_the_freeze_options(tmp_path):
    """opt= (and the freeze kind) change the bytecode: they are part of the cache key."""
    frozen = tmp_path / "m.py"
    frozen.write_text("assert True\n")
    sources = type("Sources", (), {"identity": "tarball:x"})()
    keys = {build.input_hash(sources, "qemu-mps2", "gcc", [("m.py", str(frozen), kind, opt)], {})
            for kind, opt in ((1, 3), (1, 0), (1, None), (2, 3))}
    assert len(keys) == 4


def _vendored():
    from lib12333.host.firmware_image import sources

    path = os.path.join(sources.vendor_dir(), sources.TARBALL)
    if not os.path.isfile(path):
        skip_or_fail("no vendored MicroPython tarball at %s" % path)
    return path


def test_missing_toolchain_names_the_debian_package(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "cmake", "git"):  # everything but the Arm compiler
        found = subprocess.run(["which", tool], capture_output=True, text=True).stdout.strip()
        if found:
            os.symlink(found, str(bin_dir / tool))
    env = dict(os.environ, PATH=str(bin_dir))
    p = cli("firmware", "build", "--board", "rp2040-ec800n", env=env)
    assert p.returncode == 4
    assert "arm-none-eabi-gcc not found" in p.stderr and "gcc-arm-none-eabi" in p.stderr


def test_image_too_large_says_by_how_much_and_the_largest_package(out_dir):
    r = dict(image("rp2040-ec800n", out_dir))
    r["code_limit"] = r["image_bytes"] - 1234
    r["flash_left"] = -1234
    with pytest.raises(CapacityError) as info:
        build.check_fits(r)
    text = str(info.value)
    assert "1234 bytes over" in text
    assert "largest frozen package is lib12333 (%d bytes)" % r["frozen_bytes"]["lib12333"] in text


def test_unknown_board_is_a_usage_error():
    p = cli("firmware", "build", "--board", "esp32s3-a7670c")
    assert p.returncode == 3
    assert "qemu-mps2" in p.stderr and "rp2040-ec800n" in p.stderr


def test_fs_image_holds_data_config_and_library_not_code(tmp_path):
    key = tmp_path / "k.key"
    key.write_bytes(bytes(range(16)))
    site = tmp_path / "site.json"
    site.write_text(json.dumps({"centre_number": "+8610657112333", "unit": "【测试中心】"}, ensure_ascii=False))
    out = tmp_path / "fs.img"
    p = cli("firmware", "fs", "--board", "rp2040-ec800n", "--device-id", "1001", "--key-file", str(key),
            "--site", str(site), "--library", os.path.join(ROOT, "lib12333", "data", "kb", "starter.json"),
            "--out", str(out), "--json")
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    assert out.stat().st_size == summary["image_bytes"] == 1408 * 1024
    files = fsimage.unpack(str(out), summary["image_bytes"])
    version = files["/active"].decode()
    with open(os.path.join(ROOT, "lib12333", "data", "gbk.bin"), "rb") as f:
        assert files["/apps/%s/lib12333/data/gbk.bin" % version] == f.read()
    assert files["/config/key.bin"] == bytes(range(16))
    assert json.loads(files["/config/device.json"])["device_id"] == 1001
    assert files["/main.py"].startswith(b"# lib12333 kiosk entry point")
    assert len(files["/data/kb.idx"]) > 0 and len(files["/data/kb.dat"]) > 0
    assert not [path for path in files if path.endswith((".py", ".mpy")) and path.startswith("/apps/")]
