"""GB/T 33358 check with nothing to check says "no data", not pass (CPython and MicroPython)."""

import unittest

from lib12333.records.metrics import Metrics, gbt33358


class NoData(unittest.TestCase):
    def test_empty_metrics(self):
        g = gbt33358(Metrics(dimensions=("day",)))
        self.assertIsNone(g["pass"])
        self.assertEqual(g["status"], "no data")
        self.assertIsNone(g["answer_within_15s"]["pass"])
        self.assertIsNone(g["daily_connection_rate"]["pass"])
        self.assertIsNone(g["media_response_3min"]["pass"])


if __name__ == "__main__":
    unittest.main()
