"""
The centre's operator SMS links, sans-IO: CMPP 2.0 / 3.0 (China Mobile), SMGP 3.0 (China
Telecom), SGIP 1.2 (China Unicom) and SMPP 3.4.

    wire       the table-driven body codec and length-prefixed framing the protocols share
    smpp       SMPP 3.4 PDUs, command_status table, delivery receipt text
    cmpp       CMPP 2.0 / 3.0 PDUs, result tables, authenticators, Msg_Id layout, status reports
    smgp       SMGP 3.0 PDUs, status table, authenticators, report text
    sgip       SGIP 1.2 PDUs (12-octet sequence numbers), result table
    md5        MD5 for the authenticators (MicroPython has no hashlib.md5)
    content    message text / data <-> parts with UDH (concatenation, application port)
    dialects   what the engine needs to know of each protocol (dialect_sgip: SGIP's)
    flow       the rate limit (token bucket) and the reconnect back-off
    client     ``Link``: bind, window, rate, timeouts, back-off, delivers acknowledged after commit
    inbound    the delivers of a link: reassembly, acknowledgement after commit, repeats
    incoming   ``Session``: a connection the operator opens to us (SGIP's SMG)

The host side (TCP transport, the emulated operator gateway) is ``lib12333.host.links``;
docs/operators.md explains the whole.
"""
