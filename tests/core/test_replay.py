"""Anti-replay window (lib12333.secure.replay)."""

import unittest

from lib12333.errors import DecodeError, SecurityError, ValidationError
from lib12333.secure.replay import DUPLICATE, NEW, TOO_OLD, ReplayWindow


class TestWindow(unittest.TestCase):
    def test_in_order_and_duplicates(self):
        w = ReplayWindow(64)
        for s in range(1, 200):
            self.assertEqual(w.classify(s), NEW)
            w.accept(s)
            self.assertEqual(w.classify(s), DUPLICATE)
            with self.assertRaises(SecurityError):
                w.accept(s)
        self.assertEqual(w.highest, 199)
        self.assertEqual(w.classify(199 - 64), TOO_OLD)
        self.assertEqual(w.classify(199 - 63), DUPLICATE)

    def test_out_of_order_inside_window(self):
        w = ReplayWindow(16)
        w.accept(10)
        w.accept(7)
        w.accept(9)
        self.assertEqual(w.seen(), [7, 9, 10])
        self.assertEqual(w.classify(8), NEW)
        w.accept(25)
        # 10 is still inside (25 - 16 < 10); 9 fell out.
        self.assertEqual(w.seen(), [10, 25])
        self.assertEqual(w.classify(9), TOO_OLD)
        self.assertEqual(w.classify(11), NEW)
        with self.assertRaises(SecurityError):
            w.accept(9)

    def test_big_jump_clears(self):
        w = ReplayWindow(8)
        for s in (1, 2, 3):
            w.accept(s)
        w.accept(1000)
        self.assertEqual(w.seen(), [1000])
        self.assertEqual(w.classify(999), NEW)

    def test_invalid_numbers(self):
        w = ReplayWindow(8)
        for s in (0, -1, 1 << 32, "3", True):
            self.assertEqual(w.classify(s), TOO_OLD)
            with self.assertRaises(SecurityError):
                w.accept(s)
        with self.assertRaises(ValidationError):
            ReplayWindow(12)

    def test_persist_round_trip(self):
        w = ReplayWindow(32)
        for s in (3, 5, 40, 41, 50, 20):
            w.accept(s)
        b = w.to_bytes()
        self.assertEqual(len(b), 7 + 4)
        r = ReplayWindow.from_bytes(b)
        self.assertEqual(r.highest, 50)
        self.assertEqual(r.seen(), [20, 40, 41, 50])
        for s in range(1, 60):
            self.assertEqual(r.classify(s), w.classify(s))

    def test_persisted_garbage_rejected(self):
        good = ReplayWindow(16).to_bytes()
        for bad in (b"", good[:6], good + b"\x00", b"\x02" + good[1:], good[:1] + b"\x00\x0c" + good[3:]):
            with self.assertRaises(DecodeError):
                ReplayWindow.from_bytes(bad)


if __name__ == "__main__":
    unittest.main()
