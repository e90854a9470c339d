"""
The contract between the modem engine and its operations.

An operation is a generator ``factory(ctx, *args)``: it yields ``Command`` (one
AT command line) or ``Sleep`` and receives a ``Response`` (None after a sleep).
``ctx`` is a ``Context``: all an operation may read or do.  It never sees the
engine itself, so the engine's bookkeeping stays in ``engine.py``.

The engine keeps queued operations as ``Op`` entries in one queue, ordered by
the priority the registry (``ops.OPERATIONS``) gives each name:

    FIRST    before everything queued (init: nothing works before it)
    URGENT   after the FIRST and URGENT ones already queued (read, delete, ack:
             storage slots and the network's acknowledgement timer are waiting)
    NORMAL   at the end (send, info, scan)
"""

from lib12333.compat import const
from lib12333.modem import at

FIRST = const(0)
URGENT = const(1)
NORMAL = const(2)


class Command:
    """One AT command line.  ``prefix`` marks answer lines that look like URCs
    (``+CREG:`` in answer to ``AT+CREG?``); ``data`` is sent after the ``>`` prompt
    and terminated with Ctrl-Z; ``until`` is the absolute time no stage of the
    command may pass (the operation's deadline)."""

    __slots__ = ("text", "prefix", "timeout", "data", "prompt_timeout", "until")

    def __init__(self, text, prefix=None, timeout=None, data=None, prompt_timeout=None, until=None):
        self.until = until
        self.text = text
        self.prefix = prefix
        self.timeout = timeout
        self.data = data
        self.prompt_timeout = prompt_timeout


class Sleep:
    __slots__ = ("seconds",)

    def __init__(self, seconds):
        self.seconds = seconds


class Response:
    """``ok``; ``lines`` (answer lines without echo/URCs); ``final`` (the final line);
    ``error`` (``DeviceError`` / ``DeadlineError``) when not ok."""

    __slots__ = ("ok", "lines", "final", "error")

    def __init__(self, ok, lines, final, error=None):
        self.ok = ok
        self.lines = lines
        self.final = final
        self.error = error

    def first(self, prefix=None):
        """First answer line, with ``prefix`` (or any ``+XXX:``) removed; None if none."""
        for line in self.lines:
            if prefix is not None:
                if line.startswith(prefix):
                    return line[len(prefix) :].strip()
                continue
            if line.startswith("+") and ":" in line:
                return at.payload(line)
            return line
        return None


class Op:
    """One queued or running operation.  ``deadline`` (absolute, or None) and
    ``on_expire(op)``: called instead of running it when the deadline passes while
    it waits; ``ident`` is the caller's id for it (a send's id); ``parked`` is the
    command it was about to run when a module restart parked it behind init."""

    __slots__ = ("name", "gen", "priority", "deadline", "on_expire", "ident", "parked")

    def __init__(self, name, gen, priority, deadline=None, on_expire=None, ident=None):
        self.name = name
        self.gen = gen
        self.priority = priority
        self.deadline = deadline
        self.on_expire = on_expire
        self.ident = ident
        self.parked = None


class Context:
    """All an operation sees of the engine.

    Settings (read only): ``now`` (the caller's clock), ``smsc``, ``direct``,
    ``auto_profile`` (detect the module from AT+CGMM), ``init_retry``,
    ``command_timeout``, ``prompt_timeout``, ``send_timeout``, ``send_retries``.

    Modem state, kept by the operations and read by the engine: ``profile``,
    ``memory`` (the storage selected with AT+CPMS), ``capacity`` (its slots),
    ``cnma`` (direct messages are acknowledged with AT+CNMA), ``ready``.

    Actions: ``emit(kind, **fields)`` tells the application (``kind`` from
    ``events``); ``deliver(pdu_hex, loc)`` hands over a PDU read from storage slot
    ``loc`` = (mem, index); ``read_later(mem, index)`` queues a read of a slot (a
    scan when too many reads wait); ``sent_part(id, seq, mr)`` records a part's
    TP-MR (status reports are matched by it); ``registration(tech, stat)`` passes
    on a registration state read by a query; and the methods below."""

    __slots__ = ("_eng", "smsc", "direct", "auto_profile", "init_retry", "command_timeout", "prompt_timeout",
                 "send_timeout", "send_retries", "profile", "memory", "capacity", "cnma", "ready",
                 "emit", "deliver", "read_later", "sent_part", "registration")

    def __init__(self, eng, profile, smsc, direct, init_retry, command_timeout, prompt_timeout, send_timeout,
                 send_retries):
        self._eng = eng
        self.smsc = smsc
        self.direct = direct
        self.auto_profile = profile is None
        self.init_retry = init_retry
        self.command_timeout = command_timeout
        self.prompt_timeout = prompt_timeout
        self.send_timeout = send_timeout
        self.send_retries = send_retries
        self.profile = profile
        self.memory = None
        self.capacity = None
        self.cnma = False
        self.ready = False
        # the engine's own methods, bound once (cheaper on a small heap than a wrapper each)
        self.emit = eng._emit
        self.deliver = eng.incoming
        self.read_later = eng._read_later
        self.sent_part = eng.sent_part
        self.registration = eng._registration

    @property
    def now(self):
        return self._eng.now

    def write(self, data):
        """Raw bytes to the modem outside any command (ESC to leave a PDU prompt)."""
        self._eng.out.extend(data)

    def queue(self, name, *args):
        """Queue another operation by its registry name."""
        self._eng._queue(name, args)

    def claim(self, loc):
        """Mark storage slot ``loc`` as being handled; False if it already was."""
        known = self._eng._known
        if loc in known:
            return False
        known[loc] = True
        return True

    def release(self, loc):
        """Done with slot ``loc``; returns its mark ("reread": refilled meanwhile, read it again)."""
        return self._eng._known.pop(loc, None)
