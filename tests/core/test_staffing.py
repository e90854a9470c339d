"""Seat sizing (lib12333.staffing) on published examples and exact references; runs on MicroPython too.

Sources of the expected values are listed in docs/staffing.md: the Erlang B table
(1 % grade of service), the callcentrehelper.com worked example (100 calls per half
hour, AHT 180 s, 80/20, 30 % shrinkage), 60-digit mpmath sums for large N, and
pyworkforce 0.5.4's exact CTMC for Erlang A.
"""

import unittest

from lib12333 import staffing as S
from lib12333.errors import ValidationError


class ErlangBTest(unittest.TestCase):
    def test_table_values_one_percent(self):
        # Standard Erlang B table, 1 % blocking: servers -> carried load in Erlangs.
        for n, load in ((10, 4.461), (20, 12.031), (50, 37.901), (100, 84.064)):
            with self.subTest(n=n):
                self.assertAlmostEqual(S.erlang_b_load(n, 0.01), load, places=3)

    def test_exact_small(self):
        # B(5, 2) = (2^5/5!) / sum_{k<=5} 2^k/k! = 0.26667 / 7.26667 = 4/109
        self.assertAlmostEqual(S.erlang_b(5, 2.0), 4.0 / 109.0, places=15)
        self.assertEqual(S.erlang_b(0, 3.0), 1.0)

    def test_servers_for_blocking(self):
        self.assertEqual(S.erlang_b_servers(4.46, 0.01), 10)
        self.assertEqual(S.erlang_b_servers(4.47, 0.01), 11)
        self.assertEqual(S.erlang_b_servers(0.0, 0.01), 0)

    def test_both_methods_agree(self):
        # n near a uses the truncated backward sum; compare with the plain recursion
        for n, a in ((65, 60.0), (200, 150.0), (1500, 1490.5), (3000, 3100.0)):
            b = 1.0
            for k in range(1, n + 1):
                b = a * b / (k + a * b)
            with self.subTest(n=n):
                self.assertAlmostEqual(S.erlang_b(n, a) / b, 1.0, places=12)

    def test_large_n_against_mpmath(self):
        # 60-digit references (docs/staffing.md): no factorial overflow at thousands of servers.
        self.assertAlmostEqual(S.erlang_b(1011, 1000.0) / 0.018351462894092653, 1.0, places=12)
        self.assertAlmostEqual(S.erlang_b(2550, 2500.0) / 0.005697745034957183, 1.0, places=12)


class ErlangCTest(unittest.TestCase):
    def test_callcentrehelper_example(self):
        r = S.staff(100, 1800, 180, 0.8, 20, shrinkage=0.3, max_occupancy=0.85)
        self.assertEqual(r["agents"], 14)
        self.assertEqual(r["scheduled_agents"], 20)  # 14 / 0.7 = 20 despite float noise
        self.assertEqual(r["binding"], "service_level")
        self.assertAlmostEqual(r["load_erlangs"], 10.0, places=12)
        self.assertAlmostEqual(r["probability_wait"], 0.17413193359504984, places=12)
        self.assertAlmostEqual(r["service_level"], 0.88835, places=5)
        self.assertAlmostEqual(r["asa_s"], 7.8359, places=4)
        self.assertAlmostEqual(r["occupancy"], 10.0 / 14.0, places=12)

    def test_one_agent_fewer_misses_target(self):
        m = S.erlang_c_metrics(13, 100, 1800, 180, 20)
        self.assertTrue(m["service_level"] < 0.8)
        self.assertAlmostEqual(m["service_level"], 0.79559, places=5)

    def test_large_load(self):
        self.assertAlmostEqual(S.erlang_c(1011, 1000.0) / 0.63210917468995253, 1.0, places=12)
        self.assertAlmostEqual(S.erlang_c(3000, 2990.5) / 0.79996585899096739, 1.0, places=11)
        r = S.staff(10000, 1800, 180, 0.8, 20)
        self.assertEqual(r["agents"], 1011)
        self.assertEqual(r["square_root_staffing"]["agents"], 1011)

    def test_unstable_queue(self):
        self.assertEqual(S.erlang_c(10, 10.0), 1.0)
        m = S.erlang_c_metrics(9, 100, 1800, 180, 20)
        self.assertIsNone(m["asa_s"])
        self.assertEqual(m["service_level"], 0.0)

    def test_no_calls_no_agents(self):
        self.assertEqual(S.staff(0, 1800, 180, 0.8, 20)["agents"], 0)
        self.assertEqual(S.staff(0, 1800, 180, 0.8, 20, patience_s=60)["agents"], 0)
        self.assertEqual(S.erlang_c_metrics(0, 0, 1800, 180, 20)["service_level"], 1.0)

    def test_occupancy_cap_binds(self):
        r = S.staff(10000, 1800, 180, 0.8, 20, max_occupancy=0.85)
        self.assertEqual(r["agents"], 1177)  # ceil(1000 / 0.85)
        self.assertEqual(r["binding"], "max_occupancy")


class ErlangATest(unittest.TestCase):
    # (agents, calls, period, aht, T, patience) -> pyworkforce 0.5.4 ErlangA (exact CTMC)
    CASES = (
        ((12, 100, 1800, 180, 20, 60), 0.8603006596, 0.0759017969, 0.2404261084, 4.55410782),
        ((11, 100, 1800, 180, 20, 300), 0.6568732037, 0.0699452961, 0.4597748418, 20.98358882),
        ((40, 300, 1800, 240, 20, 120), 0.7689984425, 0.0736794106, 0.4393650353, 8.84152928),
        ((6, 50, 1800, 300, 30, 90), 0.4507256615, 0.3504313374, 0.6726560085, 31.53882037),
    )

    def test_against_exact_ctmc(self):
        for args, sl, ab, pw, wait in self.CASES:
            with self.subTest(args=args):
                m = S.erlang_a_metrics(*args)
                self.assertAlmostEqual(m["service_level"], sl, places=9)
                self.assertAlmostEqual(m["abandonment"], ab, places=9)
                self.assertAlmostEqual(m["probability_wait"], pw, places=9)
                self.assertAlmostEqual(m["mean_wait_all_s"], wait, places=6)

    def test_little_law_identity(self):
        # P(abandon) = theta E[Q] / lambda = mean wait of all arrivals / patience.
        for patience in (30.0, 60.0, 600.0):
            m = S.erlang_a_metrics(10, 100, 1800, 180, 20, patience)
            self.assertAlmostEqual(m["abandonment"], m["mean_wait_all_s"] / patience, places=12)

    def test_tends_to_erlang_c(self):
        a = S.erlang_a_metrics(14, 100, 1800, 180, 20, 1e7)
        c = S.erlang_c_metrics(14, 100, 1800, 180, 20)
        self.assertAlmostEqual(a["service_level"], c["service_level"], places=5)
        self.assertAlmostEqual(a["probability_wait"], c["probability_wait"], places=5)
        self.assertAlmostEqual(a["asa_s"], c["asa_s"], places=3)

    def test_overload_is_finite(self):
        m = S.erlang_a_metrics(500, 10000, 1800, 180, 20, 60)  # 1000 Erlangs on 500 agents
        self.assertTrue(0.45 < m["abandonment"] < 0.55)
        self.assertTrue(m["occupancy"] > 0.999)

    def test_staffing_1000_erlangs(self):
        r = S.staff(10000, 1800, 180, 0.8, 20, patience_s=60)
        # Service level alone is met in overload (pitfall in docs/staffing.md).
        self.assertEqual(r["agents"], 815)
        self.assertTrue(r["abandonment"] > 0.18)
        r = S.staff(10000, 1800, 180, 0.8, 20, patience_s=60, max_abandon=0.05)
        self.assertEqual(r["agents"], 954)
        self.assertEqual(r["binding"], "max_abandon")
        self.assertTrue(r["abandonment"] <= 0.05)
        before = S.erlang_a_metrics(953, 10000, 1800, 180, 20, 60)
        self.assertTrue(before["abandonment"] > 0.05)

    def test_variants_consistent(self):
        m = S.erlang_a_metrics(12, 100, 1800, 180, 20, 60)
        v = m["service_level_variants"]
        self.assertAlmostEqual(v["answered_within_over_offered"], m["service_level"], places=15)
        self.assertTrue(v["answered_within_over_answered"] > m["service_level"])
        self.assertTrue(v["within_over_offered"] >= m["service_level"])
        self.assertTrue(0.0 < m["abandoned_within"] < m["abandonment"])


class ValidationTest(unittest.TestCase):
    def test_bad_parameters(self):
        with self.assertRaises(ValidationError):
            S.staff(100, 1800, 180, 1.0, 20)
        with self.assertRaises(ValidationError):
            S.staff(100, 0, 180, 0.8, 20)
        with self.assertRaises(ValidationError):
            S.staff(100, 1800, 180, 0.8, 20, shrinkage=1.0)
        with self.assertRaises(ValidationError):
            S.staff(100, 1800, 180, 0.8, 20, max_abandon=0.05)
        with self.assertRaises(ValidationError):
            S.erlang_b(-1, 2.0)
        with self.assertRaises(ValidationError):
            S.erlang_b(3, "2")
        with self.assertRaises(ValidationError):
            S.erlang_b(True, 2.0)


if __name__ == "__main__":
    unittest.main()
