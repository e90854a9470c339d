"""The kiosk status message (issue 17): round trip, agreement with the normative construct, fuzzing."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333.errors import DecodeError
from lib12333.host.testing import frame as S
from lib12333.secure import aes
from lib12333.secure import frame as F
from lib12333.secure import messages as M
from protocols.frame import definition as D
from tests.hypothesis_profiles import examples

STATUS = settings(max_examples=examples(300), deadline=None)


@STATUS
@given(fields=S.fields(M.KIOSK_STATUS))
def test_round_trip_one_sms(fields):
    payload = M.encode(M.KIOSK_STATUS, fields)
    assert M.decode(M.KIOSK_STATUS, payload) == fields
    assert D.parse_payload(M.KIOSK_STATUS, payload) == fields
    sealed = F.seal(aes.AES128(bytes(16)), F.Frame(M.KIOSK_STATUS, 7, 1, 0, payload, F.UP))
    assert len(sealed) <= F.SINGLE_SMS  # always one SMS, whatever the values


@STATUS
@given(fields=S.fields(M.KIOSK_STATUS), data=st.data())
def test_mutated_payloads_raise_decode_error_only(fields, data):
    mutated = data.draw(S.mutations(M.encode(M.KIOSK_STATUS, fields)))
    try:
        decoded = M.decode(M.KIOSK_STATUS, mutated)
    except DecodeError as exc:
        assert exc.field in [name for name, _ in M.LAYOUTS[M.KIOSK_STATUS]] + ["kiosk-status"]
        return
    assert M.encode(M.KIOSK_STATUS, decoded) == mutated  # accepted bytes are canonical


@STATUS
@given(data=st.binary(max_size=64))
def test_random_payloads_raise_decode_error_only(data):
    try:
        M.decode(M.KIOSK_STATUS, data)
    except DecodeError:
        pass
