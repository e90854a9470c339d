"""
The loss report end to end with the kiosk being the real rp2040-ec800n image on an emulated RP2040:
``lib12333 demo --board rp2040-ec800n``, and emulated resets in the middle of the transaction.

Slow (the emulated RP2040 runs at a fraction of real speed): a few minutes each.
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
from lib12333.host.firmware_image import fsimage, hall

from .firmware_support import image
from .test_firmware_emulated import need_rp2040js

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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


def _flash_files(h, tmp_path):
    path = str(tmp_path / "flash.bin")
    h.pico.save_flash(path)
    with open(path, "rb") as f:
        f.seek(0xA0000)
        fs = f.read(1408 * 1024)
    with open(path + ".fs", "wb") as f:
        f.write(fs)
    return fsimage.unpack(path + ".fs", 1408 * 1024)


def test_resets_after_journalling_and_after_sending_deliver_the_request_exactly_once(out_dir, tmp_path):
    """Reset 1: the request is in the journal, the kiosk has just asked the modem to send (AT+CMGS).
    Reset 2: the modem has sent it (+CMGS), the centre's ACK is not yet handled.  Then the kiosk
    recovers the request from flash, resends it, and the centre applies it once."""
    need_rp2040js()
    image("rp2040-ec800n", out_dir)
    resets = []
    triggers = [b"AT+CMGS", b"+CMGS:"]
    holder = {}

    seen = {"tx": b"", "rx": b""}  # the bridge passes chunks as they come, often a byte or two

    def trace(direction, data):
        if not triggers:
            return
        seen[direction] = (seen[direction] + data)[-64:]
        wanted = triggers[0]
        if (direction == "tx" and wanted == b"AT+CMGS" and wanted in seen["tx"]) or \
                (direction == "rx" and wanted == b"+CMGS:" and wanted in seen["rx"]):
            seen["tx"] = seen["rx"] = b""
            triggers.pop(0)
            resets.append(wanted.decode())
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
        assert h.wait_screen("欢迎使用", timeout)
        deadline = time.monotonic() + timeout
        while not h.app.modem_ready and time.monotonic() < deadline:
            time.sleep(0.2)
        h.card.insert()
        assert h.wait_screen("您好", timeout)
        h.press(["2"])
        assert h.wait_screen("请输入您的手机号码", timeout)
        h.press(list(demo.CITIZEN_PHONE) + ["ok"])
        assert h.wait_screen("社保卡临时挂失", timeout)
        h.press(["1"])
        deadline = time.monotonic() + 2 * timeout
        while time.monotonic() < deadline and (h.registry_state()["state"] != lossreport.TEMP_LOST
                                               or not h.phone_messages or len(resets) < 2):
            time.sleep(1)
        # give a duplicate (frame or notice) the time to show up, then look at everything
        deadline = time.monotonic() + 60
        log = ""
        while time.monotonic() < deadline and "reply ack for request 1" not in log:
            time.sleep(5)
            log = _flash_files(h, tmp_path).get("/data/kiosk.log", b"").decode()
        view = h.registry_state()
        notices = list(h.phone_messages)
        status = h.pico.status()
        conn = sqlite3.connect(h.db_path)
        try:
            applied = conn.execute("SELECT COUNT(*) FROM applied WHERE device_id = ?", (demo.DEVICE_ID,)).fetchone()[0]
        finally:
            conn.close()
    finally:
        h.close()
    assert resets == ["AT+CMGS", "+CMGS:"] and status["resets"] == 2
    assert view["state"] == lossreport.TEMP_LOST
    assert [e["to"] for e in view["events"]] == ["临时挂失"]  # applied once
    assert applied == 1
    assert len(notices) == 1 and demo.UNIT in notices[0]  # the citizen's result, once
    assert log.count("outbox recovered: 1 pending") >= 1  # the request came back from the journal
    assert "reply ack for request 1" in log
