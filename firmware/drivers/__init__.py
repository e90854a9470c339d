"""
Drivers for kiosk peripherals, shared by the boards (MicroPython and CPython).

Every driver takes the objects it talks to (a UART, pins, a clock) as arguments
instead of creating them, so the same code runs on an ESP32-S3, an RP2040, the
PC host board, and in tests with fakes.

    hmi          UART HMI touch display (TJC / Nextion instruction set), Chinese text in UTF-8
    keypad       4x4 matrix keypad, scanned with debounce
    ccid_reader  card reader speaking CCID in the GemPC Twin serial framing
    modem_port   pumps bytes between a UART and the sans-IO modem engine
"""
