"""The kiosk's status report (issue 17) end to end on simulated hardware (CPython and MicroPython)."""

import unittest

import lib12333
from firmware import status_report as sr
from lib12333.secure import messages as msg
from tests.core import kiosk_sim as S

DAILY = {"status_interval": 86400, "boots": 7}


def settle(sim, check, limit=600):
    for _ in range(limit):
        if check():
            return
        sim.step()
    raise S.SimError("condition not reached after %d steps" % limit)


def booted(config=DAILY, **kw):
    sim = S.KioskSim(config=config, **kw)
    S.run(S.boot(sim))
    return sim


def idle(sim):
    return sim.app.engine.idle() and not sim.app.sending and sim.app.outbox.pending() == []


def with_two_queries_waiting(max_pending):
    """(sim, outbox) a day after the boot report: the centre stopped answering, two citizens' status
    queries wait in an outbox of ``max_pending`` places for their retries, the next report is due."""
    sim = booted()
    centre = sim.hw.centre
    settle(sim, lambda: centre.status_reports and idle(sim))
    outbox = sim.app.outbox
    outbox.max_pending = max_pending
    centre.reply = False
    now = sim.hw.wall_time()
    for n in (1, 2):
        outbox.accept(msg.STATUS_QUERY, msg.encode(msg.STATUS_QUERY, {"ref_device": 1001, "ref_seq": n}), now)
    sim.step(ms=86400 * 1000)
    return sim, outbox


class StatusReportAfterBoot(unittest.TestCase):
    def test_one_report_after_boot_with_the_modem_signal(self):
        sim = booted()
        centre = sim.hw.centre
        settle(sim, lambda: centre.status_reports and idle(sim))
        self.assertEqual(len(centre.status_reports), 1)
        seq, fields = centre.status_reports[0]
        self.assertEqual(fields, {"firmware": lib12333.__version__, "rssi": 18, "ber": 0, "backlog": 0,
                                  "oldest_age": 0, "storage_errors": 0, "modem_errors": 0, "card_errors": 0,
                                  "uptime": fields["uptime"], "boots": 7})
        self.assertTrue(0 <= fields["uptime"] < 60)
        self.assertIn("AT+CSQ", sim.hw.modem.commands)
        self.assertEqual(centre.received, [])  # no request was invented
        # the ACK cleared it without the screen hearing of it
        self.assertEqual(sim.app.report.seq, None)
        self.assertEqual(sim.hw.display.titles[-1], S_WELCOME())
        self.assertFalse([line for line in sim.app.log.lines if "late reply" in line])
        # nothing more for a day of the kiosk's clock...
        for _ in range(50):
            sim.step(ms=60000)
        self.assertEqual(len(centre.status_reports), 1)
        # ... then the next one
        sim.hw.modem.rssi = 9
        sim.step(ms=86400 * 1000)
        settle(sim, lambda: len(centre.status_reports) == 2 and idle(sim))
        self.assertEqual(centre.status_reports[1][1]["rssi"], 9)
        self.assertTrue(centre.status_reports[1][0] > seq)

    def test_no_reports_when_the_interval_is_zero(self):
        sim = booted(config={"status_interval": 0})
        for _ in range(100):
            sim.step()
        self.assertEqual(sim.hw.centre.status_reports, [])
        self.assertFalse("AT+CSQ" in sim.hw.modem.commands)

    def test_never_ahead_of_a_citizen_request_and_counts_the_backlog(self):
        sim = booted()
        centre = sim.hw.centre
        settle(sim, lambda: centre.status_reports and idle(sim))
        # A status query the centre leaves unanswered: it waits in the outbox for its retry.
        now = sim.hw.wall_time()
        query = sim.app.outbox.accept(msg.STATUS_QUERY, msg.encode(msg.STATUS_QUERY, {"ref_device": 1001,
                                                                                       "ref_seq": 1}), now)
        sim.step(ms=86400 * 1000)  # the next report is due now, and so is the query
        settle(sim, lambda: len(centre.status_reports) == 2 and sim.app.engine.idle())
        self.assertEqual(centre.received[0][:2], (msg.STATUS_QUERY, query))  # the citizen's frame went first
        seq, fields = centre.status_reports[1]
        self.assertTrue(seq > query)
        self.assertEqual(fields["backlog"], 1)
        self.assertTrue(86400 <= fields["oldest_age"] <= 86400 + 60)
        self.assertEqual(sim.app.outbox.pending(), [query])

    def test_a_waiting_report_never_takes_a_citizen_s_place_in_a_full_outbox(self):
        sim, outbox = with_two_queries_waiting(max_pending=3)  # the next report is due
        settle(sim, lambda: sim.app.report.seq is not None)
        report = sim.app.report.seq
        self.assertEqual(len(outbox.pending()), 3)  # the report took the last place
        # A third citizen's request: the kiosk gives up its own report rather than turn the citizen away.
        sim.app._submit(msg.STATUS_QUERY, {"ref_device": 1001, "ref_seq": 3})
        self.assertFalse([line for line in sim.app.log.lines if "outbox refused a request" in line])
        self.assertFalse(report in outbox.pending())
        self.assertEqual(len(outbox.pending()), 3)
        self.assertEqual(outbox.pending_of(msg.KIOSK_STATUS), [])
        self.assertEqual(sim.app.report.seq, None)
        # a late ACK of the given-up report does not reach the screen as a citizen's reply
        self.assertTrue(sim.app.report.done(report))

    def test_an_outbox_full_of_citizens_requests_is_not_counted_as_a_storage_error(self):
        sim, _outbox = with_two_queries_waiting(max_pending=2)  # a report is due; the flash is fine
        for _ in range(100):
            sim.step()
        self.assertEqual(sim.app.report.seq, None)
        self.assertEqual(sim.app.report.errors[sr.STORAGE], 0)
        self.assertFalse([line for line in sim.app.log.lines if "refused the status report" in line])


class StatusReportAcrossAReset(unittest.TestCase):
    def test_an_unacknowledged_report_is_sent_again_unchanged_after_a_power_cut(self):
        sim = booted()
        centre = sim.hw.centre
        centre.reply = False
        settle(sim, lambda: centre.status_reports and sim.app.engine.idle())
        first_seq, first = centre.status_reports[0]
        self.assertEqual(sim.app.outbox.pending(), [first_seq])
        centre.reply = True
        again = S.KioskSim(hw=sim.hw, stores=sim.stores, config=dict(DAILY, boots=8))  # same flash, new RAM
        S.run(S.boot(again))
        settle(again, lambda: len(centre.status_reports) >= 3 and idle(again))
        seqs = [s for s, _ in centre.status_reports]
        # the same report (same number, same fields) once more, then the new boot's own report
        self.assertEqual(seqs[:2], [first_seq, first_seq])
        self.assertEqual(centre.status_reports[1][1], first)
        self.assertTrue(seqs[2] > first_seq)
        self.assertEqual(centre.status_reports[2][1]["boots"], 8)
        self.assertEqual(len(seqs), 3)


    def test_a_report_given_up_just_before_a_power_cut_is_not_left_among_the_failed_requests(self):
        sim = booted()
        centre = sim.hw.centre
        centre.reply = False
        settle(sim, lambda: centre.status_reports and sim.app.engine.idle())
        seq = sim.app.report.seq
        outbox = sim.app.outbox
        outbox.max_attempts = 1
        # The outbox gives the report up (journalled), and the power goes before the app dismissed it.
        events = outbox.poll(sim.hw.wall_time() + 10 ** 6)
        self.assertEqual([e[:2] for e in events], [("failed", seq)])
        again = S.KioskSim(hw=sim.hw, stores=sim.stores, config=dict(DAILY, boots=8))
        S.run(S.boot(again))
        self.assertEqual(again.app.outbox.failures(), [])  # the technician's "outbox failed" counts requests
        self.assertEqual(again.app.status()["outbox failed"], 0)


class Counters(unittest.TestCase):
    def test_errors_count_since_the_last_report_and_saturate(self):
        rep = sr.StatusReport(60, "1.4.2 beta版", boots=70000)
        for _ in range(3):
            rep.note(sr.MODEM)
        rep.note(sr.CARD)
        rep.errors[sr.STORAGE] = 0xFFFF
        rep.note(sr.STORAGE)
        f = rep.fields(70000, 1 << 40, -5)
        self.assertEqual((f["firmware"], f["boots"]), ("1.4.2beta", 70000 & 0xFFFF))
        self.assertEqual((f["modem_errors"], f["card_errors"], f["storage_errors"]), (3, 1, 0xFFFF))
        self.assertEqual((f["backlog"], f["oldest_age"], f["uptime"]), (0xFFFF, 0xFFFFFFFF, 0))
        self.assertEqual(msg.decode(msg.KIOSK_STATUS, msg.encode(msg.KIOSK_STATUS, f)), f)
        rep.accepted(5, 100.0)
        self.assertEqual(rep.fields(0, 0, 0)["modem_errors"], 0)
        self.assertFalse(rep.due(150.0))
        self.assertTrue(rep.done(5))
        self.assertTrue(rep.due(160.0))
        self.assertFalse(rep.done(5))

    def test_signal_answers(self):
        rep = sr.StatusReport(60, "")
        self.assertEqual(rep.firmware, "unknown")
        self.assertTrue(rep.ask_signal(0.0))
        self.assertFalse(rep.ready(1.0))
        rep.on_signal(None)  # the modem refused AT+CSQ
        self.assertTrue(rep.ready(1.0))
        self.assertEqual((rep.rssi, rep.ber), (99, 99))
        rep.on_signal({"rssi": 25, "ber": 3, "dbm": -63})
        self.assertEqual((rep.rssi, rep.ber), (25, 3))
        late = sr.StatusReport(60, "x")
        late.ask_signal(0.0)
        self.assertFalse(late.ready(sr.SIGNAL_WAIT - 1))
        self.assertTrue(late.ready(sr.SIGNAL_WAIT))  # no answer: report anyway, signal not known

    def test_a_modem_silent_this_time_is_reported_as_not_known_not_as_yesterday_s_signal(self):
        rep = sr.StatusReport(60, "1.0")
        rep.ask_signal(0.0)
        rep.on_signal({"rssi": 25, "ber": 3})
        self.assertEqual(rep.fields(0, 0, 0)["rssi"], 25)
        rep.accepted(5, 1.0)
        self.assertTrue(rep.done(5))
        self.assertTrue(rep.ask_signal(100.0))  # the next report: the modem does not answer AT+CSQ
        self.assertTrue(rep.ready(100.0 + sr.SIGNAL_WAIT))
        f = rep.fields(0, 0, 0)
        self.assertEqual((f["rssi"], f["ber"]), (sr.UNKNOWN, sr.UNKNOWN))


def S_WELCOME():
    from firmware import screens

    return screens.render(screens.WELCOME, {})[0]


if __name__ == "__main__":
    unittest.main()
