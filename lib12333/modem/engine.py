"""
The sans-IO AT modem engine: commands in, bytes out; bytes in, events out.

It owns no port, thread or clock.  The caller (a pyserial loop on a PC, a
``machine.UART`` loop on a kiosk, or a test feeding scripted bytes) does::

    eng = Engine(now=clock())
    eng.start(now)                      # queue the init sequence
    while True:
        port.write(eng.data_to_send())
        eng.receive(port.read(...), clock())
        eng.poll(clock())               # deadlines and timers
        for ev in eng.events():
            ...                         # ev.kind: events.READY, events.MESSAGE, ...
        wait until data arrives or eng.next_deadline()

Operations (init, info, send, read, delete, scan, ack) are generators in
``ops.py``, registered there by name with a queue priority (``ops.OPERATIONS``).
Each yields ``Command`` objects (or ``Sleep``) and receives a ``Response``; it
sees the engine only through an ``operation.Context``.  One runs at a time,
strictly in order, so a response can never be paired with the wrong command.
Unsolicited results are routed here whenever they arrive, also between the
lines of a command's answer.

Events: ``events.py`` lists every kind with its attributes (``ev.kind`` is one of
its constants; the attributes are also in ``ev.fields``).
"""

from lib12333.compat import const
from lib12333.errors import DeadlineError, DeviceError, Lib12333Error, LocalProtocolError
from lib12333.modem import at, events, ops

# Event, Command, Sleep, Response and pdu_warnings_text are importable from here as before.
from lib12333.modem.events import Event, pdu_warnings_text  # noqa: F401
from lib12333.modem.operation import FIRST, Command, Context, Op, Response, Sleep  # noqa: F401

MAX_EVENTS = const(256)
RECENT_KEYS = const(64)
# +CMTI reads queued or running at once.  A storm of notifications (a faulty module, a flood of
# messages) beyond this becomes one storage scan (AT+CMGL=4), which lists every stored message:
# nothing is lost, the queue and the work per notification stay bounded.
MAX_PENDING_READS = const(32)
QUIET = 0.5  # seconds without commands after a timeout or restart: late answers are dropped


class Engine:
    """See the module docstring.  Options: ``profile`` (``profiles.Profile``; None =
    detect from AT+CGMM), ``smsc`` (number written with AT+CSCA when the SIM has
    none), ``direct`` (receive with +CMT instead of stored +CMTI), ``send_deadline``
    (seconds from ``send_sms`` to a final result), ``send_retries`` (attempts per
    part on a retryable error), ``scan_interval`` (seconds between storage scans
    that catch messages whose +CMTI was lost; None = never), ``command_timeout``
    / ``prompt_timeout`` / ``send_timeout`` (seconds for an ordinary command, for
    the ``>`` prompt, and for ``+CMGS`` after the PDU; None = the profile's),
    ``ref_start`` (first concatenation reference; see ``send_sms``)."""

    def __init__(self, now=0.0, profile=None, smsc=None, direct=False, send_deadline=180.0,
                 send_retries=3, scan_interval=300.0, reassembly_timeout=3600, init_retry=5.0,
                 command_timeout=5.0, prompt_timeout=10.0, send_timeout=None, ref_start=0):
        from lib12333.sms.reassembly import Reassembler

        self.now = now
        # what the operations see: the settings they use and the modem state they keep
        self._ctx = Context(self, profile, smsc, direct, init_retry, command_timeout, prompt_timeout, send_timeout,
                           send_retries)
        self.send_deadline = send_deadline
        self.scan_interval = scan_interval
        self.ref_start = ref_start  # first concatenation reference of send_sms's counter
        self.parser = at.AtParser()
        self.out = bytearray()
        self._events = []
        self.registration = {}
        self._ops = []  # queued operation.Op entries, in the order they run
        self._op = None  # the running Op
        self._cmd = None  # command in flight
        self._lines = []
        self._stage = None  # "prompt" or "final"
        self._deadline = None
        self._wake = None
        self._next_scan = None if scan_interval is None else now + scan_interval
        self._ids = 0
        self._tokens = {}  # token -> list of (mem, index)
        self._known = {}  # (mem, index) -> True while read / awaiting confirm / deleting
        self._sets = {}  # reassembly set key -> list of (mem, index)
        self._part_keys = {}  # reassembly set key -> part_key of each part held (remembered on completion)
        self._recent = []  # keys of parts already delivered
        self._mr = []  # [(mr, id, seq)] of sent parts awaiting reports
        self.reassembler = Reassembler(timeout=reassembly_timeout)
        self._refs = None
        self._reads = 0  # "read" operations queued or running (at most MAX_PENDING_READS)
        self._scan_queued = False  # a scan is queued and has not started yet
        self._running = False
        self._held = None
        self._quiet = 0.0

    # ---- public API -------------------------------------------------------

    @property
    def ready(self):
        """True once init finished, until the module restarts."""
        return self._ctx.ready

    @property
    def profile(self):
        """The module's ``profiles.Profile`` (detected by init when not given)."""
        return self._ctx.profile

    def start(self, now=None):
        """Queue the init sequence (also done automatically after a reboot)."""
        if now is not None:
            self.now = now
        self._queue("init", ())
        self._advance()

    def run(self, name, *args):
        """Queue the operation registered as ``name`` in ``ops.OPERATIONS`` with ``args``
        (``LocalProtocolError`` for a name nobody registered)."""
        self._queue(name, args)
        self._advance()

    def data_to_send(self):
        data = bytes(self.out)
        self.out = bytearray()
        return data

    def events(self):
        evs = self._events
        self._events = []
        return evs

    def receive(self, data, now):
        """Bytes from the modem.  Never raises for bad bytes: noise becomes events."""
        self.now = now
        for kind, text, extra in self.parser.feed(data):
            if kind == at.PROMPT:
                self._on_prompt()
            elif kind == at.URC2:
                self._urc2(text, extra)
            elif kind == at.LINE:
                self._on_line(text)
        self._advance()

    def poll(self, now):
        """Expire deadlines and timers; call whenever ``next_deadline()`` passes."""
        self.now = now
        if self._cmd is not None and self._deadline is not None and now >= self._deadline:
            cmd = self._cmd
            if self._stage == "prompt":
                self.out.extend(b"\x1b")  # leave PDU entry
            self._emit(events.DEADLINE, command=cmd.text, op=self._op.name)
            self._quiet = now + QUIET
            self._finish(Response(False, self._lines, None,
                                  DeadlineError(cmd.text.split("=")[0] + ": no final result within "
                                                + str(cmd.timeout) + " s")))
        keep = []
        for op in self._ops:
            if op.deadline is not None and now >= op.deadline:
                op.on_expire(op)
            else:
                keep.append(op)
        self._ops = keep
        if self._next_scan is not None and now >= self._next_scan:
            self._next_scan = now + self.scan_interval
            if self._ctx.ready and not self._has("scan"):
                self.scan()
        self.reassembler.expire(now)  # what it drops is also in take_evicted(): handle it once
        for ev in self.reassembler.take_evicted():
            self._evicted(ev)
        self._advance()

    def next_deadline(self):
        """Earliest time at which ``poll`` has something to do (None: only on input)."""
        times = [self._deadline, self._next_scan]
        if self._cmd is None:
            times.append(self._wake)
        for op in self._ops:
            times.append(op.deadline)
        best = None
        for t in times:
            if t is not None and (best is None or t < best):
                best = t
        return best

    def idle(self):
        return self._op is None and not self._ops

    def send_sms(self, number, text=None, report=True, data=None, port=None, ref=None):
        """Queue a message; returns its id (in ``sent`` / ``send-failed`` /
        ``report`` events).  Give ``text``, or ``data`` (8-bit bytes) with an
        optional application ``port`` (the destination port; the source port is
        the same number), as the kiosk frames use.  ``ref`` is the concatenation
        reference (0-255) of a long message; by default a per-number counter that
        starts at the engine's ``ref_start``.  A counter in RAM starts again after a
        restart, so a caller that restarts often passes a reference derived from
        something it keeps (the kiosk: its frame sequence number) or seeds
        ``ref_start`` differently on each start.  Raises ``ValidationError`` for
        text, data or number that cannot be encoded, before anything is queued."""
        from lib12333.sms.encode import RefCounter, encode_submit

        if ref is None:
            if self._refs is None:
                self._refs = RefCounter(self.ref_start)
            ref = self._refs.next(number)
        ports = None if port is None else (port, port)
        parts = encode_submit(number, text=text, data=data, ports=ports, srr=report, ref=ref)
        self._ids += 1
        sid = self._ids
        deadline = self.now + self.send_deadline
        self._queue("send", (sid, parts, deadline), deadline=deadline, on_expire=self._send_expired, ident=sid)
        self._advance()
        return sid

    def query_info(self):
        """Queue the identity / signal / registration / storage queries (``INFO`` event)."""
        self.run("info")

    def scan(self):
        """Queue a scan of the SMS storage (``AT+CMGL=4``) for messages not yet seen.

        A scan already queued (not started) covers this request too: only one is queued."""
        if self._scan_queued:
            return
        self._scan_queued = True
        self.run("scan")

    def _read_later(self, mem, index):
        """Queue a read of one stored message, or a storage scan when too many reads wait."""
        loc = (mem, index)
        if self._reads >= MAX_PENDING_READS:
            self._known.pop(loc, None)  # the scan will find it
            self.scan()
            return
        self._known[loc] = True
        self._queue("read", (mem, index))

    def confirm(self, token):
        """The application has stored the message of ``token``: delete it from the
        modem.  Unknown or already-confirmed tokens are ignored (idempotent)."""
        locs = self._tokens.pop(token, None)
        if not locs:
            return False
        for mem, index in locs:
            self._known[(mem, index)] = "delete"
            self._queue("delete", (mem, index))
        self._advance()
        return True

    # ---- plumbing behind operation.Context ----------------------------------

    def _emit(self, kind, **fields):
        if len(self._events) >= MAX_EVENTS and kind in events.DROPPABLE:
            return  # an URC storm must not eat the heap; state events are repeated later
        self._events.append(Event(kind, **fields))

    def _queue(self, name, args, deadline=None, on_expire=None, ident=None):
        """Queue operation ``name`` by its registered priority: FIRST before everything, others
        after the leading entries of the same or a more urgent priority."""
        entry = ops.OPERATIONS.get(name)
        if entry is None:
            raise LocalProtocolError("modem: no operation named " + repr(name) + " in ops.OPERATIONS")
        factory, priority = entry
        op = Op(name, factory(self._ctx, *args), priority, deadline, on_expire, ident)
        if name == "read":
            self._reads += 1  # until the read ends (_step); _read_later keeps it under MAX_PENDING_READS
        i = 0
        if priority != FIRST:
            while i < len(self._ops) and self._ops[i].priority <= priority:
                i += 1
        self._ops.insert(i, op)

    def _has(self, name):
        if self._op is not None and self._op.name == name:
            return True
        for op in self._ops:
            if op.name == name:
                return True
        return False

    def _send_expired(self, op):
        self._emit(events.SEND_FAILED, id=op.ident, error=DeadlineError("send: not started before its deadline"),
                   sent=[], failed_seq=1)

    def _advance(self, resp=None):
        """Run operations until one waits for the modem or a timer."""
        if self._running:
            return  # called from inside an operation; the outer loop continues
        self._running = True
        try:
            self._run(resp)
        finally:
            self._running = False

    def _run(self, resp):
        while self._cmd is None:
            if self._op is None:
                if not self._ops:
                    return
                self._op = self._ops.pop(0)
                if self._op.name == "scan" and self._op.parked is None:
                    self._scan_queued = False  # later notifications need a later scan
                item = self._op.parked
                self._op.parked = None
                if item is None:
                    item = self._step(None)
            else:
                if self._wake is not None:
                    if self.now < self._wake:
                        return
                    self._wake = None
                if self._held is not None:
                    item = self._held
                    self._held = None
                else:
                    item = self._step(resp)
            resp = None
            if item is None:
                continue
            if not self._ctx.ready and self._op.name != "init" and self._ops and self._ops[0].name == "init":
                # the module restarted: park this operation behind the init sequence
                self._op.parked = item
                self._ops.insert(1, self._op)
                self._op = None
                continue
            if isinstance(item, Sleep):
                self._wake = self.now + item.seconds
                continue
            if self.now < self._quiet:
                # after a timeout or restart, let late answers drain before the next command
                self._held = item
                self._wake = self._quiet
                continue
            self._start(item)

    def _step(self, resp):
        try:
            return self._op.gen.send(resp)
        except StopIteration:
            pass
        except Lib12333Error as exc:
            self._emit(events.OP_FAILED, op=self._op.name, error=exc)
        if self._op.name == "read":
            self._reads -= 1
        self._op = None
        return None

    def _start(self, cmd):
        if cmd.timeout is None:
            cmd.timeout = self._ctx.command_timeout
        if cmd.prompt_timeout is None:
            cmd.prompt_timeout = self._ctx.prompt_timeout
        self._cmd = cmd
        self._lines = []
        self.out.extend(cmd.text.encode())
        self.out.extend(b"\r")
        if cmd.data is not None:
            self._stage = "prompt"
            self.parser.expect_prompt = True
            self._deadline = self._cap(self.now + cmd.prompt_timeout)
        else:
            self._stage = "final"
            self._deadline = self._cap(self.now + cmd.timeout)

    def _cap(self, t):
        u = self._cmd.until
        return t if u is None or t < u else u

    def _finish(self, resp):
        self._cmd = None
        self._stage = None
        self._deadline = None
        self.parser.expect_prompt = False
        self._advance(resp)

    def _on_prompt(self):
        if self._cmd is None or self._stage != "prompt":
            return
        self.out.extend(self._cmd.data.encode())
        self.out.extend(b"\x1a")
        self._stage = "final"
        self._deadline = self._cap(self.now + self._cmd.timeout)

    def _on_line(self, line):
        cmd = self._cmd
        kind = at.classify(line)
        if cmd is not None:
            up = line.upper()
            if up == cmd.text.upper() or (cmd.data is not None and up == cmd.data.upper()):
                return  # echo
            if at.is_final(kind):
                if kind == at.OK:
                    self._finish(Response(True, self._lines, line))
                else:
                    from lib12333.modem.errors import device_error  # the tables load on the first error

                    self._finish(Response(False, self._lines, line, device_error(line, cmd.text)))
                return
            if cmd.prefix is not None and line.startswith(cmd.prefix):
                self._lines.append(line)
                return
            if kind is None:
                self._lines.append(line)
                return
        elif at.is_final(kind) or kind is None:
            if line.upper().startswith("AT"):
                return  # echo of a command that already timed out
            if kind is None or kind == at.ERROR:
                self._emit(events.UNKNOWN, line=line)
            return  # a late final result of a command that already timed out
        self._urc(kind, line)

    # ---- unsolicited results ----------------------------------------------

    def _urc(self, kind, line):

        prof = self._ctx.profile
        reboot = prof.is_reboot(line) if prof is not None else (line == "RDY" or line.startswith("*ATREADY"))
        if reboot:
            self._on_reboot(line)
            return
        try:
            if kind == "+CMTI:" or kind == "+CDSI:":
                params = at.split_params(at.payload(line), kind)
                mem = params[0] if params and type(params[0]) is str else self._ctx.memory
                index = at.param_int(params, 1, kind + " index")
                state = self._known.get((mem, index))
                if state is None:
                    self._read_later(mem, index)  # deduplicated by _known, bounded by MAX_PENDING_READS
                elif state == "delete":
                    # a new message took the slot we are deleting: read it after the delete
                    self._known[(mem, index)] = "reread"
            elif kind in ("+CREG:", "+CEREG:", "+CGREG:"):
                params = at.split_params(at.payload(line), kind)
                self._registration("lte" if kind == "+CEREG:" else "gsm", at.param_int(params, 0, kind))
            elif kind == "RING" or kind == "+CRING:":
                self._emit(events.RING, line=line)
            elif kind == "+CPIN:" and "READY" not in line:
                self._emit(events.SIM, state=at.payload(line))
            elif kind == "+CIEV:" and "SMSFULL" in line.upper():
                self._emit(events.STORAGE, used=None, total=None, full=True)
        except Lib12333Error:
            self._emit(events.UNKNOWN, line=line)

    def _urc2(self, header, pdu):
        if pdu is None:
            self._emit(events.UNKNOWN, line=header)
            return
        if self._ctx.cnma:
            self._queue("ack", ())  # the network waits only seconds
        self.incoming(pdu, None)

    def _on_reboot(self, line):
        self._emit(events.REBOOT, line=line)
        self._quiet = self.now + QUIET
        self._ctx.ready = False
        self.parser.expect_prompt = False
        if self._op is not None and self._op.name == "init":
            self._op = None  # restart init from the top
            self._held = None
            self._cmd = None
            self._stage = None
            self._deadline = None
            self._wake = None
        elif self._cmd is not None:
            cmd = self._cmd
            # the op sees a retryable failure; re-init runs before its retry
            self._queue("init", ())
            self._finish(Response(False, self._lines, line,
                                  DeviceError(cmd.text.split("=")[0] + ": modem restarted during the command",
                                              code="REBOOT", retryable=True)))
            return
        # drop queued inits; one fresh init at the front
        self._ops = [op for op in self._ops if op.name != "init"]
        self._queue("init", ())

    def _registration(self, tech, stat):
        registered = stat == 1 or stat == 5
        if self.registration.get(tech) != stat:
            self.registration[tech] = stat
            self._emit(events.REGISTRATION, tech=tech, stat=stat, registered=registered)

    # ---- received messages -------------------------------------------------

    def incoming(self, pdu_hex, loc):
        """A PDU read from storage (``loc`` = (mem, index)) or delivered directly (None)."""
        from lib12333.sms.pdu import decode_hex

        try:
            # lenient: raw captures carry SIM padding, stray quotes...; each deviation is reported
            msg = decode_hex(pdu_hex, True, True)
        except Lib12333Error as exc:
            self._emit(events.BAD_MESSAGE, error=exc, token=self._token([loc] if loc else []))
            return
        if msg.warnings:
            self._emit(events.PDU_WARNINGS, warnings=msg.warnings, index=None if loc is None else loc[1])
        if msg.type == "SMS-STATUS-REPORT":
            self._report(msg)
            if loc is not None:
                self._token_now([loc])
            return
        key = part_key(msg)
        if key in self._recent:
            if loc is not None:
                self._token_now([loc])  # duplicate of a delivered part: just delete it
            return
        if msg.concat is not None:
            if self.reassembler.supersede(msg):  # the sender reused the reference: the old set goes first
                for ev in self.reassembler.take_evicted():
                    self._evicted(ev)
            skey = set_key(msg)
            locs = self._sets.get(skey)
            if locs is None:
                locs = []
                self._sets[skey] = locs
                self._part_keys[skey] = []
            if loc is not None and loc not in locs:
                locs.append(loc)
            if key not in self._part_keys[skey]:
                self._part_keys[skey].append(key)
        full = self.reassembler.add(msg, self.now)
        for ev in self.reassembler.take_evicted():
            self._evicted(ev)
        if full is None:
            self._check_spill()
            return
        locs = [loc] if (loc is not None and msg.concat is None) else []
        if msg.concat is not None:
            locs = self._sets.pop(set_key(msg), [])
            keys = self._part_keys.pop(set_key(msg), [])  # every part of a completed set counts as delivered
        else:
            keys = [key]
        for k in keys:
            self._remember(k)
        self._emit(events.MESSAGE, message=full, token=self._token(locs), key=message_key(full),
                   complete=True)

    def _check_spill(self):
        """Parts of incomplete messages stay in the modem until the message is
        complete; but if they (with messages awaiting confirmation) fill the
        storage, the next part could never arrive.  Then the waiting parts are
        deleted from the modem and kept only in the reassembler (RAM)."""
        if not self._ctx.capacity:
            return
        held = 0
        for k in self._sets:
            held += len(self._sets[k])
        if held == 0:
            return
        waiting = 0
        for t in self._tokens:
            waiting += len(self._tokens[t])
        if held + waiting < self._ctx.capacity:
            return
        locs = []
        for k in self._sets:
            locs.extend(self._sets[k])
            self._sets[k] = []
        locs.sort()  # deterministic order (MicroPython dicts are not ordered)
        self._emit(events.STORAGE, used=held + waiting, total=self._ctx.capacity, full=True, spilled=len(locs))
        self._token_now(locs)

    def _evicted(self, ev):
        skey = str(ev.number) + "|" + str(ev.ref) + "|" + str(ev.total)
        locs = []
        for k in list(self._sets):
            if k.startswith(skey + "|"):
                locs.extend(self._sets.pop(k))
                self._part_keys.pop(k, None)
        locs.sort()
        first = ev.messages[0] if ev.messages else None
        self._emit(events.MESSAGE, message=first, text=ev.text, token=self._token(locs),
                   key=skey + "|partial", complete=False, received=ev.received, total=ev.total,
                   reason=ev.reason)

    def _remember(self, key):
        self._recent.append(key)
        if len(self._recent) > RECENT_KEYS:
            self._recent.pop(0)

    def _token(self, locs):
        self._ids += 1
        self._tokens[self._ids] = locs
        return self._ids

    def _token_now(self, locs):
        self.confirm(self._token(locs))

    # ---- status reports ---------------------------------------------------

    def sent_part(self, sid, seq, mr):
        self._mr.append((mr, sid, seq))
        if len(self._mr) > RECENT_KEYS:
            self._mr.pop(0)

    def _report(self, msg):
        sid = None
        seq = None
        for i in range(len(self._mr) - 1, -1, -1):
            if self._mr[i][0] == msg.mr:
                sid, seq = self._mr[i][1], self._mr[i][2]
                if msg.status_kind != "pending":
                    self._mr.pop(i)
                break
        self._emit(events.REPORT, id=sid, seq=seq, mr=msg.mr, status=msg.status, status_kind=msg.status_kind,
                   number=msg.number)


def _hash(data):
    """24-bit polynomial hash; stays a small int on MicroPython (no bignum per byte)."""
    h = 0
    for b in data:
        h = (h * 31 + b) & 0xFFFFFF
    return h


def part_key(msg):
    """Identity of one received PDU: sender, concat position and content, or time stamp and content.

    A part's key holds its content: a sender that restarts its concatenation reference (a kiosk
    after a power cut) sends a new message under an old reference, and only the content tells it
    from a network duplicate of the old part."""
    c = msg.concat
    if c is not None:
        return (str(msg.number) + "|" + str(c.ref) + "|" + str(c.total) + "|" + str(c.seq) + "|"
                + str(_hash(msg.data or b"")))
    ts = msg.scts.isoformat() if msg.scts is not None else ""
    return str(msg.number) + "|" + ts + "|" + str(_hash(msg.data or b""))


def set_key(msg):
    c = msg.concat
    return str(msg.number) + "|" + str(c.ref) + "|" + str(c.total) + "|" + str(c.bits)


def message_key(full):
    """Stable key the application can use to drop a message it already stored
    (the same message re-read after a power cut has the same key)."""
    ts = full.scts.isoformat() if full.scts is not None else ""
    body = full.text.encode() if full.text is not None else (full.data or b"")
    return str(full.number) + "|" + ts + "|" + str(_hash(body))
