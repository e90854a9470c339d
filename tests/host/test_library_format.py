"""The construct definition, the host builder and the core reader agree on the index format."""

import importlib.util
import io
import os

import pytest
from construct import ConstructError

from lib12333.errors import StorageError
from lib12333.host import kb
from lib12333.library.entry import Entry
from lib12333.library.index import KbIndex

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VEC = os.path.join(ROOT, "protocols", "library", "vectors", "starter-330100")


def load_format():
    spec = importlib.util.spec_from_file_location("kb_index_format",
                                                  os.path.join(ROOT, "protocols", "library", "kb_index.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


F = load_format()


def read(ext):
    with open(VEC + "." + ext, "rb") as f:
        return f.read()


def test_vectors_are_what_the_builder_writes_today():
    idx, dat, result = kb.build_from_files([kb.STARTER], "330100", "2013-03-01")
    assert (idx, dat) == (read("idx"), read("dat")), "re-run the command in protocols/library/vectors/SOURCES.md"
    assert len(result.entries) == 33 and result.expired == 1 and result.overridden == 2


def test_construct_parses_builder_output_and_rebuilds_it():
    idx, dat = read("idx"), read("dat")
    pi = F.IndexFile.parse(idx)
    pd = F.DataFile.parse(dat)
    assert F.IndexFile.build(pi) == idx
    assert F.DataFile.build(pd) == dat
    assert pi.header.region == "330100" and pi.header.as_of == 20130301
    assert pi.header.data_size == len(dat)
    assert len(pd.records) == pi.header.entry_count == 33
    # entry records point exactly at the data records, in order
    offset = 8
    for ent, rec in zip(pi.entries, pd.records):
        assert ent.offset == offset
        assert ent.length == len(F.DataRecord.build(rec))
        offset += ent.length
        cat = pi.categories[ent.category]
        assert rec.category == cat.code
    # tree shape: sorted by (length, code), parents are prefixes, children contiguous
    codes = [c.code for c in pi.categories]
    assert codes == sorted(codes, key=lambda c: (len(c), c))
    for c in pi.categories:
        if c.parent == F.NO_PARENT:
            assert len(c.code) == 2
        else:
            assert c.code[:-2] == codes[c.parent]
        kids = codes[c.first_child:c.first_child + c.child_count]
        assert kids == [k for k in codes if len(k) == len(c.code) + 2 and k.startswith(c.code)]
        name = pi.names[c.name_offset:c.name_offset + c.name_length].decode("utf-8")
        assert name, c.code


def test_construct_built_files_are_read_by_the_core_reader():
    """The other direction: a file made only from the construct definition."""
    names = "社会保障卡临时挂失".encode("utf-8")
    rec = dict(key="k1", title="标题", body="正文", keywords="a\nb", category="250501", region="330000",
               source_doc="人社厅发〔2010〕92号", source_date="2010-10-12", valid_from="", valid_to="2014-01-01",
               version=7)
    rec_bytes = F.DataRecord.build(rec)
    dat = F.DataFile.build(dict(records=[rec]))
    cats = [
        dict(code="25", parent=F.NO_PARENT, first_child=1, child_count=1, first_entry=0, entry_count=0,
             name_offset=0, name_length=0),
        dict(code="2505", parent=0, first_child=2, child_count=1, first_entry=0, entry_count=0,
             name_offset=0, name_length=15),
        dict(code="250501", parent=1, first_child=0, child_count=0, first_entry=0, entry_count=1,
             name_offset=0, name_length=len(names)),
    ]
    ents = [dict(category=2, level="provincial", kind="procedure", offset=8, length=len(rec_bytes))]
    idx = F.IndexFile.build(dict(
        header=dict(category_count=3, entry_count=1, region="330000", as_of=20140101, pool_size=len(names),
                    data_size=len(dat)),
        categories=cats, entries=ents, names=names))
    r = KbIndex(io.BytesIO(idx), io.BytesIO(dat))
    assert r.region == "330000" and r.as_of == 20140101
    assert [c.code for c in r.top()] == ["25"]
    leaf = r.find_category("250501")
    assert leaf.name == "社会保障卡临时挂失"
    assert r.category(1).name == "社会保障卡"
    got = r.entry(0)
    assert got["level"] == "provincial" and got["kind"] == "procedure" and got["version"] == 7
    assert got["keywords"] == ["a", "b"] and got["valid_from"] is None and got["valid_to"] == "2014-01-01"
    assert r.titles(leaf) == [(0, "k1", "标题")]


def test_construct_rejects_what_the_reader_rejects():
    idx = read("idx")
    for bad in (b"X" + idx[1:], idx + b"\x00", idx[:-1]):
        with pytest.raises(ConstructError):
            F.IndexFile.parse(bad)
        with pytest.raises(StorageError):
            KbIndex(io.BytesIO(bad), io.BytesIO(read("dat")))


def test_builder_refuses_duplicate_keys_and_oversized_records():
    e = Entry.from_dict({"key": "a", "kind": "qa", "category": "2505", "level": "national", "title": "t",
                         "body": "长" * 6000, "source_doc": "人社厅发〔2010〕92号", "source_date": "2010-10-12"})
    from lib12333.errors import ValidationError

    with pytest.raises(ValidationError):
        kb.build_index([e], {}, "", "2013-01-01")  # 18000 bytes > 16384
    small = Entry.from_dict(dict(e.to_dict(), body="短"))
    with pytest.raises(ValidationError):
        kb.build_index([small, small], {}, "", "2013-01-01")
