"""Host side of the modem: pyserial transport, port discovery, emulated modems and network.

The MicroPython transport (``machine.UART``) belongs in ``board/`` and drives the
same ``lib12333.modem.engine.Engine`` the same way ``transport.SerialModem`` does.
"""
