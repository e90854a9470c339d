"""
Board: ESP32-S3 (N16R8 module) + SIMCom A7670C LTE Cat-1 + CCID serial card reader + UART HMI.

Wiring in docs/boards/esp32s3-a7670c.md.  The USB-Serial/JTAG port carries the
REPL (for `lib12333 deploy`).  UART0 (GPIO 43/44) drives the display, so the kiosk's
firmware build must not keep its UART REPL there (MICROPY_HW_ENABLE_UART_REPL 0; the stock
ESP32_GENERIC_S3 build keeps it -- docs/boards/esp32s3-a7670c.md explains).
"""

import time

import machine

from firmware.drivers.ccid_reader import CcidReader
from firmware.drivers.hmi import HmiDisplay
from firmware.drivers.keypad import MatrixKeypad
from firmware.drivers.mcu import McuHardware

NAME = "esp32s3-a7670c"
MODEM_PROFILE = "A7670C"
STORAGE = "/data"

# GPIO numbers (see the wiring table).
MODEM_UART, MODEM_TX, MODEM_RX, MODEM_BAUD = 1, 17, 18, 115200
MODEM_PWRKEY, MODEM_RESET = 4, 5
READER_UART, READER_TX, READER_RX, READER_BAUD = 2, 15, 16, 9600
HMI_UART, HMI_TX, HMI_RX, HMI_BAUD = 0, 43, 44, 115200
KEY_ROWS = (6, 7, 8, 9)
KEY_COLS = (10, 11, 12, 13)
WATCHDOG_MS = 8000


class Hardware(McuHardware):
    # A7670C: RESET held 2.5 s (the module's documented reset pulse)
    modem_reset_ms = 2500

    def __init__(self):
        self.modem = machine.UART(MODEM_UART, baudrate=MODEM_BAUD, tx=MODEM_TX, rx=MODEM_RX,
                                  rxbuf=4096, timeout=0)
        self.modem_pwrkey = machine.Pin(MODEM_PWRKEY, machine.Pin.OUT, value=0)
        self.modem_reset = machine.Pin(MODEM_RESET, machine.Pin.OUT, value=0)
        reader_uart = machine.UART(READER_UART, baudrate=READER_BAUD, tx=READER_TX, rx=READER_RX,
                                   rxbuf=1024, timeout=0)
        self.reader = CcidReader(reader_uart, time.ticks_ms, time.sleep_ms)
        self.display = HmiDisplay(machine.UART(HMI_UART, baudrate=HMI_BAUD, tx=HMI_TX, rx=HMI_RX, timeout=0))
        rows = [machine.Pin(p, machine.Pin.OUT, value=1) for p in KEY_ROWS]
        cols = [machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP) for p in KEY_COLS]
        self.keypad = MatrixKeypad(rows, cols)
        self.watchdog = machine.WDT(timeout=WATCHDOG_MS)
        self.storage = STORAGE
