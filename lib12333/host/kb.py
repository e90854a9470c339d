"""
Host side of the information library: load library files, merge, build the
on-device index, search.

``build_index(entries, names, region, day)`` turns merged entries into the two
files the kiosk reads with ``lib12333.library.index.KbIndex``; the layout is
specified in ``protocols/library/README.md``.
"""

import os
import struct

from lib12333.errors import StorageError, ValidationError
from lib12333.library import catref
from lib12333.library import index as fmt
from lib12333.library.entry import LEVELS, load_library
from lib12333.library.merge import merge

STARTER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "kb", "starter.json")


def load_file(path):
    """Read and validate a library JSON file; returns ``(entries, local_names)``."""
    from lib12333.host import jsonfile

    return load_library(jsonfile.load(path, "library file"))


def load_files(paths):
    entries = []
    names = {}
    for path in paths:
        got, local = load_file(path)
        entries.extend(got)
        names.update(local)
    return entries, names


def load_category_tables(paths):
    """Names of the local codes in category extension tables (``lib12333.category_ext`` format).

    Province and city tables are combined with ``category_ext.Tree`` so a city
    table is checked against its province table; returns ``{code: name}``.
    """
    from lib12333.categories import LEVEL_PROVINCE
    from lib12333.category_ext import Tree, load_extension

    provinces = {}
    cities = []
    for path in paths:
        with open(path, "rb") as f:
            ext = load_extension(f.read(), source=path)
        if ext.level == LEVEL_PROVINCE:
            provinces[ext.region[:2]] = ext
        else:
            cities.append(ext)
    names = {}
    for ext in provinces.values():
        Tree(ext)
        names.update(dict(ext.entries))
    for ext in cities:
        Tree(provinces.get(ext.region[:2]), ext)
        names.update(dict(ext.entries))
    return names


def unknown_local_codes(entries, names):
    """Entries whose local (6/8-digit) category has no name: ``[(key, level, region, code)]``."""
    out = []
    for e in entries:
        if len(e.category) > 4 and e.category not in names:
            out.append((e.key, e.level, e.region, e.category))
    return out


def category_name(code, names):
    if code in names:
        return names[code]
    name = catref.national_name(code)
    return name or ""


def _tree(entries):
    """Codes of the tree: every entry category and all its ancestors, sorted by (length, code)."""
    codes = set()
    for e in entries:
        c = e.category
        for n in range(2, len(c) + 1, 2):
            codes.add(c[:n])
    return sorted(codes, key=lambda c: (len(c), c))


def _s(text, what):
    raw = text.encode("utf-8")
    if len(raw) > 0xFFFF:
        raise ValidationError("text too long for the index", field=what, expected="at most 65535 bytes")
    return struct.pack(">H", len(raw)) + raw


def _record(e):
    values = (e.key, e.title, e.body, "\n".join(e.keywords), e.category, e.region, e.source_doc,
              e.source_date, e.valid_from or "", e.valid_to or "")
    out = b"".join(_s(values[i], fmt.RECORD_FIELDS[i]) for i in range(len(values)))
    out += struct.pack(">H", e.version)
    if len(out) > fmt.MAX_RECORD:
        raise ValidationError("entry " + e.key + " is too long for the kiosk index", field="body",
                              expected="at most " + str(fmt.MAX_RECORD) + " bytes per record")
    return out


def build_index(entries, names, region, day):
    """Bytes of ``(kb.idx, kb.dat)`` for already merged ``entries`` (one per key)."""
    seen = set()
    for e in entries:
        if e.key in seen:
            raise ValidationError("key " + e.key + " appears twice; merge first", field="key")
        seen.add(e.key)
    codes = _tree(entries)
    if len(codes) >= fmt.NONE or len(entries) >= fmt.NONE:
        raise ValidationError("library too large for the index", field="entries", expected="fewer than 65535")
    pos = {c: i for i, c in enumerate(codes)}
    ordered = sorted(entries, key=lambda e: (pos[e.category], e.key))
    # data file
    dat = bytearray(fmt.DAT_MAGIC + bytes([fmt.FORMAT_VERSION, 0, 0, 0]))
    ent_table = bytearray()
    first_entry = {}
    count_entry = {}
    for n, e in enumerate(ordered):
        rec = _record(e)
        ci = pos[e.category]
        first_entry.setdefault(ci, n)
        count_entry[ci] = count_entry.get(ci, 0) + 1
        ent_table += struct.pack(fmt.ENT_FMT, ci, LEVELS.index(e.level), ("qa", "policy", "procedure").index(e.kind),
                                 len(dat), len(rec))
        dat += rec
    # category table and name pool
    pool = bytearray()
    cat_table = bytearray()
    for i, code in enumerate(codes):
        parent = pos[code[:-2]] if len(code) > 2 else fmt.NONE
        kids = [pos[c] for c in codes if len(c) == len(code) + 2 and c.startswith(code)]
        name = category_name(code, names).encode("utf-8")
        if len(name) > 0xFFFF:
            raise ValidationError("category name too long", field="categories")
        cat_table += struct.pack(fmt.CAT_FMT, code.encode("ascii"), parent, kids[0] if kids else 0, len(kids),
                                 first_entry.get(i, 0), count_entry.get(i, 0), len(pool), len(name))
        pool += name
    region_b = (region or "000000").encode("ascii")
    if len(region_b) != 6:
        raise ValidationError("region must be 6 digits", field="region")
    as_of = int(day.replace("-", ""))
    header = struct.pack(fmt.HEADER_FMT, fmt.IDX_MAGIC, fmt.FORMAT_VERSION, 0, len(codes), len(ordered), 0,
                         region_b, as_of, len(pool), len(dat), 0)
    return bytes(header + cat_table + ent_table + pool), bytes(dat)


def build_from_files(paths, region, day):
    """Load, merge and build; returns ``(idx, dat, merge_result)``."""
    entries, names = load_files(paths)
    result = merge(entries, region, day)
    idx, dat = build_index(result.entries, names, region, day)
    return idx, dat, result


def write_index(directory, idx, dat, name="kb"):
    """Write ``<name>.idx`` and ``<name>.dat`` atomically (temp file + fsync + rename)."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for ext, data in (("dat", dat), ("idx", idx)):
        path = os.path.join(directory, name + "." + ext)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        paths.append(path)
    return paths


def open_index(directory, name="kb"):
    """Open a built index with the core reader (files stay open; close ``idx.\\_idx`` etc. yourself)."""
    from lib12333.library.index import KbIndex

    idx = open(os.path.join(directory, name + ".idx"), "rb")
    dat = open(os.path.join(directory, name + ".dat"), "rb")
    try:
        return KbIndex(idx, dat), (idx, dat)
    except StorageError:
        idx.close()
        dat.close()
        raise
