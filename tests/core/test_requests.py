"""Citizen requests: reference numbers, lifecycle, first-contact responsibility, SMS notice."""

import unittest

from lib12333 import citizen_requests as R
from lib12333.errors import DecodeError, StateError, ValidationError
from lib12333.sms.policy import Policy

HZ = "330100"
NB = "330200"
SIGN = "【杭州市人力资源社会保障电话咨询服务中心】"


def fresh(kind="complaint"):
    return R.new_request(kind, HZ, "K01", (2013, 3, 1), 7, 1000, "单位拖欠工资", contact="13912345678")


class RefTest(unittest.TestCase):
    def test_layout(self):
        ref = R.make_ref("complaint", HZ, "K01", (2013, 3, 1), 7)
        self.assertEqual(ref, "T330100K0113030100077")
        self.assertEqual(R.format_ref(ref), "T-330100-K01-130301-0007-7")
        self.assertEqual(R.make_ref("consultation", HZ, "TEL", (2013, 12, 31), 9999)[:20], "Z330100TEL1312319999")
        self.assertEqual(R.make_ref("report", "110000", "K99", (2009, 1, 2), 1)[0], "J")

    def test_parse(self):
        got = R.parse_ref("t-330100-k01-130301-0007-7")
        self.assertEqual(got["kind"], "complaint")
        self.assertEqual(got["centre"], HZ)
        self.assertEqual(got["device"], "K01")
        self.assertEqual(got["day"], (2013, 3, 1))
        self.assertEqual(got["seq"], 7)

    def test_check_char_catches_single_errors_and_swaps(self):
        ref = R.make_ref("complaint", HZ, "K01", (2013, 3, 1), 7)
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for i in range(1, 21):
            for ch in alphabet:
                if ch == ref[i]:
                    continue
                bad = ref[:i] + ch + ref[i + 1:]
                try:
                    R.parse_ref(bad)
                except (ValidationError, DecodeError):
                    continue
                self.fail("undetected change at " + str(i))
        # MOD 37,36 misses about 0.15 % of neighbour swaps; here exactly one (positions 15/16)
        missed = []
        for i in range(1, 20):
            if ref[i] != ref[i + 1]:
                try:
                    R.parse_ref(ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:])
                    missed.append(i)
                except (ValidationError, DecodeError):
                    pass
        self.assertEqual(missed, [15])

    def test_bad_input(self):
        for text, pos in (("T330100K01130301000", 19), ("X330100K0113030100077", 0),
                          ("T3301O0K0113030100077", 5), ("T330100K01#13030100077", 10)):
            with self.subTest(text=text):
                with self.assertRaises(DecodeError) as cm:
                    R.parse_ref(text)
                self.assertEqual(cm.exception.position, pos)
        for args in (("appeal", HZ, "K01", (2013, 3, 1), 1), ("complaint", "3301", "K01", (2013, 3, 1), 1),
                     ("complaint", HZ, "1K0", (2013, 3, 1), 1), ("complaint", HZ, "K01", (2013, 3, 1), 0),
                     ("complaint", HZ, "K01", (2013, 3, 1), 10000)):
            with self.assertRaises(ValidationError):
                R.make_ref(*args)


class LifecycleTest(unittest.TestCase):
    def test_happy_path(self):
        r = fresh()
        self.assertEqual((r.state, r.owner), (R.ACCEPTED, HZ))
        R.apply(r, "start", HZ, 1010, "s1")
        ev = R.apply(r, "complete", HZ, 1020, "c1", note="已责令单位补发")
        self.assertEqual(r.state, R.DONE)
        self.assertEqual(ev.seq, 2)
        self.assertEqual([e.to_state for e in r.history], [R.IN_PROGRESS, R.DONE])
        self.assertEqual(R.state_label(r.state), "办结")

    def test_every_pair_not_in_table_is_refused(self):
        for state in R.STATES:
            for action in R.ACTIONS:
                if R.find_transition(action, state) is not None:
                    continue
                r = fresh()
                r.state = state
                r.pending_owner = NB
                with self.subTest(state=state, action=action):
                    with self.assertRaises(StateError):
                        R.apply(r, action, HZ if action != "accept_transfer" else NB, 2000, "x", note="n",
                                target=NB if action == "transfer" else None)

    def test_final_states_are_final(self):
        r = fresh()
        R.apply(r, "return", HZ, 1001, "r1", note="不属于本中心受理范围")
        for action in R.ACTIONS:
            with self.assertRaises(StateError):
                R.apply(r, action, HZ, 1002, "z-" + action, note="n", target=NB if action == "transfer" else None)

    def test_transfer_keeps_first_contact_responsibility(self):
        r = fresh()
        R.apply(r, "start", HZ, 1001, "a")
        R.apply(r, "transfer", HZ, 1002, "b", target=NB)
        self.assertEqual((r.state, r.owner, r.pending_owner), (R.TRANSFERRING, HZ, NB))
        with self.assertRaises(StateError):  # Ningbo is not responsible yet
            R.apply(r, "complete", NB, 1003, "c", note="x")
        with self.assertRaises(StateError):  # only the target accepts
            R.apply(r, "accept_transfer", HZ, 1003, "c")
        R.apply(r, "reject_transfer", NB, 1004, "d", note="不属于本地")
        self.assertEqual((r.state, r.owner, r.pending_owner), (R.IN_PROGRESS, HZ, None))
        R.apply(r, "transfer", HZ, 1005, "e", target=NB)
        R.apply(r, "accept_transfer", NB, 1006, "f")
        self.assertEqual((r.state, r.owner, r.pending_owner), (R.ACCEPTED, NB, None))
        with self.assertRaises(StateError):  # Hangzhou handed it over
            R.apply(r, "start", HZ, 1007, "g")
        R.apply(r, "start", NB, 1007, "g")
        self.assertEqual(r.centre, HZ)

    def test_idempotency(self):
        r = fresh()
        e1 = R.apply(r, "start", HZ, 1001, "k1")
        e2 = R.apply(r, "start", HZ, 1005, "k1")
        self.assertIs(e1, e2)
        self.assertEqual(len(r.history), 1)
        with self.assertRaises(StateError):
            R.apply(r, "return", HZ, 1006, "k1", note="x")

    def test_argument_rules(self):
        r = fresh()
        with self.assertRaises(ValidationError):
            R.apply(r, "return", HZ, 1001, "a")  # reason required
        with self.assertRaises(ValidationError):
            R.apply(r, "transfer", HZ, 1001, "a", target=HZ)
        with self.assertRaises(ValidationError):
            R.apply(r, "start", HZ, 999, "a")  # time goes backwards
        with self.assertRaises(ValidationError):
            R.apply(r, "start", HZ, 1001, "")
        with self.assertRaises(ValidationError):
            R.new_request("complaint", HZ, "K01", (2013, 3, 1), 1, 0, "  ")

    def test_contact_is_masked(self):
        d = fresh().to_dict()
        self.assertFalse("13912345678" in d["contact"])
        self.assertEqual(fresh().to_dict(show_pii=True)["contact"], "13912345678")


class NoticeTest(unittest.TestCase):
    def test_completion_notice(self):
        r = fresh()
        R.apply(r, "start", HZ, 1001, "a")
        R.apply(r, "complete", HZ, 1002, "b", note="已处理")
        text, decision = R.notice_text(r, Policy(SIGN, one_part_notices=True))
        self.assertTrue(text.startswith(SIGN))
        self.assertIn(r.ref, text)
        self.assertIn("投诉", text)
        self.assertIn("已办结", text)
        self.assertFalse("13912345678" in text)
        self.assertFalse("工资" in text)  # the subject stays private
        self.assertEqual(decision.sender, "12333")
        self.assertEqual(decision.parts, 1)

    def test_returned_notice_and_detail(self):
        r = fresh("consultation")
        R.apply(r, "return", HZ, 1001, "a", note="请补充材料")
        text, _d = R.notice_text(r, Policy(SIGN), detail="请到窗口补充材料。")
        self.assertIn("已退回", text)
        self.assertIn("咨询", text)
        with self.assertRaises(ValidationError):
            R.notice_text(r, Policy(SIGN), detail="请联系13912345678")
        with self.assertRaises(ValidationError):
            R.notice_text(r, Policy(SIGN), detail="身份证33010219800101123X有误")

    def test_status_answer(self):
        r = fresh()
        text, decision = R.status_text(r, Policy(SIGN, one_part_notices=True))
        self.assertEqual(text, SIGN + "您的投诉（" + r.ref + "）目前状态：受理。")
        self.assertEqual(decision.parts, 1)
        R.apply(r, "transfer", HZ, 1001, "t", target=NB)
        self.assertIn("转办中", R.status_text(r, Policy(SIGN))[0])

    def test_no_notice_while_open(self):
        with self.assertRaises(StateError):
            R.notice_text(fresh(), Policy(SIGN))

    def test_personal_data_detector(self):
        self.assertTrue(R.contains_personal_data("卡号6222 0212 3456"))
        self.assertTrue(R.contains_personal_data("１３９１２３４５６７８"))
        self.assertFalse(R.contains_personal_data("请于3月30日前办理，电话12333"))
