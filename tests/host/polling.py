"""Waiting for a condition in host tests that drive threads, ptys and sockets in real time."""

import threading
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


def insert_card_when_ready(hall, timeout):
    """Wait for a demo hall's kiosk to show its welcome and get its modem ready, insert the card, see it read."""
    assert hall.wait_screen("欢迎使用", timeout)
    assert wait_until(lambda: hall.app.modem_ready, timeout)
    hall.card.insert()
    assert hall.wait_screen("您好", timeout), "card not read"


def run_at_once(fn, calls, timeout=60):
    """``fn(*args)`` for each ``args`` in ``calls``, one thread each, all released by one barrier at the same moment.

    Waits up to ``timeout`` seconds for each thread; what ``fn`` finds it records itself.
    """
    barrier = threading.Barrier(len(calls))

    def run(args):
        barrier.wait()
        fn(*args)

    threads = [threading.Thread(target=run, args=(args,)) for args in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
