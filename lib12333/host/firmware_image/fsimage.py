"""
``lib12333 firmware fs``: the kiosk's data as a LittleFS image for the board's file-system area.

The code image holds only code (the RP2040's code area ends at 640 KiB); the GBK table,
the other ``lib12333/data`` files, the information library and the configuration live
on the file system.  The image's files are exactly what ``lib12333 deploy --skip-frozen``
would write to a board with the frozen firmware -- the same installer runs here against
a folder (``FolderDevice``) -- plus ``/main.py`` that starts the kiosk, the library
index in the board's storage folder and, optionally, the device configuration.

Flash it with the code image (``picotool load``, or a debug probe), or load it at the
file system's offset in an emulator (``lib12333.host.firmware_image.rp2040``).
"""

import hashlib
import os
import shutil
import tempfile

from lib12333.host.deploy.device import SerialDevice
from lib12333.host.firmware_image import build as build_mod

# MicroPython's rp2 port mounts its flash as LittleFS v2 with 4 KiB erase blocks and 256-byte pages.
BLOCK_SIZE = 4096
PROG_SIZE = 256
READ_SIZE = 32
FROZEN = ("lib12333", "firmware", "board")


class FolderDevice(SerialDevice):
    """A board's file system as a local folder, so the deploy installer can fill it."""

    def __init__(self, folder):
        self.folder = folder
        self.port = folder

    def _local(self, path):
        return os.path.join(self.folder, path.lstrip("/"))

    def write_file(self, path, data, chunk=None):
        local = self._local(path)
        os.makedirs(os.path.dirname(local), exist_ok=True)
        with open(local, "wb") as f:
            f.write(data)

    def sha256(self, path):
        try:
            with open(self._local(path), "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        except OSError:
            return None

    def read_text(self, path):
        try:
            with open(self._local(path), encoding="utf-8") as f:
                return f.read()
        except OSError:
            return None

    def makedirs(self, path):
        os.makedirs(self._local(path), exist_ok=True)

    def listdir(self, path):
        try:
            return sorted(os.listdir(self._local(path)))
        except OSError:
            return []

    def rename(self, old, new):
        os.replace(self._local(old), self._local(new))

    def remove_tree(self, path):
        local = self._local(path)
        if os.path.isdir(local):
            shutil.rmtree(local)
        elif os.path.exists(local):
            os.remove(local)

    def close(self):
        pass


def stage(folder, board_name, provision=None, library=None, storage="/data", progress=None):
    """Fill ``folder`` with the board's file system: data files, boot selector, main.py, config, library."""
    from lib12333.host.deploy import bundle as bundle_mod
    from lib12333.host.deploy import installer

    board = bundle_mod.load_board(board_name)
    bundle = bundle_mod.build(board=board, compile_py=False, frozen=FROZEN)
    device = FolderDevice(folder)
    summary = installer.install(device, bundle, provision, with_main=True,
                                progress=(lambda phase, done, total, item: progress("[%s] %s" % (phase, item)))
                                if progress else None)
    device.makedirs(storage)
    if library is not None:
        idx, dat = library
        device.write_file(storage + "/kb.idx", idx)
        device.write_file(storage + "/kb.dat", dat)
    return summary


def pack(folder, image_path, fs_size):
    """Write the folder as a LittleFS v2 image of ``fs_size`` bytes (the board's file-system area)."""
    import littlefs

    fs = littlefs.LittleFS(block_size=BLOCK_SIZE, block_count=fs_size // BLOCK_SIZE, prog_size=PROG_SIZE,
                           read_size=READ_SIZE)
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        rel = os.path.relpath(top, folder)
        target = "/" if rel == "." else "/" + rel.replace(os.sep, "/")
        if target != "/":
            fs.mkdir(target)
        for name in sorted(files):
            with open(os.path.join(top, name), "rb") as src, fs.open(target.rstrip("/") + "/" + name, "wb") as dst:
                dst.write(src.read())
    with open(image_path, "wb") as f:
        f.write(fs.context.buffer)
    return image_path


def unpack(image_path, fs_size):
    """``{path: bytes}`` of every file in a LittleFS image (to check what an image or a board holds)."""
    import littlefs

    with open(image_path, "rb") as f:
        data = f.read()
    fs = littlefs.LittleFS(block_size=BLOCK_SIZE, block_count=fs_size // BLOCK_SIZE, prog_size=PROG_SIZE,
                           read_size=READ_SIZE, mount=False)
    fs.context.buffer = bytearray(data)
    fs.mount()
    found = {}
    for top, _dirs, files in fs.walk("/"):
        for name in files:
            path = top.rstrip("/") + "/" + name
            with fs.open(path, "rb") as f:
                found[path] = f.read()
    return found


def build_fs(board_name, out_path, provision=None, library=None, progress=None):
    """Stage and pack the file system of ``board_name``; returns a summary."""
    settings = build_mod.board_settings(board_name)
    if "fs_size" not in settings:
        raise build_mod.ConfigError("this board has no flash file system", item=board_name,
                                    expected=", ".join(b for b, s in sorted(build_mod.BOARDS.items()) if "fs_size" in s))
    with tempfile.TemporaryDirectory(prefix="lib12333-fs-") as folder:
        summary = stage(folder, board_name, provision, library, progress=progress)
        files = []
        total = 0
        for top, _dirs, names in os.walk(folder):
            for name in names:
                size = os.path.getsize(os.path.join(top, name))
                files.append("/" + os.path.relpath(os.path.join(top, name), folder).replace(os.sep, "/"))
                total += size
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        pack(folder, out_path, settings["fs_size"])
    return {"board": board_name, "image": out_path, "image_bytes": settings["fs_size"], "fs_offset": settings["fs_offset"],
            "files": len(files), "file_bytes": total, "version": summary["version"],
            "provisioned": bool(provision)}


def site_provision(device_id, key, site):
    """The ``provision`` dict of the deploy installer."""
    return {"device_id": int(device_id), "site": dict(site), "key": key}
