"""
The reference kiosk firmware (MicroPython): the self-service terminal of a 12333 service hall.

    firmware.kiosk     the kiosk as a sans-IO state machine (events in, actions out)
    firmware.screens   the Chinese screens
    firmware.app       the runtime: wires the state machine to a board's card reader,
                       modem, display, keypad, storage and watchdog
    firmware.main      the entry point ``run()`` that boot.py / main.py call

It runs unchanged on a real board (``board/<name>/``) and on a PC (``board/host/``).
"""
