"""
Reader for the on-device library index (``kb.idx`` + ``kb.dat``).

The kiosk keeps the merged library for its region as two files on flash: the
index (header, category tree, entry table, category-name pool) and the data file
(one record per entry).  ``KbIndex`` reads them through file objects with
``seek``/``read`` and never loads either file whole: browsing reads one
24-byte category record or one 12-byte entry record at a time, and showing an
entry reads exactly that entry's record.  The format is defined normatively in
``protocols/library/README.md`` (construct definition in
``protocols/library/kb_index.py``); the host builder is ``lib12333.host.kb``.

Every read is bounds-checked: a truncated or corrupt file raises
``StorageError`` naming the record, never an IndexError or struct.error.
"""

import struct

from lib12333.compat import const
from lib12333.errors import StorageError

IDX_MAGIC = b"L12K"
DAT_MAGIC = b"L12D"
FORMAT_VERSION = const(1)
HEADER_SIZE = const(32)
DAT_HEADER_SIZE = const(8)
CAT_SIZE = const(24)
ENT_SIZE = const(12)
NONE = const(0xFFFF)
MAX_RECORD = const(16384)

HEADER_FMT = ">4sBBHHH6sIIIH"
CAT_FMT = ">8sHHHHHIH"
ENT_FMT = ">HBBII"

LEVEL_NAMES = ("national", "provincial", "city")
KIND_NAMES = ("qa", "policy", "procedure")
RECORD_FIELDS = ("key", "title", "body", "keywords", "category", "region", "source_doc", "source_date",
                 "valid_from", "valid_to")


def _decode(raw, what):
    try:
        return raw.decode("utf-8")
    except UnicodeError:
        raise StorageError(what + ": text is not UTF-8")  # noqa: B904 (no chaining on MicroPython)


class Category:
    """One node of the category tree as stored in the index."""

    __slots__ = ("index", "code", "name", "parent", "first_child", "child_count", "first_entry", "entry_count")

    def __init__(self, index, code, name, parent, first_child, child_count, first_entry, entry_count):
        self.index = index
        self.code = code
        self.name = name
        self.parent = parent
        self.first_child = first_child
        self.child_count = child_count
        self.first_entry = first_entry
        self.entry_count = entry_count

    def __repr__(self):
        return "Category(" + self.code + " " + self.name + ")"


class KbIndex:
    """Browse the category tree and read entries from ``idx`` and ``dat`` file objects."""

    def __init__(self, idx, dat):
        self._idx = idx
        self._dat = dat
        head = self._read(idx, 0, HEADER_SIZE, "index header")
        magic, version, _flags, ncat, nent, _r1, region, as_of, pool, dsize, _r2 = struct.unpack(HEADER_FMT, head)
        if magic != IDX_MAGIC:
            raise StorageError("index header: bad magic; not a lib12333 library index")
        if version != FORMAT_VERSION:
            raise StorageError("index header: unsupported format version " + str(version))
        self.category_count = ncat
        self.entry_count = nent
        self.region = _decode(region, "index header region")
        if self.region == "000000":
            self.region = ""
        self.as_of = as_of
        self._cat_at = HEADER_SIZE
        self._ent_at = HEADER_SIZE + ncat * CAT_SIZE
        self._pool_at = self._ent_at + nent * ENT_SIZE
        self._pool_size = pool
        self._dat_size = dsize
        size = idx.seek(0, 2)
        if size != self._pool_at + pool:
            raise StorageError("index: file is " + str(size) + " bytes, header says " + str(self._pool_at + pool))
        dsize_real = dat.seek(0, 2)
        if dsize_real != dsize:
            raise StorageError("data file: " + str(dsize_real) + " bytes, index says " + str(dsize))
        dhead = self._read(dat, 0, DAT_HEADER_SIZE, "data header")
        if dhead[0:4] != DAT_MAGIC or dhead[4] != FORMAT_VERSION:
            raise StorageError("data header: bad magic or version")

    @staticmethod
    def _read(f, offset, size, what):
        f.seek(offset)
        raw = f.read(size)
        if raw is None or len(raw) != size:
            raise StorageError(what + ": truncated at offset " + str(offset))
        return raw

    # ------------------------------------------------------------ categories

    def category(self, i):
        """The category record number ``i`` (0-based)."""
        if not 0 <= i < self.category_count:
            raise StorageError("category " + str(i) + " out of range")
        raw = self._read(self._idx, self._cat_at + i * CAT_SIZE, CAT_SIZE, "category " + str(i))
        code, parent, fch, nch, fen, nen, noff, nlen = struct.unpack(CAT_FMT, raw)
        end = code.find(b"\x00")
        if end >= 0:
            code = code[:end]
        code = _decode(code, "category code")
        if parent != NONE and parent >= self.category_count:
            raise StorageError("category " + str(i) + ": parent out of range")
        if nch and fch + nch > self.category_count:
            raise StorageError("category " + str(i) + ": children out of range")
        if nen and fen + nen > self.entry_count:
            raise StorageError("category " + str(i) + ": entries out of range")
        if noff + nlen > self._pool_size:
            raise StorageError("category " + str(i) + ": name out of range")
        name = _decode(self._read(self._idx, self._pool_at + noff, nlen, "category name"), "category name")
        return Category(i, code, name, parent, fch, nch, fen, nen)

    def top(self):
        """The top-level categories (2-digit classes), in code order."""
        out = []
        for i in range(self.category_count):
            c = self.category(i)
            if c.parent != NONE:
                break
            out.append(c)
        return out

    def children(self, cat):
        return [self.category(cat.first_child + k) for k in range(cat.child_count)]

    def find_category(self, code):
        """Binary search by (length, code); returns a ``Category`` or None."""
        want = (len(code), code)
        lo = 0
        hi = self.category_count
        while lo < hi:
            mid = (lo + hi) // 2
            raw = self._read(self._idx, self._cat_at + mid * CAT_SIZE, 8, "category " + str(mid))
            end = raw.find(b"\x00")
            c = _decode(raw[:end] if end >= 0 else raw, "category code")
            have = (len(c), c)
            if have == want:
                return self.category(mid)
            if have < want:
                lo = mid + 1
            else:
                hi = mid
        return None

    # --------------------------------------------------------------- entries

    def _entry_record(self, n):
        if not 0 <= n < self.entry_count:
            raise StorageError("entry " + str(n) + " out of range")
        raw = self._read(self._idx, self._ent_at + n * ENT_SIZE, ENT_SIZE, "entry " + str(n))
        cat, level, kind, off, length = struct.unpack(ENT_FMT, raw)
        if cat >= self.category_count or level > 2 or kind > 2:
            raise StorageError("entry " + str(n) + ": bad category, level or kind")
        if off < DAT_HEADER_SIZE or length > MAX_RECORD or off + length > self._dat_size:
            raise StorageError("entry " + str(n) + ": record outside the data file")
        return cat, level, kind, off, length

    def _strings(self, off, length, count, n):
        """Read ``count`` u16-length-prefixed strings starting at ``off`` within ``length`` bytes."""
        self._dat.seek(off)
        out = []
        used = 0
        for _ in range(count):
            if used + 2 > length:
                raise StorageError("entry " + str(n) + ": record truncated")
            raw = self._dat.read(2)
            if raw is None or len(raw) != 2:
                raise StorageError("entry " + str(n) + ": data file truncated")
            size = (raw[0] << 8) | raw[1]
            used += 2
            if used + size > length:
                raise StorageError("entry " + str(n) + ": string overruns its record")
            raw = self._dat.read(size)
            if raw is None or len(raw) != size:
                raise StorageError("entry " + str(n) + ": data file truncated")
            used += size
            out.append(_decode(raw, "entry " + str(n)))
        return out, used

    def title(self, n):
        """``(key, title)`` of entry ``n`` without reading its body."""
        _c, _l, _k, off, length = self._entry_record(n)
        pair, _used = self._strings(off, length, 2, n)
        return pair[0], pair[1]

    def titles(self, cat):
        """``[(entry_no, key, title)]`` for the entries filed directly under ``cat``."""
        out = []
        for k in range(cat.entry_count):
            n = cat.first_entry + k
            key, title = self.title(n)
            out.append((n, key, title))
        return out

    def entry(self, n):
        """Entry ``n`` as a dict with the fields of ``lib12333.library.entry``."""
        cat, level, kind, off, length = self._entry_record(n)
        values, used = self._strings(off, length, len(RECORD_FIELDS), n)
        if used + 2 != length:
            raise StorageError("entry " + str(n) + ": record length mismatch")
        raw = self._dat.read(2)
        if raw is None or len(raw) != 2:
            raise StorageError("entry " + str(n) + ": data file truncated")
        out = {}
        for i in range(len(RECORD_FIELDS)):
            out[RECORD_FIELDS[i]] = values[i]
        out["keywords"] = out["keywords"].split("\n") if out["keywords"] else []
        for name in ("valid_from", "valid_to"):
            if out[name] == "":
                out[name] = None
        out["version"] = (raw[0] << 8) | raw[1]
        out["level"] = LEVEL_NAMES[level]
        out["kind"] = KIND_NAMES[kind]
        out["category_index"] = cat
        return out

    def find_key(self, key):
        """Entry number of ``key`` (linear scan reading keys only), or None."""
        for n in range(self.entry_count):
            _c, _l, _k, off, length = self._entry_record(n)
            got, _used = self._strings(off, length, 1, n)
            if got[0] == key:
                return n
        return None
