"""The CMPP 2.0 codec differs in nothing from pycmpp (PyPI; the ``peers`` extra of pyproject.toml)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.links import cmpp
from tests.hypothesis_profiles import examples

SET = settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])

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
