"""
CPython-only side of lib12333: real I/O (serial ports, PC/SC readers, SQLite),
the ``lib12333`` command line, the centre gateway, emulators, deployment and reports.

Nothing in the core (``lib12333/*.py``) may import from here.
"""
