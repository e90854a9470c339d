"""Loss-report state machine (lib12333.lossreport)."""

import unittest

from lib12333 import lossreport as L
from lib12333.errors import StateError, ValidationError
from lib12333.secure import messages as M

SSN = "11010519491231002X"
NAME = "张三"
CARD = "X00000019"
T0 = 1796083200
DAY = 86400

# Written out independently of L.TRANSITIONS: (state, action) -> (result, channels allowed).
EXPECTED = {
    (L.SEALED, L.ACTIVATE): (L.NORMAL, ("counter",)),
    (L.SEALED, L.CANCEL): (L.CANCELLED, ("counter",)),
    (L.NORMAL, L.REPORT_TEMPORARY): (L.TEMP_LOST, ("kiosk", "phone", "online", "bank", "counter")),
    (L.NORMAL, L.REPORT_FORMAL): (L.LOST, ("counter",)),
    (L.NORMAL, L.CANCEL): (L.CANCELLED, ("counter",)),
    (L.TEMP_LOST, L.RELEASE_TEMPORARY): (L.NORMAL, ("counter",)),
    (L.TEMP_LOST, L.EXPIRE_TEMPORARY): (L.NORMAL, ("system",)),
    (L.TEMP_LOST, L.REPORT_FORMAL): (L.LOST, ("counter",)),
    (L.TEMP_LOST, L.CANCEL): (L.CANCELLED, ("counter",)),
    (L.LOST, L.RELEASE): (L.NORMAL, ("counter",)),
    (L.LOST, L.APPLY_REPLACEMENT): (L.REPLACING, ("counter",)),
    (L.LOST, L.CANCEL): (L.CANCELLED, ("counter",)),
    (L.REPLACING, L.COMPLETE_REPLACEMENT): (L.CANCELLED, ("counter", "system")),
}


def card(state=L.NORMAL, days=7):
    return L.CardRecord(SSN, NAME, CARD, state, T0, 0, L.Policy(days))


class TestTable(unittest.TestCase):
    def test_every_state_action_channel(self):
        checked = 0
        for state in sorted(L.STATE_NAMES):
            for action in L.ACTIONS:
                for channel in L.CHANNELS:
                    exp = EXPECTED.get((state, action))
                    with self.subTest(state=state, action=action, channel=channel):
                        if exp is not None and channel in exp[1]:
                            self.assertEqual(L.transition(state, action, channel), exp[0])
                        else:
                            try:
                                L.transition(state, action, channel)
                                self.fail("allowed")
                            except StateError as e:
                                self.assertEqual(e.state, L.state_name(state))
                                self.assertEqual(e.action, action)
                                self.assertEqual(isinstance(e, L.ChannelError), exp is not None)
                                if exp is not None:
                                    self.assertEqual(e.channel, channel)
                    checked += 1
        self.assertEqual(checked, 6 * 9 * 6)

    def test_kiosk_may_only_report_temporary_loss(self):
        for state in L.STATE_NAMES:
            offered = L.allowed_actions(state, L.KIOSK)
            self.assertEqual(offered, [L.REPORT_TEMPORARY] if state == L.NORMAL else [])

    def test_counter_only_actions_refused_from_kiosk(self):
        for action, state in ((L.REPORT_FORMAL, L.NORMAL), (L.RELEASE, L.LOST), (L.RELEASE_TEMPORARY, L.TEMP_LOST),
                              (L.APPLY_REPLACEMENT, L.LOST), (L.CANCEL, L.NORMAL)):
            with self.assertRaises(L.ChannelError):
                L.transition(state, action, L.KIOSK)
            self.assertTrue(L.transition(state, action, L.COUNTER) > 0)

    def test_unknown_inputs(self):
        with self.assertRaises(ValidationError):
            L.transition(9, L.CANCEL, L.COUNTER)
        with self.assertRaises(ValidationError):
            L.transition(L.NORMAL, "explode", L.COUNTER)
        with self.assertRaises(ValidationError):
            L.transition(L.NORMAL, L.CANCEL, "fax")
        with self.assertRaises(ValidationError):
            L.Policy(0)

    def test_error_text(self):
        try:
            L.transition(L.REPLACING, L.RELEASE, L.COUNTER)
        except StateError as e:
            self.assertTrue("REPLACING" in str(e))
            self.assertTrue("release" in str(e))
            self.assertEqual(L.wire_error(e), M.E_STATE)
        try:
            L.transition(L.NORMAL, L.REPORT_FORMAL, L.KIOSK)
        except L.ChannelError as e:
            self.assertTrue("kiosk" in str(e))
            self.assertEqual(L.wire_error(e), M.E_CHANNEL)


class TestCard(unittest.TestCase):
    def test_temporary_loss_from_kiosk_then_expiry(self):
        c = card(days=10)
        self.assertEqual(c.apply(L.REPORT_TEMPORARY, L.KIOSK, T0 + 5, SSN, NAME, CARD), L.TEMP_LOST)
        self.assertEqual(c.until, T0 + 5 + 10 * DAY)
        self.assertEqual(c.state_at(T0 + 5 + 10 * DAY - 1), L.TEMP_LOST)
        self.assertEqual(c.state_at(T0 + 5 + 10 * DAY), L.NORMAL)
        self.assertEqual(c.state, L.TEMP_LOST)  # state_at changes nothing
        self.assertEqual(c.settle(T0 + 20 * DAY), L.NORMAL)
        self.assertEqual(c.history[-1], (T0 + 5 + 10 * DAY, L.EXPIRE_TEMPORARY, L.SYSTEM, L.TEMP_LOST, L.NORMAL))
        self.assertEqual(c.until, 0)
        # After it lapsed it can be reported again.
        self.assertEqual(c.apply(L.REPORT_TEMPORARY, L.PHONE, T0 + 21 * DAY, SSN, NAME, CARD), L.TEMP_LOST)

    def test_repeated_temporary_report_is_a_state_error(self):
        c = card()
        c.apply(L.REPORT_TEMPORARY, L.KIOSK, T0, SSN, NAME, CARD)
        with self.assertRaises(StateError):
            c.apply(L.REPORT_TEMPORARY, L.KIOSK, T0 + 60, SSN, NAME, CARD)

    def test_identity_must_match_all_three(self):
        for ssn, name, card_no in ((SSN[:-1] + "0", NAME, CARD), (SSN, "张四", CARD), (SSN, NAME, "X00000018"),
                                   (None, NAME, CARD)):
            c = card()
            try:
                c.apply(L.REPORT_TEMPORARY, L.KIOSK, T0, ssn, name, card_no)
                self.fail("accepted")
            except ValidationError as e:
                self.assertEqual(e.field, "identity")
                self.assertEqual(L.wire_error(e), M.E_IDENTITY)
                self.assertTrue(SSN not in str(e) and NAME not in str(e) and CARD not in str(e))
            self.assertEqual(c.state, L.NORMAL)
            self.assertEqual(c.history, [])
        # Lower-case x and spacing differences are the same identity.
        c = card()
        self.assertEqual(c.apply(L.REPORT_TEMPORARY, L.ONLINE, T0, SSN.lower(), " 张 三 ", CARD.lower()), L.TEMP_LOST)

    def test_identity_checked_before_state(self):
        c = card(L.LOST)
        with self.assertRaises(ValidationError):
            c.apply(L.REPORT_TEMPORARY, L.KIOSK, T0, SSN, "李四", CARD)

    def test_formal_loss_release_and_replacement(self):
        c = card()
        c.apply(L.REPORT_TEMPORARY, L.KIOSK, T0, SSN, NAME, CARD)
        with self.assertRaises(L.ChannelError):
            c.apply(L.REPORT_FORMAL, L.KIOSK, T0 + 1)
        self.assertEqual(c.apply(L.REPORT_FORMAL, L.COUNTER, T0 + 2 * DAY), L.LOST)
        self.assertEqual(c.until, 0)
        # A formal loss does not lapse.
        self.assertEqual(c.state_at(T0 + 400 * DAY), L.LOST)
        self.assertEqual(c.apply(L.RELEASE, L.COUNTER, T0 + 3 * DAY), L.NORMAL)
        c.apply(L.REPORT_FORMAL, L.COUNTER, T0 + 4 * DAY)
        c.apply(L.APPLY_REPLACEMENT, L.COUNTER, T0 + 4 * DAY)
        with self.assertRaises(StateError):
            c.apply(L.RELEASE, L.COUNTER, T0 + 5 * DAY)  # found after the replacement was applied for
        self.assertEqual(c.apply(L.COMPLETE_REPLACEMENT, L.SYSTEM, T0 + 6 * DAY), L.CANCELLED)
        for action in L.ACTIONS:
            with self.assertRaises(StateError):
                c.apply(action, L.COUNTER, T0 + 7 * DAY, SSN, NAME, CARD)
        self.assertEqual([h[1] for h in c.history], [L.REPORT_TEMPORARY, L.REPORT_FORMAL, L.RELEASE, L.REPORT_FORMAL,
                                                      L.APPLY_REPLACEMENT, L.COMPLETE_REPLACEMENT])

    def test_sealed_card(self):
        c = card(L.SEALED)
        with self.assertRaises(StateError):
            c.apply(L.REPORT_TEMPORARY, L.KIOSK, T0, SSN, NAME, CARD)
        self.assertEqual(c.allowed(L.COUNTER, T0), [L.ACTIVATE, L.CANCEL])
        c.apply(L.ACTIVATE, L.COUNTER, T0)
        self.assertEqual(c.allowed(L.KIOSK, T0), [L.REPORT_TEMPORARY])

    def test_round_trip_and_repr(self):
        c = card()
        c.apply(L.REPORT_TEMPORARY, L.KIOSK, T0, SSN, NAME, CARD)
        d = c.to_dict()
        r = L.CardRecord.from_dict(d, L.Policy(7))
        self.assertEqual((r.state, r.since, r.until), (L.TEMP_LOST, T0, T0 + 7 * DAY))
        self.assertTrue(NAME not in repr(c) and SSN not in repr(c) and CARD not in repr(c))
        self.assertEqual(L.state_name(L.TEMP_LOST), "TEMP_LOST(临时挂失)")


if __name__ == "__main__":
    unittest.main()
