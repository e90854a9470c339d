"""
The "host" board: a PC running the same kiosk firmware as the ESP32 / RP2040 boards, on CPython.

``board/host/board.py`` (the board folder of the layout) re-exports this module;
the implementation lives in ``lib12333.host`` because it is CPython-only code
(pyserial, the terminal) and so that an installed lib12333 has it too.

- screen: the terminal (or any callable that takes the lines of a screen);
- keys: the keyboard (``StdinKeys``) or a scripted list (``ScriptedKeys``);
- modem: any serial port pyserial opens: an emulated modem's pty by default
  (``lib12333 modem-sim``), or a real USB modem (/dev/ttyUSB2);
- card reader: a CCID serial reader on a serial port (the card emulator's pty,
  ``lib12333 card sim --pty``, or a real GemPC Twin), driven by the same
  firmware driver as on the boards.

Used by ``lib12333 demo``; docs/boards/host.md.
"""

import os
import select
import sys
import time

from lib12333.host import firmware_package

CcidReader = firmware_package.submodule("drivers.ccid_reader").CcidReader

NAME = "host"
MODEM_PROFILE = None  # detected from AT+CGMM


class SerialUart:
    """pyserial port with the machine.UART methods the drivers use (write, read, any)."""

    def __init__(self, port, baudrate=115200):
        import serial

        self.ser = serial.Serial(port, baudrate, timeout=0, write_timeout=2)

    def write(self, data):
        return self.ser.write(data)

    def any(self):
        return self.ser.in_waiting

    def read(self, n=None):
        data = self.ser.read(n if n is not None else max(1, self.ser.in_waiting))
        return data or None

    def close(self):
        self.ser.close()


class TerminalDisplay:
    """Draws each screen as a framed block; ``sink`` receives the lines (default: print)."""

    def __init__(self, sink=None, width=44):
        self.sink = sink
        self.width = width
        self.last = None

    def show(self, lines):
        if lines == self.last:
            return
        self.last = list(lines)
        if self.sink is not None:
            self.sink(list(lines))
            return
        from lib12333.host.textbox import box

        sys.stdout.write("\n".join(box("screen", [line for line in lines if line], self.width + 2)) + "\n")
        sys.stdout.flush()


class ScriptedKeys:
    """Keys from a list; ``wait_for`` lets a script press a key only once a screen is shown."""

    def __init__(self):
        self.queue = []

    def press(self, *keys):
        self.queue.extend(keys)

    def poll(self, now_ms):
        return self.queue.pop(0) if self.queue else None


class StdinKeys:
    """The keyboard: digits, * and #; Enter = 确认 (ok); Backspace, Esc or 'b' = 返回 (back)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdin
        self.fd = self.stream.fileno()

    def poll(self, now_ms):
        ready, _, _ = select.select([self.fd], [], [], 0)
        if not ready:
            return None
        ch = os.read(self.fd, 1).decode("latin-1")
        if ch in "\r\n":
            return "ok"
        if ch in ("\x7f", "\x08", "\x1b", "b"):
            return "back"
        if ch in "0123456789*#":
            return ch
        return None


class Watchdog:
    """Counts feeds; a PC has no reset line, so a stall is reported instead of rebooting."""

    def __init__(self, timeout_ms=8000):
        self.timeout_ms = timeout_ms
        self.last = time.monotonic()
        self.feeds = 0

    def feed(self):
        self.last = time.monotonic()
        self.feeds += 1

    def starved(self):
        return (time.monotonic() - self.last) * 1000 > self.timeout_ms


class Hardware:
    def __init__(self, modem_port, reader_port, storage, display=None, keypad=None, reader_baud=9600):
        self.modem = SerialUart(modem_port)
        self.reader_uart = SerialUart(reader_port, reader_baud)
        self.reader = CcidReader(self.reader_uart, self.clock_ms, self.sleep_ms)
        self.display = display or TerminalDisplay()
        self.keypad = keypad or ScriptedKeys()
        self.watchdog = Watchdog()
        self.storage = storage
        os.makedirs(storage, exist_ok=True)

    def clock_ms(self):
        return int(time.monotonic() * 1000)

    def ticks_diff(self, a, b):
        return a - b

    def sleep_ms(self, ms):
        time.sleep(ms / 1000.0)

    def wall_time(self):
        return time.time()

    def close(self):
        self.modem.close()
        self.reader_uart.close()
