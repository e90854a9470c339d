"""Every link decoder meets arbitrary and mutated bytes with DecodeError only; the engine never raises on input."""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.errors import DecodeError
from lib12333.host.testing import links as links_st
from lib12333.links import cmpp, content, sgip, smgp, smpp, wire
from lib12333.links.client import Link
from lib12333.links.dialect_sgip import SgipDialect
from lib12333.links.dialects import CmppDialect, SmgpDialect, SmppDialect
from lib12333.links.incoming import Session
from tests.hypothesis_profiles import examples

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "protocols", "links", "vectors.json"), encoding="utf-8") as f:
    VECTORS = json.load(f)
SEEDS = [bytes.fromhex(e["hex"]) for k in ("smpp", "cmpp2", "cmpp3", "smgp", "smgp_reports", "sgip") for e in VECTORS[k]]
SET = settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw):
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 2))
        i = draw(st.integers(0, len(raw)))
        if op == 0 and i < len(raw):
            raw[i] = draw(st.integers(0, 255))
        elif op == 1:
            raw[i:i] = draw(st.binary(min_size=1, max_size=4))
        elif i < len(raw):
            del raw[i]
    if draw(st.booleans()) and len(raw) >= 4:
        raw[0:4] = len(raw).to_bytes(4, "big")  # keep the length right, so the body is what is tested
    return bytes(raw)


def only_decode_errors(fn, data):
    try:
        fn(data)
    except DecodeError:
        pass


@SET
@given(st.one_of(st.binary(max_size=300), mutated()))
def test_decoders_raise_only_decode_error(data):
    only_decode_errors(smpp.decode, data)
    only_decode_errors(cmpp.Codec(3).decode, data)
    only_decode_errors(cmpp.Codec(2).decode, data)
    only_decode_errors(cmpp.Codec(3).report, data)
    only_decode_errors(smpp.receipt, data)
    only_decode_errors(smgp.decode, data)
    only_decode_errors(smgp.report, data)
    only_decode_errors(sgip.decode, data)
    only_decode_errors(lambda d: content.inbound("1", True, content.UCS2, d), data)
    only_decode_errors(wire.Framer(12).feed, data)


def feed(conversation, chunks):
    """Bytes in, half a second apart; every deliver confirmed, as the gateway does."""
    t = 0.0
    for c in chunks:
        t += 0.5
        conversation.receive(c, t)
        conversation.poll(t)
        for ev in conversation.events():
            if ev.kind in ("deliver", "report"):
                conversation.confirm(ev.token)
    conversation.data_to_send()


ENGINES = {
    "smpp": (lambda: SmppDialect("sp", "pw"), links_st.smpp_pdus().map(smpp.encode)),
    "cmpp3": (lambda: CmppDialect("901234", "s"), links_st.cmpp_pdus(3).map(cmpp.Codec(3).encode)),
    "smgp": (lambda: SmgpDialect("33012345", "s"), links_st.smgp_pdus().map(smgp.encode)),
    "sgip": (lambda: SgipDialect("centre", "s"), links_st.sgip_pdus().map(sgip.encode)),
}


@SET
@given(st.sampled_from(sorted(ENGINES)).flatmap(
    lambda name: st.tuples(st.just(name), st.lists(st.one_of(st.binary(max_size=64), mutated(), ENGINES[name][1]),
                                                   max_size=6))))
def test_engine_never_raises_on_what_the_peer_sends(case):
    name, chunks = case
    link = Link(ENGINES[name][0](), 0.0)
    link.connected(0.0)
    link.submit("13912345678", text="x")
    feed(link, chunks)


@SET
@given(st.lists(st.one_of(st.binary(max_size=64), mutated(), links_st.sgip_pdus().map(sgip.encode)), max_size=6),
       st.booleans())
def test_sgip_incoming_session_never_raises(chunks, login_first):
    link = Link(SgipDialect("centre", "s"), 0.0)
    s = Session(link, {"smg": "s"}, 0.0)
    if login_first:
        s.receive(sgip.encode(wire.Pdu(sgip.BIND, (1, 1, 1), {"LoginType": 2, "LoginName": "smg",
                                                                "LoginPassword": "s"})), 0.0)
    feed(s, chunks)
