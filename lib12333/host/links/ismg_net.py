"""
The emulated operator gateway's plumbing (see ``ismg``): the link faults it can
inject, one TCP connection (``Session``, either direction) and the listening
socket.  Both run in the emulated network's loop thread.

Fault injection (``LinkFaults.parse("drop=0.05,dup=0.1,late=0.5,lose=0.05,throttle=50,error=0.02,garbage=0.02")``):

    drop=P      after a submit arrives, the connection is closed with the window unanswered (half of
                those submits were taken and go to the phone anyway: the ambiguous case)
    dup=P       a deliver (MO or report) is sent twice
    late=S      every response is delayed by a random 0..S seconds
    lose=P      a submit response is never sent (the submit was taken)
    throttle=N  at most N submits a second; the rest are refused with the throttling code
    error=P     a submit is refused with a permanent error (SMPP 0x0B, CMPP 13, SMGP 47, SGIP 6)
    garbage=P   a malformed PDU is sent before a response
    seed=N      random seed (default 1)
"""

import random
import socket
import time

from lib12333.errors import ConfigError, DecodeError
from lib12333.host.links.server_side import side as make_side

_FLOAT = ("drop", "dup", "late", "lose", "error", "garbage")
_INT = ("throttle", "seed")


class LinkFaults:
    def __init__(self, **values):
        for name in _FLOAT:
            setattr(self, name, 0.0)
        self.throttle = 0
        self.seed = 1
        for k in values:
            if k not in _FLOAT + _INT:
                raise ConfigError("unknown fault", "--faults", None, k, ", ".join(_FLOAT + _INT))
            setattr(self, k, values[k])
        self.rng = random.Random(self.seed)

    @classmethod
    def parse(cls, text):
        values = {}
        for item in (text or "").split(","):
            item = item.strip()
            if not item:
                continue
            name, _, value = item.partition("=")
            name = name.strip()
            if name not in _FLOAT + _INT:
                raise ConfigError("unknown fault", "--faults", None, name, ", ".join(_FLOAT + _INT))
            try:
                number = int(value) if name in _INT else float(value)
            except ValueError:
                raise ConfigError("not a number", "--faults", None, name, "a number") from None
            # a probability above 1 or a negative delay would silently mean something else
            most = 3600.0 if name == "late" else 1.0 if name in _FLOAT else float("inf")
            if not (0 <= number <= most):
                raise ConfigError("out of range", "--faults", None, name,
                                  "0..%g" % most if most != float("inf") else ">= 0")
            values[name] = number
        return cls(**values)

    def hit(self, name):
        p = getattr(self, name)
        return p > 0 and self.rng.random() < p

    def describe(self):
        on = [n + "=" + str(getattr(self, n)) for n in _FLOAT + ("throttle",) if getattr(self, n)]
        return ",".join(on) or "none"


class Session:
    """One TCP connection from a centre."""

    def __init__(self, ismg, sock):
        self.ismg = ismg
        self.sock = sock
        self.side = make_side(ismg.protocol)
        self.framer = self.side.framer()
        self.account = None
        self.out = bytearray()
        self.delayed = []  # (due, bytes)
        self.answers = {}  # CMPP: Sequence_Id -> the response already sent (a resend gets it again)
        self.pending = {}  # seq -> [delivery, sent_at]
        self.seq = 0
        self.closed = False
        self.outgoing = False  # SGIP: our connection to the centre, for Deliver and Report
        self.bind_account = None

    def fileno(self):
        return self.sock.fileno()

    def on_readable(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        try:
            frames = self.framer.feed(data)
        except DecodeError:
            self.close()
            return
        for raw in frames:
            try:
                pdu = self.side.decode(raw)
            except DecodeError:
                nack = self.side.nack(int.from_bytes(raw[-4:], "big") if len(raw) >= 16 else 0)
                if nack is not None:
                    self.send(nack)
                continue
            self.ismg.on_pdu(self, pdu)
            if self.closed:
                return
        self.flush()

    def next_seq(self):
        self.seq += 1
        return self.seq

    def send(self, pdu, delay=0.0):
        raw = pdu if isinstance(pdu, (bytes, bytearray)) else self.side.encode(pdu)
        if delay > 0:
            self.delayed.append((time.monotonic() + delay, raw))
        else:
            self.out += raw

    def flush(self):
        now = time.monotonic()
        if self.delayed:
            keep = []
            for due, raw in self.delayed:
                if due <= now:
                    self.out += raw
                else:
                    keep.append((due, raw))
            self.delayed = keep
        while self.out and not self.closed:
            try:
                n = self.sock.send(self.out)
            except BlockingIOError:
                return
            except OSError:
                self.close()
                return
            del self.out[:n]

    def close(self):
        if self.closed:
            return
        self.closed = True
        self.ismg.forget(self)
        try:
            self.sock.close()
        except OSError:
            pass


class Listener:
    def __init__(self, ismg, sock):
        self.ismg = ismg
        self.sock = sock

    def fileno(self):
        return self.sock.fileno()

    def on_readable(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.ismg.add_session(Session(self.ismg, conn))


def free_port(host="127.0.0.1"):
    """A TCP port nobody listens on right now (for emulators, demos and tests on loopback)."""
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port
