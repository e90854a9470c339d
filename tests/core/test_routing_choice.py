"""The kiosk's choice of centre number per request (firmware/routing_choice.py, issue 8)."""

import unittest

from firmware import routing_choice as rc
from lib12333.secure import messages as M

HOME = "+8613800000001"
CENTRES = {"330100": HOME, "330100:civil-service": "+8613800000009", "330000": "+8613800000002"}
CONFIG = {"centre_number": HOME, "routing": {"rules": "city", "region": "330106", "centres": CENTRES}}
LOSS = {"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "张三"}
T_WORK = 1796083200 + 2 * 3600  # 2026-12-01 10:00 CST, a Tuesday
RULES = rc.load_rules("city")


def _choose(msg_type, fields, card_region, config=CONFIG, now=T_WORK):
    return rc.choose(config, msg_type, fields, card_region, now, rules=RULES)


class TestChoice(unittest.TestCase):
    def test_cst_time(self):
        self.assertEqual(rc.cst_time(1796083200), "2026-12-01T08:00")
        self.assertEqual(rc.cst_time(0), "1970-01-01T08:00")
        self.assertEqual(rc.cst_time(951782400 + 16 * 3600), "2000-03-01T00:00")  # leap year 2000
        self.assertEqual(rc.cst_time(1709164800 - 8 * 3600 - 60), "2024-02-28T23:59")

    def test_own_card_goes_to_the_city_centre(self):
        number, d = _choose(M.LOSS_REPORT, LOSS, "330100")
        self.assertEqual((number, d.rule, d.centre, d.queue), (HOME, "card-services", "330100", "card-services"))

    def test_card_of_another_province_goes_through_the_home_centre(self):
        number, d = _choose(M.LOSS_REPORT, LOSS, "320100")
        self.assertEqual((d.rule, d.action, d.centre, d.via), ("card-other-province", "transfer", "320000",
                                                               "national-platform"))
        self.assertEqual(number, HOME)  # not in the table: the home gateway relays it

    def test_listed_centre_is_used_directly(self):
        routing = dict(CONFIG["routing"])
        routing["centres"] = dict(CENTRES)
        routing["centres"]["320000"] = "+8613900000320"
        config = {"centre_number": HOME, "routing": routing}
        number, _d = _choose(M.LOSS_REPORT, LOSS, "320583", config)
        self.assertEqual(number, "+8613900000320")

    def test_civil_service_category_uses_the_queue_entry(self):
        fields = {"kind": M.CONSULTATION, "category": "2401", "phone": "", "text": "公务员考试"}
        number, d = _choose(M.REQUEST, fields, None)
        self.assertEqual((number, d.rule), ("+8613800000009", "civil-service-12370"))
        fields["category"] = "0301"
        number, d = _choose(M.REQUEST, fields, None)
        self.assertEqual((number, d.rule), (HOME, "default"))

    def test_province_preset_picks_the_provincial_number(self):
        config = {"centre_number": HOME, "routing": {"rules": "province", "region": "330106", "centres": CENTRES}}
        number, d = rc.choose(config, M.REQUEST, {"kind": 1, "category": "0301", "phone": "", "text": ""}, None,
                              T_WORK)
        self.assertEqual((number, d.centre, d.level), ("+8613800000002", "330000", "province"))

    def test_unusable_rules_fall_back_to_the_home_centre(self):
        config = {"centre_number": HOME, "routing": {"rules": "/nonexistent/rules.json", "region": "330106"}}
        self.assertEqual(rc.choose(config, M.LOSS_REPORT, LOSS, "330100", T_WORK), (HOME, None))
        config = {"centre_number": HOME, "routing": {"rules": "city", "region": "33010"}}  # malformed region
        self.assertEqual(rc.choose(config, M.LOSS_REPORT, LOSS, "330100", T_WORK, rules=RULES), (HOME, None))

    def test_low_heap_mode_skips_the_rules(self):
        config = {"centre_number": HOME, "routing": {"rules": "none", "centres": CENTRES}}
        self.assertEqual(rc.choose(config, M.LOSS_REPORT, LOSS, "320100", T_WORK), (HOME, None))
        self.assertEqual(rc.with_card_region(M.LOSS_REPORT, LOSS, "320100")["card_region"], "320100")

    def test_number_for_lookup_order(self):
        class D:
            def __init__(self, level, centre, queue):
                self.level, self.centre, self.queue = level, centre, queue

        table = {"national": "N", "330000": "P", "330100:x": "Q"}
        self.assertEqual(rc.number_for(D("national", None, None), table, "H"), "N")
        self.assertEqual(rc.number_for(D("city", "330100", "x"), table, "H"), "Q")
        self.assertEqual(rc.number_for(D("city", "330100", "y"), table, "H"), "P")
        self.assertEqual(rc.number_for(D("city", "440300", None), table, "H"), "H")
        self.assertEqual(rc.number_for(D("city", None, None), {}, "H"), "H")

    def test_card_region_added_when_it_fits(self):
        out = rc.with_card_region(M.LOSS_REPORT, LOSS, "320100")
        self.assertEqual(out["card_region"], "320100")
        self.assertTrue("card_region" not in LOSS)
        self.assertEqual(M.decode(M.LOSS_REPORT, M.encode(M.LOSS_REPORT, out))["card_region"], "320100")
        long_name = dict(LOSS)
        long_name["phone"] = ""
        long_name["name"] = "阿" * 30  # fills one SMS exactly
        self.assertEqual(rc.with_card_region(M.LOSS_REPORT, long_name, "320100"), long_name)
        self.assertEqual(rc.with_card_region(M.LOSS_REPORT, LOSS, None), LOSS)
        self.assertEqual(rc.with_card_region(M.LOSS_REPORT, LOSS, "32A100"), LOSS)
        req = {"kind": 1, "category": "0301", "phone": "", "text": ""}
        self.assertEqual(rc.with_card_region(M.REQUEST, req, "320100"), req)


if __name__ == "__main__":
    unittest.main()
