"""
An emulated operator SMS gateway (ISMG / SMSC) on 127.0.0.1: ``lib12333 ismg-sim``.

It speaks SMPP 3.4, CMPP 2.0 / 3.0, SMGP 3.0 or SGIP 1.2 to the centre on TCP and joins the
project's emulated mobile network (``lib12333.host.modem.network``) under the
centre's service number: a centre's submit becomes an SMS from that number to a
kiosk's or a citizen's emulated modem; an SMS a modem sends to that number
becomes a deliver to the centre; status reports travel back as the protocol
carries them.  It runs inside the network's loop thread (its sockets are in
the same selector), so no locks are needed and nothing races.

Store and forward: an MO message waits in the gateway until a session of the
account is bound, and is sent again (same Msg_Id) until acknowledged.  With SGIP
the gateway delivers on a connection of its own to the centre (``sp_address``).

Faults: ``ismg_net.LinkFaults`` (drop, dup, late, lose, throttle, error, garbage).
"""

import collections
import selectors
import socket
import time

from lib12333.errors import Lib12333Error
from lib12333.host.links import air
from lib12333.host.links.ismg_net import LinkFaults, Listener, Session
from lib12333.host.links.server_side import side as make_side
from lib12333.links import content

__all__ = ("Ismg", "LinkFaults")
RESEND_SECONDS = 5.0
TICK = 0.02


class Endpoint:
    """The centre's number on the emulated network (the network offers it PDUs like a modem)."""

    def __init__(self, ismg, number):
        self.ismg = ismg
        self.number = number

    def deliver(self, raw, tpdu_len, report=False):
        try:
            m = air.decode(raw)
        except Lib12333Error:
            return True  # nothing anyone could read: dropped, as an SMSC would
        if report:
            self.ismg.on_status_report(m)
        else:
            self.ismg.on_mobile_originated(m)
        return True


class Ismg:
    """The emulated gateway.  ``accounts``: {account: secret}; ``number``: the centre's service number."""

    def __init__(self, protocol, accounts, number, listen=("127.0.0.1", 0), faults=None, sim=None, sp_address=None,
                 log_limit=100000, mo_gb=False):
        self.protocol = protocol
        # Some operator gateways hand a handset's Chinese text to the SP in GB (format 15) instead of
        # UCS2: with mo_gb, single-part Chinese texts are delivered that way (not SMPP: it has no GB)
        self.mo_gb = mo_gb and protocol != "smpp"
        self.ids = make_side(protocol)  # ConfigError for an unknown protocol, now; its counter numbers messages
        self.accounts = dict(accounts)
        self.number = number
        self.faults = faults or LinkFaults()
        self.sim = sim
        self.sp_address = sp_address  # SGIP: where the centre listens for our Deliver and Report
        self._next_dial = 0.0
        self.sessions = []
        self.mo_queue = []  # deliveries waiting for a bound session: dicts
        self.reports_wanted = {}  # (route key of the phone, mr) -> message record
        self.mr = 0
        self.second = (0, 0)  # (int second, submits in it) for the throttle
        # ("submit", account, to, message_id) / ("deliver", ...) / ("fault", name): the latest
        # ``log_limit`` only, so that a long-running ismg-sim does not grow without bound
        self.log = collections.deque(maxlen=log_limit)
        self.stats = {"submits": 0, "accepted": 0, "throttled": 0, "delivers": 0, "acked": 0, "drops": 0}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(listen)
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.address = self.sock.getsockname()
        self.listener = Listener(self, self.sock)
        self._own_sel = None
        self._stopped = False

    # ---- running: inside a network Simulator, or on its own --------------------------------------

    def attach(self, sim):
        """Join ``sim``'s network and loop (call before or after ``sim.start()``)."""
        self.sim = sim
        self.endpoint = Endpoint(self, self.number)
        sim.network.externals.append(self.endpoint)  # found before any modem with the same number
        sim.call(lambda: self._register(sim.sel, self.listener))
        sim.at(0.0, self._tick)
        return self

    def _register(self, sel, obj):
        sel.register(obj, selectors.EVENT_READ, obj)

    def _tick(self):
        if self._stopped:
            return
        self.poll()
        self.sim.at(time.monotonic() + TICK, self._tick)

    def serve(self, duration=None):
        """Run without a network (every submit is accepted and reported delivered): benchmarks."""
        self._own_sel = selectors.DefaultSelector()
        self._register(self._own_sel, self.listener)
        end = None if duration is None else time.monotonic() + duration
        while not self._stopped and (end is None or time.monotonic() < end):
            for key, _ in self._own_sel.select(TICK):
                key.data.on_readable()
            self.poll()

    def add_session(self, session):
        self.sessions.append(session)
        sel = self._own_sel if self._own_sel is not None else self.sim.sel
        self._register(sel, session)

    def forget(self, session):
        if session in self.sessions:
            self.sessions.remove(session)
        for entry in session.pending.values():
            if not entry[0].get("duplicate"):
                self.mo_queue.insert(0, entry[0])  # not acknowledged: it goes again on the next session
        session.pending = {}
        sel = self._own_sel if self._own_sel is not None else (self.sim.sel if self.sim else None)
        if sel is not None:
            try:
                sel.unregister(session)
            except (KeyError, ValueError, OSError):
                pass

    def stop(self):
        self._stopped = True
        for s in list(self.sessions):
            s.close()
        try:
            self.sock.close()
        except OSError:
            pass

    # ---- protocol ---------------------------------------------------------------------------

    def on_pdu(self, session, pdu):
        side = session.side
        if session.outgoing:
            self._on_outgoing(session, pdu)
            return
        if session.account is None:
            resp, account = side.bind(pdu, self.accounts)
            if resp is not None:
                session.send(resp)
            if account is None:
                session.flush()
                session.close()
                return
            session.account = account
            self.log.append(("bound", account))
            return
        if side.is_submit(pdu):
            self.on_submit(session, pdu)
        elif side.is_deliver_resp(pdu):
            entry = session.pending.pop(pdu.seq, None)
            if entry is not None:
                self.stats["acked"] += 1
                self.log.append(("acked", entry[0]["message_id"]))
        else:
            reply = side.keepalive(pdu)
            if reply is not None:
                session.send(reply)
            if side.is_unbind(pdu):
                session.flush()
                session.close()

    def _on_outgoing(self, session, pdu):
        """Our own connection to the centre (SGIP's SMG-to-SP direction)."""
        side = session.side
        if session.account is None:
            if side.bind_accepted(pdu):
                session.account = session.bind_account
                self.log.append(("bound-out", session.account))
            else:
                session.close()
            return
        if side.is_deliver_resp(pdu):
            entry = session.pending.pop(pdu.seq, None)
            if entry is not None:
                self.stats["acked"] += 1
                self.log.append(("acked", entry[0]["message_id"]))
        elif side.is_unbind(pdu):
            session.send(side.keepalive(pdu))
            session.flush()
            session.close()

    def _delivery_session(self, account):
        """SGIP: the SMG's own connection to the centre's listener, opened and bound when needed."""
        for s in self.sessions:
            if s.outgoing and s.bind_account == account and not s.closed:
                return s if s.account is not None else None
        if self.sp_address is None or time.monotonic() < self._next_dial:
            return None
        self._next_dial = time.monotonic() + 1.0
        try:
            sock = socket.create_connection(self.sp_address, timeout=2)
        except OSError:
            return None
        sock.setblocking(False)
        s = Session(self, sock)
        s.outgoing = True
        s.bind_account = account
        self.add_session(s)
        s.send(s.side.outgoing_bind(s.next_seq(), account, self.accounts[account]))
        s.flush()
        return None

    def _late(self):
        return self.faults.rng.random() * self.faults.late if self.faults.late else 0.0

    def on_submit(self, session, pdu):
        side = session.side
        self.stats["submits"] += 1
        if side.dedupes_seq and pdu.seq in session.answers:
            session.send(session.answers[pdu.seq], self._late())  # a resend: the same answer, nothing sent twice
            return
        if self.faults.hit("drop"):
            self.stats["drops"] += 1
            self.log.append(("fault", "drop"))
            if self.faults.rng.random() < 0.5:
                self._take(side, pdu, session.account)  # taken, but the answer is lost with the connection
            session.close()
            return
        code = 0
        now = int(time.monotonic())
        if self.faults.throttle:
            second, count = self.second
            count = count + 1 if second == now else 1
            self.second = (now, count)
            if count > self.faults.throttle:
                code = side.throttled
                self.stats["throttled"] += 1
        if not code and self.faults.hit("error"):
            code = side.permanent
        message_id = ""
        if not code:
            try:
                message_id = self._take(side, pdu, session.account)
            except Lib12333Error:
                code = side.bad_length
        resp = side.submit_resp(pdu, message_id, code)
        raw = side.encode(resp)
        if side.dedupes_seq:
            session.answers[pdu.seq] = raw
            if len(session.answers) > 4096:
                session.answers.pop(next(iter(session.answers)))  # the oldest (dicts keep insertion order)
        if self.faults.hit("lose"):
            self.log.append(("fault", "lose"))
            return
        if self.faults.hit("garbage"):
            session.send(side.garbage(session.next_seq()))
        session.send(raw, self._late())

    def _take(self, side, pdu, account):
        """Accept a submit: hand it to the network; returns the operator's message id."""
        s = side.submit(pdu)
        self.mr = (self.mr + 1) & 0xFF
        tpdu = air.submit_tpdu(s["to"], s["udhi"], s["coding"], s["octets"], self.mr, s["report"])
        message_id = self.ids.submit_id(pdu)  # unique across sessions: reports may come on a later connection
        self.stats["accepted"] += 1
        self.log.append(("submit", account, s["to"], message_id))
        record = {"message_id": message_id, "account": account, "to": s["to"], "at": time.time(),
                  "report": s["report"]}
        if self.sim is not None:
            from lib12333.host.modem.network import route_key

            if s["report"]:
                self.reports_wanted[(route_key(s["to"]), self.mr)] = record
            self.sim.network.submit(self.endpoint, tpdu, _submit_message(tpdu), self.mr)
        elif s["report"]:
            self._queue_report(record, "DELIVRD")
        return message_id

    def on_status_report(self, m):
        from lib12333.host.modem.network import route_key

        record = self.reports_wanted.pop((route_key(m.number or ""), m.mr), None)
        if record is not None:
            self._queue_report(record, "DELIVRD" if m.status == 0 else "UNDELIV")

    def _queue_report(self, record, stat):
        self.mo_queue.append({"kind": "report", "account": record["account"], "message_id": record["message_id"],
                              "to": record["to"], "stat": stat, "submitted": record["at"], "done": time.time()})

    def on_mobile_originated(self, m):
        udhi, coding, octets = air.link_part(m)
        if self.mo_gb and coding == content.UCS2 and not udhi:
            coding, octets = content.GB, (m.text or "").encode("gb18030")
        sender = "".join(c for c in (m.number or "") if c.isdigit())
        if sender.startswith("86") and len(sender) == 13:
            sender = sender[2:]
        account = sorted(self.accounts)[0]
        self.mo_queue.append({"kind": "mo", "account": account, "message_id": None, "sender": sender,
                              "udhi": udhi, "coding": coding, "octets": octets})

    def poll(self):
        """Offer waiting delivers to bound sessions, resend unacknowledged ones, flush sockets."""
        now = time.monotonic()
        if self.mo_queue:
            keep = []
            for d in self.mo_queue:
                s = self._session_for(d["account"])
                if s is None or len(s.pending) >= 16:
                    keep.append(d)
                    continue
                self._send_deliver(s, d, now)
            self.mo_queue = keep
        for s in list(self.sessions):
            for seq in list(s.pending):
                entry = s.pending[seq]
                if now - entry[1] >= RESEND_SECONDS:
                    del s.pending[seq]
                    self._send_deliver(s, entry[0], now)  # same message id, new sequence
            s.flush()

    def _session_for(self, account):
        if self.protocol == "sgip":
            return self._delivery_session(account)
        for s in self.sessions:
            if s.account == account and not s.closed:
                return s
        return None

    def _send_deliver(self, s, d, now):
        side = s.side
        if d["message_id"] is None and d["kind"] == "mo":
            d["message_id"] = self.ids.new_id()
        seq = s.next_seq()
        digits = "".join(c for c in self.number if c.isdigit())
        if d["kind"] == "mo":
            pdu = side.deliver(seq, d["message_id"], d["sender"], digits[-11:], d["udhi"], d["coding"], d["octets"])
        else:
            if d.get("deliver_id") is None:
                d["deliver_id"] = self.ids.new_id()  # the report's own Msg_Id (CMPP): the same on every resend
            pdu = side.report(seq, d["message_id"], d["to"], digits[-11:], d["stat"], d["submitted"], d["done"],
                              d["deliver_id"])
        s.pending[pdu.seq] = [d, now]
        self.stats["delivers"] += 1
        self.log.append(("deliver", d["kind"], d["message_id"]))
        s.send(pdu)
        if self.faults.hit("dup"):
            self.log.append(("fault", "dup"))
            pdu.seq = side.seq(s.next_seq())
            s.pending[pdu.seq] = [dict(d, duplicate=True), now + 3600]  # its acknowledgement is not waited for
            s.send(pdu)


def _submit_message(tpdu):
    from lib12333.sms import pdu

    return pdu.decode(tpdu, smsc=False)
