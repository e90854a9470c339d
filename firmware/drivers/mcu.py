"""
What every microcontroller board's ``Hardware`` shares: clock, sleep, modem reset, wall time.

The board files (board/<name>/board.py) create their UARTs and pins with
``machine`` and inherit these methods, so the firmware sees one interface on
every board (board/host/board.py provides the same methods on a PC).
"""

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any  # noqa: F401 - used in type comments

# MicroPython ports count time.time() from 2000-01-01 or from 1970-01-01 (newer esp32 / rp2).
_EPOCH_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0


class McuHardware:
    modem_reset = None  # type: Any  # a machine.Pin driving the module's reset line, set by the board
    modem_reset_ms = 500

    def clock_ms(self):
        return time.ticks_ms()

    def ticks_diff(self, a, b):
        return time.ticks_diff(a, b)

    def sleep_ms(self, ms):
        time.sleep_ms(ms)

    def wall_time(self):
        """Unix seconds from the RTC (the runtime sets it from the network time the modem reports)."""
        return time.time() + _EPOCH_OFFSET

    def power_cycle_modem(self):
        """Pulse the module's reset line for ``modem_reset_ms`` (the length its hardware manual asks)."""
        pin = self.modem_reset
        if pin is None:
            return
        pin.value(1)
        time.sleep_ms(self.modem_reset_ms)
        pin.value(0)
