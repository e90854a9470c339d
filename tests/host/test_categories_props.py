"""Property tests and fuzzing for lib12333.categories and the extension loader."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import categories
from lib12333.category_ext import load_extension
from lib12333.errors import ConfigError, Lib12333Error
from lib12333.host.testing.categories import (
    city_tables,
    class_codes,
    malformed_codes,
    national_codes,
    province_tables,
    subclass_codes,
    unknown_codes,
)
from tests.hypothesis_profiles import examples

EXAMPLES = settings(max_examples=examples(300), deadline=None)


@EXAMPLES
@given(national_codes())
def test_national_code_structure(code):
    cat = categories.validate(code)
    assert categories.lookup(code) == cat.name
    p = categories.path(code)
    assert p[-1] == cat and len(p) == categories.level(code)
    for child in categories.children(code):
        assert categories.parent(child) == code
    assert code in [h.code for h in categories.search(cat.name)]
    assert categories.search(cat.name)[0].name == cat.name  # exact match ranks first


@EXAMPLES
@given(unknown_codes())
def test_unknown_codes(code):
    with pytest.raises(categories.UnknownCodeError):
        categories.lookup(code)


@EXAMPLES
@given(malformed_codes())
def test_malformed_codes(code):
    with pytest.raises(categories.CodeFormatError):
        categories.validate(code)


@settings(max_examples=examples(150), deadline=None)
@given(province_tables().flatmap(lambda p: st.tuples(st.just(p), city_tables(p))))
def test_generated_tables_build_a_tree(pair):
    prov, city = pair
    p = load_extension(json.dumps(prov, ensure_ascii=False, indent=2), source="p.json")
    c = load_extension(json.dumps(city, ensure_ascii=False).encode("utf-8"), source="c.json")
    tree = categories.effective_tree(p, c)
    codes = [code for code, _ in tree.items()]
    assert codes == sorted(codes)
    assert len(codes) == 173 + len(prov["categories"]) + len(city["categories"])
    for entry in prov["categories"] + city["categories"]:
        code = entry["code"]
        assert tree.lookup(code) == entry["name"]
        assert code in tree.children(code[:-2])
        assert [x.code for x in tree.path(code)][-2] == code[:-2]


@settings(max_examples=examples(150), deadline=None)
@given(province_tables(), st.data())
def test_duplicate_line_is_reported(prov, data):
    entries = prov["categories"]
    i = data.draw(st.integers(0, len(entries) - 1))
    entries.append(dict(entries[i]))
    text = json.dumps(prov, ensure_ascii=False, indent=1)
    try:
        load_extension(text, source="dup.json")
    except ConfigError as exc:
        assert exc.item == entries[i]["code"] and exc.source == "dup.json"
        assert text.splitlines()[exc.line - 1].strip().startswith('"code": "' + entries[i]["code"])
        # the reported line is the duplicate, not the first occurrence
        assert text.count("\n", 0, text.rindex(entries[i]["code"])) + 1 == exc.line
        return
    raise AssertionError("duplicate accepted")


JSONISH = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=8),
        st.sampled_from(["140201", "province", "city"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=12,
)


@settings(max_examples=examples(400), deadline=None)
@given(st.one_of(st.binary(max_size=64), st.text(max_size=64), JSONISH))
def test_fuzz_loader_raises_only_config_errors(data):
    try:
        load_extension(data)
    except ConfigError:
        pass


@settings(max_examples=examples(300), deadline=None)
@given(province_tables(), st.data())
def test_fuzz_mutated_tables(prov, data):
    text = json.dumps(prov, ensure_ascii=False)
    pos = data.draw(st.integers(0, len(text) - 1))
    junk = data.draw(st.sampled_from(["", "0", "a", '"', "{", "]", ",", "中", "\\", "9" * 3]))
    mutated = text[:pos] + junk + text[pos + 1 :]
    try:
        load_extension(mutated)
    except ConfigError:
        pass


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.text(max_size=12), st.integers(), st.none(), st.binary(max_size=8)))
def test_fuzz_api_raises_only_library_errors(value):
    for fn in (categories.lookup, categories.parent, categories.children, categories.path, categories.level):
        try:
            fn(value)
        except Lib12333Error:
            pass
    try:
        categories.search(value)
    except Lib12333Error:
        pass


def _brute_search(query):
    ranks = ([], [], [])
    for code, name in categories.items():
        if query in name:
            ranks[0 if name == query else (1 if name.startswith(query) else 2)].append(code)
    return ranks[0] + ranks[1] + ranks[2]


_ALL_NAME_CHARS = "".join(sorted({ch for _, n in categories.items() for ch in n}))


@settings(max_examples=examples(400), deadline=None)
@given(
    st.one_of(
        national_codes().flatmap(
            lambda c: st.tuples(st.just(categories.lookup(c)), st.integers(0, 8), st.integers(1, 8)).map(
                lambda t: t[0][t[1] : t[1] + t[2]]
            )
        ),
        st.text(_ALL_NAME_CHARS + "0123456789 \n", min_size=1, max_size=3),
    ).filter(lambda q: q.strip())
)
def test_search_equals_brute_force(query):
    # the national search jumps through the packed table with str.find; it must equal the definition
    assert [c.code for c in categories.search(query)] == _brute_search(query.strip())


@EXAMPLES
@given(st.one_of(st.none(), class_codes(), subclass_codes()))
def test_children_equals_brute_force(code):
    want = [
        c
        for c, _ in categories.items()
        if (len(c) == 2 if code is None else (len(c) == len(code) + 2 and c.startswith(code)))
    ]
    assert categories.children(code) == want
