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
- ``firmware.filestore.FileStore``: one file on flash.  It does I/O, so it lives with the
  firmware, outside the sans-IO core.
"""



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
