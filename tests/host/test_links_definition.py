"""The hand-written link codecs equal the construct definitions (protocols/links); the independent
implementations are in test_links_peers.py."""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.host.testing import links as links_st
from lib12333.links import cmpp, sgip, smgp, smpp
from protocols.links import definition as D
from tests.hypothesis_profiles import examples

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "protocols", "links", "vectors.json"), encoding="utf-8") as f:
    VECTORS = json.load(f)

SET = settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plain(value):
    """construct containers as the core's plain values."""
    if isinstance(value, list):
        if value and hasattr(value[0], "tag"):
            return [(x.tag, bytes(x.value)) for x in value]
        return [plain(x) for x in value]
    return value


def same(pdu, parsed, body):
    fields = dict((k, plain(v)) for k, v in body.items() if not k.startswith("_"))
    assert fields == pdu.fields


def smpp_agree(raw, pdu):
    r = D.SMPP_PDU.parse(raw)
    assert (r.command_id, r.command_status, r.sequence_number) == (pdu.command, pdu.status, pdu.seq)
    same(pdu, r, r.body.fields)


def cmpp_agree(raw, pdu, version):
    r = D.cmpp_pdu(version).parse(raw)
    assert (r.Command_Id, r.Sequence_Id) == (pdu.command, pdu.seq)
    same(pdu, r, r.body.fields)


def test_every_vector_parses_the_same_in_the_definition():
    for e in VECTORS["smpp"]:
        raw = bytes.fromhex(e["hex"])
        smpp_agree(raw, smpp.decode(raw))
    for key, version in (("cmpp2", 2), ("cmpp3", 3)):
        for e in VECTORS[key]:
            raw = bytes.fromhex(e["hex"])
            cmpp_agree(raw, cmpp.Codec(version).decode(raw), version)
            if "report" in e:
                r = D.cmpp_report(version).parse(bytes.fromhex(e["fields"]["Msg_Content"]))
                assert r.Stat == e["report"]["Stat"]


@SET
@given(links_st.smpp_pdus())
def test_smpp_core_encoding_parses_in_the_definition(pdu):
    raw = smpp.encode(pdu)
    smpp_agree(raw, pdu)
    assert smpp.decode(raw) == pdu


@SET
@given(links_st.smpp_pdus())
def test_smpp_definition_build_decodes_in_the_core(pdu):
    body = dict(pdu.fields)
    if "options" in body:
        body["options"] = [{"tag": t, "value": v} for t, v in body["options"]]
    raw = D.SMPP_PDU.build({"command_length": 16 + len(smpp.encode(pdu)) - 16, "command_id": pdu.command,
                            "command_status": pdu.status, "sequence_number": pdu.seq, "body": {"fields": body}})
    assert smpp.decode(raw) == pdu


@SET
@given(st.sampled_from([2, 3]).flatmap(lambda v: st.tuples(st.just(v), links_st.cmpp_pdus(v))))
def test_cmpp_core_encoding_parses_in_the_definition_and_back(case):
    version, pdu = case
    codec = cmpp.Codec(version)
    raw = codec.encode(pdu)
    cmpp_agree(raw, pdu, version)
    built = D.cmpp_pdu(version).build({"Total_Length": len(raw), "Command_Id": pdu.command,
                                       "Sequence_Id": pdu.seq, "body": {"fields": dict(pdu.fields)}})
    assert codec.decode(built) == pdu


@SET
@given(links_st.smgp_pdus())
def test_smgp_core_encoding_parses_in_the_definition_and_back(pdu):
    raw = smgp.encode(pdu)
    r = D.SMGP_PDU.parse(raw)
    assert (r.RequestID, r.SequenceID) == (pdu.command, pdu.seq)
    same(pdu, r, r.body.fields)
    body = dict(pdu.fields)
    if "options" in body:
        body["options"] = [{"tag": t, "value": v} for t, v in body["options"]]
    built = D.SMGP_PDU.build({"PacketLength": len(raw), "RequestID": pdu.command, "SequenceID": pdu.seq,
                              "body": {"fields": body}})
    assert smgp.decode(built) == pdu


def test_smgp_vectors_parse_the_same_in_the_definition():
    for e in VECTORS["smgp"]:
        raw = bytes.fromhex(e["hex"])
        p = smgp.decode(raw)
        r = D.SMGP_PDU.parse(raw)
        same(p, r, r.body.fields)


@SET
@given(links_st.sgip_pdus())
def test_sgip_core_encoding_parses_in_the_definition_and_back(pdu):
    raw = sgip.encode(pdu)
    r = D.SGIP_PDU.parse(raw)
    assert (r.CommandID, (r.node, r.time, r.counter)) == (pdu.command, pdu.seq)
    same(pdu, r, r.body.fields)
    built = D.SGIP_PDU.build({"MessageLength": len(raw), "CommandID": pdu.command, "node": pdu.seq[0],
                              "time": pdu.seq[1], "counter": pdu.seq[2], "body": {"fields": dict(pdu.fields)}})
    assert sgip.decode(built) == pdu


def test_sgip_vectors_parse_the_same_in_the_definition():
    for e in VECTORS["sgip"]:
        raw = bytes.fromhex(e["hex"])
        r = D.SGIP_PDU.parse(raw)
        same(sgip.decode(raw), r, r.body.fields)
