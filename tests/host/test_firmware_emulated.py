"""
The real firmware images on emulated chips: the Cortex-M3 image under qemu-system-arm and the
rp2040-ec800n image on rp2040js (lib12333/host/firmware_image/rp2040_runner.mjs).

The images come from the build cache (tests/host/test_firmware_build.py builds them).
"""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from lib12333.host import demo
from lib12333.host.deploy.device import SerialDevice
from lib12333.host.firmware_image import hall
from lib12333.host.firmware_image.qemu import QemuBoard
from lib12333.host.firmware_image.rp2040 import EmulatedPico, bootrom_path

from .firmware_support import image, require, skip_or_fail, wait_screen_on_pico

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("firmware"))


def need_rp2040js():
    require("node")
    if not os.path.isdir(os.path.join(ROOT, "node_modules", "rp2040js")):
        skip_or_fail("rp2040js is not installed (npm ci)")
    try:
        bootrom_path()
    except Exception as exc:  # the vendored boot ROM is missing
        skip_or_fail(str(exc))


def test_qemu_image_boots_and_completes_a_loss_report(out_dir):
    require("qemu-system-arm")
    r = image("qemu-mps2", out_dir)
    with QemuBoard(r["files"]["elf"]) as board:
        ident = board.device.identify()
        assert ident["micropython"] == "1.28.0" and ident["platform"] == "qemu"
        result = board.device.eval("__import__('board').loss_report()")
    # the welcome screen after boot, one sealed frame at the centre, its ACK applied, back to welcome
    assert result == {"welcome": True, "centre_frames": 1, "pending": 0, "state": "welcome"}


@pytest.fixture
def pico(out_dir):
    need_rp2040js()
    r = image("rp2040-ec800n", out_dir)
    board = EmulatedPico(r["files"]["bin"]).start()
    try:
        yield board
    finally:
        board.close()


def test_pico_flash_writes_survive_an_emulated_reset(pico):
    dev = SerialDevice(pico.cdc_url, timeout=60)
    dev.exec("import os\nf=open('/journal-test','wb')\nf.write(b'written before the reset')\nf.close()")
    dev.close()
    assert pico.status()["flash_writes"] > 0
    pico.reset()
    time.sleep(1)
    dev = SerialDevice.reconnect(pico.cdc_url, timeout=60, wait=60)
    try:
        assert dev.eval("open('/journal-test','rb').read()") == b"written before the reset"
        assert dev.eval("__import__('sys').implementation.version[:3]") == (1, 28, 0)
    finally:
        dev.close()
    assert pico.status()["resets"] == 1


def test_pico_runner_survives_uart_bytes_before_the_firmware_sets_the_baud_rate(pico):
    """A modem talks before the kiosk opened UART0 (at boot, after a reset): rp2040js reports an
    infinite baud rate then, and the runner used to spin for ever inside its clock (board and
    control port hung -- the boot stalls seen in the hall tests)."""
    with socket.create_connection(("127.0.0.1", pico.ports["uart0"])) as wire:
        wire.sendall(b"RDY\r\n" * 40)  # more than the 32-byte FIFO
        time.sleep(2)
        first = pico.status()["nanos"]  # raises after 60 s when the runner hangs
        dev = SerialDevice(pico.cdc_url, timeout=60)
        try:
            assert dev.eval("1 + 1") == 2
        finally:
            dev.close()
        assert pico.status()["nanos"] > first


def test_pico_uart_receives_a_burst_without_dropping_bytes(pico):
    dev = SerialDevice(pico.cdc_url, timeout=60)
    try:
        dev.exec("from machine import UART, Pin\nu=UART(1, 9600, tx=Pin(4), rx=Pin(5), rxbuf=1024, timeout=0)")
        burst = bytes(range(256)) * 2  # far more than the UART's 32-byte FIFO, pushed at once
        with socket.create_connection(("127.0.0.1", pico.ports["uart1"])) as wire:
            wire.sendall(burst)
            got = b""
            deadline = time.monotonic() + 60
            while len(got) < len(burst) and time.monotonic() < deadline:
                got += dev.eval("u.read() or b''")
                time.sleep(0.2)
            dev.exec("u.write(b'kiosk->reader')")
            wire.settimeout(30)
            echoed = b""
            while len(echoed) < 13:
                chunk = wire.recv(64)
                if not chunk:  # the runner closed the wire: fail below instead of spinning
                    break
                echoed += chunk
    finally:
        dev.close()
    assert got == burst
    assert echoed == b"kiosk->reader"


@pytest.mark.slow  # a kiosk boot on rp2040js: ~5 s idle, ~16 s loaded
def test_pico_kiosk_boots_to_the_welcome_screen_and_reads_the_card_over_uart(out_dir, tmp_path):
    """The whole hall of lib12333 demo with the rp2040-ec800n image as the kiosk, up to the card menu."""
    need_rp2040js()
    image("rp2040-ec800n", out_dir)
    transcript = demo.Transcript(echo=False)
    h = hall.EmulatedPicoHall(str(tmp_path), transcript)
    try:
        assert wait_screen_on_pico(h.pico, "欢迎使用", 120), (transcript.lines[-5:], h.pico.diagnose())
        deadline = time.monotonic() + 120
        while not h.app.modem_ready and time.monotonic() < deadline:  # registered: no "网络暂不可用" line
            time.sleep(0.2)
        assert h.app.modem_ready, h.pico.screens[-1:]
        h.card.insert()
        assert h.wait_screen("您好", 120), h.pico.diagnose()
        menu = [s for s in h.pico.screens if any("您好" in line for line in s)][-1]
    finally:
        h.close()
    # the name decoded with the GBK table from the LittleFS image (李), masked on screen as the card number is
    assert menu[0] == "李**，您好"
    assert "A38612750" not in "".join(menu) and menu[1].startswith("卡号 A")


@pytest.mark.slow  # a whole deploy on the emulated RP2040: minutes
def test_deploy_installs_verifies_and_rolls_back_on_the_emulated_pico(pico, tmp_path):
    """lib12333 deploy over the emulated Pico's USB CDC raw REPL, with the frozen firmware (--skip-frozen)."""
    key = tmp_path / "k.key"
    key.write_bytes(bytes(range(16)))
    site = tmp_path / "site.json"
    site.write_text('{"centre_number": "+8610657112333"}')

    def deploy(*args):
        p = subprocess.run([sys.executable, "-m", "lib12333", "deploy", "--port", pico.cdc_url, "--timeout", "120"]
                           + list(args), capture_output=True, text=True, cwd=ROOT, timeout=1200)
        return p

    # version A: everything as .mpy (what a board without the frozen firmware gets)
    first = deploy("--board", "rp2040-ec800n", "--device-id", "1001", "--key-file", str(key), "--site", str(site),
                   "--json")
    assert first.returncode == 0, first.stderr[-2000:]
    installed = json.loads(first.stdout)
    # version B: data only, the code running from the frozen firmware
    second = deploy("--board", "rp2040-ec800n", "--skip-frozen", "--json")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "[frozen] lib12333" in second.stderr
    assert json.loads(second.stdout)["version"] != installed["version"]
    status = deploy("status", "--verify", "--json")
    assert status.returncode == 0, status.stderr[-2000:]
    state = json.loads(status.stdout)
    assert state["device"]["micropython"] == "1.28.0" and state["device"]["platform"] == "rp2"
    assert state["device_id"] == 1001 and state["problems"] == []
    back = deploy("rollback", "--json")
    assert back.returncode == 0, back.stderr[-2000:]
    after = json.loads(deploy("status", "--json").stdout)
    assert after["active"] == installed["version"] and after["booted"] == installed["version"]
