"""The pseudo-terminal an emulated serial device stands on (modem, card reader, virtual board).

The emulator reads and writes the master end; the program under test opens ``path``
(the slave end's name) as if it were a real serial port.  Raw mode, so no byte is
translated or echoed by the terminal layer.
"""

import os
import tty


def open_raw_pty():
    """``(master, slave, path)`` of a new pty in raw mode."""
    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


def close_pty(master, slave):
    """Close both ends; an end already closed is fine, so closing twice is harmless."""
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass
