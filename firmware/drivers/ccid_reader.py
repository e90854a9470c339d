"""
A card reader on a UART speaking CCID in the GemPC Twin serial framing.

Wraps the sans-IO ``lib12333.card.ccid.CcidHost`` with the blocking exchange a
kiosk needs while it reads a card: write the command, read answers until done or
the deadline.  ``uart`` has ``write(b)``, ``read(n)`` (None or bytes, non-blocking)
and ``any()``; ``clock`` returns milliseconds and ``sleep_ms`` waits.
"""

from lib12333.card import ccid
from lib12333.errors import DeadlineError, DeviceError


class CcidReader:
    def __init__(self, uart, clock, sleep_ms, timeout_ms=3000):
        self.uart = uart
        self.clock = clock
        self.sleep_ms = sleep_ms
        self.timeout_ms = timeout_ms
        self.host = ccid.CcidHost()
        self._idle = ccid.SerialDecoder()

    def _exchange(self, wire, what):
        self.uart.write(wire)
        start = self.clock()
        while True:
            data = self.uart.read(64) if self.uart.any() else None
            if data:
                action = self.host.feed(data)
                if action is not None:
                    kind, value = action
                    if kind == "send":
                        self.uart.write(value)
                    else:
                        return value
            elif self.clock() - start >= self.timeout_ms:
                self.host.abandon()
                raise DeadlineError("card reader did not answer %s within %d ms" % (what, self.timeout_ms))
            else:
                self.sleep_ms(5)

    def present(self):
        """True when a card is in the slot (asks the reader: GetSlotStatus)."""
        try:
            status = self._exchange(self.host.slot_status(), "GetSlotStatus")
        except DeviceError as exc:
            if exc.code == "no-card":
                return False
            raise
        return status != ccid.ICC_ABSENT

    def power_on(self):
        """Power the card; returns its ATR."""
        return self._exchange(self.host.power_on(), "IccPowerOn")

    def power_off(self):
        try:
            self._exchange(self.host.power_off(), "IccPowerOff")
        except DeviceError:
            pass  # the card may already be gone; powering off is best effort

    def transmit(self, apdu):
        """One APDU to the card, the response (data + SW1 SW2) back."""
        return self._exchange(self.host.xfr_block(apdu), "XfrBlock")
