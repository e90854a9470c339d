"""
The gateway process: a modem engine on a serial port driving the ``Centre``.
``modem`` may also be ``lib12333.host.links.channels.Channels`` (operator links, with or without
a modem): it offers the same ``pump`` / ``engine`` interface.

    svc = GatewayService(SerialModem(port), centre)
    svc.run()            # until stop() or Ctrl-C

Loop: pump the modem; hand the received SMS on the kiosk port to
``Centre.handle_many`` -- the kiosk frames one pump delivered, up to ``GROUP`` of them, in one
transaction with one COMMIT (group commit, lib12333.host.gateway.group_commit) -- and only then
confirm each to the engine (which deletes it from the modem's storage); send what ``Centre.due`` lists -- reply frames to kiosks,
notices to citizens -- and mark each row sent when the SMSC accepted it.  A
text SMS from a citizen (no kiosk port) goes to ``Centre.handle_text`` (status
queries are answered, anything else is logged masked) and is deleted.
"""

import collections
import logging
import sqlite3
import threading
import time

from lib12333.errors import Lib12333Error, StorageError
from lib12333.host.gateway import workers
from lib12333.host.gateway.db import storage_error
from lib12333.host.gateway.pg import Conflict, ConnectionLost
from lib12333.host.links import channels
from lib12333.modem import events
from lib12333.modem.events import pdu_warnings_text
from lib12333.secure import frame as frame_mod

log = logging.getLogger("lib12333.gateway")

# At most this many kiosk frames applied in one transaction: one fsync for all of them, and a group
# that fails (conflict, lost connection, full disk) is short to run again.
GROUP = 16

# Seconds between two looks for due rows when this worker queued nothing meanwhile.  Rows this worker
# queues (answers, notices) are claimed in the same turn; the look every POLL seconds finds the rest:
# rows queued by another process (the console, another worker whose lease ran out), retries whose
# back-off ended.  On PostgreSQL the look is a write (the claim), so it is not made after every pump.
POLL = 1.0


def is_kiosk_frame(ev):
    """An SMS on the kiosk port (a binary frame), handled with the others of its pump in one commit."""
    m = ev.message if ev.kind == events.MESSAGE else None
    return m is not None and bool(m.ports) and m.ports[0] == frame_mod.PORT and m.data is not None


def one_line(text):
    """``text`` (libpq's messages span several lines) on one log line."""
    return " ".join(text.split())


class GatewayService:
    def __init__(self, modem, centre, clock=time.time, on_event=None):
        self.modem = modem
        self.centre = centre
        self.clock = clock
        self.on_event = on_event or (lambda kind, detail: None)
        self.in_flight = {}  # engine send id -> outgoing row id
        self.sent_ids = {}  # engine send id -> outgoing row id, after "sent": status reports find their row
        self.ready = False
        self.frames = 0  # frames handled, reported by the heartbeat (lib12333 gateway status)
        self.groups = 0  # transactions (COMMITs) that applied those frames: frames / groups = the group size
        self._beat_at = None
        # True when this worker queued rows (or may have) since its last claim: the claim is made this
        # turn instead of waiting for POLL (monotonic: a test's frozen ``clock`` must not stop it).
        self._queued = True
        self._claimed_at = None
        # Events taken from the modem and not yet handled: one whose handling failed (the database
        # went away) stays first and is handled again after the reconnection -- the modem engine
        # would not offer an unconfirmed SMS again before a restart.
        self._pending = collections.deque()
        self._started_at = int(clock())
        self._stop = threading.Event()
        # Initialise the modem now: one that is already running sends no boot messages to trigger it.
        self.modem.engine.start(self.modem.clock())

    def stop(self):
        self._stop.set()

    def run(self, idle=0.05, reconnect_delays=(1, 2, 5, 10, 30)):
        """Turn the loop until ``stop()``.  A serialization failure (another worker changed what this one read)
        is handled again at once.  A lost PostgreSQL connection is logged (one line per outage)
        and retried with back-off: the event being handled stays pending and is handled again once the
        database is back (the SMS was not confirmed: nothing half applied, nothing lost); any other
        StorageError stops the loop."""
        failures, down_since = 0, None
        while not self._stop.is_set():
            try:
                self.step(idle)
            except StorageError as exc:
                if isinstance(exc.__cause__, Conflict):
                    # Another worker changed what this one read (SERIALIZABLE): everything was rolled back and
                    # the event is still pending -- handled again at once, as Centre.handle does for frames.
                    log.info("%s; handled again", one_line(str(exc)))
                    continue
                if not isinstance(exc.__cause__, ConnectionLost):
                    raise
                delay = reconnect_delays[min(failures, len(reconnect_delays) - 1)]
                failures += 1
                if down_since is None:
                    down_since = time.monotonic()
                    log.error("%s; reconnecting with back-off (the message being handled is kept and handled "
                              "again: nothing was applied half-way)", one_line(str(exc)))
                else:
                    log.info("gateway database still unreachable (attempt %d); next try in %g s", failures, delay)
                self.on_event("database", "connection lost, retrying in %g s" % delay)
                self._stop.wait(delay)
                continue
            if down_since is not None:
                log.warning("gateway database reconnected after %.0f s (%d failed attempts)",
                            time.monotonic() - down_since, failures)
                self.on_event("database", "reconnected")
            failures, down_since = 0, None

    def step(self, timeout=0.05):
        """One turn of the loop; StorageError when the gateway database cannot be written (a full disk).

        The SMS being handled is then not confirmed: it stays on the modem for the next start.
        """
        try:
            now = self.clock()
            if self._beat_at is None or now - self._beat_at >= workers.HEARTBEAT:
                workers.heartbeat(self.centre.conn, self.centre.worker, now, self.frames, self._started_at)
                self._beat_at = now
            self._pending.extend(self.modem.pump(0 if self._pending else timeout))
            while self._pending:
                group = self._head_group(is_kiosk_frame)
                handle = self._on_frames
                if not group:
                    group, handle = self._head_group(lambda ev: ev.kind == events.SENT), self._on_sent
                if group:
                    handle(group)  # raises: the whole group stays pending, handled again next turn
                    for _ev in group:
                        self._pending.popleft()
                    continue
                self._on_event(self._pending[0])  # raises: the event stays first, handled again next turn
                self._pending.popleft()
            if self.ready and (self._queued or self._claimed_at is None
                               or time.monotonic() - self._claimed_at >= POLL):
                self._send_due()
        except sqlite3.DatabaseError as exc:
            raise storage_error(exc) from exc

    def _on_event(self, ev):
        now = self.clock()
        if ev.kind == events.READY:
            self.ready = True
            self._queued = True  # rows left unsent (a reboot, a restart) go now
            link = getattr(ev, "link", None)  # an operator link (lib12333.host.links.channels) or the modem
            self.on_event("link" if link else "modem", "%s ready" % link if link else "ready")
        elif ev.kind.startswith("link-"):
            self._on_link_event(ev)
        elif ev.kind == events.REBOOT:
            self.ready = False
            # Sends in flight are lost with the reboot: their rows stay unsent and go again.
            self.in_flight.clear()
        elif ev.kind == events.MESSAGE:
            self._on_text(ev, now)
        elif ev.kind == events.BAD_MESSAGE:
            self.modem.engine.confirm(ev.token)
        elif ev.kind == events.PDU_WARNINGS:
            log.warning(pdu_warnings_text(ev))
        elif ev.kind == events.SENT:
            self._on_sent([ev])
        elif ev.kind == events.REPORT and getattr(ev, "token", None) is not None:
            # An operator link's status report (lib12333.host.links): recorded, then acknowledged.
            from lib12333.host.links import delivery

            out_id = self.sent_ids.get(ev.id) or self.in_flight.get(ev.id)  # a part may report before the last is sent
            if out_id is None:  # sent before a restart: found by the operator's message id
                out_id = delivery.find(self.centre.conn, getattr(ev, "link", None), getattr(ev, "message_id", None))
            delivery.record(self.centre.conn, out_id, ev, now)
            self.modem.engine.confirm(ev.token)
            self.on_event("report", ev.stat)
        elif ev.kind == events.SEND_FAILED:
            out_id = self.in_flight.get(ev.id)
            if out_id is not None:
                self.centre.mark_attempt(out_id, now, ev.error)
                del self.in_flight[ev.id]

    def _on_link_event(self, ev):
        """What an operator link says about itself, logged for the centre's operator (never a secret or
        a number: the texts come from the protocols' code tables)."""
        if ev.kind == channels.LINK_BIND_FAILED:
            text = "%s: the operator refused the login (%s); check the account and the secret -- next try " \
                   "after a back-off of up to 60 s" % (ev.link, ev.text)
            log.error(text)
        elif ev.kind == channels.LINK_DOWN:
            log.warning("%s: connection down (%s)%s", ev.link, ev.reason,
                        ", %d message(s) ambiguous" % len(ev.ambiguous) if ev.ambiguous else "")
        elif ev.kind == channels.LINK_BAD_PDU:
            log.warning("%s: malformed PDU from the operator: %s", ev.link, ev.error)
        elif ev.kind == channels.LINK_THROTTLED:
            log.info("%s: throttled by the operator (%s)", ev.link, ev.text)

    def _head_group(self, belongs):
        """The events at the head of the pending queue for which ``belongs(ev)``, at most ``GROUP``: handled
        as one commit.  Only consecutive ones, so an event is never handled before one that came earlier."""
        group = []
        for ev in self._pending:
            if len(group) == GROUP or not belongs(ev):
                break
            group.append(ev)
        return group

    def _on_sent(self, group):
        """Record the sends the network accepted (SENT events) in one transaction.  Each is forgotten from
        ``in_flight`` only after the commit: if the database is lost meanwhile, the group is handled again
        and must still find its rows (else a row, unsent and no longer in flight, goes out twice)."""
        from lib12333.host.gateway.db import Transaction

        now = self.clock()
        rows = [(ev, self.in_flight.get(ev.id)) for ev in group]
        rows = [(ev, out_id) for ev, out_id in rows if out_id is not None]
        if not rows:
            return
        linked = [(ev, out_id) for ev, out_id in rows if getattr(ev, "link", None) and getattr(ev, "parts", None)]
        if not linked:
            # One statement is its own transaction (autocommit): no BEGIN and COMMIT round trips.  Not
            # folded into the next group's SERIALIZABLE transaction: its read of outgoing's newest index
            # page made other workers' inserts of answers conflict with it (measured: 3x the re-runs).
            self.centre.mark_all_sent([out_id for _ev, out_id in rows], now)
        else:
            with Transaction(self.centre.conn):
                self.centre.mark_all_sent([out_id for _ev, out_id in rows], now)
                for ev, out_id in linked:
                    from lib12333.host.links import delivery

                    delivery.remember(self.centre.conn, out_id, ev.link, ev.parts, now)
        for ev, out_id in rows:
            del self.in_flight[ev.id]
            self.on_event("sent", out_id)
            self.sent_ids[ev.id] = out_id
            if len(self.sent_ids) > 65536:
                self.sent_ids.pop(min(self.sent_ids))

    def _repeat(self, ev):
        """True (and the SMS acknowledged) for an operator link's deliver committed before a restart whose
        acknowledgement was lost: nothing is done again."""
        key, link = getattr(ev, "key", None), getattr(ev, "link", None)  # an operator link's deliver id
        if not (key and link):
            return False
        from lib12333.host.links import delivery

        if not delivery.seen(self.centre.conn, link, key):
            return False
        self.modem.engine.confirm(ev.token)
        self.on_event("repeat", link)
        return True

    def _on_frames(self, group):
        """Apply the kiosk frames of ``group`` (MESSAGE events) in one transaction, then confirm each.

        Nothing is confirmed before the COMMIT: when it fails (StorageError: a conflict run out of
        retries, a lost connection, a full disk) nothing of the group was applied and every SMS of it
        stays pending.  Each frame is idempotent by its own sequence, so a group handled again after
        a commit whose answer was lost is answered as duplicates, never applied twice."""
        now = self.clock()
        fresh = [ev for ev in group if not self._repeat(ev)]
        if not fresh:
            return
        outcomes = self.centre.handle_many([(ev.message.number, ev.message.data, now) for ev in fresh])
        keyed = [(ev.link, ev.key) for ev in fresh if getattr(ev, "key", None) and getattr(ev, "link", None)]
        if keyed:  # operator links: the delivers' ids, so a repeat after a restart is only acknowledged
            from lib12333.host.gateway.db import Transaction
            from lib12333.host.links import delivery

            with Transaction(self.centre.conn):
                for link, key in keyed:
                    delivery.mark(self.centre.conn, link, key, now)
        self.frames += len(fresh)
        self.groups += 1
        self._queued = True  # their answers and notices
        for ev, outcome in zip(fresh, outcomes):
            self.on_event("frame", outcome)
            self.modem.engine.confirm(ev.token)  # only now: the change (or the refusal) is committed

    def _on_text(self, ev, now):
        """A citizen's text: a status query (查询 <reference>) is answered through ``outgoing``; with the
        deliver's id in the same commit, a repeat after a restart is not answered twice."""
        if self._repeat(ev):
            return
        from lib12333.host.gateway.db import Transaction

        m = ev.message
        key, link = getattr(ev, "key", None), getattr(ev, "link", None)
        with Transaction(self.centre.conn):
            outcome = self.centre.handle_text(m.number or "", m.text or "", now)
            if key and link:
                from lib12333.host.links import delivery

                delivery.mark(self.centre.conn, link, key, now)
        self._queued = True  # the answer, if any
        self.on_event("text", outcome)
        self.modem.engine.confirm(ev.token)  # only now: the answer (or the refusal) is committed

    def _send_due(self, limit=20):
        now = self.clock()
        busy = set(self.in_flight.values())
        due = self.centre.due(now, limit)
        # Cleared before sending: a full batch may hide more due rows, so the next turn looks again.
        self._queued, self._claimed_at = len(due) >= limit, time.monotonic()
        for out_id, kind, to, body in due:
            if out_id in busy:
                continue
            try:
                if kind == "frame":
                    sid = self.modem.engine.send_sms(to, data=bytes(body), port=frame_mod.PORT)
                else:
                    sid = self.modem.engine.send_sms(to, text=bytes(body).decode("utf-8"))
            except Lib12333Error as exc:
                self.centre.mark_attempt(out_id, now, exc, max_attempts=1)
                continue
            self.in_flight[sid] = out_id
