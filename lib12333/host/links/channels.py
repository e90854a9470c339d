"""
Several operator links (and optionally the modem) behind the one interface the
gateway service drives (``lib12333.host.gateway.service.GatewayService``):
``pump(timeout)`` returns events, ``engine.send_sms / confirm / start``.

Outgoing messages are routed by the recipient's operator (``url.operator_of``):
a bound link for that operator, else a bound link for "any" operator, else any
bound link (fallback), else the modem, else the operator's link even while it is
down (it sends once bound).  Each message carries a deadline
(``send_deadline``): one stuck behind a dead link fails in time and the service
tries it again later, when routing may choose another link.

Event translation, so the service needs no protocol knowledge:

    bound -> ready;  submitted -> sent;  submit-failed -> send-failed;
    deliver -> message (token);  report -> report (token; confirm after recording it)

Every other link event passes on as ``link-<kind>``; the ones the service logs are named below.
"""

import time

from lib12333.host.links.url import operator_of
from lib12333.links.client import BOUND
from lib12333.modem import events
from lib12333.modem.engine import Event

# link events passed on to the service under their own kinds (the link client's kind with "link-")
LINK_BIND_FAILED = "link-bind-failed"
LINK_DOWN = "link-down"
LINK_BAD_PDU = "link-bad-pdu"
LINK_THROTTLED = "link-throttled"


class _Engine:
    """The ``engine`` face of ``Channels`` (what the service calls)."""

    def __init__(self, owner):
        self.owner = owner

    def start(self, now=None):
        if self.owner.modem is not None:
            self.owner.modem.engine.start(now)

    def send_sms(self, number, text=None, report=True, data=None, port=None):
        return self.owner.send(number, text=text, data=data, port=port, report=report)

    def confirm(self, token):
        self.owner.confirm(token)


class Channels:
    def __init__(self, links, modem=None, send_deadline=120.0, clock=time.monotonic):
        self.links = list(links)
        self.modem = modem
        self.send_deadline = send_deadline
        self.clock = clock
        self.engine = _Engine(self)
        self._ids = 0
        self._tokens = 0
        self._sent = {}  # (channel index, local id) -> our id (kept after "sent": reports come later)
        self._sent_order = []
        self._token_map = {}  # our token -> (channel index, local token)
        self.routes = {}  # our id -> link name (for the operator report)
        self.stats = {"fallback": 0}
        self.modem_ready = False

    def close(self):
        for t in self.links:
            t.close()
        if self.modem is not None:
            self.modem.close()

    def _channel(self, number):
        want = operator_of(number)
        bound = [i for i, t in enumerate(self.links) if t.link.state == BOUND]
        for pick in ([i for i in bound if self.links[i].config.operator == want],
                     [i for i in bound if self.links[i].config.operator == "any"], bound):
            if pick:
                if pick is bound and self.links[pick[0]].config.operator not in (want, "any"):
                    self.stats["fallback"] += 1
                return pick[0]
        if self.modem is not None and self.modem_ready:
            return -1
        for i, t in enumerate(self.links):
            if t.config.operator in (want, "any"):
                return i
        return 0 if self.links else -1

    def send(self, number, text=None, data=None, port=None, report=True):
        index = self._channel(number)
        if index < 0:
            local = self.modem.engine.send_sms(number, text=text, data=data, port=port, report=report)
        else:
            local = self.links[index].link.submit(number, text=text, data=data, port=port, report=report,
                                                  deadline=self.clock() + self.send_deadline)
        self._ids += 1
        self._sent[(index, local)] = self._ids
        self._sent_order.append((index, local))
        if len(self._sent_order) > 65536:
            self._sent.pop(self._sent_order.pop(0), None)
        self.routes[self._ids] = "modem" if index < 0 else self.links[index].name
        return self._ids

    def confirm(self, token):
        index, local = self._token_map.pop(token, (None, None))
        if index is None:
            return
        if index < 0:
            self.modem.engine.confirm(local)
        else:
            self.links[index].confirm(local)

    def _token(self, index, local):
        self._tokens += 1
        self._token_map[self._tokens] = (index, local)
        return self._tokens

    def pump(self, timeout=0.05):
        out = []
        share = timeout / max(1, len(self.links) + (1 if self.modem is not None else 0))
        if self.modem is not None:
            for ev in self.modem.pump(share):
                if ev.kind == events.READY:
                    self.modem_ready = True
                out.append(self._translate(-1, ev))
        for i, t in enumerate(self.links):
            for ev in t.pump(share):
                ev = self._from_link(i, ev)
                if ev is not None:
                    out.append(ev)
        return out

    def _translate(self, index, ev):
        if ev.kind in ("sent", "send-failed", "report") and getattr(ev, "id", None) is not None:
            ev.id = self._sent.get((index, ev.id))
        if getattr(ev, "token", None) is not None:
            ev.token = self._token(index, ev.token)
        return ev

    def _from_link(self, i, ev):
        k = ev.kind
        if k == "bound":
            return Event(events.READY, link=self.links[i].name)
        if k == "submitted":
            return Event(events.SENT, id=self._sent.get((i, ev.id)), parts=ev.message_ids, link=self.links[i].name)
        if k == "submit-failed":
            return Event(events.SEND_FAILED, id=self._sent.get((i, ev.id)), error=ev.error, ambiguous=ev.ambiguous)
        if k == "deliver":
            return Event(events.MESSAGE, message=ev.message, token=self._token(i, ev.token), link=self.links[i].name,
                         key=getattr(ev, "key", None))
        if k == "report":
            return Event(events.REPORT, id=self._sent.get((i, ev.id)), token=self._token(i, ev.token),
                         stat=ev.stat, delivered=ev.delivered, message_id=ev.message_id, link=self.links[i].name)
        return Event("link-" + k, link=self.links[i].name, **ev.fields)


def open_links(urls, modem=None):
    """``Channels`` for the ``--link`` URLs (and the modem, when there is one)."""
    from lib12333.host.links import url

    return Channels([transport_for(url.parse(u)) for u in urls], modem)


def transport_for(config):
    """The transport of a link: ``SgipLink`` (connects and listens) for SGIP, else ``TcpLink``."""
    if config.scheme == "sgip":
        from lib12333.host.links.sgip_transport import SgipLink

        return SgipLink(config)
    from lib12333.host.links.transport import TcpLink

    return TcpLink(config)
