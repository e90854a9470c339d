"""
A connection the operator opens to the centre (SGIP 1.2: the SMG binds to the
SP to send Deliver and Report), sans-IO like ``client.Link``: bytes in, events
out, time from the caller.

    s = Session(link, {"smg": "secret"}, now)   # link: the centre's outgoing Link (its submissions)
    s.receive(data, now); sock.send(s.data_to_send()); s.poll(now)
    for ev in s.events(): ...                  # bound, deliver, report, bad-pdu, unbound
    s.confirm(token)                           # after the commit: the response goes out
    if s.wants_close(): close the socket

Delivers and reports are handled exactly as on the outgoing link
(``inbound.Inbound``: acknowledged after commit, long messages joined, a
repeated report recognised); reports are matched to the outgoing link's
submissions.  A Bind with the wrong type, name or password is answered with
result 1 and the connection is closed; anything before a good Bind likewise.
"""

from lib12333.links.inbound import Inbound, on_request, read_pdus
from lib12333.modem.engine import Event


class Session:
    def __init__(self, link, accounts, now=0.0, reassembly_timeout=600):
        self.link_out = link
        self.d = link.d
        self.gb_decode = link.gb_decode
        self.accounts = dict(accounts)
        self.now = now
        self.stats = link.stats
        self._ours = link._ours  # reports name the outgoing link's submissions
        self.bound = False
        self.out = bytearray()
        self._events = []
        self._close = False
        self._framer = self.d.framer()
        self.inbound = Inbound(self, reassembly_timeout)

    def _emit(self, kind, **fields):
        self._events.append(Event(kind, **fields))

    def _send(self, pdu):
        self.out += self.d.encode(pdu)

    def events(self):
        evs = self._events
        self._events = []
        return evs

    def data_to_send(self):
        data = bytes(self.out)
        self.out = bytearray()
        return data

    def wants_close(self):
        return self._close

    def confirm(self, token, ok=True):
        self.inbound.confirm(token, ok)

    def poll(self, now):
        self.now = now
        self.inbound.expire(now)

    def receive(self, data, now):
        self.now = now
        if self._close:
            return
        for pdu, _raw in read_pdus(self, data):
            if pdu is not None:
                self._on_pdu(pdu)
            if self._close:
                return

    def _on_pdu(self, pdu):
        if not self.bound:
            reply, ok = self.d.accept_bind(pdu, self.accounts)
            self._send(reply)
            if ok:
                self.bound = True
                self._emit("bound")
            else:
                self._close = True
            return
        on_request(self, pdu)
