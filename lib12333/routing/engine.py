"""
The compiled rule set: index, evaluate, explain.

Rules are numbered in evaluation order (priority high to low, then file order)
and each indexed condition gets a table ``value -> bit mask of the rules that
accept it``; the masks of one request are ANDed and the lowest set bit that also
passes the range checks (hours, waiting, agents) is the decision.  ``explain``
walks the rules one by one instead and records why each was passed over; the
tests check that both always agree.
"""

# The public names; the stub lib12333/routing/engine.pyi carries their types (docs/integrator.md)
__all__ = (
    "Request", "Decision", "RuleSet",
)

from lib12333.errors import DecodeError
from lib12333.routing import clock
from lib12333.routing.regions import city_of, province_of
from lib12333.routing.schema import DISCRETE, PREFIX

_INDEXED = tuple(k for k, _ in DISCRETE) + PREFIX


class Request:
    """What the engine decides on.  Regions are 6-digit codes or None; ``time`` is ``YYYY-MM-DDTHH:MM``."""

    __slots__ = ("number", "channel", "reached", "caller_region", "card_region", "category", "date", "minute", "waiting", "agents")

    def __init__(
        self,
        number=None,
        channel="voice",
        reached=None,
        caller_region=None,
        card_region=None,
        category=None,
        time=None,
        waiting=None,
        agents=None,
    ):
        self.number = number if number in ("12333", "12370") else "other"
        self.channel = channel
        self.reached = reached
        self.caller_region = caller_region
        self.card_region = card_region
        self.category = category
        if time is None:
            self.date = None
            self.minute = None
        else:
            self.date, self.minute = clock.parse_time(time)
        self.waiting = waiting
        self.agents = agents

    def card_relation(self):
        card = self.card_region
        home = self.reached
        if card is None or home is None:
            return "unknown"
        if card[:2] != home[:2]:
            return "other-province"
        if city_of(card) == city_of(home):
            return "same-city"
        return "same-province"


class Decision:
    """The result: ``action``, ``level`` (city/province/national), ``centre`` (code or None), ``queue``, ``via``."""

    __slots__ = ("action", "level", "centre", "queue", "via", "rule", "line", "note")

    def __init__(self, action, level, centre, queue, via, rule, line, note):
        self.action = action
        self.level = level
        self.centre = centre
        self.queue = queue
        self.via = via
        self.rule = rule
        self.line = line
        self.note = note

    def as_dict(self):
        return {
            "action": self.action,
            "level": self.level,
            "centre": self.centre,
            "queue": self.queue,
            "via": self.via,
            "rule": self.rule,
            "line": self.line,
            "note": self.note,
        }

    def key(self):
        return (self.action, self.level, self.centre, self.queue, self.via, self.rule)


def _region_keys(code):
    if code is None:
        return ("unknown",)
    return (code[:2], code[:4], code)


def _category_keys(code):
    if code is None:
        return ()
    n = len(code)
    if n >= 8:
        return (code[:2], code[:4], code[:6], code[:8])
    if n >= 6:
        return (code[:2], code[:4], code[:6])
    if n >= 4:
        return (code[:2], code[:4])
    return (code[:2],)


def _input_keys(request, day):
    """The index keys of each indexed condition for one request."""
    return (
        (request.number,),
        (request.channel,),
        (day,),
        (request.card_relation(),),
        _region_keys(request.reached),
        _region_keys(request.caller_region),
        _region_keys(request.card_region),
        _category_keys(request.category),
    )


class RuleSet:
    """Compiled rules; build with ``lib12333.routing.loader``."""

    def __init__(self, name, rules, calendar, source):
        self.name = name
        self.rules = rules  # in evaluation order
        self.calendar = calendar
        self.source = source
        everyone = (1 << len(rules)) - 1
        self._everyone = everyone
        self._days = {}
        self._bit = {}
        for i in range(len(rules)):
            self._bit[1 << i] = i
        self._dims = []
        for d in range(len(_INDEXED)):
            key = _INDEXED[d]
            free = 0
            table = {}
            for i in range(len(rules)):
                cond = rules[i].conds.get(key)
                if cond is None:
                    free |= 1 << i
                else:
                    for v in cond:
                        table[v] = table.get(v, 0) | (1 << i)
            if free != everyone:
                self._dims.append((d, free, table))
        self._residual = []
        for rule in rules:
            self._residual.append((rule.conds.get("hours"), rule.conds.get("waiting"), rule.conds.get("agents")))

    def _day(self, request, calendar):
        date = request.date
        if date is None:
            return "unknown"
        if calendar is not None:
            if date in calendar.holidays:
                return "restday"
            if date in calendar.workdays:
                return "workday"
        day = self._days.get(date)
        if day is None:
            if len(self._days) > 400:
                self._days = {}
            day = self.calendar.day_type(date)
            self._days[date] = day
        return day

    def _candidates(self, request, day):
        mask = self._everyone
        for d, free, table in self._dims:
            if d == 0:
                m = free | table.get(request.number, 0)
            elif d == 1:
                m = free | table.get(request.channel, 0)
            elif d == 2:
                m = free | table.get(day, 0)
            elif d == 3:
                m = free | table.get(request.card_relation(), 0)
            elif d < 7:
                code = request.reached if d == 4 else request.caller_region if d == 5 else request.card_region
                if code is None:
                    m = free | table.get("unknown", 0)
                else:
                    m = free | table.get(code[:2], 0) | table.get(code[:4], 0) | table.get(code, 0)
            else:
                code = request.category
                m = free
                if code is not None:
                    n = len(code)
                    m |= table.get(code[:2], 0)
                    if n >= 4:
                        m |= table.get(code[:4], 0)
                        if n >= 6:
                            m |= table.get(code[:6], 0)
                            if n >= 8:
                                m |= table.get(code[:8], 0)
            mask &= m
            if not mask:
                break
        return mask

    def _residual_ok(self, index, request):
        hours, waiting, agents = self._residual[index]
        if hours is not None:
            minute = request.minute
            if minute is None:
                return False
            ok = False
            for lo, hi in hours:
                if lo <= minute < hi:
                    ok = True
                    break
            if not ok:
                return False
        for cond, value in ((waiting, request.waiting), (agents, request.agents)):
            if cond is not None:
                if value is None or value < cond[0] or (cond[1] is not None and value > cond[1]):
                    return False
        return True

    def evaluate(self, request, calendar=None):
        """The Decision for ``request``; ``calendar`` adds the caller's holidays to the rule set's."""
        day = self._day(request, calendar)
        mask = self._candidates(request, day)
        while mask:
            low = mask & -mask
            index = self._bit[low]
            if self._residual_ok(index, request):
                return self._decide(self.rules[index], request)
            mask ^= low
        raise DecodeError("no rule matched", field="request")  # unreachable: load-time check needs a default

    def _decide(self, rule, request):
        centre = rule.centre
        reached = request.reached
        if centre == "national":
            level, code = "national", None
        elif centre == "city":
            level, code = "city", city_of(reached) if reached else None
        elif centre == "province":
            level, code = "province", province_of(reached) if reached else None
        elif centre[0] == "c":  # caller-* / card-*
            source = request.caller_region if centre.startswith("caller") else request.card_region
            if centre.endswith("city"):
                level, code = "city", city_of(source) if source else None
            else:
                level, code = "province", province_of(source) if source else None
        else:
            level = "province" if centre[2:] == "0000" else "city"
            code = centre
        queue = rule.queue
        if queue is not None and "{" in queue:
            queue = queue.replace("{city}", city_of(reached) if reached else "unknown")
            queue = queue.replace("{province}", province_of(reached) if reached else "unknown")
        if level == "national" or (code is not None and reached is not None and code[:2] != reached[:2]):
            via = "national-platform"
        else:
            via = "direct"
        return Decision(rule.action, level, code, queue, via, rule.name, rule.line, rule.note)

    def explain(self, request, calendar=None):
        """Try the rules one by one; return {"decision", "day", "tried": [...]} with a reason per rule."""
        day = self._day(request, calendar)
        keys = _input_keys(request, day)
        values = (
            request.number,
            request.channel,
            day,
            request.card_relation(),
            request.reached,
            request.caller_region,
            request.card_region,
            request.category,
        )
        tried = []
        decision = None
        for index in range(len(self.rules)):
            rule = self.rules[index]
            why = None
            for d in range(len(_INDEXED)):
                key = _INDEXED[d]
                cond = rule.conds.get(key)
                if cond is None:
                    continue
                hit = False
                for k in keys[d]:
                    if k in cond:
                        hit = True
                        break
                if not hit:
                    shown = values[d] if values[d] is not None else "unknown"
                    why = "%s %s not in %s" % (key, shown, "/".join(cond))
                    break
            if why is None and not self._residual_ok(index, request):
                why = self._residual_reason(index, request)
            entry = {"rule": rule.name, "line": rule.line, "priority": rule.priority, "matched": why is None}
            if why is not None:
                entry["why"] = why
            tried.append(entry)
            if why is None:
                decision = self._decide(rule, request)
                break
        return {"decision": decision, "day": day, "tried": tried}

    def _residual_reason(self, index, request):
        hours, waiting, agents = self._residual[index]
        if hours is not None:
            if request.minute is None:
                return "hours: no time given"
            inside = False
            for lo, hi in hours:
                if lo <= request.minute < hi:
                    inside = True
            if not inside:
                return "time of day outside hours"
        for name, cond, value in (("waiting", waiting, request.waiting), ("agents", agents, request.agents)):
            if cond is not None:
                if value is None:
                    return name + ": not given"
                if value < cond[0] or (cond[1] is not None and value > cond[1]):
                    hi = "any" if cond[1] is None else str(cond[1])
                    return "%s %d outside %d..%s" % (name, value, cond[0], hi)
        return "residual conditions"
