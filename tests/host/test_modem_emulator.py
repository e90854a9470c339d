"""Every emulated module family against the engine over a pty: profile detected from
AT+CGMM, identity read with the family's own ICCID command, a restart of the module
detected from its own start-up message and followed by a new init."""

import time

import pytest

from lib12333.host.modem.emulator import MODELS
from lib12333.host.modem.network import Simulator
from lib12333.host.modem.transport import SerialModem

EXPECTED = {"SIM800": ("SIM800", False), "A7670C": ("A7670C", True), "SIM7600CE": ("SIM7600CE", True),
            "EC200": ("EC200", True), "EC800N": ("EC800N", True), "EG25": ("EG25", True)}


@pytest.mark.parametrize("model", sorted(MODELS))
def test_model_detected_identity_and_restart(model):
    with Simulator(1, model=model) as sim:
        time.sleep(0.4)
        emu = sim.modems[0]
        with SerialModem(emu.path, command_timeout=2.0) as m:
            ready = m.init(20)
            name, lte = EXPECTED[model]
            assert ready.profile == name
            info = m.info(20)
            assert info["iccid"] == emu.iccid
            assert info["imei"] == emu.imei
            assert ("registration_lte" in info) == lte
            sim.call(emu.reboot)
            seen = []
            ev = m.wait_for(lambda e: e.kind == "ready", 20, seen)
            assert "reboot" in [e.kind for e in seen]
            assert ev.profile == name
            # the module forgot CNMI when it restarted: the new init set it again
            assert emu.cnmi[:2] == [2, 1]
            assert emu.echo is False


def test_numbers_routing_and_national_format():
    with Simulator(2, numbers=["+8613912345678", "13987654321"]) as sim:
        time.sleep(0.4)
        with SerialModem(sim.modems[0].path) as a, SerialModem(sim.modems[1].path) as b:
            a.init(20)
            b.init(20)
            ev, _ = a.send("+86 139 8765 4321".replace(" ", ""), "national and international forms", timeout=20)
            assert ev.kind == "sent"
            got = b.wait_for(lambda e: e.kind == "message", 20)
            assert got.message.text == "national and international forms"
            assert got.message.number == "+8613912345678"
