"""
Card reads over every transport against the emulator:

* in-process (EmulatedCard behind InProcessReader)
* lib12333's own UART reader (pyserial + core CCID codec) <-> the CCID serial reader emulator on a pty
* pyscard -> pcscd -> vpcd -> the emulator over TCP
* pyscard -> pcscd -> libccidtwin (pcsc-lite's GemPC Twin serial driver) -> the emulator on a pty

plus removal mid-read, unexpected status words and the CLI end to end.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from lib12333.card import readcardbas
from lib12333.errors import DeviceError, SecurityError
from lib12333.host.card.ccid_reader import CcidSerialReaderEmulator
from lib12333.host.card.emulator import CardProfile, EmulatedCard, InProcessReader, SoftwareAuthenticator
from lib12333.host.card.readers import PcscReader, SerialCcidReader, read_card
from tests.host import card_services

LONG_NAME = "\u6b27\u9633" + "\u5a1c" * 18  # 40 GBK bytes: tag 09 + name extension 4E
EXPECTED_HIST = "00814E43238697159900BF7C7A"


def profile(spec):
    return CardProfile.for_spec(spec, name=LONG_NAME if spec != "1.0" else "\u5f20\u4e09")


def check_info(info, spec):
    assert info.spec == spec
    assert info.ssn == "111111198101011110"
    assert info.card_number == "X00000019"
    assert info.name == (LONG_NAME if spec != "1.0" else "\u5f20\u4e09")
    assert info.birth_date == "19810101"
    assert info.authenticated == (spec == "3.0")
    text = readcardbas.format_basic(info)
    assert text.split("|")[5] == EXPECTED_HIST
    assert readcardbas.parse_basic(text)["card_id"] == "639900D15600000500BF7C7A48FB4966"


# ---------------------------------------------------------------- in-process


@pytest.mark.parametrize("spec", ["1.0", "2.0", "3.0"])
def test_in_process(spec):
    info = read_card(InProcessReader(EmulatedCard(profile(spec))), SoftwareAuthenticator())
    check_info(info, spec)


def test_in_process_removed_mid_read():
    card = EmulatedCard(profile("2.0"), remove_after=6)
    with pytest.raises(DeviceError) as e:
        read_card(InProcessReader(card))
    assert e.value.code == "removed"
    assert readcardbas.error_code(e.value) == -2


def test_in_process_3_0_wrong_key():
    with pytest.raises(SecurityError) as e:
        read_card(InProcessReader(EmulatedCard(profile("3.0"))), SoftwareAuthenticator(bytes(16)))
    assert readcardbas.error_code(e.value) == -0x63C2


def test_in_process_pin_tries_and_block():
    from lib12333.card import ssse

    reader = InProcessReader(EmulatedCard(CardProfile(pin="2468", pin_tries=3)))
    reader.connect()
    for left in (2, 1):
        with pytest.raises(SecurityError) as e:
            ssse.verify_pin(reader.transmit, "1111")
        assert e.value.tries_left == left
        assert readcardbas.error_code(e.value) == -51
    assert ssse.verify_pin(reader.transmit, "2468") is None  # a right PIN resets the counter
    for _ in range(3):
        with pytest.raises(SecurityError):
            ssse.verify_pin(reader.transmit, "1111")
    with pytest.raises(SecurityError) as e:
        ssse.verify_pin(reader.transmit, "2468")
    assert readcardbas.error_code(e.value) == -52


def test_in_process_apdu_sequence():
    """The read sends the documented sequence: SELECT SSSE (61 1E), GET RESPONSE, 16 more commands."""
    card = EmulatedCard(profile("2.0"))
    read_card(InProcessReader(card))
    commands = [c for c, _ in card.log]
    assert commands[0] == bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
    assert card.log[0][1] == b"\x61\x1e"
    assert commands[1] == bytes.fromhex("00C000001E")
    assert len(commands) == 18


# ---------------------------------------------------------------- our UART reader on a pty


@pytest.fixture
def serial_emulator():
    trace = []
    emu = CcidSerialReaderEmulator(EmulatedCard(profile("2.0")), trace=trace).start()
    yield emu
    emu.stop()


@pytest.mark.parametrize("spec", ["1.0", "2.0", "3.0"])
def test_serial_reader(serial_emulator, spec):
    serial_emulator.card.load(profile(spec))
    info = read_card(SerialCcidReader(serial_emulator.port, timeout=2), SoftwareAuthenticator())
    check_info(info, spec)
    host_bytes = b"".join(d for who, d in serial_emulator.trace if who == "host")
    assert host_bytes.startswith(b"\x03\x06\x62")  # IccPowerOn in a SYNC/ACK frame


def test_serial_reader_card_removed(serial_emulator):
    serial_emulator.card.load(profile("2.0"), remove_after=4)
    with pytest.raises(DeviceError) as e:
        read_card(SerialCcidReader(serial_emulator.port, timeout=2))
    assert e.value.code == "no-card"
    assert readcardbas.error_code(e.value) == -2


def test_serial_reader_no_card(serial_emulator):
    serial_emulator.card.remove()
    with pytest.raises(DeviceError) as e:
        SerialCcidReader(serial_emulator.port, timeout=2).connect()
    assert e.value.code == "no-card"


def test_serial_reader_recovers_from_nak(serial_emulator):
    reader = SerialCcidReader(serial_emulator.port, timeout=2)
    reader.connect()
    reader._serial.write(b"\x03\x07")  # bad control byte -> the reader answers NAK
    assert reader.slot_status() == 0
    assert serial_emulator.naks == 1
    reader.disconnect()


@pytest.mark.parametrize("garbage, error", [
    (b"\x04\x05\x06", "CCID serial SYNC"),
    (b"\x03\x06\x80\x01\x00\x00\x00\x00\x00\x00\x00\x00\x3b\x00", "CCID serial LRC"),
    (b"\x03\x06\x99" + bytes(9) + b"\x9c", "CCID bMessageType"),
])
def test_serial_reader_malformed_reader_answers(garbage, error):
    """A reader that answers garbage gives a DecodeError naming the broken field, at once."""
    import os
    import select
    import threading
    import tty

    from lib12333.errors import DecodeError

    master, slave = os.openpty()
    tty.setraw(slave)

    def answer():
        ready, _, _ = select.select([master], [], [], 5)
        if ready:
            os.read(master, 1024)
            os.write(master, garbage)

    t = threading.Thread(target=answer, daemon=True)
    t.start()
    try:
        with pytest.raises(DecodeError) as e:
            SerialCcidReader(os.ttyname(slave), timeout=3).connect()
        assert e.value.field == error
    finally:
        t.join(5)
        os.close(master)
        os.close(slave)


# ---------------------------------------------------------------- pcscd


@pytest.fixture(scope="module")
def pcscd():
    reason = card_services.missing_reason()
    if reason:
        card_services.skip_or_fail(reason)
    emu = CcidSerialReaderEmulator(EmulatedCard(profile("2.0"))).start()
    stack = card_services.PcscdStack(emu)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        emu.stop()


@pytest.fixture
def vpcd_card(pcscd):
    from lib12333.host.card.vpcd import VpcdCard

    link = VpcdCard(EmulatedCard(profile("2.0"))).connect()
    yield link
    link.close()


@pytest.mark.parametrize("spec", ["1.0", "2.0", "3.0"])
def test_pcscd_vpcd(vpcd_card, spec):
    vpcd_card.card.load(profile(spec))
    reader = PcscReader("Virtual PCD 00 00", wait=10)
    info = read_card(reader, SoftwareAuthenticator())
    check_info(info, spec)
    assert vpcd_card.messages > 10


def test_pcscd_vpcd_unexpected_status(vpcd_card):
    vpcd_card.card.load(profile("2.0"), fail={(0xB2, 0x08): 0x6581})
    with pytest.raises(DeviceError) as e:
        read_card(PcscReader("Virtual PCD 00 00", wait=10))
    assert e.value.code == "6581"
    assert "READ RECORD EF06 tag 08" in str(e.value)
    assert readcardbas.error_code(e.value) == -0x6581


def test_pcscd_vpcd_removed_mid_read(vpcd_card):
    vpcd_card.card.load(profile("2.0"), remove_after=5)
    with pytest.raises(DeviceError) as e:
        read_card(PcscReader("Virtual PCD 00 00", wait=10))
    assert e.value.code == "removed"
    assert readcardbas.error_code(e.value) == -2


@pytest.mark.parametrize("spec", ["1.0", "2.0", "3.0"])
def test_pcscd_ccidtwin(pcscd, spec):
    pcscd.ccid.card.load(profile(spec))
    info = read_card(PcscReader("lib12333 CCID serial", wait=10), SoftwareAuthenticator())
    check_info(info, spec)
    assert pcscd.ccid.frames > 5


def test_pcscd_ccidtwin_removed_mid_read(pcscd):
    pcscd.ccid.card.load(profile("2.0"), remove_after=5)
    with pytest.raises(DeviceError) as e:
        read_card(PcscReader("lib12333 CCID serial", wait=10))
    assert e.value.code == "removed"
    # let pcscd's poll see the empty slot before the card goes back in
    deadline = time.monotonic() + 10
    polls = pcscd.ccid.absent_polls
    while pcscd.ccid.absent_polls == polls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pcscd.ccid.absent_polls > polls
    pcscd.ccid.card.load(profile("2.0"))
    check_info(read_card(PcscReader("lib12333 CCID serial", wait=10)), "2.0")


def test_cli_over_pcscd(vpcd_card):
    vpcd_card.card.load(profile("3.0"))
    key = vpcd_card.card.profile.rk_key.hex()
    proc = subprocess.run(
        [sys.executable, "-m", "lib12333", "card", "read", "--reader", "Virtual PCD 00 00", "--json",
         "--emulator-key", key, "--wait", "10"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["card"]["ssn"] == "111111********1110"
    assert out["card"]["name"] == "\u6b27\u9633" + "*" * 18
    assert out["authenticated"] is True


# ---------------------------------------------------------------- CLI without pcscd


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "lib12333", "card"] + list(args), capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONIOENCODING="utf-8"))


def test_cli_emulator_masked_and_unmasked():
    masked = run_cli("read", "--emulator", "--format", "readcardbas")
    assert masked.returncode == 0, masked.stderr
    assert "111111198101011110" not in masked.stdout
    assert masked.stdout.split("|")[1] == "111111********1110"
    shown = run_cli("read", "--emulator", "--spec", "1.0", "--format", "readcardbas", "--show-pii")
    assert shown.stdout.strip() == (
        "639900|111111198101011110|X00000019|639900D15600000500BF7C7A48FB4966|\u5f20\u4e09|"
        + EXPECTED_HIST + "|1.00|20101001|20201001|000000000000||"
    )


def test_cli_serial_port_error_code(serial_emulator):
    serial_emulator.card.remove()
    proc = run_cli("read", "--port", serial_emulator.port, "--json", "--timeout", "2")
    assert proc.returncode == 5
    out = json.loads(proc.stdout)
    assert out == {"ok": False, "code": -2, "text": "\u65e0\u5361", "error": out["error"]}


def test_cli_sim_pty_serves_reads():
    sim = subprocess.Popen([sys.executable, "-m", "lib12333", "card", "sim", "--pty", "--spec", "2.0",
                            "--seconds", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = sim.stdout.readline().strip()
        assert port.startswith("/dev/pts/")
        proc = run_cli("read", "--port", port, "--json", "--show-pii")
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["card"]["name"] == "\u5f20\u4e09"
    finally:
        sim.terminate()
        sim.wait(10)
