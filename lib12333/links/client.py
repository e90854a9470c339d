"""
The sans-IO client of an operator SMS link (CMPP, SMPP...): messages in, bytes
out; bytes in, events out.  It owns no socket, thread or clock; the caller
(``lib12333.host.links.transport`` on a PC, a test feeding bytes) does::

    link = Link(SmppDialect("sp", "secret"), now)
    loop:
        if link.wants_connection(now): open TCP; link.connected(now, wall)   # or link.connect_failed(now)
        sock.send(link.data_to_send())
        link.receive(sock.recv(...), now)         # b"" / error: link.connection_lost(now)
        link.poll(now)
        for ev in link.events(): ...
        if link.wants_close(): close the socket; link.connection_lost(now)
        wait until input or link.next_deadline()

Flow control: at most ``window`` requests wait for their response; at most
``rate`` submits per second leave (a token bucket, as operators count them);
a response that does not come within ``response_timeout`` is a fault (CMPP:
the same PDU is sent again with the same sequence up to ``resends`` times, as
its specification asks; then, and for SMPP at once, the connection is dropped).
A dropped connection is reconnected after a back-off that doubles from
``backoff`` to ``backoff_max`` and resets once bound.

Exactly once: a deliver is acknowledged only when the application calls
``confirm(token)`` after committing it.  A submit whose response was lost with
the connection is *ambiguous*: the operator may have taken it.  It is sent again
on the next connection (an ``ambiguous`` event says so), so nothing is lost; the
citizen may then get it twice -- no protocol here has a submit idempotency key
(``dialects`` says what each allows).  Every message ends in ``submitted`` or
``submit-failed`` (never later than its ``deadline``).

Delivered text in GB format (CMPP/SMGP/SGIP format 15) becomes ``message.text``
through ``gb_decode`` (bytes -> str): the core has no GB codec, so the caller
gives one (on CPython ``lambda b: b.decode("gb18030", "replace")``, on the
kiosk ``card.gbk.GbkTable``'s ``decode``); without it such text is read as ASCII.

Events (``Event.kind`` and its attributes):

    bound           --                                the link is usable
    bind-failed     code, text                        will retry after the back-off
    down            reason, ambiguous [ids]           the connection is gone
    submitted       id, message_ids [per part]        every part accepted
    submit-failed   id, error, code, ambiguous        refused for good, or past its deadline (ambiguous:
                                                      a part was in the window, the operator may have it)
    ambiguous       id                                in the window when the connection dropped; sent again
    throttled       code, text                        the operator asked us to slow down
    deliver         token, message (sms.pdu.Message), recipient   then confirm(token) after commit
    report          token, id, part, message_id, stat, delivered, err   id None when not ours
    bad-pdu         error                             undecodable PDU (the connection is dropped when the stream is)
    unbound         --                                the peer ended the session
"""

from lib12333.compat import const
from lib12333.errors import DeadlineError, DecodeError, DeviceError, ValidationError
from lib12333.links import content
from lib12333.links.flow import Backoff, Rate
from lib12333.links.inbound import Inbound, on_request, read_pdus
from lib12333.modem.engine import Event

DOWN, CONNECTING, BINDING, BOUND, UNBINDING = "down", "connecting", "binding", "bound", "unbinding"
RECENT = const(512)  # message ids / deliver keys remembered
RESP = const(0x80000000)  # the response bit of the command id, the same in all four protocols


class Link:
    def __init__(self, dialect, now=0.0, window=16, rate=None, response_timeout=10.0, keepalive=30.0,
                 backoff=1.0, backoff_max=60.0, resends=2, throttle_pause=1.0, reassembly_timeout=600,
                 gb_decode=None):
        if window < 1:
            raise ValidationError("window must be at least 1", field="window", expected=">= 1")
        self.d = dialect
        self.now = now
        self.gb_decode = gb_decode
        self.window = window
        self.rate = rate
        self.response_timeout = response_timeout
        self.keepalive_interval = keepalive
        self.backoff = Backoff(backoff, backoff_max)
        self.resends = resends
        self.throttle_pause = throttle_pause
        self.state = DOWN
        self.out = bytearray()
        self._events = []
        self._framer = None
        self._seq = 0
        self._inflight = {}  # seq -> [kind, deadline, pdu bytes, resends, msg id or None, part index]
        self._queue = []  # message ids with parts still to send, in order
        self._msgs = {}  # id -> message dict
        self._ids = 0
        self._deadlines = 0  # messages with a deadline (poll skips the scan when none)
        self._refs = 0
        self._reconnect_at = now
        self._close = False
        self._tokens = 0
        self.rate_limit = Rate(rate, now)
        self._paused_until = 0.0
        self._last_rx = now
        self._last_tx = now
        self._ours = {}  # operator message id -> (id, part)
        self._ours_order = []
        self.inbound = Inbound(self, reassembly_timeout)
        self.stats = {"submitted": 0, "failed": 0, "ambiguous": 0, "delivers": 0, "reports": 0, "throttled": 0,
                      "timeouts": 0, "connections": 0, "duplicates": 0}

    # ---- the transport's side ---------------------------------------------------

    def wants_connection(self, now):
        return self.state == DOWN and now >= self._reconnect_at and not self._close

    def connected(self, now, wall=(1, 1, 0, 0, 0)):
        """The TCP connection is up; ``wall`` is (month, day, hour, minute, second), for CMPP's time stamp."""
        self.now = now
        self.state = BINDING
        self._framer = self.d.framer()
        self._close = False
        self._last_rx = self._last_tx = now
        self.stats["connections"] += 1
        self._request("bind", self.d.bind(self._next_seq(), wall))

    def connect_failed(self, now):
        self._schedule_reconnect(now)

    def connection_lost(self, now, reason="connection closed"):
        """The socket is gone: what was in the window becomes ambiguous and is queued again."""
        self.now = now
        if self.state == DOWN:
            return
        ambiguous = []
        for seq in sorted(self._inflight, key=lambda q: (self._inflight[q][4] or 0, q)):
            entry = self._inflight[seq]
            if entry[0] == "submit" and entry[4] in self._msgs:
                msg = self._msgs[entry[4]]
                msg["sent"][entry[5]] = False
                if entry[4] not in ambiguous:
                    ambiguous.append(entry[4])
        self._inflight = {}
        for mid in ambiguous:
            self.stats["ambiguous"] += 1
            self._emit("ambiguous", id=mid)
        # sent again first, in their original order
        self._queue = ambiguous + [mid for mid in self._queue if mid not in ambiguous]
        self.inbound.reset()
        self.out = bytearray()
        self.state = DOWN
        self._close = False
        self._emit("down", reason=reason, ambiguous=ambiguous)
        self._schedule_reconnect(now)

    def wants_close(self):
        return self._close

    def data_to_send(self):
        data = bytes(self.out)
        self.out = bytearray()
        if data:
            self._last_tx = self.now
        return data

    def events(self):
        evs = self._events
        self._events = []
        return evs

    def receive(self, data, now):
        self.now = now
        if self._framer is None or self.state == DOWN:
            return
        self._last_rx = now
        for pdu, raw in read_pdus(self, data):
            if pdu is not None:
                self._on_pdu(pdu)
                continue
            nack = self.d.nack(int.from_bytes(raw[8:12], "big") if len(raw) >= 12 else 0)
            if nack is not None:
                self._send(nack)
        self._pump()

    def poll(self, now):
        self.now = now
        for seq in sorted(self._inflight):
            entry = self._inflight.get(seq)
            if entry is None or now < entry[1]:
                continue
            self.stats["timeouts"] += 1
            if entry[0] == "submit" and self.d.SAFE_RESEND == "same-seq" and entry[3] < self.resends:
                entry[3] += 1
                entry[1] = now + self.response_timeout
                self.out += entry[2]
                continue
            self._close = True  # the peer is not answering: start again on a new connection
            break
        if self.state == BOUND and self.keepalive_interval and self.d.keepalive_command is not None \
                and not self._has("keepalive") and now - max(self._last_rx, self._last_tx) >= self.keepalive_interval:
            self._request("keepalive", self.d.keepalive(self._next_seq()))
        self._expire_messages(now)
        self.inbound.expire(now)
        self._pump()

    def next_deadline(self):
        times = [e[1] for e in self._inflight.values()]
        if self.state == DOWN:
            times.append(self._reconnect_at)
        if self.state == BOUND:
            if self.keepalive_interval and self.d.keepalive_command is not None:
                times.append(max(self._last_rx, self._last_tx) + self.keepalive_interval)
            if self._queue:
                times.append(max(self._paused_until, self.rate_limit.ready_at(self.now)))
        for m in self._msgs.values():
            if m["deadline"] is not None:
                times.append(m["deadline"])
        best = None
        for t in times:
            if t is not None and (best is None or t < best):
                best = t
        return best

    # ---- the application's side -------------------------------------------------

    def submit(self, to, text=None, data=None, port=None, report=True, deadline=None):
        """Queue a message; returns its id (in ``submitted`` / ``submit-failed`` / ``report`` events).
        ValidationError for a bad number or content, before anything is queued; a message the
        protocol's fields cannot carry (the link's own options too long) ends in ``submit-failed``."""
        if not isinstance(to, str) or not to.lstrip("+").isdigit() or len(to.lstrip("+")) > 21:
            raise ValidationError("not a phone number", field="to", expected="digits, optional leading +")
        self._refs = (self._refs + 1) & 0xFF
        msg_parts = content.parts(text=text, data=data, port=port, ref=self._refs)
        self._ids += 1
        mid = self._ids
        self._msgs[mid] = {"id": mid, "to": to, "parts": msg_parts, "report": report, "deadline": deadline,
                           "sent": [False] * len(msg_parts), "done": [False] * len(msg_parts),
                           "ids": [None] * len(msg_parts)}
        if deadline is not None:
            self._deadlines += 1
        self._queue.append(mid)
        self._pump()
        return mid

    def confirm(self, token, ok=True):
        """The deliver (or report) of ``token`` is committed: acknowledge it to the operator."""
        self.inbound.confirm(token, ok)
        self._pump()

    def unbind(self):
        if self.state == BOUND:
            self.state = UNBINDING
            self._request("unbind", self.d.unbind(self._next_seq()))

    def pending(self):
        """Messages not yet settled (submitted or failed)."""
        return len(self._msgs)

    # ---- internals ----------------------------------------------------------------

    def _emit(self, kind, **fields):
        self._events.append(Event(kind, **fields))

    def _next_seq(self):
        self._seq = self._seq + 1 if self._seq < 0x7FFFFFFF else 1
        return self._seq

    def _send(self, pdu):
        self.out += self.d.encode(pdu)

    def _request(self, kind, pdu, msg_id=None, part=None):
        raw = self.d.encode(pdu)
        self._inflight[pdu.seq] = [kind, self.now + self.response_timeout, raw, 0, msg_id, part]
        self.out += raw

    def _has(self, kind):
        for e in self._inflight.values():
            if e[0] == kind:
                return True
        return False

    def _schedule_reconnect(self, now):
        self._reconnect_at = now + self.backoff.next_delay()

    def _pump(self):
        """Send queued parts while the window, the rate and the pause allow."""
        if self.state != BOUND or self.now < self._paused_until or self._close:
            return  # (a connection about to be closed takes nothing more: it would only become ambiguous)
        while self._queue and len(self._inflight) < self.window:
            mid = self._queue[0]
            msg = self._msgs.get(mid)
            if msg is None:
                self._queue.pop(0)
                continue
            idx = self._next_part(msg)
            if idx is None:
                self._queue.pop(0)  # every part is in the window; it settles from the responses
                continue
            if not self.rate_limit.take(self.now):
                return
            part = msg["parts"][idx]
            try:
                self._request("submit", self.d.submit(self._next_seq(), msg["to"], part, msg["report"]), mid, idx)
            except ValidationError as exc:
                # the dialect cannot put it in a PDU (e.g. a service code longer than the field): it never
                # will, so it fails now instead of staying queued and raising out of receive() or poll()
                self._fail(mid, exc, None)
                continue
            msg["sent"][idx] = True

    def _next_part(self, msg):
        for i in range(len(msg["parts"])):
            if not msg["sent"][i]:
                return i
        return None

    def _expire_messages(self, now):
        if not self._deadlines:
            return
        for mid in sorted(self._msgs):
            msg = self._msgs[mid]
            if msg["deadline"] is not None and now >= msg["deadline"]:
                # A part still in the window may have been taken: say so (the caller's retry may duplicate it).
                taken = True in msg["done"] or self._in_window(mid)
                self._fail(mid, DeadlineError("message not accepted by the operator before its deadline"
                                              + ("; a part may have been taken" if taken else "")), None, taken)

    def _in_window(self, mid):
        for e in self._inflight.values():
            if e[4] == mid:
                return True
        return False

    def _fail(self, mid, error, code, ambiguous=False):
        msg = self._msgs.pop(mid, None)
        if msg is not None and msg["deadline"] is not None:
            self._deadlines -= 1
        if mid in self._queue:
            self._queue.remove(mid)
        for seq in list(self._inflight):
            if self._inflight[seq][4] == mid:
                self._inflight[seq][4] = None  # a late response is dropped
        self.stats["failed"] += 1
        self._emit("submit-failed", id=mid, error=error, code=code, ambiguous=ambiguous)

    def _remember(self, table, order, key, value):
        table[key] = value
        order.append(key)
        if len(order) > RECENT:
            table.pop(order.pop(0), None)

    def _on_pdu(self, pdu):
        if self.d.is_response(pdu):
            entry = self._inflight.get(pdu.seq)
            if entry is None:
                return  # a late answer to something already settled
            asked = int.from_bytes(entry[2][4:8], "big")
            if pdu.command != asked | RESP and pdu.command != self.d.nack_command:
                # The peer answered our sequence with another command's response: it proves nothing
                # about the request (a keep-alive response must not settle a submit); the request
                # stays in the window and its timeout decides.
                self._emit("bad-pdu", error=DecodeError(
                    "response 0x%08X to request 0x%08X" % (pdu.command, asked), field="command",
                    position=4, expected="0x%08X" % (asked | RESP)))
                return
            del self._inflight[pdu.seq]
            getattr(self, "_on_" + entry[0])(pdu, entry)
            return
        on_request(self, pdu)

    def _on_bind(self, pdu, entry):
        code, text = self.d.bind_result(pdu)
        if code == 0:
            self.state = BOUND
            self.backoff.reset()
            self._emit("bound")
            for mid in sorted(self._msgs):
                if mid not in self._queue:
                    self._queue.append(mid)
            return
        self._emit("bind-failed", code=code, text=text)
        self._close = True

    def _on_keepalive(self, pdu, entry):
        pass

    def _on_unbind(self, pdu, entry):
        self._close = True

    def _on_submit(self, pdu, entry):
        mid, idx = entry[4], entry[5]
        msg = self._msgs.get(mid)
        if msg is None:
            return
        code, message_id, action = self.d.submit_result(pdu)
        if action is None or action == "duplicate":
            # "duplicate" (CMPP result 3) answers a resend of a PDU the gateway had already taken
            msg["done"][idx] = True
            if message_id and action is None:
                msg["ids"][idx] = message_id
                self._remember(self._ours, self._ours_order, message_id, (mid, idx))
            if False not in msg["done"]:
                self._msgs.pop(mid, None)
                if msg["deadline"] is not None:
                    self._deadlines -= 1
                self.stats["submitted"] += 1
                self._emit("submitted", id=mid, message_ids=list(msg["ids"]))
            return
        if action == "bind":
            # the session, not the message, is refused (SMPP ESME_RINVBNDSTS, SMGP "account expired"...):
            # the operator did not take it; bind again and send it then
            msg["sent"][idx] = False
            if mid not in self._queue:
                self._queue.insert(0, mid)
            self._emit("bind-failed", code=code, text=self.d.code_text(code))
            self._close = True
            return
        if action in ("throttle", "retry"):
            if action == "throttle":
                self.stats["throttled"] += 1
                self._emit("throttled", code=code, text=self.d.code_text(code))
            self._paused_until = self.now + self.throttle_pause
            msg["sent"][idx] = False
            if mid not in self._queue:
                self._queue.insert(0, mid)
            return
        self._fail(mid, DeviceError(self.d.code_text(code), code=code), code)
