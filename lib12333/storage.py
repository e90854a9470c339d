"""
Byte stores for the journal: the tiny interface and two implementations.

A store is one append-only byte sequence.  The journal (lib12333.journal) uses
two of them and needs only these five methods::

    size()               -> int, current length in bytes
    read(offset, n)      -> bytes, up to n bytes from offset (shorter at the end)
    append(data)         add bytes at the end
    sync()               make everything appended so far durable (flush + fsync)
    reset()              truncate to length 0 (durable when it returns)

Nothing is ever overwritten in place, so a store maps onto any flash file
system (LittleFS, FAT) and onto a raw flash partition with an erase-on-reset.

- ``MemoryStore``: bytes in RAM; for tests and for devices without a file system
  (the data is gone at power-off).
- ``FileStore``: one file, for CPython and MicroPython alike (``open``, ``os.stat``;
  ``os.fsync`` on CPython, ``os.sync`` on MicroPython ports that have it).
"""

from lib12333.errors import StorageError


class MemoryStore:
    def __init__(self, data=b""):
        self.data = bytearray(data)

    def size(self):
        return len(self.data)

    def read(self, offset, n):
        return bytes(self.data[offset : offset + n])

    def append(self, data):
        self.data.extend(data)

    def sync(self):
        pass

    def reset(self):
        self.data = bytearray()


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
