"""
The centre's operator SMS links: CMPP 2.0 / 3.0 (China Mobile) and SMPP 3.4, sans-IO.

    wire       the table-driven body codec and length-prefixed framing the protocols share
    smpp       SMPP 3.4 PDUs, command_status table, delivery receipt text
    cmpp       CMPP 2.0 / 3.0 PDUs, result tables, authenticators, Msg_Id layout, status reports
    md5        MD5 for the authenticators (MicroPython has no hashlib.md5)
    content    message text / data <-> parts with UDH (concatenation, application port)
    dialects   what the engine needs to know of each protocol
    client     ``Link``: bind, window, rate, timeouts, back-off, delivers acknowledged after commit

The host side (TCP transport, the emulated operator gateway) is ``lib12333.host.links``;
docs/operators.md explains the whole.
"""
