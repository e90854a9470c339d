"""Kiosk peripheral drivers with fake UARTs and pins (CPython and MicroPython)."""

import unittest

from firmware.drivers.ccid_reader import CcidReader
from firmware.drivers.hmi import END, HmiDisplay
from firmware.drivers.keypad import MatrixKeypad
from lib12333.card import ccid
from lib12333.errors import DeadlineError, DeviceError


class FakeUart:
    def __init__(self):
        self.written = []
        self.incoming = b""

    def write(self, data):
        self.written.append(bytes(data))
        return len(data)

    def any(self):
        return len(self.incoming)

    def read(self, n=None):
        if not self.incoming:
            return None
        n = len(self.incoming) if n is None else n
        data, self.incoming = self.incoming[:n], self.incoming[n:]
        return data


class FakePin:
    def __init__(self, grid=None, index=0):
        self.level = 1
        self.grid = grid
        self.index = index

    def value(self, v=None):
        if v is None:
            return self.grid.read_col(self.index)
        self.level = v


class Grid:
    """A keypad matrix: which (row, col) is held down."""

    def __init__(self):
        self.rows = [FakePin() for _ in range(4)]
        self.cols = [FakePin(self, j) for j in range(4)]
        self.held = None

    def read_col(self, j):
        if self.held is None:
            return 1
        r, c = self.held
        return 0 if (c == j and self.rows[r].level == 0) else 1


class TestKeypad(unittest.TestCase):
    def test_debounced_single_report_per_press(self):
        g = Grid()
        kp = MatrixKeypad(g.rows, g.cols, debounce_ms=30)
        self.assertEqual(kp.poll(0), None)
        g.held = (0, 3)  # "A" = ok
        self.assertEqual(kp.poll(10), None)   # first sight starts the debounce
        self.assertEqual(kp.poll(25), None)   # still bouncing
        self.assertEqual(kp.poll(45), "ok")
        self.assertEqual(kp.poll(200), None)  # held: no repeat
        g.held = None
        self.assertEqual(kp.poll(210), None)
        self.assertEqual(kp.poll(250), None)
        g.held = (3, 1)
        kp.poll(260)
        self.assertEqual(kp.poll(300), "0")

    def test_every_position(self):
        from firmware.drivers.keypad import LAYOUT

        g = Grid()
        kp = MatrixKeypad(g.rows, g.cols)
        for r in range(4):
            for c in range(4):
                g.held = (r, c)
                self.assertEqual(kp.scan(), LAYOUT[r][c])
                for row in g.rows:
                    self.assertEqual(row.level, 1)  # every row released after the scan


class TestHmi(unittest.TestCase):
    def test_only_changed_lines_are_sent_with_terminator_and_escaping(self):
        u = FakeUart()
        d = HmiDisplay(u, lines=3)
        d.show(["欢迎", 'say "hi"'])
        self.assertEqual(u.written, [
            't0.txt="欢迎"'.encode() + END, b't1.txt="say \\"hi\\""' + END, b't2.txt=""' + END])
        u.written = []
        d.show(["欢迎", "next"])
        self.assertEqual(u.written, [b't1.txt="next"' + END])

    def test_touch_events_become_keys_and_noise_is_dropped(self):
        u = FakeUart()
        d = HmiDisplay(u)
        u.incoming = b"\x65\x00\x20\x01" + END + b"\x65\x00\x20\x00" + END
        self.assertEqual(d.poll_touch(), "ok")
        self.assertEqual(d.poll_touch(), None)  # release event is not a key
        u.incoming = b"\x01" * 100
        self.assertEqual(d.poll_touch(), None)
        self.assertEqual(d._rx, b"")


class ScriptedReaderUart(FakeUart):
    """A GemPC-Twin-style reader: echoes each command frame, then answers it."""

    def __init__(self, card_present=True, mute=False):
        FakeUart.__init__(self)
        self.card_present = card_present
        self.mute = mute
        self.decoder = ccid.SerialDecoder()

    def write(self, data):
        FakeUart.write(self, data)
        if self.mute:
            return len(data)
        for kind, msg in self.decoder.feed(data):
            if kind != "frame":
                continue
            self.incoming += ccid.frame(msg)  # the echo
            m = ccid.parse_message(msg)
            status = ccid.status_byte(ccid.ICC_ACTIVE if self.card_present else ccid.ICC_ABSENT,
                                      ccid.CMD_OK if self.card_present else ccid.CMD_FAILED)
            if m.type == ccid.PC_TO_RDR_GET_SLOT_STATUS:
                answer = ccid.slot_status(m.slot, m.seq, status)
            elif m.type == ccid.PC_TO_RDR_ICC_POWER_ON:
                answer = ccid.data_block(m.slot, m.seq, status, ccid.ERR_ICC_MUTE if not self.card_present else 0,
                                         b"\x3b\x6c\x00\x00" if self.card_present else b"")
            elif m.type == ccid.PC_TO_RDR_XFR_BLOCK:
                answer = ccid.data_block(m.slot, m.seq, status, 0, b"\x90\x00")
            else:
                answer = ccid.slot_status(m.slot, m.seq, status)
            self.incoming += ccid.frame(answer)
        return len(data)


class Clock:
    def __init__(self):
        self.t = 0

    def ms(self):
        return self.t

    def sleep(self, ms):
        self.t += ms


class TestCcidReader(unittest.TestCase):
    def test_power_on_and_transmit(self):
        clock = Clock()
        r = CcidReader(ScriptedReaderUart(), clock.ms, clock.sleep)
        self.assertTrue(r.present())
        self.assertEqual(r.power_on(), b"\x3b\x6c\x00\x00")
        self.assertEqual(r.transmit(b"\x00\xa4\x04\x00\x00"), b"\x90\x00")
        r.power_off()

    def test_no_card(self):
        clock = Clock()
        r = CcidReader(ScriptedReaderUart(card_present=False), clock.ms, clock.sleep)
        self.assertFalse(r.present())
        with self.assertRaises(DeviceError):
            r.power_on()

    def test_a_mute_reader_hits_the_deadline_not_a_hang(self):
        clock = Clock()
        r = CcidReader(ScriptedReaderUart(mute=True), clock.ms, clock.sleep, timeout_ms=500)
        with self.assertRaises(DeadlineError):
            r.power_on()
        self.assertTrue(500 <= clock.t <= 510)
        self.assertFalse(r.host.busy)
