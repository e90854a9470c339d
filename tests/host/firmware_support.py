"""
Shared by the firmware-image tests: the images, built once (or taken from the cache).

The build needs the MicroPython v1.28.0 sources (vendored beside the project, see
lib12333/host/firmware_image/sources.py) and the Arm toolchain.  Without them the tests
are skipped on a developer machine and fail in CI (where they must run).
"""

import os
import shutil
import time

import pytest

from lib12333.errors import ConfigError, DeviceError
from lib12333.host.firmware_image import build, sources

_built = {}


def skip_or_fail(reason):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("firmware image tests cannot run in CI: " + reason)
    pytest.skip("FIRMWARE IMAGE TESTS SKIPPED: " + reason)


def image(board, out_dir):
    """The size report of ``board``'s image, its files copied into ``out_dir``."""
    if board not in _built:
        try:
            _built[board] = build.build(board, out_dir=out_dir)
        except (ConfigError, DeviceError) as exc:
            if isinstance(exc, DeviceError) and exc.code != "missing-tool":
                raise
            skip_or_fail(str(exc))
    return _built[board]


def require(tool):
    if shutil.which(tool) is None:
        skip_or_fail("%s is not installed (Debian package %s)" % (tool, sources.TOOLS.get(tool, tool)))


def wait_screen_on_pico(pico, text, wall=240.0, emulated=120.0, cap=900.0):
    """True once ``pico`` draws a screen with ``text``.

    On a loaded machine the emulated RP2040 runs slowly (never ahead of the wall clock), so
    after ``wall`` seconds it gives up only if the chip has also run ``emulated`` seconds of
    its own time since its last boot (far more than any screen needs), or at ``cap``.
    """
    start = time.monotonic()
    while True:
        if pico.wait_screen(text, 5):
            return True
        spent = time.monotonic() - start
        if spent >= cap:
            return False
        if spent >= wall:
            try:
                if pico.status()["nanos"] >= emulated * 1e9:
                    return False
            except (OSError, ValueError, DeviceError):  # the runner hangs or is gone: diagnose() says so
                return False
