"""Waiting for a condition in host tests that drive threads, ptys and sockets in real time."""

import time


def wait_until(predicate, timeout, interval=0.05):
    """True as soon as ``predicate()`` is true, False when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def boot_phone(phone, timeout=15):
    """Start a ``SerialModem``'s engine and pump it until the modem is ready; False when ``timeout`` passes first."""
    phone.engine.start(phone.clock())
    return wait_until(lambda: any(e.kind == "ready" for e in phone.pump(0.05)), timeout, interval=0)
