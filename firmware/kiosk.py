"""
The kiosk as a sans-IO state machine: events in, actions out.

    kiosk = Kiosk(config)
    actions = kiosk.handle(("card_in",), now)      # -> [("screen", "reading", {}), ("read_card",)]

``now`` is seconds on the caller's monotonic clock.  Events are tuples whose
first item is the kind:

    ("boot", problems)          self-test finished; problems is a list of failed checks
    ("card_in",) ("card_out",)  card presence changed
    ("card_read", card)         the runtime read the card: dict with ssn, name, card, region
    ("card_error", code)        reading failed; code is one of screens.ERROR_ADVICE
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

Where every event leads is in one table, ``TABLE`` in ``firmware.kiosk_table``
(see its docstring); an event that a state does not expect is ignored and logged,
so a stray key press or a late reply can never corrupt a transaction.  Each state
is also its screen: ``screens.render(state, params)``; the params come from
``VIEWS``.  This module runs the table: the driver (``handle``), and the guards,
effects and views of the boot, the card and the loss report; those of menus 1, 3
and 4 are in ``firmware.kiosk_menus``, loaded when first used.
"""

from firmware import screens
from firmware.kiosk_table import ANYWHERE, TABLE, VIEWS, row_get, row_items  # noqa: F401 - row_items: tests, docs
from lib12333 import masking  # not identifiers: the ID checks are not needed to mask (11 KB less heap)
from lib12333.compat import const
from lib12333.secure import messages as msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable  # noqa: F401 - used in type comments

IDLE_TIMEOUT = const(60)  # seconds without a key press before personal data is wiped
RESULT_TIMEOUT = const(30)
# A modem needs some seconds after power-on to register; until then the network is "not known yet"
# and the welcome screen does not claim it is down. Past this grace it is reported as unavailable.
NETWORK_GRACE = const(60)
MAINTENANCE_CODE = "*#12333#"
_PHONE_DIGITS = const(11)


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
        if kind == "reply" and self.session_requests:
            self._call("note_reference", event[1], event[2])
        if kind == "key":
            self.last_input = now
            if self._maintenance_sequence(event[1]) and self.state != "maintenance":
                kind = "maintenance_code"
        if kind != "maintenance_code":  # the technician's code is obeyed before any timeout
            self._check_timeouts(actions, now)
        row = row_get(TABLE, self.state)
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
            if len(alternative) < 3 or self._call(alternative[2], event):
                then = self._call(alternative[1], actions, event, now) if len(alternative) > 1 and alternative[1] else None
                if alternative[0] is not None:
                    self._enter(actions, alternative[0], now)
                if then is not None:
                    actions.append(then)
                break
        return actions

    def _call(self, name, *args):
        """Run the guard, effect or view ``name``: a method of this class when it starts with an
        underscore, else a function of firmware.kiosk_menus (imported on first use; see kiosk_table)."""
        if name[0] == "_":
            return getattr(self, name)(*args)
        from firmware import kiosk_menus

        return getattr(kiosk_menus, name)(self, *args)

    def _show(self, actions, screen, params=None):
        actions.append(("screen", screen, params or {}))

    def _enter(self, actions, state, now):
        self.state = state
        self.entered = now
        if state == "welcome":
            self._wipe()
        view = row_get(VIEWS, state)
        self._show(actions, state, self._call(view) if view else None)

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

    def _phone_invalid(self, event):
        return len(self.typed) != _PHONE_DIGITS or self.typed[0] != "1"

    def _for_another_request(self, event):
        ref_seq = event[2].get("ref_seq")
        return self.ref is not None and ref_seq is not None and self.ref.split("-")[-1] != str(ref_seq)

    def _for_another_ref(self, event):
        return self.ref is not None and event[1] != self.ref

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

    # typing a phone number (a reference: kiosk_menus)

    def _clear_typed(self, actions, event, now):
        self.typed = ""

    def _delete_digit(self, actions, event, now):
        self.typed = self.typed[:-1]

    def _type_digit(self, event, limit):
        if len(self.typed) < limit:
            self.typed += event[1]

    def _typing_error(self, actions, code):
        """A wrong number: its notice (screens.ERROR_ADVICE) over the current screen, then type again."""
        self._show(actions, screens.ERROR, {"code": code})
        self.typed = ""

    def _type_phone_digit(self, actions, event, now):
        self._type_digit(event, _PHONE_DIGITS)

    def _bad_phone(self, actions, event, now):
        self._typing_error(actions, "phone")

    def _take_phone(self, actions, event, now):
        self.phone = self.typed
        self.typed = ""

    def _forget_phone(self, actions, event, now):
        self.phone = ""

    # the loss report (menu 2) and what every request goes through

    def _start_loss(self, actions, event, now):
        self.request = "loss"
        self.typed = ""

    def _submit_loss(self, actions, event, now):
        # Returned, not appended: the screen first, the runtime may answer the submit at once.
        c = self.card
        return ("submit", msg.LOSS_REPORT, {"ssn": c["ssn"], "card": c["card"], "phone": self.phone, "name": c["name"]})

    def _note_accepted(self, actions, event, now):
        self.ref = event[1]
        if self.request == "message":
            self._call("remember_request")
        self.queued = event[2]
        self.pending += 1 if self.queued else 0
        actions.append(("log", "request %s stored%s" % (self.ref, " (queued offline)" if self.queued else "")))

    def _note_reply(self, actions, event, now):
        if self.pending and self.ref is not None:
            self.pending -= 1
        self.result = screens.describe_reply(event[1], event[2], self.request)


def _no_status():
    return {}


def maintenance_lines(status):
    keys = sorted(status.keys())
    return ["%s: %s" % (k, status[k]) for k in keys]
