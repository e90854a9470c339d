"""
The centre gateway: receives kiosk frames by SMS, applies each request exactly
once to a SQLite database, answers the kiosk and notifies the citizen.

    db       schema, migrations, WAL connection
    centre   frame handling: verify, decrypt, deduplicate, apply, queue replies and notices
    repeats  answers sent again: "duplicate" ACKs, the per-device and queue bounds
    service  the loop that drives a modem engine on a serial port
    admin    devices (kiosks, keys) and the card registry

Command line: ``lib12333 gateway --modem PORT --db FILE`` and its sub-commands
(``device``, ``card``, ``request``); guide in docs/gateway.md.
"""
