"""
The journal's byte store on a file system (flash on a board, a folder on a PC).

Implements the store interface of ``lib12333.storage`` (size, read, append, sync,
reset) with one file, for MicroPython and CPython alike: ``open`` and ``os.stat``;
``os.fsync`` on CPython, ``os.sync`` on MicroPython ports that have it.  It is the
firmware's part because it does I/O; the core only defines the interface.
"""

from lib12333.errors import StorageError


class FileStore:
    """A store kept in the file at ``path`` (created on first append)."""

    def __init__(self, path):
        self.path = path
        self._f = None

    def size(self):
        import os

        if self._f is not None:
            self._f.flush()
        try:
            return os.stat(self.path)[6]
        except OSError:
            return 0

    def read(self, offset, n):
        if self._f is not None:
            self._f.flush()
        try:
            f = open(self.path, "rb")
        except OSError:
            return b""
        try:
            f.seek(offset)
            return f.read(n)
        finally:
            f.close()

    def append(self, data):
        if self._f is None:
            try:
                self._f = open(self.path, "ab")
            except OSError as e:
                raise StorageError("cannot open journal file for append: " + str(e))  # noqa: B904
        self._f.write(data)

    def sync(self):
        import os

        if self._f is None:
            return
        self._f.flush()
        fsync = getattr(os, "fsync", None)
        if fsync is not None:
            fsync(self._f.fileno())
        else:
            sync = getattr(os, "sync", None)
            if sync is not None:
                sync()

    def reset(self):
        self.close()
        f = open(self.path, "wb")
        f.close()

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None
