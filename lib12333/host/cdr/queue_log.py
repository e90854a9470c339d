"""
Asterisk ``queue_log`` importer: one ``ServiceRecord`` per queued call.

Line format (main/logger.c): ``epoch|callid|queue|agent|EVENT|data1|data2|...``.
A call is ``ENTERQUEUE`` -> (``RINGNOANSWER`` / ``RINGCANCELED``)* -> either
``CONNECT`` -> ``COMPLETECALLER`` / ``COMPLETEAGENT`` / ``BLINDTRANSFER`` /
``ATTENDEDTRANSFER`` (Asterisk 12+) / ``TRANSFER`` (before 12), or one of
``ABANDON`` / ``EXITWITHTIMEOUT`` / ``EXITWITHKEY`` / ``EXITEMPTY`` / ``WITHDRAW``.
Agent and system events (``ADDMEMBER``, ``PAUSE``, ``AGENTLOGIN``, ``QUEUESTART``...)
are counted in ``report.events`` and produce no record.

Only calls in progress are kept in memory.  A call whose ENTERQUEUE was before
the start of the file is rebuilt from the wait and talk times its later events
carry (``notes['orphan_events']``); a call still open at the end of the input, or
older than ``max_open_s`` behind the newest line, is emitted with outcome
``unknown`` (or ``answered`` without an end if it was connected) and counted in
``notes['incomplete_calls']``.
"""

from lib12333.errors import ValidationError
from lib12333.host.cdr import FileImporter, QueueMap, clip, mask_caller, read_lines
from lib12333.records import ServiceRecord

_TERMINAL = {
    "ABANDON": ("abandoned", 2),  # position|origposition|waittime -> index of waittime
    "EXITWITHTIMEOUT": ("timeout", 2),
    "EXITEMPTY": ("exit_empty", 2),
    "EXITWITHKEY": ("exit_key", 3),  # key|position|origposition|waittime
    "WITHDRAW": ("withdrawn", 2),
}
_COMPLETE = {
    "COMPLETECALLER": ("answered", 0, 1),  # holdtime|calltime|origposition
    "COMPLETEAGENT": ("answered", 0, 1),
    "TRANSFER": ("transferred", 2, 3),  # exten|context|holdtime|calltime|origposition
    "BLINDTRANSFER": ("transferred", 2, 3),
    "ATTENDEDTRANSFER": ("transferred", 2, 3),  # method|method-data|holdtime|calltime|origposition
}
KNOWN_OTHER = (
    "RINGNOANSWER", "RINGCANCELED", "AGENTDUMP", "SYSCOMPAT", "ADDMEMBER", "REMOVEMEMBER", "PAUSE",
    "UNPAUSE", "PAUSEALL", "UNPAUSEALL", "AGENTLOGIN", "AGENTLOGOFF", "AGENTCALLBACKLOGIN",
    "AGENTCALLBACKLOGOFF", "PENALTY", "RINGINUSE", "OUTCALL", "QUEUESTART", "CONFIGRELOAD", "INFO",
)


def _int(fields, i):
    """Integer data field ``i`` (0-based after EVENT), or None when absent/blank; ValueError when not a number."""
    j = 5 + i
    if j >= len(fields) or fields[j] == "":
        return None
    text = fields[j]
    if not text.isdecimal():  # isdigit() takes '²', which int() refuses
        raise ValueError("data" + str(i + 1) + " is not a non-negative integer")
    return int(text)


class QueueLogImporter(FileImporter):
    """Iterate over the records of one or more queue_log files (``path`` may be a list)."""

    def __init__(self, path, queue_map=None, max_open_s=86400, max_listed=1000, expire_every=65536):
        FileImporter.__init__(self, path, max_listed)
        self.queue_map = queue_map or QueueMap()
        self.max_open_s = max_open_s
        self.expire_every = expire_every
        self.open = {}  # callid -> [arrival, queue, caller, answer, agent]
        self._newest = 0
        self._queues = {}  # raw queue name -> its checked record fields

    def __iter__(self):
        for f in self.files():
            for rec in self.feed(f):
                yield rec
        for rec in self.finish():
            yield rec

    def feed(self, stream):
        """Records from one binary stream (state carries over to the next stream)."""
        return self.feed_lines(read_lines(stream, self.report))

    def feed_lines(self, lines):
        """Records from ``(line number, text)`` pairs (the columnar engine feeds the calls it leaves to us)."""
        report = self.report
        events = report.events
        check_every = 0
        for line_no, line in lines:
            if not line:
                report.bad(line_no, "empty line")
                continue
            fields = line.split("|")
            if len(fields) < 5:
                report.bad(line_no, "fewer than 5 '|'-separated fields")
                continue
            ts_text = fields[0]
            if not ts_text.isdecimal() or len(ts_text) > 10:
                report.bad(line_no, "time stamp is not an integer epoch")
                continue
            ts = int(ts_text)
            if ts > 0xFFFFFFFE:
                report.bad(line_no, "time stamp after 2106")
                continue
            if ts > self._newest:
                self._newest = ts
            event = fields[4]
            events[event] = events.get(event, 0) + 1
            try:
                rec = self._event(ts, fields, event)
            except ValueError as exc:
                report.bad(line_no, event[:30] + ": " + str(exc))
                continue
            except ValidationError as exc:
                report.bad(line_no, event[:30] + ": inconsistent times (" + str(exc) + ")")
                continue
            if rec is not None:
                report.records += 1
                yield rec
            check_every += 1
            if check_every >= self.expire_every:
                check_every = 0
                for rec in self._expire(self._newest - self.max_open_s):
                    yield rec

    def _event(self, ts, fields, event):
        callid = fields[1]
        queue = fields[2]
        if event == "ENTERQUEUE":
            caller = fields[6] if len(fields) > 6 else ""
            previous = self.open.pop(callid, None)
            self.open[callid] = [ts, queue, mask_caller(caller), None, ""]
            if previous is not None:
                self.report.note("incomplete_calls")
                return self._record(callid, previous, None, "answered" if previous[3] is not None else "unknown")
            return None
        if event == "CONNECT":
            hold = _int(fields, 0)
            if hold is None:
                raise ValueError("missing holdtime")
            state = self.open.get(callid)
            if state is None:
                self.report.note("orphan_events")
                state = self.open[callid] = [max(0, ts - hold), queue, "", None, ""]
            state[3] = max(ts, state[0])
            state[4] = fields[3]
            return None
        spec = _COMPLETE.get(event)
        if spec is not None:
            outcome, hold_i, call_i = spec
            hold = _int(fields, hold_i)
            talk = _int(fields, call_i)
            if hold is None or talk is None:
                raise ValueError("missing holdtime or calltime")
            state = self.open.pop(callid, None)
            if state is None:
                self.report.note("orphan_events")
                answer = max(0, ts - talk)
                state = [max(0, answer - hold), queue, "", answer, fields[3]]
            elif state[3] is None:  # never saw CONNECT
                self.report.note("missing_connect")
                state[3] = max(state[0], ts - talk)
                state[4] = fields[3]
            return self._record(callid, state, ts, outcome)
        spec = _TERMINAL.get(event)
        if spec is not None:
            outcome, wait_i = spec
            wait = _int(fields, wait_i)
            state = self.open.pop(callid, None)
            if state is None:
                self.report.note("orphan_events")
                if wait is None:
                    wait = 0
                    self.report.note("orphan_without_wait")
                state = [max(0, ts - wait), queue, "", None, ""]
            if state[3] is not None:
                # connected, then left the queue record (rare): keep it answered
                return self._record(callid, state, ts, "answered")
            return self._record(callid, state, ts, outcome)
        if event not in KNOWN_OTHER:
            self.report.note("unknown_events")
        return None

    def _record(self, callid, state, end, outcome):
        arrival, queue, caller, answer, agent = state
        if end is not None and end < (answer if answer is not None else arrival):
            end = answer if answer is not None else arrival
            self.report.note("clock_adjusted")
        known = self._queues.get(queue)
        if known is None:
            known = self._queue_fields(queue)
        service, region, category, queue = known
        # every field is built here: clipped text, masked caller, times in order (end adjusted above,
        # answer >= arrival where state is kept); the queue's fields were checked once
        return ServiceRecord.trusted("call", service, region, category, queue, arrival, answer, end, outcome,
                                     clip(agent) if agent != "NONE" else "", caller, clip(callid))

    def _queue_fields(self, queue):
        """(service, region, category, clipped name) of a queue, checked by building a record once."""
        service, region, category = self.queue_map.get(queue)
        name = clip(queue)
        ServiceRecord(service=service, region=region, category=category, queue=name)  # ValidationError if bad
        known = self._queues[queue] = (service, region, category, name)
        return known

    def _expire(self, cutoff):
        stale = [cid for cid, st in self.open.items() if st[0] < cutoff]
        for cid in stale:
            state = self.open.pop(cid)
            self.report.note("incomplete_calls")
            self.report.records += 1
            yield self._record(cid, state, None, "answered" if state[3] is not None else "unknown")

    def finish(self):
        """Emit the calls still open (end of input)."""
        for rec in self._expire(1 << 62):
            yield rec
