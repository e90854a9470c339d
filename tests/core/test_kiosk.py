"""The kiosk state machine (firmware/kiosk.py): runs on CPython and MicroPython."""

import unittest

from firmware import screens
from firmware.kiosk import IDLE_TIMEOUT, MAINTENANCE_CODE, TRANSITIONS, Kiosk, _date, describe_reply
from lib12333.secure import messages as msg

CARD = {"ssn": "11010519491231002X", "name": "张三丰", "card": "A12345678", "region": "110105"}


def screen_of(actions):
    shown = [a for a in actions if a[0] == "screen"]
    return shown[-1][1] if shown else None


def params_of(actions):
    return [a for a in actions if a[0] == "screen"][-1][2]


def all_text(actions):
    out = []
    for a in actions:
        if a[0] == "screen":
            out.extend(screens.render(a[1], a[2]))
        elif a[0] == "log":
            out.append(a[1])
    return "\n".join(out)


class KioskDriver:
    def __init__(self, **kw):
        self.kiosk = Kiosk(unit="【杭州市人力资源社会保障电话咨询服务中心】", **kw)
        self.now = 1000
        self.log = []

    def send(self, *event):
        actions = self.kiosk.handle(tuple(event), self.now)
        self.log.extend(actions)
        return actions

    def keys(self, text):
        out = []
        for k in text:
            out = self.send("key", k)
        return out

    def to_menu(self):
        self.send("boot", [])
        self.send("modem", True)
        self.send("card_in")
        return self.send("card_read", dict(CARD))


class TestKioskFlows(unittest.TestCase):
    def test_boot_self_test_failure_puts_the_kiosk_out_of_service(self):
        d = KioskDriver()
        actions = d.send("boot", ["modem", "reader"])
        self.assertEqual(screen_of(actions), screens.OUT_OF_SERVICE)
        self.assertEqual(d.kiosk.state, "out_of_service")
        self.assertEqual(screen_of(d.send("card_in")), None)  # ignored

    def test_card_read_shows_the_menu_with_masked_data_only(self):
        d = KioskDriver()
        actions = d.send("boot", [])
        self.assertEqual(screen_of(actions), screens.WELCOME)
        actions = d.send("card_in")
        self.assertEqual(screen_of(actions), screens.READING)
        self.assertIn(("read_card",), actions)
        actions = d.send("card_read", dict(CARD))
        self.assertEqual(screen_of(actions), screens.MENU)
        self.assertEqual(params_of(actions), {"name": "张**", "card": "A******78"})
        text = all_text(d.log)
        for secret in ("张三丰", "11010519491231002X", "A12345678"):
            self.assertFalse(secret in text, secret)

    def test_loss_report_end_to_end(self):
        d = KioskDriver(temp_loss_days=30)
        d.to_menu()
        self.assertEqual(screen_of(d.send("key", "2")), screens.LOSS_PHONE)
        d.keys("1380013800")
        actions = d.send("key", "0")
        self.assertEqual(params_of(actions)["typed"], "13800138000")
        actions = d.send("key", "ok")
        self.assertEqual(screen_of(actions), screens.LOSS_CONFIRM)
        self.assertEqual(params_of(actions)["phone"], "138****8000")
        self.assertEqual(params_of(actions)["days"], 30)
        actions = d.send("key", "1")
        submit = [a for a in actions if a[0] == "submit"]
        self.assertEqual(submit, [("submit", msg.LOSS_REPORT, {
            "ssn": "11010519491231002X", "card": "A12345678", "phone": "13800138000", "name": "张三丰"})])
        self.assertEqual(screen_of(actions), screens.SUBMITTING)
        actions = d.send("accepted", "7001-42", False)
        self.assertEqual(screen_of(actions), screens.WAITING)
        self.assertEqual(params_of(actions), {"ref": "7001-42", "offline": False})
        until = 1767225600  # 2026-01-01 08:00 CST
        actions = d.send("reply", msg.ACK, {"ref_seq": 42, "result": msg.ACK_APPLIED, "state": 3, "until": until})
        self.assertEqual(screen_of(actions), screens.RESULT)
        p = params_of(actions)
        self.assertEqual(p["title"], "挂失成功")
        self.assertEqual(p["lines"][0], "卡片状态：临时挂失")
        self.assertEqual(p["lines"][1], "临时挂失有效至 2026-01-01")

    def test_offline_request_is_queued_and_the_screen_says_so(self):
        d = KioskDriver()
        d.send("boot", [])
        self.assertTrue("网络暂不可用" in all_text(d.log))
        d.send("card_in")
        d.send("card_read", dict(CARD))
        d.send("key", "2")
        d.keys("13800138000")
        d.send("key", "ok")
        d.send("key", "1")
        actions = d.send("accepted", "7001-43", True)
        self.assertTrue(params_of(actions)["offline"])
        self.assertTrue("网络恢复后自动发送" in "\n".join(screens.render(screens.WAITING, params_of(actions))))
        d.send("card_out")
        self.assertTrue("待发送申请：1 件" in "\n".join(screens.render(*d.log[-1][1:])))

    def test_a_reply_for_another_request_does_not_change_the_screen(self):
        d = KioskDriver()
        d.to_menu()
        d.send("key", "2")
        d.keys("13800138000")
        d.send("key", "ok")
        d.send("key", "1")
        d.send("accepted", "7001-44", False)
        actions = d.send("reply", msg.ACK, {"ref_seq": 41, "result": 0, "state": 3, "until": 0})
        self.assertEqual(screen_of(actions), None)
        self.assertEqual(d.kiosk.state, "waiting")

    def test_refusal_and_failure_tell_the_citizen_what_to_do(self):
        d = KioskDriver()
        d.to_menu()
        d.send("key", "2")
        d.keys("13800138000")
        d.send("key", "ok")
        d.send("key", "1")
        d.send("accepted", "7001-45", False)
        actions = d.send("reply", msg.ERROR, {"ref_seq": 45, "code": msg.E_STATE, "state": 3})
        self.assertEqual(params_of(actions)["title"], "卡片已挂失")
        d2 = KioskDriver()
        d2.to_menu()
        d2.send("key", "2")
        d2.keys("13800138000")
        d2.send("key", "ok")
        d2.send("key", "1")
        d2.send("accepted", "7001-46", False)
        actions = d2.send("failed", "7001-46", "max attempts")
        self.assertEqual(screen_of(actions), screens.ERROR)
        self.assertEqual(params_of(actions), {"code": "send_failed"})

    def test_wrong_phone_number_is_refused(self):
        d = KioskDriver()
        d.to_menu()
        d.send("key", "2")
        d.keys("2380013800")
        actions = d.send("key", "ok")
        self.assertEqual(params_of(actions), {"code": "phone"})
        self.assertEqual(d.kiosk.state, "loss_phone")
        self.assertEqual(d.kiosk.phone, "")

    def test_card_removal_and_idle_timeout_wipe_personal_data(self):
        d = KioskDriver()
        d.to_menu()
        d.send("key", "2")
        d.keys("138")
        self.assertEqual(d.kiosk.typed, "138")
        actions = d.send("card_out")
        self.assertEqual(screen_of(actions), screens.WELCOME)
        self.assertEqual((d.kiosk.card, d.kiosk.phone, d.kiosk.typed), (None, "", ""))
        d.send("card_in")
        d.send("card_read", dict(CARD))
        d.now += IDLE_TIMEOUT - 1
        self.assertEqual(screen_of(d.send("tick")), None)
        d.now += 1
        actions = d.send("tick")
        self.assertEqual(screen_of(actions), screens.WELCOME)
        self.assertEqual(d.kiosk.card, None)

    def test_card_removed_while_reading(self):
        d = KioskDriver()
        d.send("boot", [])
        d.send("card_in")
        actions = d.send("card_out")
        self.assertEqual(params_of(actions), {"code": "card_removed"})
        self.assertEqual(d.kiosk.card, None)

    def test_card_error_screens(self):
        d = KioskDriver()
        d.send("boot", [])
        d.send("card_in")
        actions = d.send("card_error", "card_unsupported")
        self.assertEqual(screen_of(actions), screens.ERROR)
        lines = screens.render(screens.ERROR, params_of(actions))
        self.assertEqual(lines[0], "不支持的卡片")
        self.assertEqual(screen_of(d.send("key", "ok")), screens.WELCOME)

    def test_status_query_and_message(self):
        d = KioskDriver()
        d.to_menu()
        actions = d.send("key", "3")
        self.assertEqual([a for a in actions if a[0] == "submit"][0][1], msg.CARD_STATUS_QUERY)
        d.send("accepted", "7001-50", False)
        actions = d.send("reply", msg.CARD_STATUS_ANSWER, {"ref_seq": 50, "state": 3, "since": 0, "until": 0})
        self.assertEqual(params_of(actions)["lines"], ["卡片状态：临时挂失"])
        d.send("key", "ok")
        self.assertEqual(screen_of(d.send("key", "4")), screens.MESSAGE_KIND)
        d.send("key", "2")
        d.send("key", "2")  # 养老保险
        d.keys("13912345678")
        actions = d.send("key", "ok")
        self.assertEqual(params_of(actions), {"kind": "投诉", "topic": "养老保险", "phone": "139****5678"})
        actions = d.send("key", "1")
        submit = [a for a in actions if a[0] == "submit"][0]
        self.assertEqual(submit[1], msg.REQUEST)
        self.assertEqual((submit[2]["kind"], submit[2]["category"], submit[2]["phone"]), (2, "1000", "13912345678"))

    def test_maintenance_mode_by_key_sequence(self):
        d = KioskDriver(status=lambda: {"outbox pending": 2, "modem": "registered"})
        d.send("boot", [])
        actions = d.keys(MAINTENANCE_CODE)
        self.assertEqual(screen_of(actions), screens.MAINTENANCE)
        actions = d.send("key", "1")
        self.assertEqual(params_of(actions)["lines"], ["modem: registered", "outbox pending: 2"])
        self.assertEqual(screen_of(d.send("key", "back")), screens.WELCOME)

    def test_unexpected_events_are_ignored_and_logged(self):
        d = KioskDriver()
        d.send("boot", [])
        actions = d.send("accepted", "1-1", False)
        self.assertEqual(actions, [("log", "ignored accepted in welcome")])

    def test_every_table_entry_names_a_handler(self):
        k = Kiosk()
        for state in TRANSITIONS:
            for kind in TRANSITIONS[state]:
                self.assertTrue(callable(getattr(k, TRANSITIONS[state][kind])), (state, kind))


class TestHelpers(unittest.TestCase):
    def test_date(self):
        self.assertEqual(_date(0), "1970-01-01")
        self.assertEqual(_date(951782400), "2000-02-29")  # 2000-02-29 08:00 CST
        self.assertEqual(_date(1767196800 - 8 * 3600 + 3600), "2025-12-31")

    def test_card_state_names_match_the_loss_report_machine(self):
        from lib12333 import lossreport

        for code, (_name, chinese) in lossreport.STATE_NAMES.items():
            self.assertEqual(screens.CARD_STATE_NAMES[code], chinese)
        self.assertEqual(len(screens.CARD_STATE_NAMES), len(lossreport.STATE_NAMES))

    def test_describe_unknown_error_code(self):
        d = describe_reply(msg.ERROR, {"code": msg.E_BUSY}, "loss")
        self.assertEqual(d["title"], "业务未能办理")

    def test_every_screen_renders(self):
        for name in dir(screens):
            if name.isupper() and isinstance(getattr(screens, name), str):
                lines = screens.render(getattr(screens, name), {})
                self.assertTrue(len(lines) >= 1, name)
