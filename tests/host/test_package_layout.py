"""What the wheel installs: lib12333 with its stubs, the firmware as lib12333_firmware, no shadowing names.

setuptools' build_py lays the package out exactly as the wheel will (setup.py's package list and
pyproject.toml's package data), offline and without pip; `lib12333 demo` then runs from that tree.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEMO = """
import sys
from lib12333.host.cli import main
try:
    code = main(["demo", "--quiet"])
except SystemExit as exc:
    code = exc.code
import lib12333
print("exit", code or 0)
print("lib12333", lib12333.__file__)
print("firmware", sys.modules["firmware"].__file__)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("build_lib"))
    egg_base = str(tmp_path_factory.mktemp("egg_base"))  # keeps the checkout free of build litter
    r = subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", egg_base,
                        "build_py", "--build-lib", out], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_top_level_names_cannot_collide(built):
    assert sorted(os.listdir(built)) == ["lib12333", "lib12333_firmware"]
    for name in ("__init__.py", "main.py", "app.py", "kiosk.py", "screens.py", "drivers/ccid_reader.py"):
        assert os.path.isfile(os.path.join(built, "lib12333_firmware", name)), name
    assert not os.path.exists(os.path.join(built, "lib12333", "requests.py"))
    assert os.path.isfile(os.path.join(built, "lib12333", "citizen_requests.py"))


def test_type_information_ships(built):
    assert os.path.isfile(os.path.join(built, "lib12333", "py.typed"))
    for stub in ("errors.pyi", "sms/pdu.pyi", "sms/encode.pyi", "records/__init__.pyi", "secure/frame.pyi"):
        assert os.path.isfile(os.path.join(built, "lib12333", stub)), stub


def test_demo_runs_from_the_installed_layout(built, tmp_path):
    # cwd and PYTHONPATH are the built tree only: lib12333 and the firmware come from there
    r = subprocess.run([sys.executable, "-c", DEMO], cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=built),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("OK: the card is")
    assert "exit 0" in lines
    assert "lib12333 " + os.path.join(built, "lib12333", "__init__.py") in lines
    assert "firmware " + os.path.join(built, "lib12333_firmware", "__init__.py") in lines


FOREIGN = """
import sys, types
foreign = types.ModuleType("firmware")
foreign.__path__ = []
sys.modules["firmware"] = foreign
from lib12333.host import firmware_package
try:
    firmware_package.load()
except ImportError as exc:
    print("refused:", exc)
print("kept" if sys.modules["firmware"] is foreign else "replaced")
"""


def test_loader_never_replaces_another_firmware(built, tmp_path):
    r = subprocess.run([sys.executable, "-c", FOREIGN], cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=built),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "refused: a module named `firmware` that is not lib12333's kiosk firmware" in r.stdout
    assert r.stdout.splitlines()[-1] == "kept"
