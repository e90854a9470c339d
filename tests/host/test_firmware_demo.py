"""
The loss report end to end with the kiosk being the real rp2040-ec800n image on an emulated RP2040:
``lib12333 demo --board rp2040-ec800n``.  Slow (the emulated RP2040 runs at a fraction of real speed).

And emulated resets in the middle of the transaction: the request journalled, the modem asked
to send it, no ACK yet -- delivered exactly once after the reboot; and again right after the
rebooted kiosk's send completed -- the same frame sent again, applied once, one notice.
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
from lib12333.host.modem.network import route_key

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


def _hall_with_modem_trace(tmp_path, trace):
    """The emulated hall, ``trace(direction, bytes)`` seeing the kiosk's AT traffic (retries after 5 s)."""
    transcript = demo.Transcript(echo=False)
    (tmp_path / "hall").mkdir()
    hall.EmulatedPicoHall.modem_trace = staticmethod(trace)
    try:
        return hall.EmulatedPicoHall(str(tmp_path / "hall"), transcript, kiosk_config={"retry_base": 5})
    finally:
        hall.EmulatedPicoHall.modem_trace = None


def _report_the_card_lost(h, timeout):
    """The citizen's visit up to 确认挂失 (the request then goes into the journal and out)."""
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


def _applied_rows(h):
    conn = sqlite3.connect(h.db_path)
    try:
        return conn.execute("SELECT seq, applied_at FROM applied WHERE device_id = ?", (demo.DEVICE_ID,)).fetchall()
    finally:
        conn.close()


def test_reset_after_journalling_delivers_the_request_exactly_once(out_dir, tmp_path):
    """The emulated board is reset once the request is in the journal and the kiosk has asked the
    modem to send it (AT+CMGS), before any ACK.  The kiosk recovers the request from flash, sends
    it again, and the centre applies it once; the citizen gets one notice.  (A second reset, after
    the modem's +CMGS: the next test.)"""
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

    h = holder["hall"] = _hall_with_modem_trace(tmp_path, trace)
    timeout = 240
    try:
        _report_the_card_lost(h, timeout)
        deadline = time.monotonic() + 2 * timeout
        while time.monotonic() < deadline and (h.registry_state()["state"] != lossreport.TEMP_LOST
                                               or not h.phone_messages or not resets):
            time.sleep(1)
        stalled = "" if resets and h.phone_messages else h.pico.diagnose()  # why, if it did not finish
        time.sleep(20)  # give a duplicate (frame or notice) the time to show up
        view = h.registry_state()
        notices = list(h.phone_messages)
        status = h.pico.status()
        applied = _applied_rows(h)
    finally:
        h.close()
    assert len(resets) == 1 and status["resets"] == 1, stalled
    assert view["state"] == lossreport.TEMP_LOST, stalled
    assert [e["to"] for e in view["events"]] == ["临时挂失"]  # applied once
    assert len(applied) == 1
    # the frame reached the centre seconds after the reset (reboot, modem start, retry): sent by the
    # rebooted kiosk from its journal -- its RAM was gone, the request existed only on flash
    assert applied[0][1] >= int(resets[0]) + 2
    assert len(notices) == 1 and demo.UNIT in notices[0]  # the citizen's result, once


@pytest.mark.parametrize("centre", ["held", "answering"])
def test_reset_again_after_the_send_delivers_the_request_exactly_once(out_dir, tmp_path, centre):
    """Two emulated resets in one loss report: (1) once the kiosk asks the modem to send the
    journalled request (AT+CMGS), and (2) right after the rebooted kiosk's send completed (the
    modem answered +CMGS: the frame is on its way to the centre) -- the kiosk never learnt that it
    was sent.

    ``held``: the centre's gateway is not stepped until the twice-rebooted kiosk has sent the
    frame again, so no answer can come before that resend: the centre then sees the same sealed
    frame (same seq) twice, applies it once and answers the copy as a duplicate.
    ``answering``: the centre answers at once, so its ACK reaches the kiosk's modem while the
    board reboots (the URC bytes arrive before the firmware has set up its UART); the kiosk
    either reads the answer from the modem's storage or sends the frame again and is answered
    as a duplicate -- which one depends on timing; both must end with one application.

    Either way the citizen's phone gets one notice and the kiosk takes the answer: it stops
    sending (it retries after 5, 10, 20 s while it has none).  The rebooted kiosk then shows the
    result when the citizen asks for it (挂失进度: 临时挂失), its next request accepted by the centre."""
    need_rp2040js()
    image("rp2040-ec800n", out_dir)
    resets = []  # (wall time, why)
    wire = {"tx": b"", "rx": b""}
    sent_after = []  # len(resets) at each +CMGS the modem answered
    centre_open = threading.Event()
    if centre == "answering":
        centre_open.set()
    holder = {}

    def trace(direction, data):
        wire[direction] = (wire[direction] + data)[-64:]
        if direction == "tx" and not resets and b"AT+CMGS" in wire["tx"]:
            reset("journalled, handed to the modem")
        elif direction == "rx" and b"+CMGS:" in wire["rx"]:
            wire["rx"] = b""
            sent_after.append(len(resets))
            if len(resets) == 1:
                reset("sent, before the answer")
            elif len(resets) == 2:
                centre_open.set()

    def reset(why):
        wire["tx"] = wire["rx"] = b""
        resets.append((time.time(), why))
        threading.Thread(target=holder["hall"].pico.reset, daemon=True).start()

    h = holder["hall"] = _hall_with_modem_trace(tmp_path, trace)
    step = h.gateway.step

    def held_step(timeout):  # the centre is slow: its SMS wait in its modem until released
        if centre_open.is_set():
            return step(timeout)
        time.sleep(timeout)

    h.gateway.step = held_step
    timeout = 240
    try:
        _report_the_card_lost(h, timeout)
        deadline = time.monotonic() + 3 * timeout
        while time.monotonic() < deadline and (h.registry_state()["state"] != lossreport.TEMP_LOST
                                               or not h.phone_messages or len(resets) < 2
                                               or (centre == "held" and h.centre.stats["duplicates"] < 1)):
            time.sleep(1)
        stalled = "" if h.phone_messages else "resets %r sends %r; %s" % (resets, sent_after, h.pico.diagnose())
        time.sleep(25)  # time for the kiosk's retries (if it missed the answer) and a duplicate notice
        view = h.registry_state()
        notices = list(h.phone_messages)
        status = h.pico.status()
        applied = _applied_rows(h)
        stats = dict(h.centre.stats)
        submits = [entry[4] for entry in h.sim.log if entry[0] == "submit"
                   and route_key(entry[1]) == route_key(demo.KIOSK_NUMBER)
                   and route_key(entry[2] or "") == route_key(demo.CENTRE_NUMBER)]
        screens = list(h.pico.screens)
        sends = list(sent_after)  # before the citizen's query below, which is sent too
        # The kiosk shows the result: its session went with the reboot (a late answer is only
        # logged), so the citizen -- card still in, on the menu -- asks for 挂失进度 (3, then 1).
        # A new request with a new seq after the two resets: the centre must not refuse it as replayed.
        shown = len(h.shown)
        h.press(["3"])
        assert h.wait_screen("1 挂失进度（本卡）", timeout, since=shown), h.pico.diagnose()
        shown = len(h.shown)
        h.press(["1"])
        assert h.wait_screen("卡片状态：", timeout, since=shown), h.pico.diagnose()
        result = [lines for lines in h.shown[shown:] if any("卡片状态：" in line for line in lines)][0]
        rejected = h.centre.stats["rejected"]
    finally:
        h.close()
    assert result[:2] == ["挂失进度", "卡片状态：临时挂失"], result
    assert rejected == 0
    # what happened, for `pytest -rP`: which path the timing took
    print("centre %s: sends after resets %r, TPDUs %d, centre stats %r, applied %r, resets at %r, last screen %r"
          % (centre, sends, len(submits), stats, applied, [t for t, _why in resets], screens[-1]))
    assert [why for _t, why in resets] == ["journalled, handed to the modem", "sent, before the answer"], stalled
    assert status["resets"] == 2, stalled
    if centre == "held":
        # sent once after the first reboot, once more after the second -- and nothing after the answer
        assert sends == [1, 2], stalled
        assert len(submits) == 2, submits
    else:
        assert sends in ([1], [1, 2]), stalled
        assert len(submits) == len(sends), submits
    # the same sealed frame every time (same seq, same nonce), not a new request: only the message
    # reference the modem gives each submission (TP-MR, the TPDU's second octet) may differ
    assert len({tpdu[:2] + tpdu[4:] for tpdu in submits}) == 1, submits
    # the centre: applied once, every further copy answered as a duplicate
    assert len(applied) == 1, applied
    assert stats["applied"] == 1 and stats["duplicates"] == len(submits) - 1, stats
    assert view["state"] == lossreport.TEMP_LOST, stalled
    assert [e["to"] for e in view["events"]] == ["临时挂失"]
    if centre == "held":
        assert applied[0][1] >= int(resets[1][0])  # the centre applied it only after the second reset
    # the citizen: one notice, with the unit's signature and no card number in clear
    assert len(notices) == 1 and demo.UNIT in notices[0], notices
    assert demo.HOLDER["card"] not in notices[0]
    # the kiosk came back from both resets (its welcome screen drawn three times) and shows no failure
    assert sum(any("欢迎使用" in line for line in s) for s in screens) >= 3, screens[-5:]
    assert not any("失败" in line for line in screens[-1]), screens[-1]
