"""
4x4 matrix keypad: rows driven low one at a time, columns read with pull-ups.

Layout (the common membrane keypad)::

    1 2 3 A        A = 确认 (ok)
    4 5 6 B        B = 返回 (back)
    7 8 9 C        C, D unused by the kiosk
    * 0 # D

A key is reported once when it has read the same for ``debounce_ms`` and is
released before it can repeat.  Times come from the caller (``now_ms``).
"""

LAYOUT = (("1", "2", "3", "ok"), ("4", "5", "6", "back"), ("7", "8", "9", "C"), ("*", "0", "#", "D"))


class MatrixKeypad:
    def __init__(self, rows, cols, debounce_ms=30):
        # rows: output Pin objects; cols: input Pin objects with pull-ups (value() == 0 when pressed)
        self.rows = rows
        self.cols = cols
        self.debounce_ms = debounce_ms
        self._candidate = None
        self._since = 0
        self._reported = None
        for r in rows:
            r.value(1)

    def scan(self):
        """The key held down now, or None."""
        for i, row in enumerate(self.rows):
            row.value(0)
            for j, col in enumerate(self.cols):
                if col.value() == 0:
                    row.value(1)
                    return LAYOUT[i][j]
            row.value(1)
        return None

    def poll(self, now_ms, ticks_diff=None):
        diff = ticks_diff or (lambda a, b: a - b)
        key = self.scan()
        if key != self._candidate:
            self._candidate = key
            self._since = now_ms
            return None
        if key is None:
            self._reported = None
            return None
        if key != self._reported and diff(now_ms, self._since) >= self.debounce_ms:
            self._reported = key
            return key
        return None
