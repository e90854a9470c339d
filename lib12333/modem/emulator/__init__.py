"""
An emulated GSM / LTE module speaking the AT subset of ``protocols/at/README.md``
(sans-IO; CPython and MicroPython): identity, SIM, registration, signal, SMS in PDU
mode (send with prompt and Ctrl-Z, storage with CPMS/CMGR/CMGL/CMGD, indications with
CNMI, direct delivery with CNMA, status reports), fault hooks.

    modem     ModemEmulator: bytes in, bytes out, timers from the caller's clock; MODELS
    commands  the command table: line splitting, identity / SIM / network handlers
    sms       SMS storage, the SMS commands, sending and delivery from the network

Two wrappers use it: ``lib12333.host.modem.emulator`` puts it on a pty for the host
(``lib12333 modem-sim``, the demo, the firmware images' modem bridge) and
``tests/core/kiosk_sim.py`` puts it behind the kiosk's simulated UART.  It is a test
peer, not kiosk code: the boards' freeze manifests and deploy bundles leave it out.
"""

from lib12333.modem.emulator.modem import MODELS, ModemEmulator

__all__ = ["MODELS", "ModemEmulator"]
