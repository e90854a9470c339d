"""Clock, evaluation and explanation with the presets (runs on CPython and MicroPython)."""

import unittest

from lib12333.errors import DecodeError
from lib12333.routing import clock, engine, loader, regions
from tests.core.support import read_bytes

TABLE = regions.RegionTable(read_bytes("lib12333/data/regions.txt"))
CITY = loader.loads(read_bytes("lib12333/data/route-city.json"), "route-city.json", TABLE)
PROVINCE = loader.loads(read_bytes("lib12333/data/route-province.json"), "route-province.json", TABLE)

FRIDAY_10 = "2026-11-27T10:00"
FRIDAY_20 = "2026-11-27T20:00"
SUNDAY_20 = "2026-11-29T20:00"
SUNDAY_10 = "2026-11-29T10:00"


def req(**kw):
    base = {"number": "12333", "channel": "voice", "reached": "330100", "caller_region": "330100", "time": FRIDAY_10}
    base.update(kw)
    return engine.Request(**base)


class ClockTest(unittest.TestCase):
    def test_weekday(self):
        self.assertEqual(clock.weekday("1970-01-01"), 3)
        self.assertEqual(clock.weekday("2000-02-29"), 1)
        self.assertEqual(clock.weekday("2026-11-29"), 6)
        self.assertEqual(clock.weekday("2026-11-30"), 0)
        self.assertEqual(clock.weekday("1900-03-01"), 3)

    def test_parse(self):
        self.assertEqual(clock.parse_time("2026-11-29T20:00"), ("2026-11-29", 1200))
        self.assertEqual(clock.parse_time("2026-11-29 08:30:59"), ("2026-11-29", 510))
        self.assertEqual(clock.parse_clock("23:59"), 1439)
        for bad in ("2026-02-29T10:00", "2026-13-01T10:00", "2026-11-29T24:00", "2026-11-29", "2026-11-29T10:00:60", "2026-11-2xT10:00", None):
            with self.subTest(bad=bad):
                with self.assertRaises(DecodeError):
                    clock.parse_time(bad)
        clock.parse_date("2024-02-29")

    def test_calendar(self):
        cal = clock.Calendar(holidays=["2026-10-01"], workdays=["2026-10-10"])
        self.assertEqual(cal.day_type("2026-10-01"), "restday")  # Thursday, holiday
        self.assertEqual(cal.day_type("2026-10-10"), "workday")  # Saturday, make-up day
        self.assertEqual(cal.day_type("2026-10-11"), "restday")
        self.assertEqual(cal.day_type("2026-10-12"), "workday")
        with self.assertRaises(DecodeError):
            clock.Calendar(holidays=["2026-10-32"])


class CityPresetTest(unittest.TestCase):
    def decide(self, request, calendar=None, rules=CITY):
        return rules.evaluate(request, calendar).as_dict()

    def test_office_hours_default(self):
        d = self.decide(req(category="1001"))
        self.assertEqual((d["action"], d["level"], d["centre"], d["queue"], d["via"], d["rule"]),
                         ("queue", "city", "330100", "general", "direct", "default"))

    def test_sunday_evening_voice_goes_to_self_service(self):
        d = self.decide(req(time=SUNDAY_20, category="1001"))
        self.assertEqual((d["action"], d["centre"], d["rule"]), ("self-service", "330100", "closed-restday-voice"))
        d = self.decide(req(time=FRIDAY_20))
        self.assertEqual(d["rule"], "closed-evening-voice")

    def test_sms_out_of_hours_is_callback(self):
        d = self.decide(req(channel="sms", time=SUNDAY_10))
        self.assertEqual((d["action"], d["queue"]), ("callback", "next-workday"))

    def test_kiosk_is_served_at_any_time(self):
        d = self.decide(req(channel="kiosk", time=SUNDAY_20, category="2505"))
        self.assertEqual((d["action"], d["queue"], d["rule"]), ("queue", "card-services", "card-services"))

    def test_civil_service(self):
        self.assertEqual(self.decide(req(number="12370"))["queue"], "civil-service")
        self.assertEqual(self.decide(req(category="2403"))["queue"], "civil-service")
        self.assertEqual(self.decide(req(category="240301"))["queue"], "civil-service")
        self.assertEqual(self.decide(req(category="2301"))["queue"], "general")

    def test_card_from_other_province_is_transferred(self):
        d = self.decide(req(card_region="440305", category="2505"))
        self.assertEqual((d["action"], d["level"], d["centre"], d["via"]), ("transfer", "province", "440000", "national-platform"))
        d = self.decide(req(card_region="330602", category="2505"))
        self.assertEqual((d["action"], d["queue"]), ("queue", "card-services"))

    def test_holiday_and_makeup_day_from_caller(self):
        holiday = clock.Calendar(holidays=["2026-11-27"])
        self.assertEqual(self.decide(req(), holiday)["rule"], "closed-restday-voice")
        makeup = clock.Calendar(workdays=["2026-11-29"])
        self.assertEqual(self.decide(req(time=SUNDAY_10), makeup)["rule"], "default")
        self.assertEqual(self.decide(req(time=SUNDAY_20), makeup)["rule"], "closed-evening-voice")

    def test_unknown_region(self):
        d = self.decide(req(reached=None, caller_region=None))
        self.assertEqual((d["action"], d["level"], d["centre"], d["rule"]), ("self-service", "national", None, "no-region"))

    def test_no_time_given(self):
        self.assertEqual(self.decide(req(time=None))["rule"], "default")


class ProvincePresetTest(unittest.TestCase):
    def test_remote_seats_and_overflow(self):
        d = PROVINCE.evaluate(req(waiting=3, agents=2))
        self.assertEqual((d.level, d.centre, d.queue, d.rule), ("province", "330000", "seats-330100", "city-remote-seats"))
        d = PROVINCE.evaluate(req(reached="330200", waiting=3, agents=2))
        self.assertEqual(d.queue, "seats-330200")
        self.assertEqual(PROVINCE.evaluate(req(waiting=10, agents=2)).queue, "province-pool")
        self.assertEqual(PROVINCE.evaluate(req(waiting=0, agents=0)).rule, "overflow-no-seat")
        self.assertEqual(PROVINCE.evaluate(req()).queue, "seats-330100")  # no queue state given

    def test_civil_service_on_shared_back_office(self):
        d = PROVINCE.evaluate(req(number="12370", waiting=50))
        self.assertEqual((d.centre, d.queue), ("330000", "civil-service"))


class ExplainTest(unittest.TestCase):
    def test_explain_agrees_with_evaluate(self):
        times = (FRIDAY_10, FRIDAY_20, SUNDAY_10, None)
        for rules in (CITY, PROVINCE):
            for number in ("12333", "12370", None):
                for channel in ("voice", "sms", "kiosk", "web"):
                    for t in times:
                        for card in (None, "330106", "440300"):
                            for waiting in (None, 0, 20):
                                r = req(number=number, channel=channel, time=t, card_region=card, waiting=waiting, agents=1)
                                d = rules.evaluate(r)
                                ex = rules.explain(r)
                                self.assertEqual(ex["decision"].key(), d.key())
                                self.assertTrue(ex["tried"][-1]["matched"])
                                for entry in ex["tried"][:-1]:
                                    self.assertFalse(entry["matched"])
                                    self.assertTrue(len(entry["why"]) > 0)

    def test_explain_reasons(self):
        ex = CITY.explain(req(time=SUNDAY_20, category="1001"))
        self.assertEqual(ex["day"], "restday")
        self.assertEqual([e["rule"] for e in ex["tried"]], ["no-region", "closed-restday-voice"])
        self.assertEqual(ex["tried"][0]["why"], "reached 330100 not in unknown")
        ex = CITY.explain(req(time=FRIDAY_10))
        self.assertEqual(ex["tried"][2]["why"], "time of day outside hours")


if __name__ == "__main__":
    unittest.main()
