"""
Atomic installation of a bundle on a board, provisioning, rollback.

Device layout (see docs/deploy.md)::

    /boot.py                 selects the active version at every boot (tiny, rarely changes)
    /active                  id of the version that boots
    /previous                id of the version ``deploy rollback`` returns to
    /apps/<id>/...           one complete version; /apps/<id>/MANIFEST is written last
    /config/device.json      device id, first sequence number of the key, site configuration (no key)
    /config/key.bin          the device's 16-byte key
    /config/key.fresh        SHA-256 of a key deploy just wrote; the kiosk starts a new journal, then removes it

Why it survives a cut at any moment: a new version is uploaded into its own
folder while ``/active`` still names the old one; its MANIFEST is written only
after every file's SHA-256 has been checked on the device; ``/active`` and
``/previous`` are replaced by writing a temporary file and renaming it over the
old one, which is atomic on LittleFS and FAT.  The board therefore boots either
the old version or the complete new one, never a mix.  Re-running the same
deployment resumes: files whose hash already matches are not sent again.
"""

import json

from lib12333.errors import ConfigError, DeviceError, StorageError

BOOT_PY = """\
# lib12333 boot selector: put the active version on sys.path (written by lib12333 deploy).
import sys


def _version(name):
    try:
        with open(name) as f:
            v = f.read().strip()
        open('/apps/' + v + '/MANIFEST').close()
        return v
    except OSError:
        return None


def _has_code(base):
    for name in ('/lib12333/__init__.mpy', '/lib12333/__init__.py'):
        try:
            open(base + name).close()
            return True
        except OSError:
            pass
    return False


LIB12333_VERSION = _version('/active') or _version('/previous')
if LIB12333_VERSION:
    # A version with code goes first; a data-only one (--skip-frozen) last, or its lib12333/data
    # folder would shadow the frozen lib12333 package.
    if _has_code('/apps/' + LIB12333_VERSION):
        sys.path.insert(0, '/apps/' + LIB12333_VERSION)
    else:
        sys.path.append('/apps/' + LIB12333_VERSION)
"""

MAIN_PY = """\
# lib12333 kiosk entry point (written by lib12333 deploy).
import firmware.main

firmware.main.run()
"""

MIN_MICROPYTHON = (1, 23)  # first release reading .mpy v6.3 bytecode, which mpy-cross 1.29 emits
MPY_MAJOR = 6


class Step:
    """One line of the plan: what will be done and why."""

    __slots__ = ("action", "path", "detail", "size")

    def __init__(self, action, path, detail="", size=0):
        self.action = action
        self.path = path
        self.detail = detail
        self.size = size

    def as_dict(self):
        return {"action": self.action, "path": self.path, "detail": self.detail, "size": self.size}


def _atomic_write(device, path, data):
    device.write_file(path + ".tmp", data)
    device.rename(path + ".tmp", path)


def check_compatibility(identity, board):
    """Refuse a board whose MicroPython cannot load what we compile, or that is not the board named."""
    version = tuple(int(p) for p in identity["micropython"].split(".")[:2])
    if version < MIN_MICROPYTHON:
        raise ConfigError(
            "MicroPython %s is too old for .mpy v6.3 bytecode" % identity["micropython"],
            source="device", expected=">= %d.%d (flash a newer firmware first)" % MIN_MICROPYTHON,
        )
    if identity["mpy_major"] != MPY_MAJOR:
        raise ConfigError(
            "device reads .mpy v%d" % identity["mpy_major"], source="device", expected="v%d" % MPY_MAJOR
        )
    if board is not None and identity["arch"] is not None and board.get("arch") not in (None, identity["arch"]):
        raise ConfigError(
            "board %r is %s but the device reports %s: wrong board selected?"
            % (board["name"], board["arch"], identity["arch"]),
            source="device",
        )


class DeviceState:
    """What is installed: active and previous version ids."""

    def __init__(self, device):
        self.active = (device.read_text("/active") or "").strip() or None
        self.previous = (device.read_text("/previous") or "").strip() or None
        self.versions = device.listdir("/apps")

    def as_dict(self):
        return {"active": self.active, "previous": self.previous, "installed": self.versions}


def plan(device, bundle, provision=None):
    """The steps a deployment of ``bundle`` would take on ``device`` (nothing is written)."""
    state = DeviceState(device)
    base = "/apps/" + bundle.version
    steps = []
    if state.active == bundle.version:
        steps.append(Step("keep", base, "version already active"))
    for f in bundle.files:
        present = device.sha256(base + "/" + f.path) if bundle.version in state.versions else None
        if present == f.sha256:
            steps.append(Step("skip", base + "/" + f.path, "already on the device", len(f.data)))
        else:
            steps.append(Step("upload", base + "/" + f.path, "new" if present is None else "differs", len(f.data)))
    steps.append(Step("verify", base, "SHA-256 of %d files on the device" % len(bundle.files)))
    steps.append(Step("manifest", base + "/MANIFEST", "marks the version complete"))
    if provision:
        steps.append(Step("provision", "/config/device.json", "device id %s" % provision["device_id"]))
        if provision.get("key") is not None:
            steps.append(Step("provision", "/config/key.bin", "device key (not shown)"))
    steps.append(Step("boot", "/boot.py", "boot selector"))
    if state.active != bundle.version:
        steps.append(Step("switch", "/active", "%s -> %s" % (state.active or "none", bundle.version)))
    steps.append(Step("clean", "/apps", "keep only the active and previous versions"))
    return state, steps


def install(device, bundle, provision=None, with_main=False, progress=None):
    """Install ``bundle`` atomically; returns a summary dict.  Safe to re-run after any failure."""
    report = progress or (lambda *a: None)
    state, steps = plan(device, bundle, provision)
    base = "/apps/" + bundle.version
    uploads = [s for s in steps if s.action == "upload"]
    total = sum(s.size for s in uploads)
    done = 0
    by_path = dict((base + "/" + f.path, f) for f in bundle.files)
    made = set()
    for step in uploads:
        folder = step.path.rsplit("/", 1)[0]
        if folder not in made:
            device.makedirs(folder)
            made.add(folder)
        device.write_file(step.path, by_path[step.path].data)
        done += step.size
        report("upload", done, total, step.path)

    # Every file, uploaded now or earlier, is checked on the device before the version counts.
    for index, f in enumerate(bundle.files):
        actual = device.sha256(base + "/" + f.path)
        if actual != f.sha256:
            raise StorageError("%s/%s: SHA-256 on the device is %s, expected %s" % (base, f.path, actual, f.sha256))
        report("verify", index + 1, len(bundle.files), f.path)
    _atomic_write(device, base + "/MANIFEST", bundle.manifest_text().encode())

    if provision:
        device.makedirs("/config")
        public = dict((k, v) for k, v in provision.items() if k not in ("key", "gateway"))  # gateway: deploy's plan
        _atomic_write(device, "/config/device.json", json.dumps(public, sort_keys=True).encode())
        key = provision.get("key")
        if key is not None and device.sha256("/config/key.bin") != _sha(key):
            # A new key: the marker first (the kiosk starts a new journal for the key it names), then the key.
            # A board that already holds this key keeps its journal: its counter goes on.
            _atomic_write(device, "/config/key.fresh", _sha(key).encode())
            _atomic_write(device, "/config/key.bin", key)
        report("provision", 1, 1, "/config")

    if device.sha256("/boot.py") != _sha(BOOT_PY):
        _atomic_write(device, "/boot.py", BOOT_PY.encode())
    if with_main and device.sha256("/main.py") != _sha(MAIN_PY):
        _atomic_write(device, "/main.py", MAIN_PY.encode())

    previous = state.previous
    if state.active != bundle.version:
        if state.active:
            _atomic_write(device, "/previous", state.active.encode())
            previous = state.active
        _atomic_write(device, "/active", bundle.version.encode())
        report("switch", 1, 1, bundle.version)

    removed = clean(device, keep=(bundle.version, previous))
    return {
        "version": bundle.version,
        "previous": previous,
        "files": len(bundle.files),
        "uploaded": len(uploads),
        "bytes_uploaded": total,
        "removed": removed,
    }


def clean(device, keep):
    removed = []
    for name in device.listdir("/apps"):
        if name not in keep:
            device.remove_tree("/apps/" + name)
            removed.append(name)
    return removed


def verify_version(device, version):
    """Check every file of an installed version against its MANIFEST; returns the list of problems."""
    manifest = device.read_text("/apps/%s/MANIFEST" % version)
    if manifest is None:
        return ["/apps/%s/MANIFEST missing: the version is incomplete" % version]
    problems = []
    for line in manifest.splitlines():
        sha, path = line.split(" ", 1)
        actual = device.sha256("/apps/%s/%s" % (version, path))
        if actual != sha:
            problems.append("%s: %s" % (path, "missing" if actual is None else "SHA-256 differs"))
    return problems


def booted_version(device):
    """Run the boot selector as the board would and return the version it selects (or None)."""
    out = device.exec(
        "try:\n exec(open('/boot.py').read())\n print(repr(LIB12333_VERSION))\nexcept OSError:\n print('None')\n"
    ).strip()
    return None if out == "None" else out.strip("'\"")


MAINTENANCE_FLAG = "/maintenance"

# Run on the device: which of our modules are frozen into its firmware, and their version.
_FROZEN_PROBE = """
import sys
_saved = sys.path[:]
_found = {}
sys.path[:] = ['.frozen']
for _name in ('lib12333', 'firmware', 'board'):
    _old = sys.modules.pop(_name, None)
    try:
        _m = __import__(_name)
        _found[_name] = getattr(_m, '__version__', '')
    except ImportError:
        pass
    sys.modules.pop(_name, None)
    if _old is not None:
        sys.modules[_name] = _old
sys.path[:] = _saved
print(repr(_found))
"""


def frozen_modules(device):
    """``{name: version}`` of lib12333, firmware and board frozen into the device's firmware."""
    import ast

    return ast.literal_eval(device.exec(_FROZEN_PROBE).strip())


def kiosk_running(device):
    """True when the kiosk application was running (its watchdog is armed until the next reset)."""
    return bool(device.eval("'firmware.main' in __import__('sys').modules"))


def set_maintenance(device, on):
    """Write or remove ``/maintenance``: while it exists firmware.main.run() starts nothing."""
    if on:
        device.write_file(MAINTENANCE_FLAG, b"lib12333 deploy\n")
    else:
        device.remove_tree(MAINTENANCE_FLAG)


def rollback(device):
    """Make the previous version active again (and the current one previous)."""
    state = DeviceState(device)
    if not state.previous:
        raise DeviceError("no previous version on the device to roll back to")
    problems = verify_version(device, state.previous)
    if problems:
        raise StorageError("previous version %s is damaged: %s" % (state.previous, "; ".join(problems[:3])))
    if state.active:
        _atomic_write(device, "/previous", state.active.encode())
    _atomic_write(device, "/active", state.previous.encode())
    return {"active": state.previous, "previous": state.active}


def _sha(data):
    import hashlib

    return hashlib.sha256(data.encode() if isinstance(data, str) else bytes(data)).hexdigest()
