# Freeze manifest for bench/firmware_frozen.py: the lib12333 core, the kiosk firmware and the
# kiosk simulation (tests/core/kiosk_sim.py) frozen into a MicroPython unix-port binary, so
# the heap of a frozen firmware can be measured on a PC.  Build (MicroPython source tree;
# -m32 gives 4-byte words like the ESP32 and RP2040; the fake micropython-lib folder only
# satisfies the build's check, nothing of it is frozen):
#
#   make -C mpy-cross
#   mkdir -p /tmp/mpylib && touch /tmp/mpylib/README.md
#   make -C ports/unix BUILD=build-32 CFLAGS_EXTRA=-m32 LDFLAGS_EXTRA=-m32 \
#        MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0 MICROPY_PY_SSL=0 MPY_LIB_DIR=/tmp/mpylib \
#        LIB12333_ROOT=/path/to/lib12333 FROZEN_MANIFEST=/path/to/lib12333/bench/firmware_frozen_manifest.py
#
# (gcc-multilib for -m32 on Debian.)  The project root comes from LIB12333_ROOT, else from
# this file's folder.
import os

try:
    _HERE = os.path.dirname(os.path.abspath(__file__))
except NameError:  # the manifest tool may run this file without __file__
    _HERE = os.getcwd()
ROOT = os.environ.get("LIB12333_ROOT") or os.path.dirname(_HERE)


def _sources(top):
    found = []
    for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
        dirs[:] = sorted(d for d in dirs if d not in ("host", "__pycache__"))
        for name in sorted(files):
            if name.endswith(".py") and name != "__main__.py":
                found.append(os.path.relpath(os.path.join(folder, name), os.path.join(ROOT, top)))
    return found


package("lib12333", files=_sources("lib12333"), base_path=ROOT, opt=3)  # noqa: F821 (manifest builtin)
package("firmware", files=_sources("firmware"), base_path=ROOT, opt=3)  # noqa: F821
package(  # noqa: F821
    "tests", files=["__init__.py", "core/__init__.py", "core/kiosk_sim.py", "core/support.py"], base_path=ROOT, opt=3
)
