"""
Sliding anti-replay window over 32-bit sequence numbers (in the manner of IPsec's).

The receiver keeps the highest authenticated sequence number seen and one bit
for each of the ``size`` numbers at and below it.  A number above the highest
is new; one inside the window is new unless its bit is set; one below the
window is too old to judge and is refused.  The bits are a ring indexed by
``seq % size``, so advancing the window only clears the bits it passes.

Only feed the window with frames whose tag has verified: otherwise a forger
could advance it and lock real traffic out.

    w = ReplayWindow(64)
    w.classify(seq) -> NEW, DUPLICATE or TOO_OLD     (no change)
    w.accept(seq)                                    (SecurityError unless NEW; then records it)
    w.to_bytes() / ReplayWindow.from_bytes(data)     (persist it with the device record)

Serialised form: ``01`` (format), u16 size, u32 highest, size/8 bytes of bits.
"""

from lib12333.errors import DecodeError, SecurityError, ValidationError

NEW = 0
DUPLICATE = 1
TOO_OLD = 2
_FORMAT = 1


class ReplayWindow:
    def __init__(self, size=64):
        if type(size) is not int or size < 8 or size > 2048 or size % 8:
            raise ValidationError("window size must be a multiple of 8 in 8..2048", field="size")
        self.size = size
        self.highest = 0
        self._bits = bytearray(size // 8)

    def _get(self, seq):
        i = seq % self.size
        return (self._bits[i >> 3] >> (i & 7)) & 1

    def _set(self, seq, value):
        i = seq % self.size
        if value:
            self._bits[i >> 3] |= 1 << (i & 7)
        else:
            self._bits[i >> 3] &= ~(1 << (i & 7)) & 0xFF

    def classify(self, seq):
        """NEW, DUPLICATE or TOO_OLD for ``seq``; the window is not changed."""
        if type(seq) is not int or seq < 1 or seq > 0xFFFFFFFF:
            return TOO_OLD
        if seq > self.highest:
            return NEW
        if seq <= self.highest - self.size:
            return TOO_OLD
        return DUPLICATE if self._get(seq) else NEW

    def accept(self, seq):
        """Record ``seq`` (an authenticated frame's); SecurityError if it is a replay or too old."""
        c = self.classify(seq)
        if c == DUPLICATE:
            raise SecurityError("replayed frame: sequence number already seen")
        if c == TOO_OLD:
            raise SecurityError("stale frame: sequence number below the replay window")
        if seq > self.highest:
            gap = seq - self.highest
            if gap >= self.size:
                for i in range(len(self._bits)):
                    self._bits[i] = 0
            else:
                s = self.highest + 1
                while s <= seq:
                    self._set(s, 0)
                    s += 1
            self.highest = seq
        self._set(seq, 1)

    def seen(self):
        """Sorted sequence numbers recorded inside the window (for tests and diagnostics)."""
        out = []
        low = self.highest - self.size + 1
        if low < 1:
            low = 1
        for s in range(low, self.highest + 1):
            if self._get(s):
                out.append(s)
        return out

    def to_bytes(self):
        h = self.highest
        return (
            bytes((_FORMAT, self.size >> 8, self.size & 0xFF, (h >> 24) & 0xFF, (h >> 16) & 0xFF, (h >> 8) & 0xFF, h & 0xFF))
            + bytes(self._bits)
        )

    @classmethod
    def from_bytes(cls, data):
        if len(data) < 7:
            raise DecodeError("replay window record too short", field="window", position=len(data), expected="7+ bytes")
        if data[0] != _FORMAT:
            raise DecodeError("unknown replay window format", field="window.format", position=0, expected="1")
        size = (data[1] << 8) | data[2]
        if size < 8 or size > 2048 or size % 8:
            raise DecodeError("bad window size", field="window.size", position=1, expected="multiple of 8 in 8..2048")
        if len(data) != 7 + size // 8:
            raise DecodeError("replay window record has the wrong length", field="window", position=len(data),
                              expected=str(7 + size // 8) + " bytes")
        w = cls(size)
        w.highest = (data[3] << 24) | (data[4] << 16) | (data[5] << 8) | data[6]
        w._bits[:] = data[7:]
        # Bits for numbers that are not yet possible (above highest, i.e. <= 0) must be clear.
        if w.highest < size:
            for s in range(w.highest + 1 - size, 1):
                if w._get(s):  # s % size is never negative
                    raise DecodeError("bit set for a sequence number below 1", field="window.bits", position=7)
        return w
