# Shared by the boards' freeze manifests: the lib12333 core (without the CPython-only
# host package, and without the AT modem emulator, a test peer the kiosk never imports)
# and the kiosk firmware, compiled at optimisation level 3.
# MicroPython's manifest tool runs this file with the current directory set to
# board/, so the project root is "..".
import os

_NOT_FROZEN = (os.path.join("lib12333", "modem", "emulator"),)


def _sources(top):
    found = []
    for folder, dirs, files in os.walk(os.path.join("..", top)):
        dirs[:] = sorted(d for d in dirs if d not in ("host", "__pycache__")
                         and os.path.relpath(os.path.join(folder, d), "..") not in _NOT_FROZEN)
        for name in sorted(files):
            if name.endswith(".py") and name != "__main__.py":
                found.append(os.path.relpath(os.path.join(folder, name), os.path.join("..", top)))
    return found


package("lib12333", files=_sources("lib12333"), base_path="..", opt=3)
package("firmware", files=_sources("firmware"), base_path="..", opt=3)
