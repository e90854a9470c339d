"""
A rolled-back transaction never makes the centre seal twice with one number (issue 13, found by the
lifecycle test, tests/host/test_lifecycle.py).

The centre seals an answer inside the transaction that applies the request.  When that transaction
fails after sealing (a full disk at COMMIT, a crash, a deferred request), the counter's UPDATE is
rolled back with it, and the retry used to seal a *different* answer (another time, another
``until``) with the same key and number -- nonce reuse, even if the first bytes never left the
machine.  Numbers are now reserved in blocks committed before any of them seals (as the kiosk's
outbox does): a rollback, and a restart, skip numbers but never repeat one.
"""

import pytest

from lib12333 import identifiers
from lib12333.compat import data_path
from lib12333.host.gateway import admin, db, relay
from lib12333.host.gateway.centre import Centre
from lib12333.routing import loader
from lib12333.secure import aes, ccm
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg

KEY = bytes(range(16))
PEER_KEY = bytes(range(100, 116))
UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
NOW = 1_796_083_200 + 2 * 3600
SSN = "33010619850312004" + identifiers.citizen_id_check_digit("33010619850312004")
SSN_B = "32010619850312004" + identifiers.citizen_id_check_digit("32010619850312004")


@pytest.fixture()
def nonces(monkeypatch):
    sealed = []
    real = ccm.seal

    def seal(cipher, nonce, aad, plaintext, tag_len=8):
        sealed.append(bytes(nonce))
        return real(cipher, nonce, aad, plaintext, tag_len)

    monkeypatch.setattr(ccm, "seal", seal)
    return sealed


def loss_frame(seq, ssn=SSN, card="A38612750", card_region=None):
    fields = {"ssn": ssn, "card": card, "phone": "13912345678", "name": "李明华"}
    if card_region:
        fields["card_region"] = card_region
    payload = msg.encode(msg.LOSS_REPORT, fields)
    return frame_mod.seal(aes.AES128(KEY), frame_mod.Frame(msg.LOSS_REPORT, 1001, seq, NOW, payload, frame_mod.UP))


def crash_after(monkeypatch, cls, name):
    """``cls.name`` runs, then the process dies before COMMIT (once)."""
    real = getattr(cls, name)
    state = {"crashed": False}

    def crashing(self, *a, **kw):
        result = real(self, *a, **kw)
        if not state["crashed"]:
            state["crashed"] = True
            raise RuntimeError("power cut after sealing")
        return result

    monkeypatch.setattr(cls, name, crashing)


def test_a_rollback_after_sealing_an_answer_never_repeats_its_number(gateway_db, nonces, monkeypatch):
    path = gateway_db("centre.db")
    conn = db.connect(path)
    admin.add_device(conn, 1001, KEY, now=NOW)
    admin.add_card(conn, "A38612750", SSN, "李明华", "330100", now=NOW)
    kiosk_nonces = len(nonces)
    crash_after(monkeypatch, Centre, "_queue_frame")
    with pytest.raises(RuntimeError):
        Centre(conn, UNIT).handle("x", loss_frame(1), NOW)
    conn.close()
    # The process restarts on the same file; the kiosk retries; the answer is sealed again, later.
    restarted = Centre(db.connect(path), UNIT)
    assert restarted.handle("x", loss_frame(1), NOW + 60) == "applied"
    assert restarted.handle("x", loss_frame(1), NOW + 120) == "duplicate"
    down = [n for n in nonces[kiosk_nonces:] if n[1] == frame_mod.DOWN]
    assert len(down) == 3 and len(set(down)) == 3, down


def test_a_rollback_after_sealing_a_relay_frame_never_repeats_its_number(gateway_db, nonces, monkeypatch):
    rules = loader.loads(open(data_path("route-city.json"), "rb").read(), source="city")
    path = gateway_db("hangzhou.db")
    conn = db.connect(path)
    admin.add_device(conn, 1001, KEY, region="330106", now=NOW)
    relay.add_peer(conn, "320000", "+8613800250000", PEER_KEY, now=NOW)
    start = len(nonces)
    crash_after(monkeypatch, relay.Relay, "route")
    a = Centre(conn, UNIT, centre_code="330100")
    a.relay = relay.Relay(conn, "330000", rules)
    frame = loss_frame(1, SSN_B, "B38612751", "320100")
    with pytest.raises(RuntimeError):
        a.handle("x", frame, NOW)
    a.relay = relay.Relay(conn, "330000", rules)
    assert a.handle("x", frame, NOW + 60) == "relayed"
    sent = [n for n in nonces[start:] if n[2:6] == (330000).to_bytes(4, "big")]
    assert len(sent) == 2 and len(set(sent)) == 2, sent
