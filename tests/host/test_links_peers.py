"""The SMPP codec differs in nothing from smpplib (SMPP 3.4, PyPI; the ``peers`` extra of
pyproject.toml).  CMPP against pycmpp: test_links_peers_cmpp.py; SMPP against npm smpp: test_links_npm.py."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.host.testing import links as links_st
from lib12333.links import smpp, wire
from tests.hypothesis_profiles import examples

SET = settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])

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
