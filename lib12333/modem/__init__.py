"""
The AT-command modem engine (sans-IO; CPython and MicroPython).

Import the sub-module you need:

    at        line parser: bytes in, lines / prompt / two-line URCs out; parameter helpers
    errors    +CMS / +CME ERROR tables: meaning and retryable / permanent
    profiles  module quirks as data (SIM800, A7670C, SIM7600CE, EC200, EC800N, EG25, generic)
    engine    Engine: commands in, bytes out; bytes in, events out; deadlines from the caller's clock
    events    every event kind the engine emits (constants), Event, pdu_warnings_text
    operation what an operation yields and sees: Command, Sleep, Response, Context, priorities
    ops       the operations the engine runs (init, info, send, read, delete, scan, ack) and their registry

``docs/modem.md`` is the guide; ``protocols/at/README.md`` lists the AT subset.
"""
