"""A loop in a daemon thread between ``start()`` and ``stop()``: the emulators' common lifecycle.

The emulated card reader and the modem network simulator each serve a pty in a loop of
their own.  A subclass sets ``self._stop = threading.Event()`` and ``self._thread = None``
in ``__init__``, defines ``run()`` (loop until ``self._stop`` is set) and, if it holds
ptys or selectors, ``release()`` to free them once the thread has ended.
"""

import threading


class BackgroundLoop:
    thread_name = "background-loop"

    def start(self):
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.release()

    def release(self):
        """Free what the loop used (ptys, selectors); called by ``stop`` after the thread has ended."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
