"""
The native service record: one call, SMS or kiosk transaction on 12333 / 12370.

A ``ServiceRecord`` is what every importer produces (Asterisk, FreeSWITCH, kiosk
journals) and what the metrics and the annual report consume.  Its three
serialised forms live next to this module:

* ``lib12333.records.binary`` -- compact length-prefixed binary for devices
  (normative definition: ``protocols/records/``);
* ``lib12333.records.text``   -- CSV (one header row) and JSON Lines.

Fields (all times are integer seconds since 1970-01-01 UTC):

=========  ==================================================================
ref        the source's own id (Asterisk uniqueid, FreeSWITCH uuid), <= 64 bytes
channel    ``call``, ``sms``, ``kiosk``, ``web``
service    12333 or 12370
region     6-digit administrative division code (GB/T 2260), 0 when unknown
category   "" or a 2- or 4-digit category code (人社信息函[2010]52号)
queue      ACD queue / skill name, "" for none
arrival    when the citizen's request reached the service (ENTERQUEUE for calls)
answer     when an agent (or device) answered / replied, ``None`` if never
end        when the contact ended, ``None`` if unknown
outcome    see ``OUTCOMES``
agent      agent name or device id, "" for none
caller     the caller's number, **masked** (``138****5678``): records never hold
           personal data in clear
=========  ==================================================================
"""

# The public names; the stub lib12333/records/__init__.pyi carries their types (docs/integrator.md)
__all__ = (
    "CHANNELS", "SERVICES", "OUTCOMES", "ANSWERED_OUTCOMES", "OFFERED_OUTCOMES", "MAX_TEXT", "check_text",
    "check_category", "ServiceRecord",
)

from lib12333.compat import utf8_error
from lib12333.errors import ValidationError

CHANNELS = ("call", "sms", "kiosk", "web")
SERVICES = (12333, 12370)
# Outcome codes; the index is the binary code.  "answered"-like outcomes:
OUTCOMES = (
    "answered",  # 0 an agent answered (call) / request completed
    "transferred",  # 1 answered, then transferred (blind or attended)
    "abandoned",  # 2 caller hung up while queued
    "timeout",  # 3 queue timeout reached (EXITWITHTIMEOUT)
    "exit_key",  # 4 caller pressed an exit key (EXITWITHKEY)
    "exit_empty",  # 5 no agents logged in (EXITEMPTY)
    "withdrawn",  # 6 withdrawn from the queue (WITHDRAW)
    "ivr",  # 7 handled by the IVR only, never offered to an agent
    "busy",  # 8 busy / blocked
    "failed",  # 9 technical failure, congestion
    "delivered",  # 10 SMS delivered / kiosk transaction completed
    "unknown",  # 11 the source did not say (truncated log)
)
ANSWERED_OUTCOMES = ("answered", "transferred")
# Outcomes of requests that reached a queue: the denominator of answer and abandon rates.
OFFERED_OUTCOMES = ("answered", "transferred", "abandoned", "timeout", "exit_key", "exit_empty", "withdrawn")

MAX_TEXT = 64  # bytes per text field in every form
_MAX_TIME = 0xFFFFFFFE


def _utf8_ok(b):
    """Valid UTF-8 without control characters."""
    for c in b:
        if c < 0x20 or c == 0x7F:
            return False
    return utf8_error(b) < 0


_printable = getattr(str, "isprintable", None)
_new = object.__new__


def check_text(name, value):
    """Validate a text field: str, at most MAX_TEXT UTF-8 bytes, no control characters."""
    if type(value) is not str:
        raise ValidationError("not text", field=name, expected="str")
    try:
        b = value.encode("utf-8")
    except UnicodeError:  # a lone surrogate (CPython only)
        raise ValidationError("not encodable as UTF-8", field=name, expected="text")  # noqa: B904 (no chaining on MicroPython)
    if len(b) > MAX_TEXT:
        raise ValidationError("too long", field=name, expected="at most " + str(MAX_TEXT) + " UTF-8 bytes")
    if _printable is not None and _printable(value):
        return b  # fast path on CPython: no control characters
    if not _utf8_ok(b):
        raise ValidationError("control character", field=name, expected="printable text")
    return b


def check_category(value):
    if type(value) is not str or len(value) not in (0, 2, 4):
        raise ValidationError("bad length", field="category", expected="'' or 2 or 4 digits")
    for ch in value:
        if not ("0" <= ch <= "9"):
            raise ValidationError("not a digit", field="category", expected="digits")
    return value


def _time(name, value, optional):
    if value is None and optional:
        return None
    if type(value) is not int or value < 0 or value > _MAX_TIME:
        raise ValidationError("bad timestamp", field=name, expected="int seconds 0.." + str(_MAX_TIME))
    return value


class ServiceRecord:
    """One service contact.  Construct with keywords; every field is validated."""

    FIELDS = ("ref", "channel", "service", "region", "category", "queue", "arrival", "answer", "end",
              "outcome", "agent", "caller")

    def __init__(self, channel="call", service=12333, region=0, category="", queue="", arrival=0,
                 answer=None, end=None, outcome="unknown", agent="", caller="", ref=""):
        if channel not in CHANNELS:
            raise ValidationError("unknown channel", field="channel", expected="|".join(CHANNELS))
        if type(service) is not int or service not in SERVICES:
            raise ValidationError("unknown service number", field="service", expected="12333 or 12370")
        if type(region) is not int or region < 0 or region > 999999:
            raise ValidationError("bad region code", field="region", expected="0..999999")
        if outcome not in OUTCOMES:
            raise ValidationError("unknown outcome", field="outcome", expected="|".join(OUTCOMES))
        self.channel = channel
        self.service = service
        self.region = region
        self.category = check_category(category)
        for name, value in (("queue", queue), ("agent", agent), ("caller", caller), ("ref", ref)):
            check_text(name, value)
        self.queue = queue
        self.agent = agent
        self.caller = caller
        self.ref = ref
        self.arrival = _time("arrival", arrival, False)
        self.answer = _time("answer", answer, True)
        self.end = _time("end", end, True)
        if self.answer is not None and self.answer < self.arrival:
            raise ValidationError("answer before arrival", field="answer", expected=">= arrival")
        if self.end is not None and self.end < (self.arrival if self.answer is None else self.answer):
            raise ValidationError("end before arrival or answer", field="end", expected=">= answer, arrival")
        self.outcome = outcome

    @classmethod
    def trusted(cls, channel, service, region, category, queue, arrival, answer, end, outcome, agent, caller, ref):
        """A record from values the caller built and checked itself (an importer's hot path): no validation.

        Only for code that guarantees what ``__init__`` checks -- known channel, service and outcome,
        text fit for a record, times in order; everything else must use the constructor.
        """
        if not _NEW_OK:  # a port whose object.__new__ refuses user classes: build it the checked way
            return cls(channel, service, region, category, queue, arrival, answer, end, outcome, agent, caller, ref)
        r = _new(cls)
        r.channel = channel
        r.service = service
        r.region = region
        r.category = category
        r.queue = queue
        r.agent = agent
        r.caller = caller
        r.ref = ref
        r.arrival = arrival
        r.answer = answer
        r.end = end
        r.outcome = outcome
        return r

    @property
    def wait(self):
        """Seconds in the queue: to the answer, else to the end; None when unknown."""
        if self.answer is not None:
            return self.answer - self.arrival
        if self.end is not None:
            return self.end - self.arrival
        return None

    @property
    def talk(self):
        """Seconds from answer to end (handle time without wrap-up), None when unknown."""
        if self.answer is not None and self.end is not None:
            return self.end - self.answer
        return None

    @property
    def answered(self):
        return self.outcome in ANSWERED_OUTCOMES

    @property
    def offered(self):
        return self.outcome in OFFERED_OUTCOMES

    def as_tuple(self):
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __eq__(self, other):
        return isinstance(other, ServiceRecord) and self.as_tuple() == other.as_tuple()

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        return "ServiceRecord(" + ", ".join(n + "=" + repr(getattr(self, n)) for n in self.FIELDS) + ")"

    def to_dict(self):
        from lib12333.compat import OrderedDict

        out = OrderedDict()
        for name in self.FIELDS:
            out[name] = getattr(self, name)
        return out

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict):
            raise ValidationError("not an object", field="record", expected="dict")
        for key in data:
            if key not in cls.FIELDS:
                raise ValidationError("unknown field " + repr(key)[:40], field="record", expected=", ".join(cls.FIELDS))
        kwargs = {}
        for key in cls.FIELDS:
            if key in data:
                kwargs[key] = data[key]
        return cls(**kwargs)


def _probe_new():
    """True where ``object.__new__`` makes a ServiceRecord (CPython; the MicroPython builds tested)."""
    try:
        return type(_new(ServiceRecord)) is ServiceRecord
    except Exception:  # noqa: BLE001 - TypeError where a port refuses it
        return False


_NEW_OK = _probe_new()
