"""
The whole transaction, end to end, over real ptys: kiosk firmware on the host board,
emulated modems and network, the centre gateway on SQLite, the card in a CCID serial
reader -- also under network faults and with power cuts of the kiosk and the gateway.
"""

import os
import re
import subprocess
import sys
import time

import pytest

from lib12333 import lossreport
from lib12333.host import demo, transcript
from lib12333.host.modem.faults import Faults
from tests.host.polling import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_lib12333_demo_exits_0_and_masks_personal_data():
    proc = subprocess.run([sys.executable, "-m", "lib12333", "demo"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "OK: the card is 临时挂失 in the registry" in out
    assert "挂失成功" in out and "卡片状态：临时挂失" in out
    holder = demo._holder()
    for secret in (holder["ssn"], holder["name"], holder["card"], demo.CITIZEN_PHONE):
        assert secret not in out, "personal data in the transcript"
    # Not even in pieces: no 4-digit prefix or suffix of the phone, card or ID number shows.
    phone = demo.CITIZEN_PHONE
    for piece in (phone[:4], phone[3:7], holder["ssn"][:6] + holder["ssn"][6:10], holder["card"][1:5]):
        assert piece not in out, "a piece of personal data in the transcript: " + piece
    assert demo.UNIT in out  # the notice names the unit


def _normalised(out):
    """The transcript without what must differ between runs: time stamps, pty names, the temporary folder."""
    out = re.sub(r"(?m)^ *[0-9.]+s ", "", out)
    out = re.sub(r"/dev/pts/[0-9]+", "PTY", out)
    return re.sub(r"/tmp/lib12333-demo-[^/ ]+", "TMP", out)


@pytest.mark.slow
def test_the_demo_transcript_is_the_same_on_every_run():
    runs = [subprocess.run([sys.executable, "-m", "lib12333", "demo"], cwd=ROOT, capture_output=True, text=True,
                           timeout=300) for _ in range(2)]
    for proc in runs:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    first, second = (_normalised(p.stdout) for p in runs)
    assert first == second
    assert "网络暂不可用" not in first  # the modem registers within the first second
    assert "modem rebooted" not in first  # its power-on RDY is not a reboot
    assert first.count("请输入您的手机号码") == 1  # typing is one line, not a screen per key
    assert "types the phone number 139****5678" in first
    assert "demo card A******50" in first and "gateway card show --db DIR/centre.db" in first


def test_typed_numbers_are_masked_in_the_transcript():
    assert transcript.mask_digit_runs("139123_") == "139***_"
    assert transcript.mask_digit_runs("13_") == "13_"
    assert transcript.mask_digit_runs("短信通知 13912345678") == "短信通知 139****5678"
    assert transcript.mask_digit_runs("拨打12333") == "拨打12333"


def count(hall, sql):
    from lib12333.host.gateway import db

    conn = db.connect(hall.db_path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def report_loss(hall, timeout=60):
    assert hall.wait_screen("欢迎使用", timeout)
    wait_until(lambda: hall.app.modem_ready, timeout)  # the kiosk copes with a slow modem; the test goes on
    hall.card.insert()
    assert hall.wait_screen("您好", timeout), "card not read"
    hall.press(["2"])
    assert hall.wait_screen("请输入您的手机号码", timeout)
    hall.press(list(demo.CITIZEN_PHONE) + ["ok"])
    assert hall.wait_screen("社保卡临时挂失", timeout)


@pytest.fixture()
def hall_factory(tmp_path):
    halls = []

    def make(**kw):
        h = demo.Hall(str(tmp_path), demo.Transcript(echo=False), **kw)
        halls.append(h)
        return h

    yield make
    for h in halls:
        h.close()


@pytest.mark.slow
def test_under_network_faults_the_loss_is_applied_exactly_once(hall_factory):
    faults = Faults(dup=0.5, cms=0.25, latency=0.05, garbage=0.05, seed=12333)
    hall = hall_factory(faults=faults, kiosk_config={"retry_base": 2, "retry_max": 4})
    report_loss(hall, timeout=90)
    hall.press(["1"])
    assert hall.wait_screen("挂失成功", 120), "\n".join(hall.t.lines[-30:])
    assert wait_until(lambda: hall.phone_messages, 60)
    assert hall.registry_state()["state"] == lossreport.TEMP_LOST
    assert count(hall, "SELECT COUNT(*) FROM card_events") == 1
    assert count(hall, "SELECT COUNT(*) FROM applied") == 1
    # Duplicated deliveries reached the centre and were answered, not applied.
    assert hall.centre.stats["applied"] == 1


@pytest.mark.slow
def test_kiosk_power_cut_after_accepting_resends_after_reboot_and_applies_once(hall_factory):
    hall = hall_factory(kiosk_config={"retry_base": 2, "retry_max": 4})
    report_loss(hall)
    kiosk_modem = hall.sim.modems[1]
    hall.sim.call(lambda: kiosk_modem.set_registered(False))
    time.sleep(0.5)
    hall.press(["1"])
    assert hall.wait_screen("申请已受理", 30)
    hall.power_cut_kiosk()  # the request is only in the kiosk's journal now
    assert count(hall, "SELECT COUNT(*) FROM applied") == 0
    hall.sim.call(lambda: kiosk_modem.set_registered(True))
    hall.start_kiosk()
    assert wait_until(lambda: count(hall, "SELECT COUNT(*) FROM applied") == 1, 60), "\n".join(hall.t.lines[-30:])
    assert wait_until(lambda: hall.phone_messages, 60)
    time.sleep(3)  # let any retransmission arrive
    assert count(hall, "SELECT COUNT(*) FROM card_events") == 1
    assert hall.registry_state()["state"] == lossreport.TEMP_LOST
    assert wait_until(lambda: not hall.app.outbox.pending(), 30)


@pytest.mark.slow
def test_gateway_killed_after_commit_before_deleting_the_sms(hall_factory):
    """The SMS stays on the centre's modem; the restarted gateway sees it again and does not re-apply."""
    from lib12333.host.gateway import admin, db
    from lib12333.host.gateway.centre import Centre
    from lib12333.host.gateway.service import GatewayService
    from lib12333.host.modem.transport import SerialModem

    hall = hall_factory(kiosk_config={"retry_base": 3, "retry_max": 6})
    crashed = {"done": False}
    real_handle = hall.centre.handle_many  # the gateway applies the frames of a pump as one group

    def handle_then_die(frames):
        real_handle(frames)
        crashed["done"] = True
        raise SystemExit("gateway killed")  # after the commit, before confirm(): the SMS is not deleted

    hall.centre.handle_many = handle_then_die
    original_step = hall.gateway.step

    def step(timeout=0.05):
        if crashed["done"]:
            time.sleep(timeout)
            return
        try:
            original_step(timeout)
        except SystemExit:
            pass

    hall.gateway.step = step
    report_loss(hall)
    hall.press(["1"])
    assert wait_until(lambda: crashed["done"], 60)
    assert count(hall, "SELECT COUNT(*) FROM applied") == 1
    # Restart: a new process would open the same database and the same modem.
    hall.stop_event.set()
    time.sleep(0.3)
    hall.gateway.modem.close()
    conn = db.connect(hall.db_path)
    centre = Centre(conn, demo.UNIT, temp_days=7)
    service = GatewayService(SerialModem(hall.sim.modems[0].path), centre)
    hall.stop_event.clear()
    hall.start_kiosk()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (centre.stats["duplicates"] or centre.stats["applied"]):
        service.step(0.05)
    service.modem.engine.scan()
    end = time.monotonic() + 10
    while time.monotonic() < end:
        service.step(0.05)
    assert count(hall, "SELECT COUNT(*) FROM applied") == 1
    assert count(hall, "SELECT COUNT(*) FROM card_events") == 1
    assert centre.stats["applied"] == 0 and centre.stats["duplicates"] >= 1
    rows = conn.execute("SELECT id, kind, attempts, next_at, sent_at, failed FROM outgoing").fetchall()
    assert count(hall, "SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL") == 0, (service.ready, rows)
    service.modem.close()
    assert admin.card_view(conn, hall.holder["card"])["state"] == lossreport.TEMP_LOST
