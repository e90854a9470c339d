"""
The kiosk app with routing configured (issue 8), on the simulated hardware of
tests/core/kiosk_sim.py (CPython and MicroPython): the number each request is sent
to comes from the rules and the centre table, the card region goes with the loss
report, and after a power cut the request is resent to the number it was accepted
for, even when the configuration changed in between.
"""

import unittest

from lib12333.secure import messages as msg
from lib12333.sms.pdu import decode_hex
from lib12333.storage import MemoryStore
from tests.core import kiosk_sim as S

CARD_DESK = "+8610097112399"
# MinimalCard's card-issuing region is 639900 (青海): a kiosk in 西宁 (630100) sees a card of its province.
ROUTING = {"rules": "city", "region": "630102", "centres": {"630100:card-services": CARD_DESK}}


class RoutedSim(S.KioskSim):
    def __init__(self, routing, stores=None):
        super().__init__(direct=True)
        self.routing = routing
        self.stores = stores or (MemoryStore(), MemoryStore())
        self.sent_to = []
        centre = self.hw.centre
        on_submit = centre.on_submit

        def recording(pdu, now):
            self.sent_to.append(decode_hex(pdu).number)
            return on_submit(pdu, now)

        centre.on_submit = recording

    def boot(self):
        from firmware.app import KioskApp
        from lib12333.card.gbk import GbkTable
        from lib12333.journal import Journal
        from lib12333.modem.engine import Engine
        from tests.core.support import project_path

        config = dict(S.CONFIG)
        config["routing"] = self.routing
        config["retry_base"] = 5
        self.app = KioskApp(self.hw, config, S.KEY, Journal(self.stores[0], self.stores[1]),
                            Engine(now=0.0, direct=True), gbk=GbkTable(open(project_path("lib12333/data/gbk.bin"), "rb")))
        return self.app.boot()


def submit_loss_report(sim):
    sim.hw.reader.insert()
    yield from S.until(sim, "您好")
    yield from S.press(sim, "2", *S.PHONE)
    yield from S.press(sim, "ok")
    yield from S.until(sim, "社保卡临时挂失")
    yield from S.press(sim, "1")
    yield from S.until(sim, check=lambda: sim.hw.modem.submits >= 1)


class KioskRouting(unittest.TestCase):
    def test_request_goes_to_the_number_of_its_rule_with_the_card_region(self):
        sim = RoutedSim(ROUTING)
        S.run(S.boot(sim))
        S.run(submit_loss_report(sim))
        S.run(S.until(sim, "挂失成功"))
        self.assertEqual(sim.sent_to, [CARD_DESK])
        msg_type, _seq, fields = sim.hw.centre.received[0]
        self.assertEqual((msg_type, fields["card_region"]), (msg.LOSS_REPORT, "639900"))
        self.assertIn("routed by rule card-services (queue)", "\n".join(sim.app.log.lines))
        self.assertEqual(sim.app.outbox.pending(), [])

    def test_card_of_another_province_goes_to_the_home_centre(self):
        routing = {"rules": "city", "region": "330106", "centres": {"330100": "+8610657100001"}}
        sim = RoutedSim(routing)
        S.run(S.boot(sim))
        S.run(submit_loss_report(sim))
        self.assertEqual(sim.sent_to, [S.CENTRE_NUMBER])  # 630000 is not in the table: the home centre relays
        self.assertIn("routed by rule card-other-province (transfer)", "\n".join(sim.app.log.lines))

    def test_after_a_power_cut_the_request_goes_to_the_same_number(self):
        sim = RoutedSim(ROUTING)
        sim.hw.centre.reply = False  # the answer never comes: the request stays in the outbox
        S.run(S.boot(sim))
        S.run(submit_loss_report(sim))
        self.assertEqual(sim.sent_to, [CARD_DESK])
        self.assertEqual(sim.app.outbox.pending(), [1])
        # Power cut; the site configuration changes meanwhile (another desk number, other rules).
        changed = {"rules": "province", "region": "630102", "centres": {"630000": "+8610097100000"}}
        again = RoutedSim(changed, stores=sim.stores)
        again.hw.centre.reply = True
        S.run(S.boot(again))
        S.run(S.until(again, check=lambda: again.hw.modem.submits >= 1))
        self.assertEqual(again.sent_to, [CARD_DESK])
        self.assertEqual(again.hw.centre.received[0][1], 1)  # the same request (seq 1), not a new one
        S.run(S.until(again, check=lambda: not again.app.outbox.pending()))

    def test_without_routing_everything_goes_to_the_centre_number(self):
        sim = RoutedSim(None)
        S.run(S.boot(sim))
        S.run(submit_loss_report(sim))
        self.assertEqual(sim.sent_to, [S.CENTRE_NUMBER])
        self.assertFalse("card_region" in sim.hw.centre.received[0][2])


if __name__ == "__main__":
    unittest.main()
