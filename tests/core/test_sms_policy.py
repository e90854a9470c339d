"""The 12333 SMS policy refuses personal data in clear (CPython and MicroPython)."""

import unittest

from lib12333 import citizen_requests as R
from lib12333.errors import ValidationError
from lib12333.sms.policy import Policy

SIG = "【杭州市人力资源社会保障电话咨询服务中心】"


class PersonalData(unittest.TestCase):
    def refused(self, policy, text, word):
        try:
            policy.check(policy.sign(text), notice=True)
        except ValidationError as exc:
            self.assertIn(word, exc.reason)
            self.assertIn("personal data", exc.reason)
            self.assertEqual(exc.field, "text")
            return
        self.fail("accepted: " + text)

    def test_refuses_id_card_and_mobile(self):
        p = Policy(SIG)
        self.refused(p, "您的身份证11010519491231002X已登记。", "citizen ID")
        self.refused(p, "您的身份证110105491231002已登记。", "citizen ID")
        self.refused(p, "社保卡A1234567X已挂失。", "card number")
        self.refused(p, "卡号6222 0212 3456 7890 123已绑定。", "card number")
        self.refused(p, "请回电13912345678。", "mobile number")
        self.refused(p, "请回电+86 139-1234-5678。", "mobile number")
        for text in ("加tel13912345678", "加wx13912345678", "请回电139.1234.5678", "请回电139_1234_5678",
                     "请回电139  1234  5678", "请回电１３９１２３４５６７８"):
            self.refused(p, text, "mobile number")
        self.refused(p, "证号ID11010519491231002Xok", "citizen ID")

    def test_allowed_mobile_number(self):
        p = Policy(SIG, allowed_numbers=("13800571500",))
        self.assertEqual(p.check(p.sign("咨询请致电13800571500。")).sender, "12333")
        self.refused(p, "请回电13912345678。", "mobile number")

    def test_notices_still_pass(self):
        p = Policy(SIG, one_part_notices=True)
        texts = (
            # lib12333.host.gateway.centre loss_notice wordings
            "您尾号1234的社保卡已于12-06 14:30临时挂失，有效至2026-12-09，请持身份证到网点办理正式挂失和补卡。",
            "尾号1234社保卡已临时挂失，有效至2026-12-09。",
            "受理编号2026112900017，如有疑问请拨打0571-12333咨询。",
            "编号T-330100-K01-130301-0007-7",
        )
        for text in texts:
            with self.subTest(text=text):
                self.assertEqual(Policy(SIG).check(p.sign(text), "account-query", notice=True).sender, "12333")
        req = R.new_request("complaint", "330100", "K01", (2013, 3, 1), 7, 1000, "身份证11010519491231002X",
                            contact="13912345678")
        R.apply(req, "start", "330100", 1500, "i0")
        R.apply(req, "complete", "330100", 2000, "i1", note="已答复")
        text, decision = R.notice_text(req, p)
        self.assertIn(req.ref, text)
        self.assertEqual(decision.parts, 1)
        self.assertEqual(R.status_text(req, p)[1].sender, "12333")


if __name__ == "__main__":
    unittest.main()
