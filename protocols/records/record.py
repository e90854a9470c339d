"""
Normative definition of the lib12333 binary service record, version 1, in construct.

This file and README.md next to it are the specification.  The hand-written
MicroPython codec ``lib12333/records/binary.py`` is tested byte for byte against
it in both directions (tests/host/test_cdr_records.py).

    RECORD        one record: u16 length prefix, then the body
    RECORDS       a file: records back to back until the end

Structural checks (version, code ranges, flag bits, absent times are zero, text
lengths, no trailing bytes) are part of the construct.  The semantic checks a
reader must add (UTF-8 text without control characters, category of 0/2/4
digits, service 12333 or 12370, region <= 999999, answer >= arrival,
end >= answer or arrival) are ``semantic_errors()`` below.
"""

from construct import (
    Check,
    Const,
    GreedyRange,
    Int8ub,
    Int16ub,
    Int32ub,
    PascalString,
    Prefixed,
    Struct,
    Terminated,
)

VERSION = 1
CHANNELS = ("call", "sms", "kiosk", "web")
OUTCOMES = ("answered", "transferred", "abandoned", "timeout", "exit_key", "exit_empty", "withdrawn",
            "ivr", "busy", "failed", "delivered", "unknown")
SERVICES = (12333, 12370)
MAX_TEXT = 64


def _text(encoding):
    return PascalString(Int8ub, encoding)


BODY = Struct(
    "version" / Const(VERSION, Int8ub),
    "channel" / Int8ub,
    Check(lambda ctx: ctx.channel < len(CHANNELS)),
    "outcome" / Int8ub,
    Check(lambda ctx: ctx.outcome < len(OUTCOMES)),
    "flags" / Int8ub,  # bit 0: answer present, bit 1: end present
    Check(lambda ctx: ctx.flags & 0xFC == 0),
    "service" / Int16ub,
    "region" / Int32ub,
    "arrival" / Int32ub,
    "answer" / Int32ub,
    Check(lambda ctx: ctx.flags & 1 or ctx.answer == 0),
    "end" / Int32ub,
    Check(lambda ctx: ctx.flags & 2 or ctx.end == 0),
    "category" / _text("ascii"),
    "queue" / _text("utf8"),
    "agent" / _text("utf8"),
    "caller" / _text("utf8"),
    "ref" / _text("utf8"),
    Terminated,
)

RECORD = Prefixed(Int16ub, BODY)
RECORDS = GreedyRange(RECORD)


def semantic_errors(parsed):
    """The rules a reader checks after parsing; returns a list of field names that break them."""
    bad = []
    if parsed.service not in SERVICES:
        bad.append("service")
    if parsed.region > 999999:
        bad.append("region")
    if len(parsed.category) not in (0, 2, 4) or not all("0" <= c <= "9" for c in parsed.category):
        bad.append("category")
    for name in ("queue", "agent", "caller", "ref"):
        text = parsed[name]
        if len(text.encode("utf-8")) > MAX_TEXT or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
            bad.append(name)
    if parsed.arrival > 0xFFFFFFFE or parsed.answer > 0xFFFFFFFE or parsed.end > 0xFFFFFFFE:
        bad.append("time")
    if parsed.flags & 1 and parsed.answer < parsed.arrival:
        bad.append("answer")
    if parsed.flags & 2 and parsed.end < (parsed.answer if parsed.flags & 1 else parsed.arrival):
        bad.append("end")
    return bad


def to_fields(record):
    """The construct value (dict) for a ``lib12333.records.ServiceRecord``-like object."""
    flags = (1 if record.answer is not None else 0) | (2 if record.end is not None else 0)
    return dict(
        channel=CHANNELS.index(record.channel),
        outcome=OUTCOMES.index(record.outcome),
        flags=flags,
        service=record.service,
        region=record.region,
        arrival=record.arrival,
        answer=record.answer or 0,
        end=record.end or 0,
        category=record.category,
        queue=record.queue,
        agent=record.agent,
        caller=record.caller,
        ref=record.ref,
    )
