"""
What arrives from the operator on a link (``client.Link``'s half for delivers):
mobile-originated messages and status reports, each acknowledged only when the
application confirms it committed.

- A deliver the link cannot read is acknowledged at once (the operator would
  otherwise send it forever) and reported as ``bad-pdu``.
- The parts of a long message are joined by ``lib12333.sms.reassembly`` and
  acknowledged together when the whole message is confirmed; parts of a
  message that never completes are acknowledged when the reassembler gives up
  on it (``bad-pdu`` with the reason).
- Where the protocol gives the deliver an id (CMPP's and SMGP's MsgID), a repeat
  is recognised: acknowledged together with the first if that is not committed
  yet, at once if it is, and never handed on twice.
"""

from lib12333.compat import const
from lib12333.errors import DecodeError, Lib12333Error
from lib12333.links import content

RECENT = const(512)


def read_pdus(owner, data):
    """``[(pdu, raw)]`` for the PDUs ``data`` completes, ``pdu`` None for one that does not decode
    (reported as ``bad-pdu``).  ``owner`` is a ``client.Link`` or an ``incoming.Session``; a broken
    stream (a length no PDU can have) is reported and the owner asks for the connection to close."""
    try:
        frames = owner._framer.feed(data)
    except DecodeError as exc:
        owner._emit("bad-pdu", error=exc)
        owner._close = True
        return []
    out = []
    for raw in frames:
        try:
            out.append((owner.d.decode(raw), raw))
        except DecodeError as exc:
            owner._emit("bad-pdu", error=exc)
            out.append((None, raw))
    return out


def on_request(owner, pdu):
    """A request from the operator on ``owner``'s connection: a deliver goes to its ``inbound``; a
    keep-alive or unbind is answered (an unbind also ends the connection)."""
    if owner.d.is_deliver(pdu):
        owner.inbound.deliver(pdu)
        return
    reply = owner.d.respond(pdu)
    if reply is not None:
        owner._send(reply)
    if owner.d.is_unbind(pdu):
        owner._emit("unbound")
        owner._close = True


class Inbound:
    def __init__(self, link, reassembly_timeout):
        from lib12333.sms.reassembly import Reassembler

        self.link = link
        self.d = link.d
        self.reassembler = Reassembler(timeout=reassembly_timeout)
        self._tokens = 0
        self._acks = {}  # token -> [deliver pdus to acknowledge]
        self._sets = {}  # reassembly key -> [deliver pdus]
        self._seen = {}  # dedupe key -> token
        self._seen_order = []

    def reset(self):
        """The connection is gone: nothing can be acknowledged on it any more, and the operator sends
        again what was not acknowledged -- which must then be handed on again, not taken for a repeat
        of something committed."""
        for key in list(self._seen):
            if self._seen[key] in self._acks:
                del self._seen[key]
        self._acks = {}
        self._sets = {}

    def confirm(self, token, ok):
        for pdu in self._acks.pop(token, ()):
            self.link._send(self.d.deliver_resp(pdu, ok))

    def expire(self, now):
        for ev in self.reassembler.take_evicted() + self.reassembler.expire(now):
            self._evicted(ev)

    def _ack_now(self, pdu):
        self.link._send(self.d.deliver_resp(pdu, True))

    def deliver(self, pdu):
        link = self.link
        try:
            info = self.d.deliver(pdu)
        except Lib12333Error as exc:
            link._emit("bad-pdu", error=exc)
            self._ack_now(pdu)
            return
        key = info["dedupe"]
        if key is not None and key in self._seen:
            link.stats["duplicates"] += 1
            waiting = self._acks.get(self._seen[key])
            if waiting is not None:
                waiting.append(pdu)  # the first copy is not committed yet: acknowledge both then
            else:
                self._ack_now(pdu)  # committed before: only the acknowledgement was lost
            return
        self._tokens += 1
        token = self._tokens
        if info["kind"] == "report":
            link.stats["reports"] += 1
            message_id = info["message_id"]
            ours = link._ours.get(message_id)
            for form in info.get("forms", ()):  # SMPP: the receipt may spell the id differently
                if ours is None and form in link._ours:
                    message_id, ours = form, link._ours[form]
            self._hold(token, [pdu], key)
            link._emit("report", token=token, id=ours[0] if ours else None, part=ours[1] if ours else None,
                       message_id=message_id, stat=info["stat"], delivered=info["stat"] == "DELIVRD",
                       err=info["err"])
            return
        try:
            m = content.inbound(info["sender"], info["udhi"], info["coding"], info["octets"])
        except Lib12333Error as exc:
            link._emit("bad-pdu", error=exc)
            self._ack_now(pdu)
            return
        acks = [pdu]
        if m.concat is not None:
            skey = (m.number, m.concat.ref, m.concat.total, m.concat.bits)
            acks = self._sets.setdefault(skey, [])
            acks.append(pdu)
            whole = self.reassembler.add(m, link.now)
            if whole is None:
                return
            self._sets.pop(skey, None)
            m = whole
        content.finish_text(m, self.link.gb_decode)
        link.stats["delivers"] += 1
        self._hold(token, acks, key)
        # key: the protocol's id of the deliver (CMPP/SMGP), so that an application can remember it in the
        # same commit and know a repeat even after a restart (None where the protocol gives none)
        link._emit("deliver", token=token, message=m, recipient=info["recipient"], key=key)

    def _hold(self, token, pdus, key):
        self._acks[token] = pdus
        if key is not None:
            # remembered now: a repeat arriving before confirm() is acknowledged once the first is committed
            self._seen[key] = token
            self._seen_order.append(key)
            if len(self._seen_order) > RECENT:
                self._seen.pop(self._seen_order.pop(0), None)

    def _evicted(self, ev):
        # A long message whose other parts never came: acknowledge what arrived and report it.
        for key in list(self._sets):
            if key[0] == ev.number and key[1] == ev.ref and key[2] == ev.total:
                for pdu in self._sets.pop(key):
                    self._ack_now(pdu)
        self.link._emit("bad-pdu", error=DecodeError("long message incomplete (%s)" % ev.reason,
                                                     field="concatenation"))
