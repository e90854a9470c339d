"""
Board: Raspberry Pi Pico (RP2040) + Quectel EC800N LTE Cat-1 + CCID serial card reader + UART HMI.

The RP2040 has two hardware UARTs: UART0 goes to the modem, UART1 to the card
reader, and the HMI display (which only needs to receive) is driven by a PIO
state machine running a UART transmitter.  Wiring in docs/boards/rp2040-ec800n.md.
"""

import time

import machine
import rp2

from firmware.drivers.ccid_reader import CcidReader
from firmware.drivers.hmi import HmiDisplay
from firmware.drivers.keypad import MatrixKeypad
from firmware.drivers.mcu import McuHardware

NAME = "rp2040-ec800n"
MODEM_PROFILE = "EC800N"
STORAGE = "/data"

MODEM_UART, MODEM_TX, MODEM_RX, MODEM_BAUD = 0, 0, 1, 115200
MODEM_PWRKEY, MODEM_RESET = 2, 3
READER_UART, READER_TX, READER_RX, READER_BAUD = 1, 4, 5, 9600
HMI_TX, HMI_BAUD = 6, 115200
KEY_ROWS = (10, 11, 12, 13)
KEY_COLS = (14, 15, 16, 17)
WATCHDOG_MS = 8000  # the RP2040 watchdog allows at most 8.3 s


@rp2.asm_pio(sideset_init=rp2.PIO.OUT_HIGH, out_init=rp2.PIO.OUT_HIGH, out_shiftdir=rp2.PIO.SHIFT_RIGHT)
def _uart_tx():
    # 8N1 transmitter, 8 PIO cycles per bit: start bit, 8 data bits LSB first, stop bit.
    # The PIO assembler's names exist only inside @asm_pio, which the stubs cannot describe.
    pull()  # type: ignore[name-defined]
    set(x, 7).side(0)[7]  # type: ignore[name-defined, call-overload]
    label("bitloop")  # type: ignore[name-defined]
    out(pins, 1)[6]  # type: ignore[name-defined]
    jmp(x_dec, "bitloop")  # type: ignore[name-defined]
    nop().side(1)[6]  # type: ignore[name-defined]


class PioUartTx:
    """Write-only UART on any pin, for the HMI display."""

    def __init__(self, pin, baudrate):
        p = machine.Pin(pin, machine.Pin.OUT, value=1)
        self.sm = rp2.StateMachine(0, _uart_tx, freq=8 * baudrate, sideset_base=p, out_base=p)
        self.sm.active(1)

    def write(self, data):
        for b in data:
            self.sm.put(b)
        return len(data)

    def any(self):
        return 0

    def read(self, n=None):
        return None


class Hardware(McuHardware):
    # EC800N: RESET_N low for at least 300 ms (through the board's NPN inverter: pin high)
    modem_reset_ms = 400

    def __init__(self):
        self.modem = machine.UART(MODEM_UART, baudrate=MODEM_BAUD, tx=machine.Pin(MODEM_TX),
                                  rx=machine.Pin(MODEM_RX), rxbuf=4096, timeout=0)
        self.modem_pwrkey = machine.Pin(MODEM_PWRKEY, machine.Pin.OUT, value=0)
        self.modem_reset = machine.Pin(MODEM_RESET, machine.Pin.OUT, value=0)
        reader_uart = machine.UART(READER_UART, baudrate=READER_BAUD, tx=machine.Pin(READER_TX),
                                   rx=machine.Pin(READER_RX), rxbuf=1024, timeout=0)
        self.reader = CcidReader(reader_uart, time.ticks_ms, time.sleep_ms)
        self.display = HmiDisplay(PioUartTx(HMI_TX, HMI_BAUD))
        rows = [machine.Pin(p, machine.Pin.OUT, value=1) for p in KEY_ROWS]
        cols = [machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP) for p in KEY_COLS]
        self.keypad = MatrixKeypad(rows, cols)
        self.watchdog = machine.WDT(timeout=WATCHDOG_MS)
        self.storage = STORAGE
