"""A kiosk with a new key starts at its first sequence number; one whose journal is lost under a used key
refuses to seal anything (issue 13, finding 1; firmware/app.py boot, lib12333.outbox open).  CPython and
MicroPython."""

import unittest

from lib12333.secure import messages as msg
from tests.core import kiosk_sim as S


class KioskProvisioning(unittest.TestCase):
    def test_a_new_key_counts_from_the_first_number_deploy_wrote(self):
        sim = S.KioskSim(config={"new_key": True, "seq_start": 65537})
        S.run(S.boot(sim))
        S.run(S.loss_report(sim))
        msg_type, seq, _fields = sim.hw.centre.received[0]
        self.assertEqual((msg_type, seq), (msg.LOSS_REPORT, 65537))
        self.assertTrue(sim.app.journal_ready)
        self.assertEqual(sim.app.outbox.pending(), [])

    def test_a_lost_journal_under_a_used_key_puts_the_kiosk_out_of_service(self):
        sim = S.KioskSim(config={"new_key": False, "seq_start": 65537})
        problems = sim.boot()
        self.assertEqual(problems, ["密钥"])
        self.assertFalse(sim.app.journal_ready)
        for _ in range(50):
            sim.step()
        self.assertEqual(sim.hw.centre.received, [])
        self.assertEqual(sim.hw.modem.submits, 0)
        self.assertTrue(any("key self-test failed" in line for line in sim.app.log.lines))


if __name__ == "__main__":
    unittest.main()
