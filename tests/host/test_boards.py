"""
The boards: type-checked against their port's MicroPython stubs, freeze manifests
that name only real files, bundles that compile for the board's architecture.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from lib12333.host.deploy import bundle as bundle_mod

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARD_DIR = os.path.join(ROOT, "board")


def stub_ports():
    """The ports that pyproject.toml pins stubs for (its ``stubs-PORT`` extras)."""
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        return set(re.findall(r"^stubs-(\w+) *=", f.read(), re.M))


STUBS = stub_ports()


def real_boards():
    out = []
    for name in sorted(os.listdir(BOARD_DIR)):
        path = os.path.join(BOARD_DIR, name, "board.json")
        if os.path.isfile(path):
            with open(path) as f:
                config = json.load(f)
            if config.get("port") in STUBS:
                out.append((name, config))
    return out


BOARDS = real_boards()


def test_at_least_two_real_boards():
    assert len(BOARDS) >= 2
    assert set(c["port"] for _n, c in BOARDS) == {"esp32", "rp2"}


def stubs_for(port):
    """Each port's stubs live in their own folder (they define the same module names); scripts/test
    installs them there from pyproject.toml's ``stubs-PORT`` extra, so the test itself installs nothing."""
    target = os.path.join(ROOT, ".cache", "typings-" + port)
    if not os.path.isfile(os.path.join(target, "machine.pyi")):
        reason = "no %s stubs in %s: scripts/test installs them (pyproject.toml extra stubs-%s)" % (port, target, port)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return target


@pytest.mark.slow
@pytest.mark.parametrize("name,config", BOARDS, ids=[n for n, _c in BOARDS])
def test_board_and_firmware_type_check_against_port_stubs(name, config, tmp_path):
    stubs = stubs_for(config["port"])
    ini = tmp_path / "mypy.ini"
    ini.write_text(
        "[mypy]\n"
        "custom_typeshed_dir = %s\n"
        "mypy_path = %s:%s:%s\n"
        "python_version = 3.10\n"
        "follow_imports = silent\n"
        "follow_imports_for_stubs = True\n"
        "no_site_packages = True\n"
        "check_untyped_defs = True\n"
        "explicit_package_bases = True\n"
        "cache_dir = %s\n"
        "[mypy-_mpy_shed.*]\nignore_errors = True\n"
        # The core is checked by its own tests on both runtimes; here we check what runs on the board.
        "[mypy-lib12333.*]\nignore_errors = True\n"
        # board/<name>/board.py is the top-level module ``board`` that firmware/main.py imports.
        % (stubs, stubs, os.path.join(BOARD_DIR, name), ROOT, os.path.join(ROOT, ".cache", "mypy-" + name))
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ini),
         os.path.join("board", name, "board.py"), "firmware"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout


def test_type_check_catches_a_port_mismatch(tmp_path):
    """The check is real: an rp2-only module is unknown to the ESP32 stubs."""
    stubs = stubs_for("esp32")
    bad = tmp_path / "bad_board.py"
    bad.write_text("import rp2\nimport machine\nmachine.Pin(1).NOT_A_METHOD()\n")
    ini = tmp_path / "mypy.ini"
    ini.write_text(
        "[mypy]\ncustom_typeshed_dir = %s\nmypy_path = %s\npython_version = 3.10\nno_site_packages = True\n"
        "cache_dir = %s\n[mypy-_mpy_shed.*]\nignore_errors = True\n" % (stubs, stubs, tmp_path / "cache")
    )
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ini), str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "rp2" in proc.stdout and "NOT_A_METHOD" in proc.stdout


class FakeManifest:
    """The manifest API of MicroPython's tools/manifestfile.py, recording what would be frozen."""

    def __init__(self):
        self.frozen = []
        self.includes = []

    def run(self, path):
        folder = os.path.dirname(os.path.abspath(path))
        previous = os.getcwd()
        os.chdir(folder)
        try:
            with open(path) as f:
                exec(f.read(), {"include": self.include, "module": self.module, "package": self.package,
                                "require": self.require, "metadata": lambda **k: None})
        finally:
            os.chdir(previous)

    def include(self, path):
        if path.startswith("$(PORT_DIR)"):
            self.includes.append(path)
            return
        self.run(os.path.abspath(path))

    def module(self, path, base_path=".", opt=None):
        full = os.path.abspath(os.path.join(base_path, path))
        assert os.path.isfile(full), full
        self.frozen.append(path)

    def package(self, name, files=None, base_path=".", opt=None):
        for f in files:
            full = os.path.abspath(os.path.join(base_path, name, f))
            assert os.path.isfile(full), full
            self.frozen.append(name + "/" + f.replace(os.sep, "/"))

    def require(self, name, **kw):
        self.frozen.append("require:" + name)


@pytest.mark.parametrize("name,config", BOARDS, ids=[n for n, _c in BOARDS])
def test_freeze_manifest_freezes_core_firmware_and_board_but_no_host_code(name, config):
    m = FakeManifest()
    m.run(os.path.join(BOARD_DIR, name, "manifest.py"))
    assert m.includes == ["$(PORT_DIR)/boards/manifest.py"]
    assert "board.py" in m.frozen
    assert "lib12333/errors.py" in m.frozen and "firmware/kiosk.py" in m.frozen
    assert not [f for f in m.frozen if "/host/" in f or f.endswith("__main__.py")]


@pytest.mark.slow
@pytest.mark.parametrize("name,config", BOARDS, ids=[n for n, _c in BOARDS])
def test_bundle_compiles_for_the_boards_architecture(name, config):
    board = bundle_mod.load_board(config["name"])
    build = bundle_mod.build(board=board)
    paths = [f.path for f in build.files]
    assert "board.mpy" in paths and "firmware/kiosk.mpy" in paths and "lib12333/errors.mpy" in paths
    assert not [p for p in paths if p.startswith("lib12333/host")]
    header = dict((f.path, f.data[:4]) for f in build.files)["firmware/kiosk.mpy"]
    assert header[:2] == b"M\x06"  # .mpy v6


def test_unknown_board_lists_the_known_ones():
    from lib12333.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        bundle_mod.load_board("esp8266")
    assert "esp32s3_a7670c" in str(info.value) and "rp2040_ec800n" in str(info.value)


def test_without_board_folders_it_says_a_checkout_is_needed_and_how(tmp_path):
    # what an installed wheel looks like: lib12333/ and firmware/, no board/
    from lib12333.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        bundle_mod.load_board("esp32s3-a7670c", str(tmp_path / "board"))
    message = str(info.value)
    assert "needs a lib12333 checkout" in message and "scripts/install deploy" in message
