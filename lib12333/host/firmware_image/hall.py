"""
``lib12333 demo --board rp2040-ec800n``: the service hall of ``lib12333 demo`` with the kiosk
being the real firmware image on an emulated RP2040.

Everything else is the hall of lib12333/host/demo.py -- emulated network and modems, the
centre gateway on SQLite, the CCID serial card reader with the citizen's card, the
citizen's phone, the scripted visit.  The kiosk is ``rp2040-ec800n.bin`` (built or taken
from the cache) with a LittleFS image holding its configuration, key, data files and
library; its UART0 is bridged to the kiosk modem's pty, UART1 to the card reader's pty,
its HMI display is read off its PIO UART and the citizen presses keys on its keypad.
"""

import os
import time

from lib12333.host import demo
from lib12333.host.firmware_image import build, fsimage
from lib12333.host.firmware_image.rp2040 import EmulatedPico

BOARD = "rp2040-ec800n"
BOARDS = (BOARD,)


class _PicoKeys:
    def __init__(self, pico):
        self.pico = pico

    def press(self, key):
        self.pico.press(key)


class _KioskView:
    """What demo.scripted() asks of the kiosk (``modem_ready``), read off the display as a person would."""

    def __init__(self, pico):
        self.pico = pico

    @property
    def modem_ready(self):
        screen = self.pico.screens[-1] if self.pico.screens else []
        return any("欢迎使用" in line for line in screen) and not any("网络暂不可用" in line for line in screen)


def kiosk_library():
    """The library index the demo's kiosk gets (lib12333/data/kb/starter.json), as (idx, dat)."""
    from lib12333.compat import data_path
    from lib12333.host import kb

    t = time.gmtime(time.time() + 8 * 3600)
    idx, dat, _result = kb.build_from_files([data_path("kb/starter.json")], "330100", "%04d-%02d-%02d" % t[:3])
    return idx, dat


class EmulatedPicoHall(demo.Hall):
    """The demo hall; the kiosk is the rp2040-ec800n image on rp2040js."""

    def setup_kiosk(self, keys, display, kiosk_config):
        self.t.add("kiosk", "building (or taking from the cache) the %s firmware image" % BOARD)
        report = build.build(BOARD, out_dir=os.path.join(self.workdir, "firmware"))
        site = {"centre_number": demo.CENTRE_NUMBER, "unit": demo.UNIT, "temp_loss_days": 7}
        site.update(kiosk_config or {})
        provision = fsimage.site_provision(demo.DEVICE_ID, self.key, site)
        fs_path = os.path.join(self.workdir, "kiosk-fs.img")
        fsimage.build_fs(BOARD, fs_path, provision, kiosk_library())
        self.t.add("kiosk", "emulated RP2040: %s (%d bytes), file system %s"
                   % (os.path.basename(report["files"]["bin"]), report["image_bytes"], os.path.basename(fs_path)))
        sink = demo.screen_sink(self.t, self.shown)
        self.pico = EmulatedPico(report["files"]["bin"], fs_path, on_screen=sink).start()
        self.pico.bridge(0, self.ports[1], 115200, trace=self.modem_trace)
        self.pico.bridge(1, self.reader.port, 9600)
        self.hw = self.pico
        self.keys = _PicoKeys(self.pico)
        self.app = _KioskView(self.pico)

    modem_trace = None  # a test sets a callable(direction, bytes) to see the AT traffic
    kiosk_log_in_transcript = False  # the board's log stays on its flash: the screens show the reply


def run(board=BOARD, workdir=None, echo=True, timeout=180.0):
    """The scripted visit with the emulated board; returns (ok, reason, transcript lines)."""
    if board not in BOARDS:
        raise ValueError("no emulated hall for board %r" % board)
    return demo.run(workdir=workdir, echo=echo, timeout=timeout, hall_class=EmulatedPicoHall)
