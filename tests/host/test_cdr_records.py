"""The core record codec agrees with the normative construct definition, byte for byte, both ways."""

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333.errors import DecodeError
from lib12333.host.testing.records import mutations, service_records
from lib12333.records import ServiceRecord, binary, text
from protocols.records import record as P
from tests.hypothesis_profiles import examples

VECTORS = json.load(open("protocols/records/vectors.json", encoding="utf-8"))
VALID = [bytes.fromhex(v["hex"]) for v in VECTORS["valid"]]


def _construct_view(data):
    """(ok, parsed) by the normative definition: structure plus semantic rules."""
    try:
        parsed = P.RECORD.parse(data)
    except Exception:
        return False, None
    if P.RECORD.sizeof if False else False:  # pragma: no cover - keeps linters quiet about unused attr
        pass
    return not P.semantic_errors(parsed), parsed


def _consumed(data):
    return 2 + ((data[0] << 8) | data[1]) if len(data) >= 2 else None


@settings(max_examples=examples(300), deadline=None)
@given(service_records())
def test_core_encode_equals_construct_build(record):
    core = binary.encode(record)
    assert core == P.RECORD.build(P.to_fields(record))
    parsed = P.RECORD.parse(core)
    assert not P.semantic_errors(parsed)
    assert parsed.queue == record.queue and parsed.arrival == record.arrival
    decoded, end = binary.decode(core)
    assert decoded == record and end == len(core)


def _agree(data):
    ok, parsed = _construct_view(data)
    try:
        record, end = binary.decode(data)
    except DecodeError:
        assert not ok or _consumed(data) != len(data), "construct accepts what the core rejects"
        return
    # the core accepted: construct must too (on exactly the consumed bytes), and encoding is canonical
    ok2, parsed2 = _construct_view(data[:end])
    assert ok2, "core accepts what construct rejects"
    assert binary.encode(record) == data[:end]
    assert P.RECORD.build(P.to_fields(record)) == data[:end]


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from(VALID).flatmap(mutations))
def test_mutated_records_agree(data):
    _agree(data)


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=80))
def test_random_bytes_agree(data):
    _agree(data)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(service_records(), max_size=5), st.binary(max_size=6))
def test_stream_reader_only_decode_errors(records, tail):
    blob = b"".join(binary.encode(r) for r in records)
    assert list(binary.read_records(io.BytesIO(blob))) == records
    got = []
    try:
        for r in binary.read_records(io.BytesIO(blob + tail)):
            got.append(r)
    except DecodeError as exc:
        assert exc.position is not None and exc.position >= len(blob)
    assert got[: len(records)] == records


@settings(max_examples=examples(300), deadline=None)
@given(service_records())
def test_text_forms_round_trip(record):
    line = text.to_csv_line(record)
    assert "\n" not in line
    assert text.from_csv_line(line) == record
    assert text.from_json_line(text.to_json_line(record)) == record


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from([v["csv"] for v in VECTORS["valid"]]).map(str.encode).flatmap(mutations))
def test_mutated_csv_lines_raise_only_decode_error(data):
    try:
        line = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        r = text.from_csv_line(line, 1)
    except DecodeError as exc:
        assert exc.position == 1
        return
    assert isinstance(r, ServiceRecord)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=60))
def test_random_json_lines_raise_only_decode_error(line):
    try:
        text.from_json_line(line, 5)
    except DecodeError as exc:
        assert exc.position == 5


def test_lone_surrogate_in_json_is_a_decode_error():
    import pytest

    with pytest.raises(DecodeError):
        text.from_json_line('{"queue": "\\ud800", "arrival": 1}', 2)
