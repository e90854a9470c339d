"""
The loss report end to end with the kiosk being the real rp2040-ec800n image on an emulated RP2040:
``lib12333 demo --board rp2040-ec800n``.  Slow (the emulated RP2040 runs at a fraction of real speed).

And an emulated reset in the middle of the transaction: the request journalled, the modem asked
to send it, no ACK yet -- delivered exactly once after the reboot.
"""

import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from lib12333 import lossreport
from lib12333.host import demo
from lib12333.host.firmware_image import hall

from .firmware_support import image, wait_screen_on_pico
from .test_firmware_emulated import need_rp2040js

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
pytestmark = pytest.mark.slow  # the rp2040 image in a whole demo on rp2040js: ~15-45 s each idle, minutes loaded


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("firmware"))


def test_demo_with_the_rp2040_image_reports_the_card_lost(out_dir, tmp_path):
    need_rp2040js()
    image("rp2040-ec800n", out_dir)
    keep = tmp_path / "hall"
    p = subprocess.run([sys.executable, "-m", "lib12333", "demo", "--board", "rp2040-ec800n", "--keep", str(keep)],
                       capture_output=True, text=True, cwd=ROOT, timeout=1500)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    out = p.stdout
    assert "OK: the card is 临时挂失 in the registry and the citizen has the notice" in out
    assert "emulated RP2040: rp2040-ec800n.bin" in out
    # masked: neither the phone number, the card number nor the holder's name in clear
    for secret in (demo.CITIZEN_PHONE, demo.HOLDER["card"], demo.HOLDER["name"]):
        assert secret not in out
    # the registry itself, read from the kept database
    conn = sqlite3.connect(str(keep / "centre.db"))
    try:
        state = conn.execute("SELECT state FROM cards WHERE card_no = ?", (demo.HOLDER["card"],)).fetchone()[0]
    finally:
        conn.close()
    assert state == lossreport.TEMP_LOST


def test_reset_after_journalling_delivers_the_request_exactly_once(out_dir, tmp_path):
    """The emulated board is reset once the request is in the journal and the kiosk has asked the
    modem to send it (AT+CMGS), before any ACK.  The kiosk recovers the request from flash, sends
    it again, and the centre applies it once; the citizen gets one notice.  (A second reset after
    the modem's +CMGS is not tested: docs/firmware-images.md.)"""
    need_rp2040js()
    image("rp2040-ec800n", out_dir)
    resets = []
    holder = {}
    seen = {"tx": b""}  # the bridge passes chunks as they come, often a byte or two

    def trace(direction, data):
        if direction != "tx" or resets:
            return
        seen["tx"] = (seen["tx"] + data)[-64:]
        if b"AT+CMGS" in seen["tx"]:
            resets.append(time.time())
            threading.Thread(target=holder["hall"].pico.reset, daemon=True).start()

    transcript = demo.Transcript(echo=False)
    (tmp_path / "hall").mkdir()
    hall.EmulatedPicoHall.modem_trace = staticmethod(trace)
    try:
        h = hall.EmulatedPicoHall(str(tmp_path / "hall"), transcript, kiosk_config={"retry_base": 5})
    finally:
        hall.EmulatedPicoHall.modem_trace = None
    holder["hall"] = h
    timeout = 240
    try:
        # the first boot: longer on a loaded machine, as long as the emulated chip is still slow
        assert wait_screen_on_pico(h.pico, "欢迎使用", timeout), h.pico.diagnose()
        deadline = time.monotonic() + timeout
        while not h.app.modem_ready and time.monotonic() < deadline:
            time.sleep(0.2)
        h.card.insert()
        assert h.wait_screen("您好", timeout), h.pico.diagnose()
        h.press(["2"])
        assert h.wait_screen("请输入您的手机号码", timeout), h.pico.diagnose()
        h.press(list(demo.CITIZEN_PHONE) + ["ok"])
        assert h.wait_screen("社保卡临时挂失", timeout), h.pico.diagnose()
        h.press(["1"])
        deadline = time.monotonic() + 2 * timeout
        while time.monotonic() < deadline and (h.registry_state()["state"] != lossreport.TEMP_LOST
                                               or not h.phone_messages or not resets):
            time.sleep(1)
        stalled = "" if resets and h.phone_messages else h.pico.diagnose()  # why, if it did not finish
        time.sleep(20)  # give a duplicate (frame or notice) the time to show up
        view = h.registry_state()
        notices = list(h.phone_messages)
        status = h.pico.status()
        conn = sqlite3.connect(h.db_path)
        try:
            applied = conn.execute("SELECT applied_at FROM applied WHERE device_id = ?", (demo.DEVICE_ID,)).fetchall()
        finally:
            conn.close()
    finally:
        h.close()
    assert len(resets) == 1 and status["resets"] == 1, stalled
    assert view["state"] == lossreport.TEMP_LOST, stalled
    assert [e["to"] for e in view["events"]] == ["临时挂失"]  # applied once
    assert len(applied) == 1
    # the frame reached the centre seconds after the reset (reboot, modem start, retry): sent by the
    # rebooted kiosk from its journal -- its RAM was gone, the request existed only on flash
    assert applied[0][0] >= int(resets[0]) + 2
    assert len(notices) == 1 and demo.UNIT in notices[0]  # the citizen's result, once
