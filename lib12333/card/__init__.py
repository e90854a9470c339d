"""
The social-security card (社会保障卡): APDUs, the SSSE application and its data.

Sans-IO, MicroPython-safe.  Import the module you need:

* ``lib12333.card.apdu``        ISO 7816-4 command/response APDUs, status words, T=0 exchange
* ``lib12333.card.tlv``         SIMPLE-TLV records and BER-TLV templates (FCI)
* ``lib12333.card.ssse``        the SSSE application: select, read EF05/EF06, 3.0 external authentication
* ``lib12333.card.gbk``         GBK decoding from a table file read with seek (no codec, no table in RAM)
* ``lib12333.card.readcardbas`` the iReadCardBas output string and its error codes
* ``lib12333.card.ccid``        CCID messages in the GemPC Twin serial framing

The card is reached through a ``transmit(apdu_bytes) -> response_bytes`` callable the
caller provides (a PC/SC reader, a UART CCID reader, an emulator); nothing here
owns a port.
"""
