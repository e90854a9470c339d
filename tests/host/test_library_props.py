"""Property tests and fuzzing: merge semantics, document numbers, Chinese dates, reference numbers,
library files, the index reader and search (issue #10)."""

import io
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import citizen_requests as R
from lib12333.errors import DecodeError, Lib12333Error, StorageError, ValidationError
from lib12333.host import kb
from lib12333.host.testing.library import (
    BRACKETS,
    dates,
    docnum_parts,
    iso_days,
    libraries,
    ref_args,
    regions,
)
from lib12333.library import docref as D
from lib12333.library.entry import Entry, load_library
from lib12333.library.index import KbIndex
from lib12333.library.merge import in_scope, merge
from lib12333.library.search import SearchIndex, tokens
from tests.hypothesis_profiles import examples

EXAMPLES = settings(max_examples=examples(200), deadline=None)
FUZZ = settings(max_examples=examples(400), deadline=None)


def snapshot(result):
    return [e.to_dict() for e in result.entries], [c.describe() for c in result.conflicts]


# ------------------------------------------------------------------ merge


@EXAMPLES
@given(libraries(), regions(), iso_days(), st.randoms(use_true_random=False))
def test_merge_is_order_independent(lib, region, day, rnd):
    shuffled = list(lib)
    rnd.shuffle(shuffled)
    assert snapshot(merge(lib, region, day)) == snapshot(merge(shuffled, region, day))


@EXAMPLES
@given(libraries(), regions(), iso_days())
def test_merge_picks_highest_level_then_version(lib, region, day):
    result = merge(lib, region, day)
    live = [e for e in lib if in_scope(e, region) and e.is_valid_on(day)]
    assert sorted(result.by_key()) == sorted({e.key for e in live})
    assert len(result.entries) == len(result.by_key())
    for e in result.entries:
        assert e.is_valid_on(day) and in_scope(e, region)
        same = [x for x in live if x.key == e.key]
        top_rank = max(x.rank() for x in same)
        assert e.rank() == top_rank
        assert e.version == max(x.version for x in same if x.rank() == top_rank)
    assert result.expired == len([e for e in lib if in_scope(e, region) and not e.is_valid_on(day)])


@EXAMPLES
@given(libraries(), regions(), iso_days())
def test_conflicts_exactly_when_same_version_differs(lib, region, day):
    result = merge(lib, region, day)
    live = [e for e in lib if in_scope(e, region) and e.is_valid_on(day)]
    expected = set()
    for e in live:
        top = max(x.version for x in live if x.key == e.key and x.rank() == e.rank())
        contents = {x.content() for x in live if x.key == e.key and x.rank() == e.rank() and x.version == top}
        if len(contents) > 1:
            expected.add((e.key, e.level))
    assert {(c.key, c.level) for c in result.conflicts} == expected
    for c in result.conflicts:
        assert c.kept.content() != c.other.content()


@EXAMPLES
@given(libraries(), regions(), iso_days())
def test_merge_is_idempotent_and_ignores_other_regions(lib, region, day):
    once = merge(lib, region, day)
    twice = merge(once.entries, region, day)
    assert snapshot(twice)[0] == snapshot(once)[0] and twice.conflicts == []
    foreign = Entry.from_dict({"key": "dial", "kind": "qa", "category": "2504", "level": "city",
                               "region": "510100", "title": "t", "body": "成都", "source_doc": "人社信息函〔2010〕52号",
                               "source_date": "2010-12-06", "version": 3})
    assert snapshot(merge(lib + [foreign], region, day)) == snapshot(once)


# ------------------------------------------------------------------ parsers: round trips


@EXAMPLES
@given(docnum_parts(), st.sampled_from(BRACKETS), st.sampled_from(("", " ", "\u3000")), st.booleans())
def test_docnum_round_trip(parts, brackets, space, wrap):
    doc = D.DocNumber(*parts)
    text = D.format_docnum(doc, brackets)
    if space:
        text = text.replace(brackets[1], brackets[1] + space)
    if wrap:
        text = "（" + text + "）"
    assert D.parse_docnum(text) == doc
    assert D.normalize_docnum(text) == D.format_docnum(doc)


@EXAMPLES
@given(dates(), st.sampled_from(("〇", "○", "零")))
def test_chinese_date_round_trip(date, zero):
    text = D.format_cn_date(*date, zero=zero)
    assert D.parse_cn_date(text) == date
    y, m, d = date
    assert D.parse_cn_date("%d年%d月%d日" % (y, m, d)) == date
    assert D.parse_iso_date(D.iso_date(date)) == date


@EXAMPLES
@given(ref_args())
def test_reference_round_trip_and_single_errors(args):
    ref = R.make_ref(*args)
    got = R.parse_ref(R.format_ref(ref))
    assert (got["kind"], got["centre"], got["device"], got["seq"]) == (args[0], args[1], args[2], args[4])
    assert got["day"] == args[3]
    i = random.Random(ref).randrange(1, 21)
    for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if ch != ref[i]:
            bad = ref[:i] + ch + ref[i + 1:]
            try:
                R.parse_ref(bad)
            except (DecodeError, ValidationError):
                continue
            raise AssertionError("undetected substitution")


# ------------------------------------------------------------------ parsers: fuzz


def mutate(rnd, text):
    chars = list(text)
    pool = "〔〕[]［］【】()（）号年月日十〇○零一二三九0123456789 \u3000人社X-"
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(3)
        pos = rnd.randrange(len(chars) + 1)
        if op == 0:
            chars.insert(pos, rnd.choice(pool))
        elif chars and op == 1:
            del chars[min(pos, len(chars) - 1)]
        elif chars:
            chars[min(pos, len(chars) - 1)] = rnd.choice(pool)
    return "".join(chars)


SEEDS = ("人社信息函〔2010〕52号", "（人社信息函[2012] 9号）", "二○一○年十月十二日", "二〇一三年十二月三十一日",
         "2013年2月25日", "2010-10-12", "T-330100-K01-130301-0007-7")
PARSERS = (D.parse_docnum, D.parse_cn_date, D.parse_iso_date, D.parse_any_date, R.parse_ref)


@FUZZ
@given(st.one_of(st.text(max_size=40), st.binary(max_size=10), st.integers(), st.none()))
def test_parsers_fuzz_random(value):
    for parse in PARSERS:
        try:
            parse(value)
        except Lib12333Error:
            pass


@FUZZ
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_parsers_fuzz_mutated(seed, rnd):
    text = mutate(rnd, seed)
    for parse in PARSERS:
        try:
            parse(text)
        except (DecodeError, ValidationError) as exc:
            assert isinstance(str(exc), str)


with open(kb.STARTER, encoding="utf-8") as _f:
    STARTER_DOC = json.load(_f)

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=20,
)


@FUZZ
@given(json_values, st.randoms(use_true_random=False))
def test_library_loader_fuzz(value, rnd):
    entry = dict(rnd.choice(STARTER_DOC["entries"]))
    entry[rnd.choice(list(entry))] = value
    for doc in (value, {"format": "lib12333-kb", "entries": [entry]}, {"format": "lib12333-kb", "entries": value,
                                                                         "categories": value}):
        try:
            load_library(doc)
        except Lib12333Error:
            pass




def _vectors():
    import os

    base = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "protocols", "library", "vectors", "starter-330100")
    return open(base + ".idx", "rb").read(), open(base + ".dat", "rb").read()


IDX, DAT = _vectors()


def walk(reader):
    """Browse everything the way a kiosk can; returns the number of entries read."""
    seen = 0
    stack = reader.top()
    while stack:
        cat = stack.pop()
        stack.extend(reader.children(cat))
        for n, _key, _title in reader.titles(cat):
            reader.entry(n)
            seen += 1
    for n in range(reader.entry_count):
        reader.entry(n)
    return seen


def test_walk_reads_every_entry_once():
    assert walk(KbIndex(io.BytesIO(IDX), io.BytesIO(DAT))) == 33


@FUZZ
@given(st.sampled_from(("idx", "dat")), st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)),
                                                  min_size=1, max_size=6), st.integers(0, 3))
def test_index_reader_fuzz_mutated(which, edits, cut):
    data = bytearray(IDX if which == "idx" else DAT)
    for pos, value in edits:
        data[pos % len(data)] = value
    if cut:
        data = data[: len(data) - cut]
    idx, dat = (bytes(data), DAT) if which == "idx" else (IDX, bytes(data))
    try:
        reader = KbIndex(io.BytesIO(idx), io.BytesIO(dat))
        # bounded: a corrupt tree may loop back, so limit the walk to the record count
        for i in range(reader.category_count):
            c = reader.category(i)
            reader.titles(c)
        for n in range(reader.entry_count):
            reader.entry(n)
            reader.find_key("x")
    except StorageError:
        pass


@FUZZ
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_index_reader_fuzz_random(idx, dat):
    try:
        KbIndex(io.BytesIO(b"L12K\x01" + idx), io.BytesIO(b"L12D\x01\x00\x00\x00" + dat))
    except StorageError:
        pass


# ------------------------------------------------------------------ search


STARTER_ENTRIES = merge(kb.load_file(kb.STARTER)[0], "330100", "2013-03-01").entries
SEARCH = SearchIndex(STARTER_ENTRIES)


def test_title_query_finds_its_entry_first_or_close():
    for e in STARTER_ENTRIES:
        top = [x.key for _s, x in SEARCH.search(e.title, 3)]
        assert e.key in top, (e.title, top)


@EXAMPLES
@given(st.text(max_size=30))
def test_search_never_fails_and_is_sorted(query):
    hits = SEARCH.search(query, 0)
    scores = [s for s, _e in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    if not tokens(query):
        assert hits == []


def test_tokens():
    assert tokens("社保卡挂失") == ["社保", "保卡", "卡挂", "挂失"]
    assert tokens("拨打０５７１－12333，SMS") == ["拨打", "0571", "12333", "sms"]
    assert tokens("卡，丢") == ["卡", "丢"]


def test_synonyms_reach_the_long_form():
    from lib12333.library.search import expand

    assert expand("社保卡丢了") == "社保卡丢了 社会保障卡"
    assert expand("社会保障卡") == "社会保障卡 社保卡"
    assert expand("12333") == "12333"
    top = [e.key for _s, e in SEARCH.search("社保卡丢了怎么办", 3)]
    assert "card-loss-phone" in top
