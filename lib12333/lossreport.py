"""
Social-security card loss reporting (社保卡挂失): states, actions and who may do what.

Shared by the kiosk (to offer only what is allowed) and the centre (to apply
requests).  Everything is in one transition table, ``TRANSITIONS``; time is
passed in (Unix seconds).  Sources: research note card-and-identity.md section 3
(人社部 description of 临时挂失 / 正式挂失 / 解挂 / 补领; local time limits of 7, 10
or 15 days; identity = 社会保障号码 + 姓名 + 卡号; kiosk card states of R-KT).

States (code on the wire, name)::

    1 SEALED      封存 / 未启用   issued, social-security function not yet enabled
    2 NORMAL      正常
    3 TEMP_LOST   临时挂失        self-service or phone; lapses after Policy.temp_days
    4 LOST        挂失 (正式)     in person at a counter
    5 REPLACING   挂失, 已申请补领  a replacement is being made; the loss can no longer be undone
    6 CANCELLED   注销            final

Channels: kiosk (自助终端), phone (12333), online (网上服务平台), bank (合作银行
客服), counter (经办网点柜台), system (automatic, e.g. expiry).

Rules encoded in the table: temporary loss from any remote channel (identity
checked: social-security number, name, card number must all match the card);
formal loss, release (解挂), replacement and cancellation (注销) only at a counter;
release only *before* a replacement has been applied for (the research note:
"已申请补领的不能解挂").  A kiosk can only report a temporary loss and query.
Illegal transitions raise StateError carrying ``state`` and ``action``; a legal
action from a forbidden channel raises ChannelError (a StateError) with ``channel``.
"""

from lib12333.cardstate import CANCELLED, CHINESE_NAMES, LOST, NORMAL, REPLACING, SEALED, TEMP_LOST
from lib12333.errors import StateError, ValidationError

# code -> (constant name, Chinese name)
STATE_NAMES = {
    SEALED: ("SEALED", CHINESE_NAMES[SEALED]),
    NORMAL: ("NORMAL", CHINESE_NAMES[NORMAL]),
    TEMP_LOST: ("TEMP_LOST", CHINESE_NAMES[TEMP_LOST]),
    LOST: ("LOST", CHINESE_NAMES[LOST]),
    REPLACING: ("REPLACING", CHINESE_NAMES[REPLACING]),
    CANCELLED: ("CANCELLED", CHINESE_NAMES[CANCELLED]),
}

KIOSK = "kiosk"
PHONE = "phone"
ONLINE = "online"
BANK = "bank"
COUNTER = "counter"
SYSTEM = "system"
CHANNELS = (KIOSK, PHONE, ONLINE, BANK, COUNTER, SYSTEM)
REMOTE = (KIOSK, PHONE, ONLINE, BANK)

ACTIVATE = "activate"  # 启用
REPORT_TEMPORARY = "report_temporary"  # 临时挂失
RELEASE_TEMPORARY = "release_temporary"  # 解除临时挂失
EXPIRE_TEMPORARY = "expire_temporary"  # 临时挂失到期自动解除
REPORT_FORMAL = "report_formal"  # 正式挂失
RELEASE = "release"  # 解挂 (before a replacement only)
APPLY_REPLACEMENT = "apply_replacement"  # 申请补领
COMPLETE_REPLACEMENT = "complete_replacement"  # 新卡启用, 旧卡注销
CANCEL = "cancel"  # 注销

# The one transition table: action -> (states it applies to, resulting state, channels allowed).
TRANSITIONS = {
    ACTIVATE: ((SEALED,), NORMAL, (COUNTER,)),
    REPORT_TEMPORARY: ((NORMAL,), TEMP_LOST, (KIOSK, PHONE, ONLINE, BANK, COUNTER)),
    RELEASE_TEMPORARY: ((TEMP_LOST,), NORMAL, (COUNTER,)),
    EXPIRE_TEMPORARY: ((TEMP_LOST,), NORMAL, (SYSTEM,)),
    REPORT_FORMAL: ((NORMAL, TEMP_LOST), LOST, (COUNTER,)),
    RELEASE: ((LOST,), NORMAL, (COUNTER,)),
    APPLY_REPLACEMENT: ((LOST,), REPLACING, (COUNTER,)),
    COMPLETE_REPLACEMENT: ((REPLACING,), CANCELLED, (COUNTER, SYSTEM)),
    CANCEL: ((SEALED, NORMAL, TEMP_LOST, LOST), CANCELLED, (COUNTER,)),
}
ACTIONS = tuple(sorted(TRANSITIONS))
# Actions a remote channel may only take with the holder's identity (ssn + name + card number).
IDENTITY_REQUIRED = (REPORT_TEMPORARY,)

DAY = 86400


def state_name(code):
    n = STATE_NAMES.get(code)
    return n[0] + "(" + n[1] + ")" if n else "UNKNOWN(" + str(code) + ")"


class ChannelError(StateError):
    """A legal action asked for from a channel that may not perform it (e.g. formal loss from a kiosk)."""

    def __init__(self, message, state=None, action=None, channel=None):
        super().__init__(message + "; channel " + str(channel), state, action)
        self.channel = channel


class Policy:
    """Local rules: how many days a temporary loss lasts (the research note found 7, 10 and 15)."""

    def __init__(self, temp_days=7):
        if type(temp_days) is not int or not 1 <= temp_days <= 365:
            raise ValidationError("temporary-loss days must be 1..365", field="temp_days")
        self.temp_days = temp_days


def transition(state, action, channel):
    """The state after ``action`` from ``channel``; raises StateError / ChannelError / ValidationError."""
    if state not in STATE_NAMES:
        raise ValidationError("unknown card state", field="state", expected="1..6")
    if channel not in CHANNELS:
        raise ValidationError("unknown channel", field="channel", expected=", ".join(CHANNELS))
    row = TRANSITIONS.get(action)
    if row is None:
        raise ValidationError("unknown action", field="action", expected=", ".join(ACTIONS))
    sources, target, channels = row
    if state not in sources:
        raise StateError("action not allowed in this card state", state_name(state), action)
    if channel not in channels:
        raise ChannelError("action not allowed from this channel; allowed: " + ", ".join(channels),
                           state_name(state), action, channel)
    return target


def allowed_actions(state, channel):
    """Sorted actions ``channel`` may take in ``state`` (what a kiosk screen may offer)."""
    out = []
    for action in ACTIONS:
        sources, _target, channels = TRANSITIONS[action]
        if state in sources and channel in channels:
            out.append(action)
    return out


def _norm_name(s):
    out = []
    for ch in s:
        if ch in " \u3000\t":
            continue
        if ch in "•.．・":
            ch = "·"
        out.append(ch)
    return "".join(out)


class CardRecord:
    """One card's loss-report state.  Identity values are never put in errors or repr."""

    def __init__(self, ssn, name, card_no, state=NORMAL, since=0, until=0, policy=None):
        if state not in STATE_NAMES:
            raise ValidationError("unknown card state", field="state", expected="1..6")
        self.ssn = ssn
        self.name = name
        self.card_no = card_no
        self.state = state
        self.since = since
        self.until = until
        self.policy = policy if policy is not None else Policy()
        self.history = []  # (time, action, channel, from_state, to_state)

    def __repr__(self):
        return "CardRecord(state={}, since={}, until={})".format(state_name(self.state), self.since, self.until)

    def identity_matches(self, ssn, name, card_no):
        if not (isinstance(ssn, str) and isinstance(name, str) and isinstance(card_no, str)):
            return False
        return (
            ssn.upper() == self.ssn.upper()
            and card_no.upper() == self.card_no.upper()
            and _norm_name(name) == _norm_name(self.name)
        )

    def state_at(self, now):
        """The state at ``now``, counting an expired temporary loss as NORMAL (nothing is changed)."""
        if self.state == TEMP_LOST and now >= self.until:
            return NORMAL
        return self.state

    def settle(self, now):
        """Apply automatic transitions due by ``now`` (temporary loss lapsing); returns the state."""
        if self.state == TEMP_LOST and now >= self.until:
            self._move(EXPIRE_TEMPORARY, SYSTEM, self.until, NORMAL)
        return self.state

    def _move(self, action, channel, when, target):
        self.history.append((when, action, channel, self.state, target))
        self.state = target
        self.since = when
        if target != TEMP_LOST:
            self.until = 0

    def apply(self, action, channel, now, ssn=None, name=None, card_no=None):
        """Perform ``action`` from ``channel`` at ``now``; returns the new state."""
        self.settle(now)
        # Identity first: a caller who cannot prove it learns nothing about the card's state.
        if action in IDENTITY_REQUIRED and channel in REMOTE:
            if not self.identity_matches(ssn, name, card_no):
                raise ValidationError("identity does not match the card record", field="identity",
                                      expected="social-security number, name and card number of the holder")
        target = transition(self.state, action, channel)
        self._move(action, channel, now, target)
        if target == TEMP_LOST:
            self.until = now + self.policy.temp_days * DAY
        return target

    def allowed(self, channel, now):
        return allowed_actions(self.state_at(now), channel)

    def to_dict(self):
        return {"ssn": self.ssn, "name": self.name, "card_no": self.card_no, "state": self.state,
                "since": self.since, "until": self.until}

    @classmethod
    def from_dict(cls, d, policy=None):
        return cls(d["ssn"], d["name"], d["card_no"], d["state"], d["since"], d["until"], policy)


def wire_error(exc):
    """The frame ERROR code (lib12333.secure.messages.E_*) for an exception from this module."""
    from lib12333.secure import messages

    if isinstance(exc, ChannelError):
        return messages.E_CHANNEL
    if isinstance(exc, StateError):
        return messages.E_STATE
    if isinstance(exc, ValidationError) and getattr(exc, "field", None) == "identity":
        return messages.E_IDENTITY
    return messages.E_INTERNAL
