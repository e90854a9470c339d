"""
Citizen requests: consultations (咨询), complaints (投诉) and reports (举报).

A kiosk or an agent accepts a request (受理) and gives the citizen a reference
number; the back office works on it (处理中) and closes it (办结), or returns
it (退回, e.g. outside the centre's remit, with a reason), or transfers it
(转办) to another centre.  The citizen asks for the status with the reference
number and gets an SMS when it is closed.

**First-contact responsibility (首问责任制).**  The centre that accepted the
request is its ``owner`` and stays responsible until another centre *accepts*
a transfer: ``transfer`` only names a ``pending_owner``; ``accept_transfer``
(by that centre) moves the ownership, ``reject_transfer`` (by that centre) or
``withdraw_transfer`` (by the owner) leaves it where it was.

**The transition table** ``TRANSITIONS`` below is the only place that says
which action is allowed in which state and who may take it; anything else
raises ``StateError``.  States::

    accepted 受理 ──start──▶ in_progress 处理中 ──complete──▶ done 办结
       │ └─return─▶ returned 退回 ◀─return─┘
       └─transfer─▶ transferring 转办中 ◀─transfer─ in_progress
    transferring ──accept_transfer──▶ accepted (new owner)
    transferring ──reject_transfer / withdraw_transfer──▶ in_progress (same owner)

**Exactly once.**  Every transition carries an idempotency key chosen by
whoever first submitted it (the kiosk's journal id, the agent's form token).
Applying a key that the request already has returns the recorded event and
changes nothing; reusing a key for a *different* transition is a
``StateError``.  A store (``lib12333.host.requests_store``) runs
``apply`` inside one database transaction, so a retry after a power cut or a
lost reply is applied once.

**Store interface** (what a gateway implements; sans-IO here):

    create(kind, centre, device, day, at, subject, contact="") -> Request
    get(ref) -> Request                     (StorageError when unknown)
    apply(ref, action, actor, at, idem, note=None, target=None) -> Event
    list(owner=None, state=None, limit=100) -> [Request]

**Reference numbers** (21 characters, e.g. ``T330100K0113030100077``)::

    T          kind: Z consultation (咨询), T complaint (投诉), J report (举报)
    330100     accepting centre: 6-digit division code
    K01        device or channel: 3 of 0-9 A-Z, first one a letter (K01 kiosk, TEL phone line)
    130301     day of acceptance YYMMDD (the caller's date)
    0007       sequence 0001-9999 of that device on that day
    7          check character, ISO 7064 MOD 37,36 over the 20 characters before

They are unique per centre and device as long as each device numbers its day
from 1 (the store keeps the counter); the check character catches every single
wrong character and about 99.85 % of swaps of two neighbouring characters
(measured on random references; the hybrid system cannot catch them all).  ``format_ref`` groups it as
``T-330100-K01-130301-0007-7`` for reading aloud; ``parse_ref`` accepts both.
"""

from lib12333.compat import OrderedDict
from lib12333.errors import DecodeError, StateError, ValidationError
from lib12333.refnum import REF_LENGTH, format_ref  # noqa: F401 (format_ref re-exported)

KINDS = ("consultation", "complaint", "report")
KIND_LETTERS = "ZTJ"
KIND_LABELS = ("咨询", "投诉", "举报")

ACCEPTED = "accepted"
IN_PROGRESS = "in_progress"
DONE = "done"
RETURNED = "returned"
TRANSFERRING = "transferring"
STATES = (ACCEPTED, IN_PROGRESS, DONE, RETURNED, TRANSFERRING)
STATE_LABELS = ("受理", "处理中", "办结", "退回", "转办中")
FINAL = (DONE, RETURNED)

# (action, from state, to state, who may act: "owner" or "target", note required)
TRANSITIONS = (
    ("start", ACCEPTED, IN_PROGRESS, "owner", False),
    ("complete", IN_PROGRESS, DONE, "owner", True),
    ("return", ACCEPTED, RETURNED, "owner", True),
    ("return", IN_PROGRESS, RETURNED, "owner", True),
    ("transfer", ACCEPTED, TRANSFERRING, "owner", False),
    ("transfer", IN_PROGRESS, TRANSFERRING, "owner", False),
    ("accept_transfer", TRANSFERRING, ACCEPTED, "target", False),
    ("reject_transfer", TRANSFERRING, IN_PROGRESS, "target", True),
    ("withdraw_transfer", TRANSFERRING, IN_PROGRESS, "owner", False),
)
ACTIONS = ("start", "complete", "return", "transfer", "accept_transfer", "reject_transfer", "withdraw_transfer")

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def state_label(state):
    return STATE_LABELS[STATES.index(state)]


def find_transition(action, state):
    """The table row for ``action`` in ``state``, or None."""
    for row in TRANSITIONS:
        if row[0] == action and row[1] == state:
            return row
    return None


# ------------------------------------------------------------ reference numbers


def ref_check_char(body):
    """ISO 7064 MOD 37,36 (hybrid) check character over ``body`` (0-9 A-Z)."""
    p = 36
    for ch in body:
        v = _ALNUM.find(ch)
        if v < 0:
            raise DecodeError("character outside 0-9 A-Z", field="reference", expected="0-9 A-Z")
        s = (p + v) % 36
        if s == 0:
            s = 36
        p = (s * 2) % 37
    # the check character c makes (p + c) mod 36 == 1, the hybrid system's invariant
    return _ALNUM[(1 - p) % 36]


def _centre(code, field="centre"):
    if not isinstance(code, str) or len(code) != 6:
        raise ValidationError("centre must be a 6-digit division code", field=field, expected="e.g. 330100")
    for ch in code:
        if not ("0" <= ch <= "9"):
            raise ValidationError("centre must be a 6-digit division code", field=field, expected="e.g. 330100")
    return code


def _two(n):
    return ("0" if n < 10 else "") + str(n)


def make_ref(kind, centre, device, day, seq):
    """Reference number for request ``seq`` (1-9999) of ``device`` at ``centre`` on ``day`` (y, m, d)."""
    if kind not in KINDS:
        raise ValidationError("unknown request kind", field="kind", expected=" | ".join(KINDS))
    _centre(centre)
    if (not isinstance(device, str) or len(device) != 3 or not ("A" <= device[0] <= "Z")
            or _ALNUM.find(device[1]) < 0 or _ALNUM.find(device[2]) < 0):
        raise ValidationError("device must be 3 characters 0-9 A-Z starting with a letter", field="device",
                              expected="e.g. K01")
    y, m, d = day
    if type(seq) is not int or not 1 <= seq <= 9999:
        raise ValidationError("sequence out of range", field="seq", expected="1 to 9999")
    from lib12333.library.docref import check_date

    check_date(y, m, d, "day")
    s = str(seq)
    body = (KIND_LETTERS[KINDS.index(kind)] + centre + device + _two(y % 100) + _two(m) + _two(d)
            + "0" * (4 - len(s)) + s)
    return body + ref_check_char(body)


def parse_ref(text):
    """Split a reference number (dashes and spaces allowed) into a dict; DecodeError/ValidationError.

    Positions in errors count characters of the input for bad characters and of
    the reference without dashes and spaces for everything else.
    """
    if not isinstance(text, str):
        raise DecodeError("not text", field="reference", position=0)
    chars = []
    for i, ch in enumerate(text):
        if ch in "- ":
            continue
        if "a" <= ch <= "z":
            ch = chr(ord(ch) - 32)
        if _ALNUM.find(ch) < 0:
            raise DecodeError("unexpected character", field="reference", position=i, expected="0-9 A-Z or -")
        chars.append(ch)
    ref = "".join(chars)
    if len(ref) != REF_LENGTH:
        raise DecodeError("wrong length " + str(len(ref)), field="reference", position=min(len(ref), REF_LENGTH),
                          expected=str(REF_LENGTH) + " characters")
    k = KIND_LETTERS.find(ref[0])
    if k < 0:
        raise DecodeError("unknown kind letter", field="reference", position=0, expected="Z, T or J")
    for i in list(range(1, 7)) + list(range(10, 20)):
        if not ("0" <= ref[i] <= "9"):
            raise DecodeError("not a digit", field="reference", position=i, expected="digit")
    if not ("A" <= ref[7] <= "Z"):
        raise DecodeError("device must start with a letter", field="reference", position=7, expected="A-Z")
    if ref_check_char(ref[:20]) != ref[20]:
        raise ValidationError("check character does not match", field="reference",
                              expected="a reference number as printed")
    out = OrderedDict()
    out["ref"] = ref
    out["kind"] = KINDS[k]
    out["centre"] = ref[1:7]
    out["device"] = ref[7:10]
    out["day"] = (2000 + int(ref[10:12]), int(ref[12:14]), int(ref[14:16]))
    out["seq"] = int(ref[16:20])
    return out


# ------------------------------------------------------------ requests


class Event:
    """One applied transition."""

    __slots__ = ("seq", "action", "from_state", "to_state", "actor", "at", "idem", "note", "target")

    def __init__(self, seq, action, from_state, to_state, actor, at, idem, note=None, target=None):
        self.seq = seq
        self.action = action
        self.from_state = from_state
        self.to_state = to_state
        self.actor = actor
        self.at = at
        self.idem = idem
        self.note = note
        self.target = target

    def to_dict(self):
        out = OrderedDict()
        for name in Event.__slots__:
            out[name] = getattr(self, name)
        return out

    def same_request(self, action, actor, target):
        return self.action == action and self.actor == actor and self.target == target

    def __repr__(self):
        return "Event(%d %s %s->%s by %s)" % (self.seq, self.action, self.from_state, self.to_state, self.actor)


class Request:
    """A request and its history; change it only through ``apply``."""

    def __init__(self, ref, kind, centre, created_at, subject, contact="", owner=None, state=ACCEPTED,
                 pending_owner=None, history=None, updated_at=None):
        self.ref = ref
        self.kind = kind
        self.centre = centre
        self.owner = owner or centre
        self.pending_owner = pending_owner
        self.state = state
        self.created_at = created_at
        self.updated_at = created_at if updated_at is None else updated_at
        self.subject = subject
        self.contact = contact
        self.history = history or []

    def find_idem(self, idem):
        for e in self.history:
            if e.idem == idem:
                return e
        return None

    def to_dict(self, show_pii=False):
        out = OrderedDict()
        out["ref"] = self.ref
        out["kind"] = self.kind
        out["state"] = self.state
        out["state_label"] = state_label(self.state)
        out["centre"] = self.centre
        out["owner"] = self.owner
        out["pending_owner"] = self.pending_owner
        out["created_at"] = self.created_at
        out["updated_at"] = self.updated_at
        out["subject"] = self.subject if show_pii else _mask_text(self.subject)
        if self.contact and not show_pii:
            from lib12333.identifiers import mask_phone

            out["contact"] = mask_phone(self.contact)
        else:
            out["contact"] = self.contact
        out["history"] = [e.to_dict() for e in self.history]
        if not show_pii:
            for e in out["history"]:
                e["note"] = _mask_text(e["note"])
        return out

    def __repr__(self):
        return "Request(" + self.ref + " " + self.state + " owner " + self.owner + ")"


def _mask_text(text):
    if not text:
        return text
    from lib12333.masking import mask_text

    return mask_text(text)


def new_request(kind, centre, device, day, seq, at, subject, contact=""):
    """A freshly accepted request (state 受理, owner = accepting centre)."""
    ref = make_ref(kind, centre, device, day, seq)
    if not isinstance(subject, str) or not subject.strip():
        raise ValidationError("the request needs a subject", field="subject")
    if len(subject) > 2000:
        raise ValidationError("subject too long", field="subject", expected="at most 2000 characters")
    if not isinstance(contact, str):
        raise ValidationError("contact must be text", field="contact")
    return Request(ref, kind, centre, at, subject, contact)


def apply(req, action, actor, at, idem, note=None, target=None):
    """Apply ``action`` by centre ``actor`` at time ``at``; returns the ``Event`` (StateError if illegal).

    ``idem`` is the transition's idempotency key: a key already applied to this
    request returns the recorded event without changing anything.
    """
    if not isinstance(idem, str) or not idem or len(idem) > 64:
        raise ValidationError("idempotency key must be text of 1-64 characters", field="idem")
    done = req.find_idem(idem)
    if done is not None:
        if done.same_request(action, actor, target):
            return done
        raise StateError("idempotency key already used for another transition", state=req.state, action=action)
    if action not in ACTIONS:
        raise StateError("unknown action", state=req.state, action=action)
    row = find_transition(action, req.state)
    if row is None:
        raise StateError("not allowed in this state", state=req.state, action=action)
    _centre(actor, "actor")
    responsible = req.owner if row[3] == "owner" else req.pending_owner
    if actor != responsible:
        raise StateError("centre " + actor + " is not responsible for this step (responsible: "
                         + str(responsible) + ")", state=req.state, action=action)
    if row[4] and (not isinstance(note, str) or not note.strip()):
        raise ValidationError("this step needs a note (the result or the reason)", field="note")
    if action == "transfer":
        _centre(target, "target")
        if target == req.owner:
            raise ValidationError("cannot transfer to the responsible centre itself", field="target")
    elif target is not None:
        raise ValidationError("only transfer takes a target", field="target")
    if type(at) is not int or at < req.updated_at:
        raise ValidationError("time must be an integer not before the last change", field="at")
    event = Event(len(req.history) + 1, action, req.state, row[2], actor, at, idem, note, target)
    if action == "transfer":
        req.pending_owner = target
    elif action == "accept_transfer":
        req.owner = req.pending_owner
        req.pending_owner = None
    elif action in ("reject_transfer", "withdraw_transfer"):
        req.pending_owner = None
    req.state = row[2]
    req.updated_at = at
    req.history.append(event)
    return event


# ------------------------------------------------------------ SMS notices


def contains_personal_data(text):
    """True when ``text`` holds an ID, card, phone or account number (``lib12333.masking.find_personal``)."""
    from lib12333.masking import find_personal

    return len(find_personal(text)) > 0


def status_text(req, policy):
    """SMS or kiosk answer to "what is the status of REF": reference, state and nothing else.

    Signed and checked like ``notice_text``; works in every state (a transfer
    shows as 转办中 until the other centre accepts it).  Returns ``(text, decision)``.
    """
    label = KIND_LABELS[KINDS.index(req.kind)]
    text = policy.sign("您的" + label + "（" + req.ref + "）目前状态：" + state_label(req.state) + "。")
    service = "consultation" if req.kind == "consultation" else "complaint"
    return text, policy.check(text, service, notice=True)


def notice_text(req, policy, detail=None):
    """SMS text telling the citizen that ``req`` is closed (办结) or returned (退回).

    ``policy`` is a ``lib12333.sms.policy.Policy``: the text is signed with the
    sending unit's name (人社信息函〔2010〕43号) and checked as a citizen notice.
    It carries the reference number and the state, never the subject or the
    citizen's data; ``detail`` (optional, short) is refused when it contains
    personal data.  Returns ``(text, decision)``.
    """
    if req.state not in FINAL:
        raise StateError("notices are sent for closed or returned requests", state=req.state, action="notify")
    label = KIND_LABELS[KINDS.index(req.kind)]
    if req.state == DONE:
        text = "您的" + label + "（" + req.ref + "）已办结，"
    else:
        text = "您的" + label + "（" + req.ref + "）已退回，"
    if detail:
        if contains_personal_data(detail):
            raise ValidationError("notice detail contains personal data", field="detail",
                                  expected="no ID, card, account or phone numbers")
        text += detail
    text += "凭编号在终端或拨12333查询。"
    text = policy.sign(text)
    service = "consultation" if req.kind == "consultation" else "complaint"
    return text, policy.check(text, service, notice=True)
