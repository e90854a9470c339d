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

Where every event leads is in one table, ``TABLE``, below (see its comment);
an event that a state does not expect is ignored and logged, so a stray key
press or a late reply can never corrupt a transaction.  Each state is also its
screen: ``screens.render(state, params)``; the params come from ``VIEWS``.
"""

from firmware import screens
from lib12333 import masking  # not identifiers: the ID checks are not needed to mask (11 KB less heap)
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

# The transition table: state -> (on, alternatives, on, alternatives, ...) where ``on`` is an event
# kind or a key and each alternative is (target, effect, guard), the last two optional.
# (Rows are flat tuples of constants, not dicts: frozen into flash they cost no RAM; see row_get.)
#
# A key event is looked up by the key itself ("1", "*", "ok", "back"), then "digit" for 0-9, then
# "key" for any other key.  The first alternative whose guard method (event -> bool) passes is
# taken; an alternative without a guard always passes.  The effect method (actions, event, now)
# runs first and may return one action to perform after the new screen (a submit, a card read);
# then the kiosk enters ``target`` and draws its screen.  Target None stays on the current screen.
TABLE = {
    "boot": ("boot", (("out_of_service", "_self_test_failed", "_has_problems"), ("welcome", "_self_test_passed")),
             "card_out", ((None,),)),
    "out_of_service": ("key", ((None,),), "card_out", ((None,),)),
    "welcome": ("card_in", (("reading", "_start_read"),), "key", (("insert_card",),),
                "modem", (("welcome", "_note_modem", "_changes_network_notice"), (None, "_note_modem"))),
    "insert_card": ("card_in", (("reading", "_start_read"),), "back", (("welcome",),), "key", ((None,),)),
    "reading": ("card_read", (("error", "_reject_card", "_card_incomplete"), ("menu", "_accept_card")),
                "card_error", (("error", "_card_error"),), "card_out", (("error", "_card_pulled"),)),
    "menu": ("1", (("result", "_no_library", "_library_missing"), ("browse", "_open_library")),
             "2", (("loss_phone", "_start_loss"),), "3", (("query_menu",),),
             "4", (("message_kind", "_start_message"),), "back", (("welcome", "_citizen_left"),),
             "key", ((None,),)),
    "browse": ("back", (("browse", "_up", "_in_category"), ("menu",)), "0", (("browse", "_next_page"),),
               "digit", (("browse", "_open_category", "_picks_category"), ("entry", "_open_entry", "_picks_title")),
               "key", ((None,),)),
    "entry": ("0", (("entry", "_next_page"),), "back", (("browse", "_first_page"),), "key", ((None,),)),
    "loss_phone": ("back", (("menu", "_clear_typed"),),
                   "ok", ((None, "_bad_phone", "_phone_invalid"), ("loss_confirm", "_take_phone")),
                   "*", (("loss_phone", "_delete_digit"),), "digit", (("loss_phone", "_type_phone_digit"),),
                   "key", (("loss_phone",),)),
    "loss_confirm": ("1", (("submitting", "_submit_loss"),), "back", (("menu", "_forget_phone"),),
                     "key", ((None,),)),
    "submitting": ("accepted", (("waiting", "_note_accepted"),),
                   "storage_failed", (("error", "_storage_failed"),)),
    "waiting": ("reply", ((None, "_log_other_reply", "_for_another_request"), ("result", "_note_reply")),
                "failed", ((None, "_log_failed", "_for_another_ref"), ("error", "_send_failed")),
                "ok", (("menu",),), "back", (("menu",),), "key", ((None,),)),
    "result": ("ok", (("menu", None, "_has_card"), ("welcome",)), "back", (("menu", None, "_has_card"), ("welcome",)), "key", ((None,),)),
    "query_menu": ("1", (("submitting", "_query_card"),), "2", (("query_list",),), "back", (("menu",),),
                   "key", ((None,),)),
    "query_list": ("back", (("query_menu",),), "0", (("query_ref", "_clear_typed"),),
                   "digit", (("submitting", "_query_listed", "_picks_listed"),), "key", ((None,),)),
    "query_ref": ("back", (("query_list", "_clear_typed"),),
                  "ok", ((None, "_bad_ref", "_ref_invalid"), ("submitting", "_query_typed")),
                  "*", (("query_ref", "_delete_digit"),), "digit", (("query_ref", "_type_ref_digit"),),
                  "key", (("query_ref",),)),
    "message_kind": ("1", (("message_topic", "_choose_kind"),), "2", (("message_topic", "_choose_kind"),),
                     "3", (("message_topic", "_choose_kind"),), "back", (("menu",),), "key", ((None,),)),
    "message_topic": ("back", (("message_kind",),),
                      "digit", (("message_phone", "_choose_topic", "_picks_topic"),), "key", ((None,),)),
    "message_phone": ("back", (("message_topic", "_clear_typed"),),
                      "ok", ((None, "_bad_phone", "_phone_invalid"), ("message_confirm", "_take_phone")),
                      "*", (("message_phone", "_delete_digit"),),
                      "digit", (("message_phone", "_type_phone_digit"),), "key", (("message_phone",),)),
    "message_confirm": ("1", (("submitting", "_submit_message"),), "back", (("menu", "_forget_phone"),),
                        "key", ((None,),)),
    "error": ("key", (("menu", None, "_has_card"), ("welcome",))),
    "maintenance": ("back", (("welcome", "_leave_maintenance"),), "key", (("maintenance",),),
                    "card_out", ((None,),)),
}
# Events every state accepts when its own row has no entry: card removal wipes personal data
# everywhere, and the maintenance code (a key sequence, see handle) opens maintenance from anywhere.
ANYWHERE = (
    "card_out", (("welcome", "_card_removed"),),
    "tick", ((None,),),  # timeouts are checked in handle() on every event
    "modem", ((None, "_note_modem"),),
    "reply", ((None, "_log_late_reply"),),
    "failed", ((None, "_log_failed"),),
    "maintenance_code", (("maintenance",),),
)
# The params of each state's screen, from the kiosk's data (masked); a state not listed shows {}.
VIEWS = {
    "welcome": "_welcome_view", "out_of_service": "_fault_view", "menu": "_card_view", "browse": "_browse_view",
    "entry": "_entry_view", "loss_phone": "_typed_view", "message_phone": "_typed_view", "query_ref": "_typed_view",
    "loss_confirm": "_loss_view", "waiting": "_waiting_view", "result": "_result_view", "error": "_error_view",
    "message_topic": "_topics_view", "message_confirm": "_message_view", "query_list": "_list_view",
    "maintenance": "_maintenance_view",
}

# Top-level classes offered for a consultation or complaint (codes of 人社信息函[2010]52号).
MESSAGE_TOPICS = (
    ("0300", "就业促进"), ("1000", "养老保险"), ("1100", "医疗保险"), ("1200", "失业保险"),
    ("1300", "工伤保险"), ("1500", "社会保障卡"), ("1800", "劳动关系"), ("2100", "公务员管理"),
)
MAINTENANCE_CODE = "*#12333#"
SESSION_REQUESTS = 5  # requests of this card session the 办件进度 list remembers
PHONE_DIGITS = 11


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
        self.secret = ""
        self.problem = ""  # the screens.ERROR_ADVICE code (or failed self-tests) the error screen shows
        self.queued = False
        self.result = None  # type: Any
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
                kind = "maintenance_code"
        if kind != "maintenance_code":  # the technician's code is obeyed before any timeout
            self._check_timeouts(actions, now)
        row = TABLE[self.state]
        if kind == "key":
            key = event[1]
            alternatives = (row_get(row, key) or (len(key) == 1 and "0" <= key <= "9" and row_get(row, "digit"))
                            or row_get(row, "key"))
        else:
            alternatives = row_get(row, kind)
        if not alternatives:
            alternatives = row_get(ANYWHERE, kind)
            if alternatives is None:
                actions.append(("log", "ignored %s in %s" % (kind, self.state)))
                return actions
        for alternative in alternatives:
            if len(alternative) < 3 or getattr(self, alternative[2])(event):
                then = getattr(self, alternative[1])(actions, event, now) if len(alternative) > 1 and alternative[1] else None
                if alternative[0] is not None:
                    self._enter(actions, alternative[0], now)
                if then is not None:
                    actions.append(then)
                break
        return actions

    def _show(self, actions, screen, params=None):
        actions.append(("screen", screen, params or {}))

    def _enter(self, actions, state, now):
        self.state = state
        self.entered = now
        if state == "welcome":
            self._wipe()
        view = VIEWS.get(state)
        self._show(actions, state, getattr(self, view)() if view else None)

    def _check_timeouts(self, actions, now):
        holds_pii = self.card is not None or self.phone or self.typed
        if holds_pii and self.state not in ("submitting", "reading") and now - self.last_input >= IDLE_TIMEOUT:
            actions.append(("log", "idle timeout in %s: personal data cleared" % self.state))
            self._enter(actions, "welcome", now)
        elif self.state in ("result", "error") and now - self.entered >= RESULT_TIMEOUT and self.card is None:
            self._enter(actions, "welcome", now)
        if self.online is None and self.state != "boot" and now - self.booted >= NETWORK_GRACE:
            self._set_online(actions, False, now)  # the modem never registered: say so

    def _set_online(self, actions, online, now):
        """Record the network state; the welcome screen is redrawn only when its notice changes."""
        redraw = self.state == "welcome" and self._changes_network_notice(("modem", online))
        self.online = online
        if redraw:
            self._enter(actions, "welcome", now)

    def _maintenance_sequence(self, key):
        self.secret = (self.secret + key)[-len(MAINTENANCE_CODE):] if len(key) == 1 else ""
        return self.secret == MAINTENANCE_CODE

    # ---------------------------------------------------------------- views: the params of each screen

    def _welcome_view(self):
        return {"unit": self.unit, "offline": self.online is False, "pending": self.pending}

    def _fault_view(self):
        return {"reason": self.problem}

    def _card_view(self):
        c = self.card
        return {"name": masking.mask_name(c["name"] or ""), "card": masking.mask_card(c["card"] or "")}

    def _browse_view(self):
        cats = self._browse_children()
        items = [c.name for c in cats]
        items += [t[-1] for t in self._browse_titles()]  # (entry number, key, title)
        start = self.page * BROWSE_PAGE
        path = " > ".join(c.name for c in self.browse_path)
        return {"path": path, "items": items[start:start + BROWSE_PAGE], "more": len(items) > start + BROWSE_PAGE}

    def _entry_view(self):
        entry = self.library.entry(self.entry_n)
        body = entry["body"]
        size = 120
        start = self.page * size
        lines = [body[i:i + 30] for i in range(start, min(len(body), start + size), 30)]
        source = entry.get("source_doc") or ""
        return {"title": entry["title"], "body": lines, "source": source, "more": len(body) > start + size}

    def _typed_view(self):
        # Digits are echoed as typed: the citizen must see what they enter on their own screen.
        return {"typed": self.typed}

    def _loss_view(self):
        params = self._card_view()
        params["phone"] = masking.mask_phone(self.phone)
        params["days"] = self.temp_loss_days
        return params

    def _waiting_view(self):
        return {"ref": self.ref, "offline": self.queued or not self.online}

    def _result_view(self):
        return self.result

    def _error_view(self):
        return {"code": self.problem}

    def _topics_view(self):
        return {"items": [n for _c, n in MESSAGE_TOPICS]}

    def _message_view(self):
        return {"kind": screens.MESSAGE_KINDS[self.message_kind - 1], "topic": self.message_topic[1],
                "phone": masking.mask_phone(self.phone)}

    def _list_view(self):
        return {"items": [screens.request_line(local, ref) for local, ref in self.session_requests]}

    def _maintenance_view(self):
        return {"lines": maintenance_lines(self.status())}

    # ---------------------------------------------------------------- guards: event -> bool

    def _has_problems(self, event):
        return bool(event[1])

    def _changes_network_notice(self, event):
        return (self.online is False) != (not event[1])

    def _card_incomplete(self, event):
        card = event[1]
        return not (card.get("ssn") and card.get("name") and card.get("card"))

    def _has_card(self, event):
        return self.card is not None

    def _library_missing(self, event):
        return self.library is None

    def _in_category(self, event):
        return bool(self.browse_path)

    def _browse_choice(self, key):
        return self.page * BROWSE_PAGE + int(key) - 1

    def _picks_category(self, event):
        return self._browse_choice(event[1]) < len(self._browse_children())

    def _picks_title(self, event):
        return self._browse_choice(event[1]) < len(self._browse_children()) + len(self._browse_titles())

    def _phone_invalid(self, event):
        return len(self.typed) != PHONE_DIGITS or self.typed[0] != "1"

    def _for_another_request(self, event):
        ref_seq = event[2].get("ref_seq")
        return self.ref is not None and ref_seq is not None and self.ref.split("-")[-1] != str(ref_seq)

    def _for_another_ref(self, event):
        return self.ref is not None and event[1] != self.ref

    def _picks_listed(self, event):
        return 1 <= int(event[1]) <= len(self.session_requests)

    def _ref_invalid(self, event):
        return typed_ref_number(self.typed) is None

    def _picks_topic(self, event):
        return 1 <= int(event[1]) <= len(MESSAGE_TOPICS)

    # ---------------------------------------------------------------- effects: (actions, event, now) -> action or None

    def _self_test_failed(self, actions, event, now):
        actions.append(("log", "self-test failed: " + ", ".join(event[1])))
        self.problem = "、".join(event[1])

    def _self_test_passed(self, actions, event, now):
        actions.append(("log", "self-test passed"))
        self.booted = now

    def _note_modem(self, actions, event, now):
        self.online = bool(event[1])

    def _start_read(self, actions, event, now):
        self.last_input = now
        return ("read_card",)

    def _reject_card(self, actions, event, now):
        self._wipe()
        self.problem = "card_unreadable"

    def _accept_card(self, actions, event, now):
        card = event[1]
        self.card = {"ssn": card.get("ssn"), "name": card.get("name"), "card": card.get("card"),
                     "region": card.get("region")}
        actions.append(("log", "card read (region %s)" % (self.card["region"] or "?")))

    def _card_error(self, actions, event, now):
        actions.append(("log", "card error " + event[1]))
        self.problem = event[1]

    def _card_pulled(self, actions, event, now):
        actions.append(("log", "card removed while reading"))
        self._wipe()
        self.problem = "card_removed"

    def _card_removed(self, actions, event, now):
        if self.card is not None or self.state != "welcome":
            actions.append(("log", "card removed: personal data cleared"))

    def _citizen_left(self, actions, event, now):
        actions.append(("log", "citizen left: personal data cleared"))

    def _log_late_reply(self, actions, event, now):
        actions.append(("log", "late reply %s in %s" % (msg.type_name(event[1]), self.state)))

    def _log_other_reply(self, actions, event, now):
        actions.append(("log", "reply for another request (%s)" % event[2].get("ref_seq")))

    def _log_failed(self, actions, event, now):
        actions.append(("log", "request %s failed: %s" % (event[1], event[2])))

    def _send_failed(self, actions, event, now):
        self._log_failed(actions, event, now)
        self.problem = "send_failed"

    def _storage_failed(self, actions, event, now):
        actions.append(("log", "outbox refused a request: storage failure"))
        self.problem = "storage"

    def _leave_maintenance(self, actions, event, now):
        actions.append(("log", "maintenance mode left"))

    # information library (menu 1)

    def _browse_children(self):
        if not self.browse_path:
            return self.library.top()
        return self.library.children(self.browse_path[-1])

    def _browse_titles(self):
        return self.library.titles(self.browse_path[-1]) if self.browse_path else []

    def _no_library(self, actions, event, now):
        self.result = screens.NO_LIBRARY

    def _open_library(self, actions, event, now):
        self.browse_path = []
        self.page = 0

    def _up(self, actions, event, now):
        self.browse_path.pop()
        self.page = 0

    def _next_page(self, actions, event, now):
        self.page += 1

    def _first_page(self, actions, event, now):
        self.page = 0

    def _open_category(self, actions, event, now):
        self.browse_path.append(self._browse_children()[self._browse_choice(event[1])])
        self.page = 0

    def _open_entry(self, actions, event, now):
        self.entry_n = self._browse_titles()[self._browse_choice(event[1]) - len(self._browse_children())][0]
        self.page = 0

    # typing a phone number or a reference

    def _clear_typed(self, actions, event, now):
        self.typed = ""

    def _delete_digit(self, actions, event, now):
        self.typed = self.typed[:-1]

    def _type_phone_digit(self, actions, event, now):
        if len(self.typed) < PHONE_DIGITS:
            self.typed += event[1]

    def _type_ref_digit(self, actions, event, now):
        if len(self.typed) < TYPED_REF_DIGITS:
            self.typed += event[1]

    def _bad_phone(self, actions, event, now):
        self._show(actions, screens.ERROR, {"code": "phone"})
        self.typed = ""

    def _bad_ref(self, actions, event, now):
        self._show(actions, screens.ERROR, {"code": "ref_digits"})
        self.typed = ""

    def _take_phone(self, actions, event, now):
        self.phone = self.typed
        self.typed = ""

    def _forget_phone(self, actions, event, now):
        self.phone = ""

    # loss report (menu 2) and consultation / complaint (menu 4)

    def _start_loss(self, actions, event, now):
        self.request = "loss"
        self.typed = ""

    def _submit_loss(self, actions, event, now):
        # Returned, not appended: the screen first, the runtime may answer the submit at once.
        c = self.card
        return ("submit", msg.LOSS_REPORT, {"ssn": c["ssn"], "card": c["card"], "phone": self.phone, "name": c["name"]})

    def _start_message(self, actions, event, now):
        self.request = "message"

    def _choose_kind(self, actions, event, now):
        self.message_kind = int(event[1])

    def _choose_topic(self, actions, event, now):
        self.message_topic = MESSAGE_TOPICS[int(event[1]) - 1]
        self.typed = ""

    def _submit_message(self, actions, event, now):
        return ("submit", msg.REQUEST, {
            "kind": self.message_kind, "category": self.message_topic[0], "phone": self.phone,
            "text": "自助终端留言：请回电" + ("咨询" if self.message_kind == 1 else "受理")})

    def _note_accepted(self, actions, event, now):
        self.ref = event[1]
        if self.request == "message":
            self.session_requests.append([self.ref, ""])
            if len(self.session_requests) > SESSION_REQUESTS:
                self.session_requests.pop(0)
        self.queued = event[2]
        self.pending += 1 if self.queued else 0
        actions.append(("log", "request %s stored%s" % (self.ref, " (queued offline)" if self.queued else "")))

    def _note_reply(self, actions, event, now):
        if self.pending and self.ref is not None:
            self.pending -= 1
        self.result = screens.describe_reply(event[1], event[2], self.request)

    # status queries (menu 3)

    def _note_reference(self, msg_type, fields):
        """The centre answers a request with its reference: remember it for this session's 办件进度 list."""
        if msg_type != msg.STATUS_ANSWER or fields.get("status") != msg.ST_RECEIVED:
            return
        text = fields.get("text") or ""
        local = "%s-%s" % (fields.get("ref_device"), fields.get("ref_seq"))
        for item in self.session_requests:
            if item[0] == local and len(text) == screens.REF_LENGTH:
                item[1] = text

    def _query_card(self, actions, event, now):
        self.request = "query"
        c = self.card
        return ("submit", msg.CARD_STATUS_QUERY, {"ssn": c["ssn"], "card": c["card"], "name": c["name"]})

    def _query_listed(self, actions, event, now):
        device, seq = self.session_requests[int(event[1]) - 1][0].split("-")
        return self._status_query(int(device), int(seq))

    def _query_typed(self, actions, event, now):
        number = typed_ref_number(self.typed)
        self.typed = ""
        # ref_device 0: "a reference this kiosk issued, by its day and sequence" (protocols/frame/README.md)
        return self._status_query(0, number)

    def _status_query(self, ref_device, ref_seq):
        self.request = "request_status"
        return ("submit", msg.STATUS_QUERY, {"ref_device": ref_device, "ref_seq": ref_seq})


def row_get(row, on):
    """The alternatives of one row for an event kind or key, or None."""
    for i in range(0, len(row), 2):
        if row[i] == on:
            return row[i + 1]
    return None


def row_items(row):
    """The (on, alternatives) pairs of one row, for tests and the generated docs."""
    return [(row[i], row[i + 1]) for i in range(0, len(row), 2)]


def _no_status():
    return {}


def maintenance_lines(status):
    keys = sorted(status.keys())
    return ["%s: %s" % (k, status[k]) for k in keys]


