"""python-gsmmodem-new (another independent AT client, threads and pyserial) against the
emulator: it sends a long Chinese SMS (with its fixed concatenation reference 0), our
engine on the other emulated modem receives it intact and exactly once; our engine sends,
python-gsmmodem reads it from storage."""

import time

import pytest

from lib12333.host.modem.network import Simulator
from lib12333.host.modem.transport import SerialModem

gsmmodem = pytest.importorskip("gsmmodem.modem")

TEXT = "您好，您的社保卡挂失申请已受理。" * 5


def test_gsmmodem_sends_engine_receives():
    with Simulator(2) as sim:
        time.sleep(0.4)
        peer = gsmmodem.GsmModem(sim.modems[0].path, 115200)
        peer.connect()
        try:
            sms = peer.sendSms(sim.modems[1].number, TEXT)
            assert sms.status == 0  # ENROUTE: accepted by the SMSC
        finally:
            peer.close()
        with SerialModem(sim.modems[1].path, command_timeout=3.0) as b:
            b.init(20)
            got = []
            ev = b.wait_for(lambda e: e.kind == "message", 20)
            assert ev.message.text == TEXT and ev.message.parts == 2
            assert ev.message.number == sim.modems[0].number
            b.engine.confirm(ev.token)
            end = time.monotonic() + 3
            while time.monotonic() < end:
                got.extend(e for e in b.pump(0.1) if e.kind == "message")
            assert got == []  # exactly once
        assert sum(len(v) for v in sim.modems[1].store.values()) == 0


def test_engine_sends_gsmmodem_reads():
    with Simulator(2) as sim:
        with SerialModem(sim.modems[0].path, command_timeout=3.0) as a:
            a.init(20)
            ev, _ = a.send(sim.modems[1].number, "社保卡挂失已受理", timeout=20)
            assert ev.kind == "sent"
        time.sleep(0.3)
        peer = gsmmodem.GsmModem(sim.modems[1].path, 115200)
        peer.connect()
        try:
            msgs = peer.listStoredSms(memory="SM", delete=True)  # it prefers ME; ours went to SM
        finally:
            peer.close()
        assert [m.text for m in msgs] == ["社保卡挂失已受理"]
        assert msgs[0].number == sim.modems[0].number
