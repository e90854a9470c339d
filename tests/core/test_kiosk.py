"""The kiosk state machine (firmware/kiosk.py): runs on CPython and MicroPython."""

import unittest

from firmware import kiosk_menus, screens
from firmware.kiosk import IDLE_TIMEOUT, MAINTENANCE_CODE, NETWORK_GRACE, Kiosk
from firmware.kiosk_menus import SESSION_REQUESTS
from firmware.kiosk_table import ANYWHERE, TABLE, VIEWS, row_items
from firmware.screens import describe_reply
from lib12333.secure import messages as msg

CARD = {"ssn": "11010519491231002X", "name": "张三丰", "card": "A12345678", "region": "110105"}
STATES = [state for state, _row in row_items(TABLE)]
REF = "T330100K0113030100077"  # a lib12333.citizen_requests reference: complaint, 330100, K01, 2013-03-01, no. 7


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

    def submit_loss_report(self, ref=None, queued=False, phone="13800138000"):
        """Menu 2, phone, 确认, 1 确认挂失; then the outbox's answer when ``ref`` is given."""
        self.send("key", "2")
        self.keys(phone)
        self.send("key", "ok")
        actions = self.send("key", "1")
        if ref is not None:
            actions = self.send("accepted", ref, queued)
        return actions


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
        self.assertFalse("网络暂不可用" in all_text(d.log))  # not known yet: the modem is registering
        d.now += NETWORK_GRACE
        d.send("tick")
        self.assertTrue("网络暂不可用" in all_text(d.log))
        d.send("card_in")
        d.send("card_read", dict(CARD))
        actions = d.submit_loss_report("7001-43", queued=True)
        self.assertTrue(params_of(actions)["offline"])
        self.assertTrue("网络恢复后自动发送" in "\n".join(screens.render(screens.WAITING, params_of(actions))))
        d.send("card_out")
        self.assertTrue("待发送申请：1 件" in "\n".join(screens.render(*d.log[-1][1:])))

    def test_the_welcome_screen_is_drawn_once_when_the_modem_registers(self):
        d = KioskDriver()
        d.send("boot", [])
        self.assertEqual(screen_of(d.send("modem", True)), None)  # nothing to change on the screen
        self.assertTrue("网络暂不可用" in all_text(d.send("modem", False)))
        self.assertFalse("网络暂不可用" in all_text(d.send("modem", True)))

    def test_a_reply_for_another_request_does_not_change_the_screen(self):
        d = KioskDriver()
        d.to_menu()
        d.submit_loss_report("7001-44")
        actions = d.send("reply", msg.ACK, {"ref_seq": 41, "result": 0, "state": 3, "until": 0})
        self.assertEqual(screen_of(actions), None)
        self.assertEqual(d.kiosk.state, "waiting")

    def test_refusal_and_failure_tell_the_citizen_what_to_do(self):
        d = KioskDriver()
        d.to_menu()
        d.submit_loss_report("7001-45")
        actions = d.send("reply", msg.ERROR, {"ref_seq": 45, "code": msg.E_STATE, "state": 3})
        self.assertEqual(params_of(actions)["title"], "卡片已挂失")
        d2 = KioskDriver()
        d2.to_menu()
        d2.submit_loss_report("7001-46")
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
        self.assertEqual(screen_of(d.send("key", "3")), screens.QUERY_MENU)
        actions = d.send("key", "1")
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

    def leave_complaint(self, d, local="7001-50"):
        d.send("key", "4")
        d.send("key", "2")  # 投诉
        d.send("key", "2")  # 养老保险
        d.keys("13912345678")
        d.send("key", "ok")
        actions = d.send("key", "1")
        self.assertEqual([a for a in actions if a[0] == "submit"][0][1], msg.REQUEST)
        return d.send("accepted", local, False)

    def test_accepted_complaint_shows_its_reference(self):
        d = KioskDriver()
        d.to_menu()
        actions = self.leave_complaint(d)
        self.assertEqual(screen_of(actions), screens.WAITING)
        actions = d.send("reply", msg.STATUS_ANSWER, {"ref_device": 7001, "ref_seq": 50, "status": msg.ST_RECEIVED,
                                                      "updated": 0, "text": REF})
        self.assertEqual(screen_of(actions), screens.RESULT)
        p = params_of(actions)
        self.assertEqual(p["title"], "中心已受理")
        self.assertEqual(p["lines"][0], "受理编号：T-330100-K01-130301-0007-7")
        self.assertEqual(d.kiosk.session_requests, [["7001-50", REF]])
        # an old gateway's plain ACK still reads as accepted (without a reference)
        self.assertEqual(describe_reply(msg.ACK, {"result": msg.ACK_QUEUED}, "message")["title"], "中心已受理")

    def test_session_status_query_of_this_cards_requests(self):
        d = KioskDriver()
        d.to_menu()
        self.leave_complaint(d, "7001-50")
        d.send("key", "ok")  # the citizen does not wait for the centre
        d.send("reply", msg.STATUS_ANSWER, {"ref_device": 7001, "ref_seq": 50, "status": msg.ST_RECEIVED,
                                            "updated": 0, "text": REF})  # late: remembered anyway
        self.leave_complaint(d, "7001-52")  # no answer yet
        d.send("key", "ok")
        self.assertEqual(d.kiosk.state, "menu")
        d.send("key", "3")
        actions = d.send("key", "2")
        self.assertEqual(screen_of(actions), screens.QUERY_LIST)
        self.assertEqual(params_of(actions)["items"], ["T-330100-K01-130301-0007-7", "编号待中心确认（本机序号 7001-52）"])
        self.assertEqual(screen_of(d.send("key", "3")), None)  # no third request
        actions = d.send("key", "1")
        self.assertEqual([a for a in actions if a[0] == "submit"],
                         [("submit", msg.STATUS_QUERY, {"ref_device": 7001, "ref_seq": 50})])
        d.send("accepted", "7001-53", False)
        actions = d.send("reply", msg.STATUS_ANSWER, {"ref_device": 7001, "ref_seq": 53, "status": msg.ST_IN_PROGRESS,
                                                      "updated": 0, "text": REF + " 处理中"})
        self.assertEqual(params_of(actions), {"title": "办件进度", "lines": ["受理编号：T-330100-K01-130301-0007-7",
                                                                         "状态：处理中"]})
        # a status query is not a request of the session
        self.assertEqual(len(d.kiosk.session_requests), 2)
        # taking the card ends the session: the list is gone
        d.send("card_out")
        self.assertEqual(d.kiosk.session_requests, [])

    def test_session_list_keeps_the_last_requests(self):
        d = KioskDriver()
        d.to_menu()
        for i in range(SESSION_REQUESTS + 2):
            self.leave_complaint(d, "7001-%d" % (60 + i))
            d.send("key", "ok")
        locals_ = [r[0] for r in d.kiosk.session_requests]
        self.assertEqual(locals_, ["7001-%d" % (60 + i) for i in range(2, SESSION_REQUESTS + 2)])

    def test_status_query_by_typed_reference_digits(self):
        d = KioskDriver()
        d.to_menu()
        d.send("key", "3")
        d.send("key", "2")
        self.assertEqual(screen_of(d.send("key", "0")), screens.QUERY_REF)
        d.keys("13130100079")  # one digit too many is not taken
        self.assertEqual(d.kiosk.typed, "1313010007")
        actions = d.send("key", "ok")  # month 13
        self.assertEqual(params_of(actions), {"code": "ref_digits"})
        self.assertEqual((d.kiosk.state, d.kiosk.typed), ("query_ref", ""))
        d.keys("13030100078")
        actions = d.send("key", "*")
        self.assertEqual(params_of(actions), {"typed": "130301000"})
        d.send("key", "7")
        actions = d.send("key", "ok")
        self.assertEqual([a for a in actions if a[0] == "submit"],
                         [("submit", msg.STATUS_QUERY, {"ref_device": 0, "ref_seq": 4808 * 10000 + 7})])
        d.send("accepted", "7001-54", False)
        actions = d.send("reply", msg.STATUS_ANSWER, {"ref_device": 7001, "ref_seq": 54, "status": msg.ST_UNKNOWN,
                                                      "updated": 0, "text": ""})
        self.assertEqual(params_of(actions)["lines"][0], "未查到该编号的办件。")
        d.send("key", "ok")
        d.send("key", "3")
        d.send("key", "2")
        d.send("key", "0")
        self.assertEqual(screen_of(d.send("key", "back")), screens.QUERY_LIST)
        self.assertEqual(screen_of(d.send("key", "back")), screens.QUERY_MENU)
        self.assertEqual(screen_of(d.send("key", "back")), screens.MENU)

    def test_typed_digits_are_wiped_by_the_idle_timeout(self):
        d = KioskDriver()
        d.to_menu()
        d.send("key", "3")
        d.send("key", "2")
        d.send("key", "0")
        d.keys("1303")
        d.now += IDLE_TIMEOUT
        self.assertEqual(screen_of(d.send("tick")), screens.WELCOME)
        self.assertEqual(d.kiosk.typed, "")

    def test_maintenance_mode_by_key_sequence(self):
        d = KioskDriver(status=lambda: {"outbox pending": 2, "modem": "registered"})
        d.send("boot", [])
        actions = d.keys(MAINTENANCE_CODE)
        self.assertEqual(screen_of(actions), screens.MAINTENANCE)
        self.assertEqual(params_of(actions)["lines"], ["modem: registered", "outbox pending: 2"])
        actions = d.send("key", "1")
        self.assertEqual(params_of(actions)["lines"], ["modem: registered", "outbox pending: 2"])
        self.assertEqual(screen_of(d.send("key", "back")), screens.WELCOME)

    def test_unexpected_events_are_ignored_and_logged(self):
        d = KioskDriver()
        d.send("boot", [])
        actions = d.send("accepted", "1-1", False)
        self.assertEqual(actions, [("log", "ignored accepted in welcome")])

    def test_every_table_entry_names_its_methods_and_a_known_state(self):
        k = Kiosk()
        self.assertEqual(len(STATES), len(set(STATES)))  # one row per state: a second one is never read
        for state, row in row_items(TABLE) + [("anywhere", ANYWHERE)]:
            ons = [on for on, _a in row_items(row)]
            self.assertEqual(len(ons), len(set(ons)), state)  # a second entry for the same event is never taken
            for on, alternatives in row_items(row):
                self.assertTrue(alternatives, (state, on))
                for alternative in alternatives:
                    self.assertTrue(alternative[0] is None or alternative[0] in STATES, (state, on, alternative))
                    for method in alternative[1:]:
                        self.assertTrue(method is None or callable(step(k, method)), (state, on, method))
                # only the last alternative may go without a guard: the ones after it could never be taken
                self.assertTrue(all(len(a) == 3 for a in alternatives[:-1]), (state, on))
        for state, view in row_items(VIEWS):
            self.assertTrue(state in STATES and callable(step(k, view)), state)
        self.assertEqual(len(row_items(VIEWS)), len(set(s for s, _v in row_items(VIEWS))))


def step(kiosk, name):
    """The guard, effect or view a table entry names: a Kiosk method (``_name``) or a kiosk_menus function."""
    return getattr(kiosk, name) if name.startswith("_") else getattr(kiosk_menus, name)


def table_edges(leaving_out=()):
    """state -> the states one event can lead to (its own row, then what every state accepts)."""
    edges = {}
    for state, row in row_items(TABLE):
        targets = set()
        for on, alternatives in row_items(row) + row_items(ANYWHERE):
            if on not in leaving_out:
                targets.update(a[0] for a in alternatives if a[0] is not None)
        edges[state] = targets
    return edges


def reachable(edges, start):
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


class TestTableGraph(unittest.TestCase):
    """The transition table as a graph: no dead screen, no trap, every screen with its own text."""

    def test_every_state_is_reachable_from_boot(self):
        self.assertEqual(reachable(table_edges(), "boot"), set(STATES))

    def test_every_state_can_get_back_to_welcome(self):
        # Not only by removing the card or by the technician's code: a screen must offer its own way
        # out (or lead to one) -- except out of service, which waits for the technician.
        edges = table_edges(leaving_out=("card_out", "maintenance_code"))
        for state in STATES:
            if state == "out_of_service":
                self.assertTrue("welcome" in reachable(table_edges(), state))
                continue
            self.assertTrue("welcome" in reachable(edges, state), state)

    def test_every_screen_has_its_own_text(self):
        texts = {}
        for state in STATES:
            if state == "boot":
                continue  # nothing is shown before the self-test ends
            text = "\n".join(screens.render(state, {}))
            self.assertTrue(text and text != state, state)
            self.assertFalse(text in texts, (state, texts.get(text)))
            texts[text] = state
        self.assertRaises(ValueError, screens.render, "no_such_screen", {})

    def test_screen_constants_name_states(self):
        for name in dir(screens):
            value = getattr(screens, name)
            if name.isupper() and isinstance(value, str):
                self.assertTrue(value in STATES, name)


class TestBrowsing(unittest.TestCase):
    """信息查询 over the real on-device index of the starter library (protocols/library/vectors)."""

    def setUp(self):
        from lib12333.library.index import KbIndex
        from tests.core.support import project_path

        self.files = [open(project_path("protocols/library/vectors/starter-330100." + ext), "rb")
                      for ext in ("idx", "dat")]
        self.library = KbIndex(self.files[0], self.files[1])

    def tearDown(self):
        for f in self.files:
            f.close()

    def test_browse_the_tree_and_read_an_entry(self):
        d = KioskDriver(library=self.library)
        d.to_menu()
        actions = d.send("key", "1")
        self.assertEqual(screen_of(actions), screens.BROWSE)
        top = params_of(actions)["items"]
        self.assertEqual(top, [c.name for c in self.library.top()][:6])
        # Walk down the first branch until entries appear, then open the first entry.
        for _ in range(4):
            cats = kiosk_menus.browse_children(d.kiosk)
            if not cats:
                break
            actions = d.send("key", "1")
            self.assertEqual(screen_of(actions), screens.BROWSE)
        cat = d.kiosk.browse_path[-1]
        titles = self.library.titles(cat)
        self.assertTrue(len(titles) > 0)
        self.assertEqual(params_of(actions)["items"][0], titles[0][2])
        actions = d.send("key", "1")
        self.assertEqual(screen_of(actions), screens.ENTRY)
        entry = self.library.entry(titles[0][0])
        self.assertEqual(params_of(actions)["title"], entry["title"])
        self.assertEqual("".join(params_of(actions)["body"]), entry["body"][:120])
        self.assertEqual(screen_of(d.send("key", "back")), screens.BROWSE)
        for _ in range(len(d.kiosk.browse_path)):
            d.send("key", "back")
        self.assertEqual(screen_of(d.send("key", "back")), screens.MENU)

    def test_without_a_library_the_kiosk_says_so(self):
        d = KioskDriver()
        d.to_menu()
        actions = d.send("key", "1")
        self.assertEqual(params_of(actions)["title"], "信息查询暂不可用")


class TestHelpers(unittest.TestCase):
    def test_card_state_names_are_the_shared_ones(self):
        from lib12333 import cardstate

        for code, name in ((cardstate.TEMP_LOST, "临时挂失"), (cardstate.REPLACING, "挂失（已申请补领）")):
            d = describe_reply(msg.CARD_STATUS_ANSWER, {"state": code}, "query")
            self.assertEqual(d["lines"][0], "卡片状态：" + cardstate.CHINESE_NAMES[code])
            self.assertEqual(d["lines"][0], "卡片状态：" + name)

    def test_status_answer_screens(self):
        d = describe_reply(msg.STATUS_ANSWER, {"status": msg.ST_CLOSED, "text": REF}, "request_status")
        self.assertEqual(d["lines"], ["受理编号：T-330100-K01-130301-0007-7", "状态：已办结"])
        d = describe_reply(msg.STATUS_ANSWER, {"status": msg.ST_RECEIVED, "text": "bad"}, "request_status")
        self.assertEqual(d["lines"][0], "未查到该编号的办件。")
        d = describe_reply(msg.STATUS_ANSWER, {"status": msg.ST_RECEIVED, "text": ""}, "message")
        self.assertEqual(d["title"], "中心已受理")
        self.assertFalse("受理编号" in d["lines"][0])

    def test_data_files_of_a_frozen_core_come_from_the_active_version(self):
        import sys

        from firmware.main import _data_file

        self.assertEqual(_data_file("gbk.bin", lambda n: "/lib/lib12333/data/" + n), "/lib/lib12333/data/gbk.bin")
        sys.path.insert(0, "/apps/0123456789ab")
        try:
            self.assertEqual(_data_file("gbk.bin", lambda n: ".frozen/lib12333/data/" + n),
                             "/apps/0123456789ab/lib12333/data/gbk.bin")
            # MicroPython 1.26 and later name a frozen module's file without ".frozen/"
            self.assertEqual(_data_file("gbk.bin", lambda n: "lib12333/data/" + n),
                             "/apps/0123456789ab/lib12333/data/gbk.bin")
        finally:
            sys.path.pop(0)

    def test_describe_unknown_error_code(self):
        d = describe_reply(msg.ERROR, {"code": msg.E_BUSY}, "loss")
        self.assertEqual(d["title"], "业务未能办理")


class TestLocalLog(unittest.TestCase):
    def test_ring_in_ram_and_rotated_file(self):
        import os

        from firmware.app import LocalLog
        from tests.core.support import IS_MICROPYTHON

        path = ("/tmp" if not IS_MICROPYTHON else "") + "/lib12333-test-kiosk.log"
        for p in (path, path + ".1"):
            try:
                os.remove(p)
            except OSError:
                pass
        log = LocalLog(size=3, path=path, max_bytes=60)
        for i in range(6):
            log.add(1000 + i, "event %d" % i)
        self.assertEqual(log.lines, ["1003 event 3", "1004 event 4", "1005 event 5"])
        self.assertEqual(log.total, 6)
        with open(path + ".1") as f:
            older = f.read()
        with open(path) as f:
            newer = f.read()
        kept = [line for line in (older + newer).split("\n") if line]
        # The files hold the newest lines in order; the rotation dropped only the oldest ones.
        self.assertEqual(kept, ["%d event %d" % (1000 + i, i) for i in range(6 - len(kept), 6)])
        self.assertTrue(len(kept) >= 3 and len(older) > 0)
        for p in (path, path + ".1"):
            os.remove(p)

    def test_a_failing_flash_does_not_stop_the_kiosk(self):
        from firmware.app import LocalLog

        log = LocalLog(path="/nonexistent-dir/kiosk.log")
        log.add(1, "still logged in RAM")
        self.assertEqual(log.lines, ["1 still logged in RAM"])
        self.assertIsNone(log.path)
