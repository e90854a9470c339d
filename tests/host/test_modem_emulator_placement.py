"""The AT modem emulator is a test peer: kiosk images (freeze manifests) and deploy bundles
leave it out; the qemu-mps2 image, which runs the kiosk simulation, and the MicroPython test
runner take it."""

import os
import sys

from lib12333.host.deploy import bundle

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMULATOR = sorted(f for f in os.listdir(os.path.join(ROOT, "lib12333", "modem", "emulator")) if f.endswith(".py"))


def frozen_by(manifest):
    """(package, file) pairs a board manifest freezes, with include() and package() recorded."""
    found = []
    here = os.getcwd()

    def run(path):
        if path.startswith("$("):
            return  # the port's own manifest (MicroPython's modules)
        path = os.path.abspath(path)
        old = os.getcwd()
        os.chdir(os.path.dirname(path))  # as MicroPython's manifest tool does
        try:
            with open(path) as f:
                exec(f.read(), {"include": run, "package": package, "module": lambda *a, **k: None})
        finally:
            os.chdir(old)

    def package(name, files=(), base_path=".", opt=None):
        found.extend((name, f.replace(os.sep, "/")) for f in files)

    try:
        run(manifest)
    finally:
        os.chdir(here)
    return found


def test_kiosk_images_and_bundles_leave_the_emulator_out():
    for board in ("rp2040_ec800n", "esp32s3_a7670c"):
        files = frozen_by(os.path.join(ROOT, "board", board, "manifest.py"))
        assert ("lib12333", "modem/engine.py") in files  # the rest of the modem package is there
        assert not [f for p, f in files if f.startswith("modem/emulator/")], board
    paths = [device for _src, device in bundle._walk(os.path.join(ROOT, "lib12333"), "lib12333")]
    assert "lib12333/modem/engine.py" in paths
    assert not [p for p in paths if p.startswith("lib12333/modem/emulator/")]


def test_the_qemu_image_and_the_micropython_runner_take_it():
    files = frozen_by(os.path.join(ROOT, "board", "qemu_mps2", "manifest.py"))
    assert sorted(f[len("modem/emulator/"):] for p, f in files if f.startswith("modem/emulator/")) == EMULATOR
    assert ("tests", "core/kiosk_sim.py") in files
    sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
    try:
        import run as mp_run
    finally:
        sys.path.pop(0)
    assert "lib12333.modem.emulator.modem" in mp_run.core_modules()
