"""
Service metrics from ``ServiceRecord`` streams: per queue, per interval, per category, overall.

Sans-IO and constant memory per bucket: feed records one at a time with
``Metrics.add(record)``, read the figures with ``Metrics.report()``.  Definitions
(docs/cdr.md has the sources and the variants):

* **offered** -- requests that reached a queue: answered, transferred, abandoned,
  timeout, exit_key, exit_empty, withdrawn.  IVR-only, busy and failed calls and
  SMS / kiosk records are counted per outcome but are not offered.
* **answered** -- answered + transferred.  **answer_rate** (接通率) = answered / offered.
* **abandoned** -- caller hung up in the queue.  **abandon_rate** (放弃率) = abandoned /
  offered; abandons with wait <= ``short_abandon`` s are also counted as
  **short_abandoned**, and ``abandon_rate_excl_short`` = (abandoned - short) /
  (offered - short).
* **timeouts** -- the queue's own timeout (EXITWITHTIMEOUT); exit_key, exit_empty and
  withdrawn are separate counts.  All are in offered and none is "abandoned".
* **service_level** -- answered with wait <= T / offered (T = ``answer_within``,
  inclusive).  Variants by name in ``service_level_variants``.
* **asa_s** -- mean queue wait of answered calls; **aht_s** -- mean talk time
  (answer to end) of answered calls with a known end, plus ``wrapup`` s;
  **longest_wait_s** -- over all offered calls.

A record is attributed to the interval, day, month and hour of its **arrival**
(ENTERQUEUE), in local time ``tz_offset`` seconds east of UTC (28800 = Beijing).
"""

from lib12333.compat import IS_MICROPYTHON, OrderedDict
from lib12333.dates import civil_from_days
from lib12333.errors import ValidationError
from lib12333.records import OFFERED_OUTCOMES as _OFFERED

if not IS_MICROPYTHON:
    OrderedDict = dict  # noqa: F811 -- CPython dicts keep insertion order at half the memory

_COUNTS = ("records", "offered", "answered", "transferred", "abandoned", "short_abandoned", "timeouts",
           "exit_key", "exit_empty", "withdrawn", "ivr", "busy", "failed", "delivered", "unknown",
           "answered_within", "abandoned_within", "answered_within_15", "talk_count", "responses",
           "responses_within_180")
_N = len(_COUNTS)
_I = {}
for _k in range(_N):
    _I[_COUNTS[_k]] = _k
_OUTCOME_COUNTER = {
    "answered": "answered", "transferred": "transferred", "abandoned": "abandoned", "timeout": "timeouts",
    "exit_key": "exit_key", "exit_empty": "exit_empty", "withdrawn": "withdrawn", "ivr": "ivr",
    "busy": "busy", "failed": "failed", "delivered": "delivered", "unknown": "unknown",
}
DIMENSIONS = ("queue", "interval", "category", "region", "channel", "service", "day", "month", "hour")


def contribution(r, answer_within, short_abandon):
    """What one record adds to a bucket: (counter indexes, answered wait, talk, wait for the longest-wait max)."""
    outcome = r.outcome
    incs = [0, _I[_OUTCOME_COUNTER[outcome]]]
    wait_answered = 0
    talk_sum = 0
    longest = 0
    if r.channel != "call" and r.answer is not None:
        incs.append(_I["responses"])
        if r.answer - r.arrival <= 180:
            incs.append(_I["responses_within_180"])
    if outcome in _OFFERED:
        incs.append(1)
        wait = r.wait
        if wait is not None:
            longest = wait
        if outcome == "answered" or outcome == "transferred":
            if wait is not None:
                wait_answered = wait
                if wait <= answer_within:
                    incs.append(_I["answered_within"])
                if wait <= 15:
                    incs.append(_I["answered_within_15"])
            talk = r.talk
            if talk is not None:
                talk_sum = talk
                incs.append(_I["talk_count"])
        elif outcome == "abandoned" and wait is not None:
            if wait <= short_abandon:
                incs.append(_I["short_abandoned"])
            if wait <= answer_within:
                incs.append(_I["abandoned_within"])
    return incs, wait_answered, talk_sum, longest


class Bucket:
    """The running sums of one group of records."""

    def __init__(self):
        self.c = [0] * _N
        self.wait_answered = 0
        self.talk = 0
        self.longest_wait = 0

    def add(self, r, answer_within, short_abandon):
        self.apply(contribution(r, answer_within, short_abandon))

    def apply(self, contrib):
        incs, wait_answered, talk, longest = contrib
        c = self.c
        for i in incs:
            c[i] += 1
        self.wait_answered += wait_answered
        self.talk += talk
        if longest > self.longest_wait:
            self.longest_wait = longest

    def merge(self, other):
        """Add another bucket's sums (roll-up of cells into groups)."""
        c = self.c
        o = other.c
        for i in range(_N):
            c[i] += o[i]
        self.wait_answered += other.wait_answered
        self.talk += other.talk
        if other.longest_wait > self.longest_wait:
            self.longest_wait = other.longest_wait

    def figures(self, wrapup=0):
        c = self.c
        out = OrderedDict()
        for k in range(_N):
            if _COUNTS[k] != "talk_count":
                out[_COUNTS[k]] = c[k]
        offered = c[1]
        answered = c[_I["answered"]] + c[_I["transferred"]]
        abandoned = c[_I["abandoned"]]
        short = c[_I["short_abandoned"]]
        within = c[_I["answered_within"]]
        ab_within = c[_I["abandoned_within"]]
        out["answered"] = answered
        out["answer_rate"] = _ratio(answered, offered)
        out["abandon_rate"] = _ratio(abandoned, offered)
        out["abandon_rate_excl_short"] = _ratio(abandoned - short, offered - short)
        out["service_level"] = _ratio(within, offered)
        v = OrderedDict()
        v["answered_within_over_offered"] = out["service_level"]
        v["answered_within_over_offered_excl_short"] = _ratio(within, offered - short)
        v["answered_within_over_answered"] = _ratio(within, answered)
        v["within_over_answered_and_abandoned"] = _ratio(within + ab_within, answered + abandoned)
        v["answered_within_over_answered_and_late_abandoned"] = _ratio(within, answered + abandoned - ab_within)
        out["service_level_variants"] = v
        out["asa_s"] = _ratio(self.wait_answered, answered)
        talk_count = c[_I["talk_count"]]
        out["aht_s"] = None if not talk_count else self.talk / talk_count + wrapup
        out["longest_wait_s"] = self.longest_wait if offered else None
        return out


def _ratio(a, b):
    return None if b <= 0 else a / b


def _two(n):
    return ("0" + str(n)) if n < 10 else str(n)


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


# outcome -> (its counter, kind): kind 0 not offered, 1 answered-like, 2 abandoned, 3 other offered
_KIND = {}
for _o in _OUTCOME_COUNTER:
    _KIND[_o] = (_I[_OUTCOME_COUNTER[_o]],
                 (1 if _o in ("answered", "transferred") else 2 if _o == "abandoned" else 3) if _o in _OFFERED else 0)
_RESPONSES = _I["responses"]
_RESPONSES_180 = _I["responses_within_180"]
_WITHIN = _I["answered_within"]
_WITHIN_15 = _I["answered_within_15"]
_TALK_COUNT = _I["talk_count"]
_SHORT = _I["short_abandoned"]
_AB_WITHIN = _I["abandoned_within"]
_TIME_DIMENSIONS = ("interval", "day", "month", "hour")
# Cells kept before they are rolled up into the groups: bounds memory whatever the input's order.
MAX_CELLS = 256 if IS_MICROPYTHON else 8192


class Metrics:
    """Aggregates records into an overall bucket and one bucket per key of each dimension.

    Each record updates one *cell*, keyed by its time unit (the coarsest span that decides
    its interval, hour, day and month) and its queue, category, region, channel and service;
    cells are rolled up into ``overall`` and ``groups`` when there are ``MAX_CELLS`` of them
    and before any figure is read (``flush()``).  One dict lookup per record instead of one
    bucket update per dimension, and every key string is built once per cell, not per record.
    """

    def __init__(self, answer_within=20, short_abandon=5, interval=1800, tz_offset=28800,
                 dimensions=("queue", "interval", "category"), wrapup=0):
        for value, name in ((answer_within, "answer_within"), (short_abandon, "short_abandon"),
                            (wrapup, "wrapup")):
            if type(value) not in (int, float) or value < 0:
                raise ValidationError("must be a number >= 0", field=name, expected=">= 0")
        if type(interval) is not int or interval <= 0 or 86400 % interval:
            raise ValidationError("must divide a day", field="interval", expected="seconds dividing 86400")
        for d in dimensions:
            if d not in DIMENSIONS:
                raise ValidationError("unknown dimension " + repr(d)[:20], field="dimensions",
                                      expected=", ".join(DIMENSIONS))
        self.answer_within = answer_within
        self.short_abandon = short_abandon
        self.interval = interval
        self.tz_offset = tz_offset
        self.wrapup = wrapup
        self.dimensions = tuple(dimensions)
        self.overall = Bucket()
        self.groups = {}
        for d in self.dimensions:
            self.groups[d] = {}
        self._day_cache = (None, None)
        # the time unit: intervals, hours and days are whole multiples of it (0: no time dimension)
        unit = 0
        if "interval" in self.dimensions:
            unit = interval
        if "hour" in self.dimensions:
            unit = _gcd(unit, 3600) if unit else 3600
        if unit == 0 and ("day" in self.dimensions or "month" in self.dimensions):
            unit = 86400
        self.time_unit = unit
        self.cells = {}

    def _date(self, local_day):
        if self._day_cache[0] != local_day:
            y, m, d = civil_from_days(local_day)
            self._day_cache = (local_day, (str(y) + "-" + _two(m), str(y) + "-" + _two(m) + "-" + _two(d)))
        return self._day_cache[1]

    def key(self, dimension, r):
        """The group of record ``r`` in ``dimension`` (the definition the cells roll up to)."""
        if dimension == "queue":
            return r.queue
        if dimension == "category":
            return r.category
        if dimension == "region":
            return r.region
        if dimension == "channel":
            return r.channel
        if dimension == "service":
            return r.service
        return self._time_key(dimension, r.arrival + self.tz_offset)

    def _time_key(self, dimension, t):
        day = t // 86400
        sec = t - day * 86400
        if dimension == "hour":
            return _two(sec // 3600)
        month, date = self._date(day)
        if dimension == "month":
            return month
        if dimension == "day":
            return date
        start = sec - sec % self.interval
        return date + "T" + _two(start // 3600) + ":" + _two((start // 60) % 60)

    def cell_key(self, r):
        """The cell of record ``r``: (time unit number, queue, category, region, channel, service)."""
        unit = self.time_unit
        return ((r.arrival + self.tz_offset) // unit if unit else 0, r.queue, r.category, r.region, r.channel,
                r.service)

    def add(self, r):
        unit = self.time_unit
        key = ((r.arrival + self.tz_offset) // unit if unit else 0, r.queue, r.category, r.region, r.channel,
               r.service)
        cells = self.cells
        b = cells.get(key)
        if b is None:
            if len(cells) >= MAX_CELLS:
                self.flush()
                cells = self.cells
            b = cells[key] = Bucket()
        # contribution(r) applied in place: the hot path of every report
        outcome = r.outcome
        counter, kind = _KIND[outcome]
        c = b.c
        c[0] += 1
        c[counter] += 1
        answer = r.answer
        if answer is not None and r.channel != "call":
            c[_RESPONSES] += 1
            if answer - r.arrival <= 180:
                c[_RESPONSES_180] += 1
        if not kind:
            return
        c[1] += 1
        end = r.end
        if answer is not None:
            wait = answer - r.arrival
        elif end is not None:
            wait = end - r.arrival
        else:
            wait = None
        if wait is not None and wait > b.longest_wait:
            b.longest_wait = wait
        if kind == 1:
            if wait is not None:
                b.wait_answered += wait
                if wait <= self.answer_within:
                    c[_WITHIN] += 1
                if wait <= 15:
                    c[_WITHIN_15] += 1
            if answer is not None and end is not None:
                b.talk += end - answer
                c[_TALK_COUNT] += 1
        elif kind == 2 and wait is not None:
            if wait <= self.short_abandon:
                c[_SHORT] += 1
            if wait <= self.answer_within:
                c[_AB_WITHIN] += 1

    def add_cell(self, key, bucket):
        """Merge a bucket computed elsewhere (the columnar engine) into cell ``key`` (see ``cell_key``)."""
        b = self.cells.get(key)
        if b is None:
            if len(self.cells) >= MAX_CELLS:
                self.flush()
            self.cells[key] = bucket
        else:
            b.merge(bucket)

    def flush(self):
        """Roll the cells up into ``overall`` and ``groups``."""
        unit = self.time_unit
        labels = {}
        where = (("queue", 1), ("category", 2), ("region", 3), ("channel", 4), ("service", 5))
        for key in self.cells:
            b = self.cells[key]
            self.overall.merge(b)
            for d in self.dimensions:
                k = None
                for name, i in where:
                    if name == d:
                        k = key[i]
                if k is None:
                    lk = (d, key[0])
                    k = labels.get(lk)
                    if k is None:
                        k = labels[lk] = self._time_key(d, key[0] * unit)
                g = self.groups[d]
                gb = g.get(k)
                if gb is None:
                    gb = g[k] = Bucket()
                gb.merge(b)
        self.cells = {}

    def report(self):
        """Ordered dict: parameters, ``overall`` and ``by_<dimension>`` (keys sorted)."""
        self.flush()
        out = OrderedDict()
        p = OrderedDict()
        p["answer_within_s"] = self.answer_within
        p["short_abandon_s"] = self.short_abandon
        p["interval_s"] = self.interval
        p["tz_offset_s"] = self.tz_offset
        p["wrapup_s"] = self.wrapup
        out["parameters"] = p
        out["overall"] = self.overall.figures(self.wrapup)
        for d in self.dimensions:
            g = self.groups[d]
            by = OrderedDict()
            for k in sorted(g):
                by[str(k)] = g[k].figures(self.wrapup)
            out["by_" + d] = by
        return out


def gbt33358(metrics, min_daily_rate=0.95):
    """GB/T 33358-2016 (政府热线服务规范) hotline targets checked on a ``Metrics`` with a ``day`` dimension.

    * calls answered within 15 s: every answered call (share and violations reported);
    * connection rate (接通率) >= 95 % in each calendar day (the standard says any 24 hours;
      calendar days in local time are used here);
    * SMS and other media answered within 3 minutes.

    A check with nothing to check (no answered call, no day with an offered call, no
    reply) has ``"pass": None``; ``"pass"`` overall is None when every check is, and
    ``"status"`` says ``"pass"``, ``"fail"`` or ``"no data"``.
    """
    if "day" not in metrics.dimensions:
        raise ValidationError("needs the day dimension", field="dimensions", expected="'day' in dimensions")
    metrics.flush()
    c = metrics.overall.c
    answered = c[_I["answered"]] + c[_I["transferred"]]
    within = c[_I["answered_within_15"]]
    out = OrderedDict()
    a = OrderedDict()
    a["target"] = "answered within 15 s"
    a["answered"] = answered
    a["within"] = within
    a["share"] = _ratio(within, answered)
    a["violations"] = answered - within
    a["pass"] = (answered == within) if answered else None
    out["answer_within_15s"] = a
    d = OrderedDict()
    d["target"] = "connection rate >= " + str(min_daily_rate) + " every day"
    failing = []
    lowest = None
    days = metrics.groups["day"]
    for k in sorted(days):
        b = days[k].c
        if not b[1]:
            continue
        rate = (b[_I["answered"]] + b[_I["transferred"]]) / b[1]
        if lowest is None or rate < lowest:
            lowest = rate
        if rate < min_daily_rate:
            failing.append(k)
    d["days"] = len(days)
    d["lowest_rate"] = lowest
    d["failing_days"] = failing
    d["pass"] = (not failing) if lowest is not None else None
    out["daily_connection_rate"] = d
    s = OrderedDict()
    s["target"] = "SMS / other media answered within 180 s"
    s["responses"] = c[_I["responses"]]
    s["within"] = c[_I["responses_within_180"]]
    s["share"] = _ratio(s["within"], s["responses"])
    s["pass"] = (s["responses"] == s["within"]) if s["responses"] else None
    out["media_response_3min"] = s
    checked = [x["pass"] for x in (a, d, s) if x["pass"] is not None]
    out["pass"] = (False not in checked) if checked else None
    out["status"] = "no data" if out["pass"] is None else ("pass" if out["pass"] else "fail")
    return out
