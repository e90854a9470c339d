"""
Answers sent again: what a repeated answer says, and how many the centre sends.

A frame that was applied before is answered again from ``applied`` (the kiosk
lost the first answer).  A replayed captured frame gets the same treatment, and
each repeat costs the centre one SMS to whatever sender the attacker spoofs, so
repeats are bounded (docs/security.md section 5):

- per device, at most ``per_hour`` repeats in any hour (kept in memory: a
  restart forgets them, which an attacker cannot cause);
- none while ``max_queued`` messages wait in ``outgoing``.

New requests are never limited here: they need a fresh authentic frame, which
only the kiosk can make.  The queue bound also holds back answers to citizens'
status-query SMS (``Centre.handle_text``), whose senders are as easy to spoof.
"""

from lib12333.secure import messages as msg

HOUR = 3600


class RepeatLimit:
    def __init__(self, per_hour=10, max_queued=500):
        self.per_hour = per_hour
        self.max_queued = max_queued
        self.waiting = None  # the queue length last counted (count_waiting)
        self._recent = {}  # device id -> times of its recent repeats
        # (device id, time) counted by the transaction in progress: a rollback sent nothing (``undo``)
        self._counted = []

    def count_waiting(self, conn):
        """Count the messages waiting in ``outgoing`` (called before a frame's transaction, see ``refused``)."""
        self.waiting = conn.execute("SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL AND failed IS NULL")\
            .fetchone()[0]
        return self.waiting

    def refused(self, conn, who, now):
        # Inside a frame's transaction the queue length counted just before it is used: counting there
        # would make every PostgreSQL transaction that queues an answer conflict with this one
        # (a serializable read of the whole queue), and the bound is a rough one anyway.
        """Why a repeat to device ``who`` is not sent at ``now``, or None (then it counts); ``who`` None: queue only."""
        waiting = self.waiting if conn.in_transaction and self.waiting is not None else self.count_waiting(conn)
        if waiting >= self.max_queued:
            return "outgoing queue full"
        if who is None:
            return None
        recent = [t for t in self._recent.get(who, ()) if now - HOUR < t <= now]
        self._recent[who] = recent
        if len(recent) >= self.per_hour:
            return "re-answer limit"
        recent.append(now)
        self._counted.append((who, now))
        return None

    def mark(self):
        """Where the repeats counted so far end (``undo`` back to it)."""
        return len(self._counted)

    def undo(self, mark=0):
        """Forget the repeats counted since ``mark``: their transaction (or savepoint) was rolled back."""
        while len(self._counted) > mark:
            who, when = self._counted.pop()
            self._recent[who].remove(when)

    def keep(self):
        """The transaction committed: its repeats were queued and count for good."""
        self._counted = []


def repeated(reply_type, payload):
    """The payload of an answer sent again: an ACK says 1 "duplicate" (the kiosk shows 该申请此前已受理)."""
    if reply_type != msg.ACK:
        return payload
    fields = msg.decode(msg.ACK, payload)
    fields["result"] = msg.ACK_DUPLICATE
    return msg.encode(msg.ACK, fields)
