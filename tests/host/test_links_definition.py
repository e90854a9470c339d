"""The hand-written link codecs equal the construct definitions (protocols/links), and differ in
nothing from the independent implementations smpplib (SMPP 3.4) and pycmpp (CMPP 2.0)."""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.host.testing import links as links_st
from lib12333.links import cmpp, sgip, smgp, smpp, wire
from protocols.links import definition as D

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "protocols", "links", "vectors.json"), encoding="utf-8") as f:
    VECTORS = json.load(f)

SET = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


# ---- independent implementations ----------------------------------------------------------

smpplib = pytest.importorskip("smpplib.smpp")


class SmpplibSession:
    """What smpplib's PDU classes ask of their client: a sequence counter."""

    sequence = 1

    def next_sequence(self):
        return self.sequence


@SET
@given(st.text(links_st.PRINTABLE, max_size=20).filter(lambda s: s.strip() == s), st.binary(max_size=140),
       st.sampled_from([0, 4, 8]), st.booleans())
def test_smpplib_submit_sm_decodes_in_ours_and_ours_in_smpplib(dest, body, coding, udhi):
    peer = smpplib.make_pdu("submit_sm", client=SmpplibSession(), sequence=5, source_addr="10657", destination_addr=dest or "1",
                            short_message=body, data_coding=coding, esm_class=0x40 if udhi else 0,
                            registered_delivery=1)
    ours = smpp.decode(peer.generate())
    assert (ours.fields["destination_addr"], ours.fields["short_message"], ours.fields["data_coding"],
            ours.fields["esm_class"], ours.fields["registered_delivery"]) == (dest or "1", body, coding,
                                                                             0x40 if udhi else 0, 1)
    back = smpplib.parse_pdu(smpp.encode(ours), client=SmpplibSession())
    assert (back.destination_addr, back.short_message or b"", back.data_coding) == ((dest or "1").encode(), body, coding)


def test_smpplib_parses_our_responses_and_receipts():
    resp = smpplib.parse_pdu(smpp.encode(wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, 9, {"message_id": "m-1"}, 0)),
                             client=SmpplibSession())
    assert (resp.command, resp.sequence, resp.message_id) == ("submit_sm_resp", 9, b"m-1")
    text = smpp.receipt_text("m-1", "DELIVRD", submit_date="2612030958", done_date="2612030959").encode()
    d = smpplib.parse_pdu(smpp.encode(wire.Pdu(smpp.DELIVER_SM, 10, {"esm_class": 4, "short_message": text,
                                                                     "source_addr": "13912345678"}, 0)), client=SmpplibSession())
    assert d.short_message == text and d.esm_class == 4
    assert smpp.receipt(d.short_message)["id"] == "m-1"


pycmpp = pytest.importorskip("pycmpp.request")


@SET
@given(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=60),
       st.text("0123456789", min_size=5, max_size=20), st.sampled_from([0, 1]))
def test_pycmpp_cmpp2_submit_decodes_in_ours(text, dest, report):
    raw = pycmpp.SubmitRequestInstance().create("901234", text, [dest], src_id="1065712333",
                                                registered_delivery=report)
    p = cmpp.Codec(2).decode(raw)
    assert p.fields["Dest_terminal_Id"] == [dest]
    assert p.fields["Msg_Content"] == text.encode("utf-16-be")
    assert (p.fields["Msg_Fmt"], p.fields["Registered_Delivery"], p.fields["Src_Id"]) == (8, report, "1065712333")


def test_pycmpp_connect_authenticator_is_ours():
    import pycmpp.utils as utils

    raw = pycmpp.ConnectRequestInstance().create("901234", "s3cret")
    p = cmpp.Codec(2).decode(raw)
    stamp = p.fields["Timestamp"]
    assert p.fields["AuthenticatorSource"] == cmpp.authenticator("901234", "s3cret", stamp)
    assert utils  # the module the authenticator came from
