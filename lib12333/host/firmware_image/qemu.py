"""
The ``qemu-mps2`` image (Cortex-M3) under ``qemu-system-arm``, reached through its raw REPL.

QEMU connects the machine's UART0 to a pty; ``QemuBoard.device`` is the same
``SerialDevice`` that ``lib12333 deploy`` uses for a real board.

    with QemuBoard(elf) as board:
        print(board.device.exec("import board; print(board.loss_report())"))
"""

import os
import re
import subprocess
import time

from lib12333.errors import DeviceError
from lib12333.host.firmware_image import sources

PTY_LINE = re.compile(rb"char device redirected to (/dev/pts/\d+)")


class QemuBoard:
    def __init__(self, elf, timeout=60.0, start_wait=20.0):
        self.elf = elf
        self.timeout = timeout
        self.start_wait = start_wait
        self.proc = None
        self.device = None
        self.port = None

    def command(self):
        return [sources.require_tool("qemu-system-arm"), "-machine", "mps2-an385", "-nographic", "-monitor", "null",
                "-semihosting", "-serial", "pty", "-kernel", self.elf]

    def start(self):
        from lib12333.host.deploy.device import SerialDevice

        if not os.path.isfile(self.elf):
            raise DeviceError("no image at %s: run lib12333 firmware build --board qemu-mps2" % self.elf)
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.start_wait
        seen = b""
        while self.port is None:
            line = self.proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                self.close()
                raise DeviceError("qemu-system-arm did not start: %s" % seen.decode("utf-8", "replace").strip())
            seen += line
            m = PTY_LINE.search(line)
            if m:
                self.port = m.group(1).decode()
        self.device = SerialDevice(self.port, timeout=self.timeout)
        return self

    def close(self):
        if self.device is not None:
            self.device.close()
            self.device = None
        if self.proc is not None:
            sources.stop_process(self.proc, (self.proc.stdout,))
            self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
