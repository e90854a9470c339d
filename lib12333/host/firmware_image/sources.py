"""
Where the MicroPython sources, the toolchain and the build cache are.

The sources are MicroPython at the pinned tag (``PINNED``) with its submodules, given
as a folder (a ``git clone --branch v1.28.0`` with ``git submodule update --init``
done) or as the vendored tarball.  Order: the ``--micropython`` option, the
``LIB12333_MICROPYTHON`` environment variable, then ``../shared/vendor/`` beside the
project (the offline copy CI keeps next to its clone).

A tarball is unpacked once into the cache, in a folder named by its SHA-256, so the
port's build folders stay warm between runs and between clones on one machine.
"""

import hashlib
import os
import re
import shutil
import subprocess
import tarfile

from lib12333.errors import ConfigError, DeviceError

PINNED = "1.28.0"
TARBALL = "micropython-%s-src.tar.xz" % PINNED
ENV_SOURCES = "LIB12333_MICROPYTHON"
ENV_CACHE = "LIB12333_CACHE"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# tool -> the Debian package that provides it (what a technician installs)
TOOLS = {
    "arm-none-eabi-gcc": "gcc-arm-none-eabi",
    "cmake": "cmake",
    "make": "make",
    "qemu-system-arm": "qemu-system-arm",
    "node": "nodejs",
}
# files that come from packages without a program of their own
NEWLIB_HEADER = "newlib.h"
CXX_HEADER = "cstdlib"


def stop_process(proc, streams=()):
    """End an emulator we started (terminate, then kill if it lingers) and close its pipes."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for stream in streams:
        if stream is not None:
            stream.close()


def vendor_dir(root=ROOT):
    """``../shared/vendor`` beside the project (a git worktree one level deeper finds it too)."""
    folder = os.path.dirname(os.path.abspath(root))
    for _ in range(3):
        candidate = os.path.join(folder, "shared", "vendor")
        if os.path.isdir(candidate):
            return candidate
        folder = os.path.dirname(folder)
    return os.path.normpath(os.path.join(root, "..", "shared", "vendor"))


def cache_root():
    """``$LIB12333_CACHE``, else ``$XDG_CACHE_HOME/lib12333``, else ``~/.cache/lib12333``."""
    explicit = os.environ.get(ENV_CACHE)
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lib12333")


def require_tool(name):
    """Path of a build tool; a missing one raises an error naming its Debian package."""
    path = shutil.which(name)
    if path is None:
        raise DeviceError("%s not found: install the Debian package %s (apt-get install %s)"
                          % (name, TOOLS[name], TOOLS[name]), code="missing-tool")
    return path


def require_arm_toolchain():
    """The Arm GCC with newlib and its C++ headers (pico-sdk compiles one C++ file)."""
    gcc = require_tool("arm-none-eabi-gcc")
    checks = ((NEWLIB_HEADER, "c", "libnewlib-arm-none-eabi"), (CXX_HEADER, "c++", "libstdc++-arm-none-eabi-newlib"))
    for header, lang, package in checks:
        probe = subprocess.run([gcc, "-x", lang, "-E", "-"], input="#include <%s>\n" % header,
                               capture_output=True, text=True)
        if probe.returncode != 0:
            raise DeviceError("the Arm toolchain has no <%s>: install the Debian package %s (apt-get install %s)"
                              % (header, package, package), code="missing-tool")
    version = subprocess.run([gcc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return version


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def micropython_version(tree):
    """"1.28.0" from ``py/mpconfig.h`` of a source tree."""
    path = os.path.join(tree, "py", "mpconfig.h")
    try:
        with open(path) as f:
            text = f.read()
    except OSError as exc:
        raise ConfigError("not a MicroPython source tree (no py/mpconfig.h)", source=tree) from exc
    parts = [re.search(r"#define MICROPY_VERSION_%s (\d+)" % p, text) for p in ("MAJOR", "MINOR", "MICRO")]
    if None in parts:
        raise ConfigError("no MICROPY_VERSION in py/mpconfig.h", source=path)
    return ".".join(m.group(1) for m in parts)


class Sources:
    """An unpacked MicroPython tree and the identity that goes into the build's input hash."""

    def __init__(self, tree, identity, origin):
        self.tree = tree
        self.identity = identity
        self.origin = origin
        self.version = micropython_version(tree)
        if self.version != PINNED:
            raise ConfigError("MicroPython %s found, lib12333 images are built from v%s" % (self.version, PINNED),
                              source=tree, expected="a checkout of tag v%s with submodules" % PINNED)
        for sub in ("lib/pico-sdk/src", "lib/tinyusb/src"):
            if not os.path.isdir(os.path.join(tree, sub)):
                raise ConfigError("submodule %s is empty" % sub, source=tree,
                                  expected="git submodule update --init (in ports/rp2: make submodules)")

    def short_id(self):
        """12 characters naming the work folders built from these sources."""
        if self.identity.startswith("tarball:"):
            return self.identity[len("tarball:"):][:12]
        return hashlib.sha256(self.identity.encode()).hexdigest()[:12]


def locate(option=None, root=ROOT, progress=None):
    """The sources to build from (see the module docstring for the order)."""
    given = option or os.environ.get(ENV_SOURCES)
    if not given:
        given = os.path.join(vendor_dir(root), TARBALL)
        if not os.path.exists(given):
            raise ConfigError("no MicroPython sources", source=given,
                              expected="--micropython DIR_OR_TARBALL, $%s, or the vendored tarball" % ENV_SOURCES)
    given = os.path.abspath(given)
    if os.path.isdir(given):
        tree = given
        if os.path.isdir(os.path.join(given, "micropython", "py")):
            tree = os.path.join(given, "micropython")
        head = subprocess.run(["git", "-C", tree, "rev-parse", "HEAD"], capture_output=True, text=True)
        identity = "tree:%s:%s" % (tree, head.stdout.strip() if head.returncode == 0 else "no-git")
        return Sources(tree, identity, tree)
    if not os.path.isfile(given):
        raise ConfigError("no such file or folder", source=given, expected="MicroPython sources")
    return Sources(unpack(given, progress), "tarball:" + file_sha256(given), given)


def unpack(tarball, progress=None):
    """Unpack ``tarball`` into the cache once; returns the ``micropython`` folder inside."""
    digest = file_sha256(tarball)[:12]
    target = os.path.join(cache_root(), "firmware", "src-" + digest)
    tree = os.path.join(target, "micropython")
    if os.path.isfile(os.path.join(tree, "py", "mpconfig.h")):
        return tree
    if progress:
        progress("unpacking %s into %s" % (os.path.basename(tarball), target))
    partial = target + ".partial-%d" % os.getpid()
    os.makedirs(partial)
    try:
        with tarfile.open(tarball) as tar:
            tar.extractall(partial, filter="data")
        os.replace(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return tree
