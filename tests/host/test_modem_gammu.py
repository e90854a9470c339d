"""Gammu (a real, independent AT client) against the emulated modems.

Gammu talks to the emulator as a generic AT modem: ``gammu identify``, sending
long Chinese SMS, and reading SMS sent by our engine.  What gammu sends must
arrive at the other emulated modem intact, read there by our engine; what our
engine sends must be read intact by gammu.
"""

import shutil
import subprocess

import pytest

from lib12333.host.modem.network import Simulator
from lib12333.host.modem.transport import SerialModem

pytestmark = [pytest.mark.skipif(shutil.which("gammu") is None, reason="Debian package gammu not installed"), pytest.mark.slow]  # gammu against the emulator: ~15 s

TEXT = ("【XX市人力资源社会保障电话咨询服务中心】您的社保卡挂失申请已受理，新卡将在十五个工作日内制作完成，"
        "届时请携带身份证原件到服务大厅领取。如有疑问请拨打12333。")
ENGINE = dict(command_timeout=3.0, scan_interval=2.0)


def gammu(rc, *args, timeout=60):
    return subprocess.run(["gammu", "-c", rc] + list(args), capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def sim(tmp_path):
    s = Simulator(2).start()
    rcs = []
    for i, (_number, path) in enumerate(s.paths()):
        rc = tmp_path / ("gammurc" + str(i))
        rc.write_text("[gammu]\ndevice = " + path + "\nconnection = at\n")
        rcs.append(str(rc))
    s.rcs = rcs
    yield s
    s.stop()


def test_identify(sim):
    r = gammu(sim.rcs[0], "identify")
    assert r.returncode == 0, r.stderr
    assert "SIMCOM INCORPORATED" in r.stdout
    assert sim.modems[0].imei in r.stdout
    assert sim.modems[0].imsi in r.stdout


def test_gammu_sends_chinese_multipart_engine_receives(sim):
    assert len(TEXT) > 70  # two UCS2 parts
    r = gammu(sim.rcs[0], "sendsms", "TEXT", sim.modems[1].number, "-unicode", "-len", str(len(TEXT)), "-text", TEXT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK, message reference=" in r.stdout
    with SerialModem(sim.modems[1].path, **ENGINE) as b:
        b.init(20)
        got = []
        ev = b.wait_for(lambda e: e.kind == "message", 20, got)
        assert ev.complete
        assert ev.message.text == TEXT
        assert ev.message.number == sim.modems[0].number
        assert ev.message.parts == 2
        b.engine.confirm(ev.token)
        for _ in range(40):  # let the delete go out
            b.pump(0.05)
            if b.engine.idle():
                break
    assert sum(len(v) for v in sim.modems[1].store.values()) == 0


def test_engine_sends_gammu_reads(sim):
    with SerialModem(sim.modems[0].path, **ENGINE) as a:
        a.init(20)
        ev, _ = a.send(sim.modems[1].number, TEXT, report=False, timeout=30)
        assert ev.kind == "sent" and len(ev.parts) == 2
    r = gammu(sim.rcs[1], "geteachsms")
    assert r.returncode == 0, r.stderr
    assert TEXT in r.stdout
    assert sim.modems[0].number in r.stdout
    assert "Unicode" in r.stdout
