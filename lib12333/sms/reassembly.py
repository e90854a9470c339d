"""
Putting concatenated messages back together, in bounded memory.

Parts are grouped by (sender number, reference, total, reference size): two
senders using the same reference never mix.  Parts may come in any order and
more than once (a duplicate -- the same user data again -- is dropped).  A part
whose place in a set is already taken by *different* user data means the sender
reused the reference for a new message (a phone or modem that restarted its
counter after a power cut): the old set is evicted with reason "superseded" and
the part starts a new set, so the new message is neither merged with the old
one nor mistaken for a duplicate.  The complete message is joined at the
level of the alphabet's units, not of decoded text: septets for 7-bit text (so
an escape sequence cut by another sender's splitter still decodes) and UTF-16
octets for UCS2 (so a surrogate pair cut across two parts still becomes one
character).

Memory is bounded by ``max_sets`` incomplete sets and ``max_bytes`` octets of
user data held; when a new part would pass either bound, the oldest sets are
evicted (reason "capacity").  A set whose first part arrived more than
``timeout`` seconds ago is evicted by ``expire(now)`` (``add`` calls it too)
with reason "timeout".  The caller drains evicted sets with ``take_evicted()``
and decides what to do with the partial text; nothing is dropped silently.

Time is the caller's: ``now`` is any monotonic count of seconds.
"""

from lib12333.errors import ValidationError
from lib12333.sms import gsm7, ucs2

_MISSING = "\u2026"


class Evicted:
    """A set given up on: ``number``, ``ref``, ``total``, ``received``, ``reason``, ``messages``, ``text``."""

    __slots__ = ("number", "ref", "total", "received", "reason", "messages")

    def __init__(self, number, ref, total, reason, messages):
        self.number = number
        self.ref = ref
        self.total = total
        self.reason = reason
        self.messages = messages
        self.received = [m.concat.seq for m in messages]

    @property
    def text(self):
        """Received parts' text joined, with "…" for each run of missing parts (None for 8-bit)."""
        if self.messages and self.messages[0].encoding == "8bit":
            return None
        out = []
        expect = 1
        for m in self.messages:
            if m.concat.seq != expect:
                out.append(_MISSING)
            out.append(_text_of([m]) or "")
            expect = m.concat.seq + 1
        if expect <= self.total:
            out.append(_MISSING)
        return "".join(out)

    def __repr__(self):
        return "Evicted(ref=%d, %d/%d, %s)" % (self.ref, len(self.received), self.total, self.reason)


def _text_of(messages):
    enc = messages[0].encoding
    for m in messages:
        if m.encoding != enc or m.compressed:
            # parts in different alphabets: join what each part decoded to
            if enc == "8bit" or m.encoding == "8bit":
                return None
            return "".join([x.text or "" for x in messages])
    if enc == "gsm7":
        return gsm7.decode(b"".join([m.data for m in messages]))
    if enc == "ucs2":
        return ucs2.decode(b"".join([m.data for m in messages]))
    return None


class _Set:
    __slots__ = ("key", "first", "parts", "size")

    def __init__(self, key, first, total):
        self.key = key
        self.first = first
        self.parts = [None] * total
        self.size = 0


class Reassembler:
    """See the module docstring and ``lib12333.sms``."""

    def __init__(self, timeout=3600, max_sets=16, max_bytes=8192):
        if max_sets < 1 or max_bytes < 140:
            raise ValidationError("reassembler bounds too small", field="max_sets/max_bytes", expected=">= 1 set and >= 140 octets")
        self.timeout = timeout
        self.max_sets = max_sets
        self.max_bytes = max_bytes
        self._sets = {}
        self._order = []  # keys, oldest first
        self._evicted = []
        self.pending_bytes = 0

    @property
    def pending(self):
        return len(self._order)

    def _drop(self, key, reason):
        s = self._sets.pop(key)
        self._order.remove(key)
        self.pending_bytes -= s.size
        msgs = [m for m in s.parts if m is not None]
        ev = Evicted(key[0], key[1], key[2], reason, msgs)
        self._evicted.append(ev)
        return ev

    def expire(self, now):
        """Evict sets whose first part is older than ``timeout``; returns those evicted now."""
        out = []
        while self._order:
            key = self._order[0]
            if now - self._sets[key].first <= self.timeout:
                break
            out.append(self._drop(key, "timeout"))
        return out

    def take_evicted(self):
        """Every set evicted since the last call (oldest first)."""
        ev = self._evicted
        self._evicted = []
        return ev

    def supersede(self, message):
        """Evict the set ``message`` belongs to if its place there holds different user data
        (the sender reused the reference for a new message); True when a set was evicted."""
        c = message.concat
        if c is None:
            return False
        key = (message.number, c.ref, c.total, c.bits)
        s = self._sets.get(key)
        if s is None:
            return False
        old = s.parts[c.seq - 1]
        if old is None or old.data == message.data:
            return False
        self._drop(key, "superseded")
        return True

    def add(self, message, now):
        """Add a decoded part; returns the complete message or None (see the module docstring)."""
        self.expire(now)
        c = message.concat
        if c is None:
            return message
        self.supersede(message)
        key = (message.number, c.ref, c.total, c.bits)
        s = self._sets.get(key)
        if s is None:
            while len(self._order) >= self.max_sets:
                self._drop(self._order[0], "capacity")
            s = _Set(key, now, c.total)
            self._sets[key] = s
            self._order.append(key)
        idx = c.seq - 1
        if s.parts[idx] is not None:
            return None  # duplicate (different data would have superseded the set)
        n = len(message.data)
        s.parts[idx] = message
        s.size += n
        self.pending_bytes += n
        while self.pending_bytes > self.max_bytes:
            self._drop(self._order[0], "capacity")
        if key not in self._sets:
            return None
        for p in s.parts:
            if p is None:
                return None
        self._sets.pop(key)
        self._order.remove(key)
        self.pending_bytes -= s.size
        return _join(s.parts)


def _join(parts):
    first = parts[0]
    m = first.copy()
    m.concat = None
    m.parts = len(parts)
    m.udh = [ie for ie in first.udh if ie[0] not in (0x00, 0x08)]
    m.data = b"".join([p.data for p in parts])
    m.text = _text_of(parts)
    udl = 0
    for p in parts:
        udl += p.udl or 0
    m.udl = udl
    m.tpdu_length = None
    return m
