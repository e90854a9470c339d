"""
The kiosk as a sans-IO state machine: events in, actions out.

    kiosk = Kiosk(config)
    actions = kiosk.handle(("card_in",), now)      # -> [("screen", "reading", {}), ("read_card",)]

``now`` is seconds on the caller's monotonic clock.  Events are tuples whose
first item is the kind:

    ("boot", problems)          self-test finished; problems is a list of failed checks
    ("card_in",) ("card_out",)  card presence changed
    ("card_read", card)         the runtime read the card: dict with ssn, name, card, region
    ("card_error", code)        reading failed; code is a key of screens.ERROR_ADVICE
    ("key", key)                "0"-"9", "*", "#", "ok" or "back"
    ("tick",)                   time passed (timeouts are checked on every event)
    ("modem", online)           the modem registered (True) or lost the network (False)
    ("accepted", ref, queued)   the outbox stored the request durably (ref "device-seq");
                                queued is True when it cannot be sent right now
    ("storage_failed",)         the outbox could not store the request
    ("reply", msg_type, fields) the centre answered (decoded frame payload); a STATUS_ANSWER
                                to a consultation/complaint carries its reference number
    ("failed", ref, reason)     the outbox gave up on a request after its retries

Actions are tuples too:

    ("screen", screen_id, params)   draw a screen (params hold only masked personal data)
    ("read_card",)                  read the inserted card, answer with card_read / card_error
    ("submit", msg_type, fields)    store the request in the outbox and send it
    ("log", text)                   one local log line (never personal data)

Menu 3 (查询进度) offers 1 挂失进度 (the card's state) and 2 办件进度: the
requests left in this card session (their references, as the centre answered
them) or, with 0, a reference this kiosk issued typed as its 10 digits
YYMMDDNNNN -- a keypad has no letters (docs/requests.md).

Every allowed (state, event kind) pair is in ``TRANSITIONS`` below, in this one
place; an event that a state does not expect is ignored and logged, so a stray
key press or a late reply can never corrupt a transaction.
"""

from firmware import screens
from lib12333 import masking  # not identifiers: the ID checks are not needed to mask (11 KB less heap)
from lib12333.dates import iso_day as _date
from lib12333.refnum import REF_LENGTH, format_ref
from lib12333.refnum import TYPED_DIGITS as TYPED_REF_DIGITS
from lib12333.refnum import typed_number as typed_ref_number
from lib12333.secure import messages as msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable  # noqa: F401 - used in type comments

IDLE_TIMEOUT = 60  # seconds without a key press before personal data is wiped
RESULT_TIMEOUT = 30
# A modem needs some seconds after power-on to register; until then the network is "not known yet"
# and the welcome screen does not claim it is down. Past this grace it is reported as unavailable.
NETWORK_GRACE = 60
BROWSE_PAGE = 6

# The transition table: state -> {event kind: handler method}.
TRANSITIONS = {
    "boot": {"boot": "_on_boot"},
    "out_of_service": {"key": "_on_maintenance_key"},
    "welcome": {"card_in": "_start_read", "key": "_on_welcome_key", "modem": "_on_modem"},
    "insert_card": {"card_in": "_start_read", "key": "_on_back_to_welcome"},
    "reading": {"card_read": "_on_card_read", "card_error": "_on_card_error"},
    "menu": {"key": "_on_menu_key"},
    "browse": {"key": "_on_browse_key"},
    "entry": {"key": "_on_entry_key"},
    "loss_phone": {"key": "_on_phone_key"},
    "loss_confirm": {"key": "_on_loss_confirm_key"},
    "submitting": {"accepted": "_on_accepted", "storage_failed": "_on_storage_failed"},
    "waiting": {"reply": "_on_reply", "failed": "_on_failed", "key": "_on_waiting_key", "modem": "_on_modem"},
    "result": {"key": "_on_result_key"},
    "query_menu": {"key": "_on_query_menu_key"},
    "query_list": {"key": "_on_query_list_key"},
    "query_ref": {"key": "_on_query_ref_key"},
    "message_kind": {"key": "_on_message_kind_key"},
    "message_topic": {"key": "_on_message_topic_key"},
    "message_phone": {"key": "_on_phone_key"},
    "message_confirm": {"key": "_on_message_confirm_key"},
    "error": {"key": "_on_error_key"},
    "maintenance": {"key": "_on_maintenance_key"},
}
# Events every state accepts (card removal and timeouts protect personal data everywhere).
ANY_STATE = ("card_out", "tick", "modem", "reply", "failed")

# Top-level classes offered for a consultation or complaint (codes of 人社信息函[2010]52号).
MESSAGE_TOPICS = (
    ("0300", "就业促进"), ("1000", "养老保险"), ("1100", "医疗保险"), ("1200", "失业保险"),
    ("1300", "工伤保险"), ("1500", "社会保障卡"), ("1800", "劳动关系"), ("2100", "公务员管理"),
)
MAINTENANCE_CODE = "*#12333#"
SESSION_REQUESTS = 5  # requests of this card session the 办件进度 list remembers


class Kiosk:
    def __init__(self, unit="", temp_loss_days=7, library=None, status=None):
        self.unit = unit
        self.temp_loss_days = temp_loss_days
        self.library = library
        # status() -> dict of maintenance figures (outbox, modem, log); provided by the runtime.
        self.status = status or _no_status  # type: Callable[[], dict]
        self.state = "boot"
        self.online = None  # None: not known yet (the modem is still registering), then True / False
        self.booted = 0
        self.pending = 0
        self.last_input = 0
        self.entered = 0
        self.typed = ""
        self.secret = ""
        self._wipe()

    # ---------------------------------------------------------------- plumbing

    def _wipe(self):
        """Forget everything personal: the card, the phone number, the request in progress."""
        self.card = None  # type: Any
        self.phone = ""
        self.typed = ""
        self.request = None
        self.ref = None
        self.browse_path = []
        self.page = 0
        self.entry_n = None
        self.message_kind = 0
        self.message_topic = None  # type: Any
        # [local ref "device-seq", reference from the centre or ""] of this card session's requests
        self.session_requests = []  # type: list

    def handle(self, event, now):
        kind = event[0]
        actions = []  # type: list
        if kind == "reply":
            self._note_reference(event[1], event[2])
        if kind == "key":
            self.last_input = now
            if self._maintenance_sequence(event[1]) and self.state != "maintenance":
                return self._enter(actions, "maintenance", now, {"lines": maintenance_lines(self.status())})
        self._check_timeouts(actions, now)
        handler = TRANSITIONS.get(self.state, {}).get(kind)
        if handler is not None:
            getattr(self, handler)(actions, event, now)
        elif kind in ANY_STATE:
            getattr(self, "_any_" + kind)(actions, event, now)
        else:
            actions.append(("log", "ignored %s in %s" % (kind, self.state)))
        return actions

    def _show(self, actions, screen, params=None):
        actions.append(("screen", screen, params or {}))

    def _enter(self, actions, state, now, params=None):
        self.state = state
        self.entered = now
        if state == "welcome":
            self._wipe()
            params = {"unit": self.unit, "offline": self.online is False, "pending": self.pending}
        self._show(actions, getattr(screens, state.upper()), params)
        return actions

    def _check_timeouts(self, actions, now):
        holds_pii = self.card is not None or self.phone or self.typed
        if holds_pii and self.state not in ("submitting", "reading") and now - self.last_input >= IDLE_TIMEOUT:
            actions.append(("log", "idle timeout in %s: personal data cleared" % self.state))
            self._enter(actions, "welcome", now)
        elif self.state in ("result", "error") and now - self.entered >= RESULT_TIMEOUT and self.card is None:
            self._enter(actions, "welcome", now)
        if self.online is None and self.state != "boot" and now - self.booted >= NETWORK_GRACE:
            self._set_online(actions, False, now)  # the modem never registered: say so

    def _masked_card(self):
        c = self.card
        return {"name": masking.mask_name(c["name"] or ""), "card": masking.mask_card(c["card"] or "")}

    def _maintenance_sequence(self, key):
        self.secret = (self.secret + key)[-len(MAINTENANCE_CODE):] if len(key) == 1 else ""
        return self.secret == MAINTENANCE_CODE

    # ---------------------------------------------------------------- events accepted everywhere

    def _any_card_out(self, actions, event, now):
        if self.state in ("maintenance", "out_of_service", "boot"):
            return
        if self.state == "reading":
            actions.append(("log", "card removed while reading"))
            self._wipe()
            self._enter(actions, "error", now, {"code": "card_removed"})
            return
        if self.card is not None or self.state not in ("welcome",):
            actions.append(("log", "card removed: personal data cleared"))
        self._enter(actions, "welcome", now)

    def _any_tick(self, actions, event, now):
        pass  # timeouts were checked in handle()

    def _any_modem(self, actions, event, now):
        self.online = bool(event[1])

    def _set_online(self, actions, online, now):
        """Record the network state; the welcome screen is redrawn only when its notice changes."""
        was_offline = self.online is False
        self.online = online
        if self.state == "welcome" and was_offline != (online is False):
            self._enter(actions, "welcome", now)

    def _any_reply(self, actions, event, now):
        actions.append(("log", "late reply %s in %s" % (msg.type_name(event[1]), self.state)))

    def _any_failed(self, actions, event, now):
        actions.append(("log", "request %s failed: %s" % (event[1], event[2])))

    # ---------------------------------------------------------------- boot, welcome, card

    def _on_boot(self, actions, event, now):
        problems = event[1]
        if problems:
            actions.append(("log", "self-test failed: " + ", ".join(problems)))
            self.state = "out_of_service"
            self._show(actions, screens.OUT_OF_SERVICE, {"reason": "、".join(problems)})
            return
        actions.append(("log", "self-test passed"))
        self.booted = now
        self._enter(actions, "welcome", now)

    def _on_modem(self, actions, event, now):
        self._set_online(actions, bool(event[1]), now)

    def _on_welcome_key(self, actions, event, now):
        self._enter(actions, "insert_card", now)

    def _on_back_to_welcome(self, actions, event, now):
        if event[1] == "back":
            self._enter(actions, "welcome", now)

    def _start_read(self, actions, event, now):
        self.last_input = now
        self._enter(actions, "reading", now)
        actions.append(("read_card",))

    def _on_card_read(self, actions, event, now):
        card = event[1]
        self.card = {"ssn": card.get("ssn"), "name": card.get("name"), "card": card.get("card"),
                     "region": card.get("region")}
        if not (self.card["ssn"] and self.card["name"] and self.card["card"]):
            self._wipe()
            self._enter(actions, "error", now, {"code": "card_unreadable"})
            return
        actions.append(("log", "card read (region %s)" % (self.card["region"] or "?")))
        self._enter(actions, "menu", now, self._masked_card())

    def _on_card_error(self, actions, event, now):
        actions.append(("log", "card error " + event[1]))
        self._enter(actions, "error", now, {"code": event[1]})

    def _on_error_key(self, actions, event, now):
        if self.card is not None:
            self._enter(actions, "menu", now, self._masked_card())
        else:
            self._enter(actions, "welcome", now)

    # ---------------------------------------------------------------- menu

    def _on_menu_key(self, actions, event, now):
        key = event[1]
        if key == "1":
            self.browse_path = []
            self.page = 0
            self._show_browse(actions, now)
        elif key == "2":
            self.request = "loss"
            self.typed = ""
            self._enter(actions, "loss_phone", now, {"typed": ""})
        elif key == "3":
            self._enter(actions, "query_menu", now)
        elif key == "4":
            self.request = "message"
            self._enter(actions, "message_kind", now)
        elif key == "back":
            actions.append(("log", "citizen left: personal data cleared"))
            self._enter(actions, "welcome", now)

    # ---------------------------------------------------------------- information library

    def _browse_children(self):
        lib = self.library
        if lib is None:
            return []
        if not self.browse_path:
            return lib.top()
        return lib.children(self.browse_path[-1])

    def _show_browse(self, actions, now):
        if self.library is None:
            self._enter(actions, "result", now, {"title": "信息查询暂不可用", "lines": ["本终端未装载信息库。"]})
            return
        cats = self._browse_children()
        items = [c.name for c in cats]
        cat = self.browse_path[-1] if self.browse_path else None
        titles = self.library.titles(cat) if cat is not None else []
        items += [t[-1] for t in titles]  # (entry number, key, title)
        start = self.page * BROWSE_PAGE
        path = " > ".join(c.name for c in self.browse_path)
        self._enter(actions, "browse", now, {
            "path": path, "items": items[start:start + BROWSE_PAGE], "more": len(items) > start + BROWSE_PAGE})

    def _on_browse_key(self, actions, event, now):
        key = event[1]
        if key == "back":
            if self.browse_path:
                self.browse_path.pop()
                self.page = 0
                self._show_browse(actions, now)
            else:
                self._enter(actions, "menu", now, self._masked_card())
            return
        if key == "0":
            self.page += 1
            self._show_browse(actions, now)
            return
        if not ("1" <= key <= "9"):
            return
        cats = self._browse_children()
        cat = self.browse_path[-1] if self.browse_path else None
        titles = self.library.titles(cat) if cat is not None else []
        choice = self.page * BROWSE_PAGE + int(key) - 1
        if choice < len(cats):
            self.browse_path.append(cats[choice])
            self.page = 0
            self._show_browse(actions, now)
        elif choice < len(cats) + len(titles):
            self.entry_n = titles[choice - len(cats)][0]
            self.page = 0
            self._show_entry(actions, now)

    def _show_entry(self, actions, now):
        entry = self.library.entry(self.entry_n)
        body = entry["body"]
        size = 120
        start = self.page * size
        lines = [body[i:i + 30] for i in range(start, min(len(body), start + size), 30)]
        source = entry.get("source_doc") or ""
        self._enter(actions, "entry", now, {"title": entry["title"], "body": lines,
                                            "source": source, "more": len(body) > start + size})

    def _on_entry_key(self, actions, event, now):
        if event[1] == "0":
            self.page += 1
            self._show_entry(actions, now)
        elif event[1] == "back":
            self.page = 0
            self._show_browse(actions, now)

    # ---------------------------------------------------------------- phone entry (loss and message)

    def _on_phone_key(self, actions, event, now):
        key = event[1]
        screen = self.state
        if key == "back":
            self.typed = ""
            if screen == "loss_phone":
                self._enter(actions, "menu", now, self._masked_card())
            else:
                self._enter(actions, "message_topic", now, {"items": [n for _c, n in MESSAGE_TOPICS]})
            return
        if key == "*":
            self.typed = self.typed[:-1]
        elif "0" <= key <= "9" and len(key) == 1 and len(self.typed) < 11:
            self.typed += key
        elif key == "ok":
            if len(self.typed) != 11 or self.typed[0] != "1":
                self._show(actions, screens.ERROR, {"code": "phone"})
                self.typed = ""
                return
            self.phone = self.typed
            self.typed = ""
            if screen == "loss_phone":
                params = self._masked_card()
                params["phone"] = masking.mask_phone(self.phone)
                params["days"] = self.temp_loss_days
                self._enter(actions, "loss_confirm", now, params)
            else:
                self._show_message_confirm(actions, now)
            return
        # Digits are echoed as typed: the citizen must see what they enter on their own screen.
        self._show(actions, getattr(screens, screen.upper()), {"typed": self.typed})

    # ---------------------------------------------------------------- loss report

    def _on_loss_confirm_key(self, actions, event, now):
        key = event[1]
        if key == "1":
            # The screen first: the runtime may answer the submit at once (accepted / storage_failed).
            self._enter(actions, "submitting", now)
            actions.append(("submit", msg.LOSS_REPORT, {
                "ssn": self.card["ssn"], "card": self.card["card"], "phone": self.phone, "name": self.card["name"]}))
        elif key == "back":
            self.phone = ""
            self._enter(actions, "menu", now, self._masked_card())

    def _on_accepted(self, actions, event, now):
        self.ref = event[1]
        if self.request == "message":
            self.session_requests.append([self.ref, ""])
            if len(self.session_requests) > SESSION_REQUESTS:
                self.session_requests.pop(0)
        queued = event[2]
        self.pending += 1 if queued else 0
        actions.append(("log", "request %s stored%s" % (self.ref, " (queued offline)" if queued else "")))
        self._enter(actions, "waiting", now, {"ref": self.ref, "offline": queued or not self.online})

    def _on_storage_failed(self, actions, event, now):
        actions.append(("log", "outbox refused a request: storage failure"))
        self._enter(actions, "error", now, {"code": "storage"})

    def _on_waiting_key(self, actions, event, now):
        if event[1] in ("ok", "back"):
            # The request is safe in the outbox; the citizen may leave, the SMS notice follows.
            self._enter(actions, "menu", now, self._masked_card())

    def _on_reply(self, actions, event, now):
        msg_type, fields = event[1], event[2]
        ref_seq = fields.get("ref_seq")
        if self.ref is not None and ref_seq is not None and self.ref.split("-")[-1] != str(ref_seq):
            actions.append(("log", "reply for another request (%s)" % ref_seq))
            return
        if self.pending and self.ref is not None:
            self.pending -= 1
        self._enter(actions, "result", now, describe_reply(msg_type, fields, self.request))

    def _on_failed(self, actions, event, now):
        if self.ref is not None and event[1] != self.ref:
            actions.append(("log", "request %s failed: %s" % (event[1], event[2])))
            return
        actions.append(("log", "request %s failed: %s" % (event[1], event[2])))
        self._enter(actions, "error", now, {"code": "send_failed"})

    def _on_result_key(self, actions, event, now):
        if event[1] in ("ok", "back"):
            if self.card is not None:
                self._enter(actions, "menu", now, self._masked_card())
            else:
                self._enter(actions, "welcome", now)

    # ---------------------------------------------------------------- consultation / complaint

    def _on_message_kind_key(self, actions, event, now):
        key = event[1]
        if key in ("1", "2", "3"):
            self.message_kind = int(key)
            self._enter(actions, "message_topic", now, {"items": [n for _c, n in MESSAGE_TOPICS]})
        elif key == "back":
            self._enter(actions, "menu", now, self._masked_card())

    def _on_message_topic_key(self, actions, event, now):
        key = event[1]
        if key == "back":
            self._enter(actions, "message_kind", now)
        elif "1" <= key <= "9" and int(key) <= len(MESSAGE_TOPICS):
            self.message_topic = MESSAGE_TOPICS[int(key) - 1]
            self.typed = ""
            self._enter(actions, "message_phone", now, {"typed": ""})

    def _show_message_confirm(self, actions, now):
        kinds = ("", "咨询", "投诉", "举报")
        self._enter(actions, "message_confirm", now, {
            "kind": kinds[self.message_kind], "topic": self.message_topic[1],
            "phone": masking.mask_phone(self.phone)})

    def _on_message_confirm_key(self, actions, event, now):
        key = event[1]
        if key == "1":
            self._enter(actions, "submitting", now)
            actions.append(("submit", msg.REQUEST, {
                "kind": self.message_kind, "category": self.message_topic[0], "phone": self.phone,
                "text": "自助终端留言：请回电" + ("咨询" if self.message_kind == 1 else "受理")}))
        elif key == "back":
            self.phone = ""
            self._enter(actions, "menu", now, self._masked_card())

    # ---------------------------------------------------------------- status queries (menu 3)

    def _note_reference(self, msg_type, fields):
        """The centre answers a request with its reference: remember it for this session's 办件进度 list."""
        if msg_type != msg.STATUS_ANSWER or fields.get("status") != msg.ST_RECEIVED:
            return
        text = fields.get("text") or ""
        local = "%s-%s" % (fields.get("ref_device"), fields.get("ref_seq"))
        for item in self.session_requests:
            if item[0] == local and len(text) == REF_LENGTH:
                item[1] = text

    def _on_query_menu_key(self, actions, event, now):
        key = event[1]
        if key == "1":
            self.request = "query"
            self._enter(actions, "submitting", now)
            actions.append(("submit", msg.CARD_STATUS_QUERY,
                            {"ssn": self.card["ssn"], "card": self.card["card"], "name": self.card["name"]}))
        elif key == "2":
            self._show_query_list(actions, now)
        elif key == "back":
            self._enter(actions, "menu", now, self._masked_card())

    def _show_query_list(self, actions, now):
        items = [format_ref(r) if r else "编号待中心确认（本机序号 %s）" % local for local, r in self.session_requests]
        self._enter(actions, "query_list", now, {"items": items})

    def _on_query_list_key(self, actions, event, now):
        key = event[1]
        if key == "back":
            self._enter(actions, "query_menu", now)
        elif key == "0":
            self.typed = ""
            self._enter(actions, "query_ref", now, {"typed": ""})
        elif "1" <= key <= "9" and len(key) == 1 and int(key) <= len(self.session_requests):
            device, seq = self.session_requests[int(key) - 1][0].split("-")
            self._submit_status_query(actions, now, int(device), int(seq))

    def _submit_status_query(self, actions, now, ref_device, ref_seq):
        self.request = "request_status"
        self._enter(actions, "submitting", now)
        actions.append(("submit", msg.STATUS_QUERY, {"ref_device": ref_device, "ref_seq": ref_seq}))

    def _on_query_ref_key(self, actions, event, now):
        key = event[1]
        if key == "back":
            self.typed = ""
            self._show_query_list(actions, now)
            return
        if key == "*":
            self.typed = self.typed[:-1]
        elif "0" <= key <= "9" and len(key) == 1 and len(self.typed) < TYPED_REF_DIGITS:
            self.typed += key
        elif key == "ok":
            number = typed_ref_number(self.typed)
            self.typed = ""
            if number is None:
                self._show(actions, screens.ERROR, {"code": "ref_digits"})
                return
            # ref_device 0: "a reference this kiosk issued, by its day and sequence" (protocols/frame/README.md)
            self._submit_status_query(actions, now, 0, number)
            return
        self._show(actions, screens.QUERY_REF, {"typed": self.typed})

    # ---------------------------------------------------------------- maintenance

    def _on_maintenance_key(self, actions, event, now):
        if self.state != "maintenance":
            return
        if event[1] == "back":
            actions.append(("log", "maintenance mode left"))
            self._enter(actions, "welcome", now)
            return
        self._enter(actions, "maintenance", now, {"lines": maintenance_lines(self.status())})


def _no_status():
    return {}


def maintenance_lines(status):
    keys = sorted(status.keys())
    return ["%s: %s" % (k, status[k]) for k in keys]


def describe_reply(msg_type, fields, request):
    """The result screen for a centre reply (no personal data: the centre sends none back)."""
    if msg_type == msg.ACK:
        state = screens.CARD_STATE_NAMES.get(fields.get("state"), "")
        if request == "loss":
            lines = ["卡片状态：%s" % state]
            if fields.get("until"):
                lines.append("临时挂失有效至 %s" % _date(fields["until"]))
            lines.append("请在有效期内到服务窗口办理正式挂失和补卡。")
            if fields.get("result") == msg.ACK_DUPLICATE:
                lines.insert(0, "（该申请此前已受理）")
            return {"title": "挂失成功", "lines": lines}
        return {"title": "中心已受理", "lines": ["工作人员将尽快回电答复。"]}
    if msg_type == msg.CARD_STATUS_ANSWER:
        lines = ["卡片状态：%s" % screens.CARD_STATE_NAMES.get(fields.get("state"), "未知")]
        if fields.get("until"):
            lines.append("临时挂失有效至 %s" % _date(fields["until"]))
        return {"title": "挂失进度", "lines": lines}
    if msg_type == msg.STATUS_ANSWER:
        # The centre's text is the reference number, then (for a status query) a space and the state.
        text = fields.get("text") or ""
        ref = text[:REF_LENGTH] if len(text) >= REF_LENGTH else ""
        if request == "message":
            lines = ["受理编号：" + format_ref(ref)] if ref else []
            lines.append("请记下编号：可在本机“查询进度”中查询，")
            lines.append("或发短信“查询 编号”至中心号码。工作人员将尽快答复。")
            return {"title": "中心已受理", "lines": lines}
        status = fields.get("status")
        if status == msg.ST_UNKNOWN or not ref:
            return {"title": "办件进度", "lines": ["未查到该编号的办件。", "请核对编号，或拨打12333咨询。"]}
        label = text[REF_LENGTH + 1:] or screens.REQUEST_STATUS_NAMES.get(status, "未知")
        return {"title": "办件进度", "lines": ["受理编号：" + format_ref(ref), "状态：" + label]}
    if msg_type == msg.ERROR:
        codes = {msg.E_IDENTITY: "identity", msg.E_STATE: "already_lost"}
        code = codes.get(fields.get("code"), "refused")
        title, line1, line2 = screens.ERROR_ADVICE[code]
        return {"title": title, "lines": [line1, line2]}
    return {"title": "中心答复", "lines": [msg.type_name(msg_type)]}
