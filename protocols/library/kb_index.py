"""
Normative definition of the on-device library index, written with ``construct``.

Two files: ``<name>.idx`` (``IndexFile``) and ``<name>.dat`` (``DataFile``).  The
prose specification is ``README.md`` next to this file; where the two disagree,
this file wins.  The core reader is ``lib12333/library/index.py`` and the host
builder ``lib12333/host/kb.py``; ``tests/host/test_library_format.py`` proves all
three agree byte for byte.
"""

from construct import (
    Array,
    Bytes,
    Const,
    Enum,
    GreedyRange,
    Int8ub,
    Int16ub,
    Int32ub,
    PaddedString,
    PascalString,
    Struct,
    Terminated,
    this,
)

LEVEL = Enum(Int8ub, national=0, provincial=1, city=2)
KIND = Enum(Int8ub, qa=0, policy=1, procedure=2)
NO_PARENT = 0xFFFF

Header = Struct(
    "magic" / Const(b"L12K"),
    "format_version" / Const(1, Int8ub),
    "flags" / Const(0, Int8ub),
    "category_count" / Int16ub,
    "entry_count" / Int16ub,
    "reserved1" / Const(0, Int16ub),
    "region" / PaddedString(6, "ascii"),  # 6-digit division code, "000000" = national only
    "as_of" / Int32ub,  # the merge date as the integer YYYYMMDD
    "pool_size" / Int32ub,  # bytes of the category-name pool at the end of the index
    "data_size" / Int32ub,  # exact size of the .dat file
    "reserved2" / Const(0, Int16ub),
)

CategoryRecord = Struct(
    "code" / PaddedString(8, "ascii"),  # 2, 4, 6 or 8 digits, NUL padded
    "parent" / Int16ub,  # record number of the parent, 0xFFFF for a class
    "first_child" / Int16ub,
    "child_count" / Int16ub,
    "first_entry" / Int16ub,
    "entry_count" / Int16ub,
    "name_offset" / Int32ub,  # into the name pool
    "name_length" / Int16ub,  # UTF-8 bytes
)

EntryRecord = Struct(
    "category" / Int16ub,  # record number in the category table
    "level" / LEVEL,
    "kind" / KIND,
    "offset" / Int32ub,  # byte offset of the DataRecord in the .dat file
    "length" / Int32ub,  # its length in bytes, at most 16384
)

IndexFile = Struct(
    "header" / Header,
    "categories" / Array(this.header.category_count, CategoryRecord),
    "entries" / Array(this.header.entry_count, EntryRecord),
    "names" / Bytes(this.header.pool_size),
    Terminated,
)

Text = PascalString(Int16ub, "utf8")

DataRecord = Struct(
    "key" / Text,
    "title" / Text,
    "body" / Text,
    "keywords" / Text,  # joined with "\n"
    "category" / Text,
    "region" / Text,  # "" for national entries
    "source_doc" / Text,  # canonical 〔〕 form
    "source_date" / Text,  # ISO YYYY-MM-DD
    "valid_from" / Text,  # ISO or ""
    "valid_to" / Text,  # ISO or ""
    "version" / Int16ub,
)

DataFile = Struct(
    "magic" / Const(b"L12D"),
    "format_version" / Const(1, Int8ub),
    "reserved" / Const(b"\x00\x00\x00"),
    "records" / GreedyRange(DataRecord),
    Terminated,
)
