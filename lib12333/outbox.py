"""
The kiosk's durable outbox: requests that must reach the centre, and the sequence counter.

    ob = Outbox(journal, cipher, device_id)
    ob.open(now)                         # recover after boot; pending requests become due at once
    seq = ob.accept(msg_type, payload, now)
                                         # sealed and durable before it returns; seq is the receipt number
    for ev in ob.poll(now): ...          # ("send", seq, frame_bytes) or ("failed", seq, msg_type)
    ob.ack(seq)                          # the centre acknowledged: done
    ob.backlog(now, skip_type)           # (unacknowledged count, age of the oldest) for the status report
    seq, frame = ob.seal_volatile(msg_type, payload, now)
                                         # queries that need no durability still take a fresh seq

Guarantees (tested by the power-cut harness, tests/host/test_powercut.py):

- A request is in the journal (synced) before ``accept`` returns.  After a
  reboot every unacknowledged request is sent again, byte for byte the same
  frame (same seq, same nonce, same ciphertext), so the centre can deduplicate
  by (device, seq) and a retransmission never reuses a nonce for new data.
- Sequence numbers are reserved in blocks: a RESERVE record is durable before
  any number of its block is used, and after a reboot counting resumes after the
  reserved block, so a number is never used twice (numbers may be skipped).
- Retries back off exponentially (``base_delay * 2**(k-1)``, capped at
  ``max_delay``; times are the caller's seconds) and after ``max_attempts`` sends
  the request fails with a ("failed", ...) event; it stays in ``failures()``
  until ``dismiss(seq)`` so a reboot cannot swallow the report.

Journal records (types 0x10-0x17): RESERVE u32 upto; ACCEPT u32 seq, u8 type,
u32 time, frame; ATTEMPT u32 seq, u8 count; ACKED u32 seq; FAILED u32 seq;
DISMISS u32 seq; WINDOW bytes (the persisted replay window for frames from the
centre); ACCEPT_TO (0x17, issue 8) u32 seq, u8 type, u32 time, u8 n, n bytes of
the destination number (ASCII), frame: an ACCEPT that also fixes where the
request goes, written in the same record so a power cut cannot separate the
request from its destination.  A journal without 0x17 records (older firmware)
reads as before; ``destination(seq)`` is then None and the caller uses its
default number.
"""

from lib12333.errors import CapacityError, DecodeError, SecurityError, StorageError, ValidationError
from lib12333.secure import frame as _frame
from lib12333.secure import messages as _messages

R_RESERVE = 0x10
R_ACCEPT = 0x11
R_ATTEMPT = 0x12
R_ACKED = 0x13
R_FAILED = 0x14
R_DISMISS = 0x15
R_WINDOW = 0x16
R_ACCEPT_TO = 0x17
MAX_DESTINATION = 24

SEND = "send"
FAILED = "failed"


def _p32(v):
    return bytes(((v >> 24) & 0xFF, (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF))


def _u32(b, i=0):
    if len(b) < i + 4:
        raise StorageError("outbox record too short")
    return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]


class _Entry:
    def __init__(self, seq, msg_type, accepted_at, frame, dest=None):
        self.seq = seq
        self.msg_type = msg_type
        self.accepted_at = accepted_at
        self.frame = frame
        self.dest = dest
        self.attempts = 0
        self.due = 0


def _accept_record(e):
    """(type, body) of the record that stores entry ``e``: ACCEPT, or ACCEPT_TO when it has a destination."""
    head = _p32(e.seq) + bytes((e.msg_type,)) + _p32(e.accepted_at)
    if e.dest is None:
        return R_ACCEPT, head + e.frame
    d = e.dest.encode()
    return R_ACCEPT_TO, head + bytes((len(d),)) + d + e.frame


def _check_destination(dest):
    if dest is None:
        return
    if not isinstance(dest, str) or not 1 <= len(dest) <= MAX_DESTINATION:
        raise ValidationError("destination must be 1..24 characters", field="destination")
    for ch in dest:
        if not ("0" <= ch <= "9" or ch == "+"):
            raise ValidationError("destination must be a phone number", field="destination", expected="digits and +")


class Outbox:
    def __init__(self, journal, cipher, device_id, reserve_block=16, max_attempts=6, base_delay=60,
                 max_delay=3600, max_pending=32, compact_at=4096):
        if type(device_id) is not int or not 1 <= device_id <= 0xFFFFFFFF:
            raise ValidationError("device id must be 1..4294967295", field="device_id")
        if reserve_block < 1 or max_attempts < 1:
            raise ValidationError("reserve_block and max_attempts must be positive", field="outbox")
        self.journal = journal
        self.cipher = cipher
        self.device_id = device_id
        self.reserve_block = reserve_block
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_pending = max_pending
        self.compact_at = compact_at
        self._pending = {}
        self._failed = {}
        self._reserved = 0
        self._next = 1
        self.window = None  # bytes of the persisted replay window, or None
        self._opened = False

    # ------------------------------------------------------------ recovery

    def open(self, now, first_seq=1, new_key=None):
        """Recover from the journal; returns the list of pending sequence numbers.

        Provisioning (lib12333 deploy; docs/security.md "Lifecycle"): ``first_seq`` is
        the lowest number this device's key may use (counting never goes below it);
        ``new_key`` True means the key was just provisioned: a journal without any
        reservation starts at ``first_seq`` and is marked in use at once.  ``new_key``
        False means the key has been used: a journal without any reservation means
        the counter is lost, and sealing would repeat nonces, so SecurityError (the
        outbox stays closed).  None (no provisioning information): as before.
        """
        pending = {}
        failed = {}
        reserved = 0
        window = None
        for rtype, body in self.journal.open():
            if rtype == R_RESERVE:
                upto = _u32(body)
                if upto > reserved:
                    reserved = upto
            elif rtype == R_ACCEPT:
                if len(body) < 9:
                    raise StorageError("outbox ACCEPT record too short")
                seq = _u32(body)
                failed.pop(seq, None)  # a retried failure is written again as ACCEPT
                pending[seq] = _Entry(seq, body[4], _u32(body, 5), bytes(body[9:]))
                if seq > reserved:
                    reserved = seq
            elif rtype == R_ACCEPT_TO:
                if len(body) < 10 or len(body) < 10 + body[9]:
                    raise StorageError("outbox ACCEPT_TO record too short")
                seq = _u32(body)
                n = body[9]
                failed.pop(seq, None)
                dest = ""
                for c in body[10 : 10 + n]:
                    if not (48 <= c <= 57 or c == 43):  # digits and "+", as accept() checked
                        raise StorageError("outbox ACCEPT_TO record has a bad destination")
                    dest += chr(c)
                pending[seq] = _Entry(seq, body[4], _u32(body, 5), bytes(body[10 + n :]), dest)
                if seq > reserved:
                    reserved = seq
            elif rtype == R_ATTEMPT:
                e = pending.get(_u32(body))
                if e is not None and len(body) >= 5:
                    e.attempts = body[4]
            elif rtype == R_ACKED:
                pending.pop(_u32(body), None)
            elif rtype == R_FAILED:
                seq = _u32(body)
                e = pending.pop(seq, None)
                if e is not None:
                    failed[seq] = e
            elif rtype == R_DISMISS:
                failed.pop(_u32(body), None)
            elif rtype == R_WINDOW:
                window = bytes(body)
        if reserved == 0 and new_key is False:
            raise SecurityError("journal lost while the key is in use: counting again would repeat nonces; "
                                "re-provision this board with a new key (lib12333 deploy --replace)")
        for e in pending.values():
            e.due = now
        self._pending = pending
        self._failed = failed
        self._reserved = reserved
        # Never reuse: continue after everything that was (or may have been) handed out.
        if reserved < first_seq - 1:
            self._reserved = first_seq - 1
        self._next = self._reserved + 1
        self.window = window
        self._opened = True
        if reserved == 0 and new_key:
            self._reserve()  # durable before the kiosk adopts the key: the journal is now this key's
        return sorted(pending)

    # ------------------------------------------------------------ sequence numbers

    def next_seq(self):
        """A fresh sequence number; reserves the next block durably when needed."""
        if not self._opened:
            raise StorageError("outbox not opened")
        if self._next > self._reserved:
            self._reserve()
        seq = self._next
        self._next += 1
        return seq

    def _reserve(self):
        upto = self._reserved + self.reserve_block
        if upto > 0xFFFFFFFF:
            raise CapacityError("sequence numbers exhausted: re-provision the board (lib12333 deploy --replace)")
        self.journal.append(R_RESERVE, _p32(upto))
        self._reserved = upto

    def _seal(self, msg_type, payload, now, seq):
        return _frame.seal(self.cipher, _frame.Frame(msg_type, self.device_id, seq, now, payload, _frame.UP))

    # ------------------------------------------------------------ requests

    def accept(self, msg_type, payload, now, destination=None):
        """Seal and store a request; returns its sequence number once it is durable.

        ``destination`` (a phone number, optional) is stored in the same journal
        record; ``destination(seq)`` returns it after any reboot.
        """
        _check_destination(destination)
        if len(self._pending) >= self.max_pending:
            raise CapacityError("outbox full: too many unacknowledged requests")
        # Validate (type, direction, size) before a sequence number is spent.
        _frame.encode_header(_frame.Frame(msg_type, self.device_id, 1, now, payload, _frame.UP))
        try:
            _messages.decode(msg_type, payload)
        except DecodeError as e:
            raise ValidationError("payload does not decode as its message type: " + str(e), field="payload")  # noqa: B904
        seq = self.next_seq()
        raw = self._seal(msg_type, payload, now, seq)
        e = _Entry(seq, msg_type, now, raw, destination)
        rtype, body = _accept_record(e)
        self.journal.append(rtype, body)
        e.due = now
        self._pending[seq] = e
        self._maybe_compact()
        return seq

    def seal_volatile(self, msg_type, payload, now):
        """(seq, frame) for a message that is not kept across reboots (queries, acks)."""
        seq = self.next_seq()
        return seq, self._seal(msg_type, payload, now, seq)

    def _delay(self, attempts):
        d = self.base_delay
        for _ in range(attempts - 1):
            d *= 2
            if d >= self.max_delay:
                return self.max_delay
        return d if d < self.max_delay else self.max_delay

    def poll(self, now):
        """Events due at ``now``: ("send", seq, frame) to transmit, ("failed", seq, msg_type) to report."""
        events = []
        for seq in sorted(self._pending):
            e = self._pending[seq]
            if now < e.due:
                continue
            if e.attempts >= self.max_attempts:
                self.journal.append(R_FAILED, _p32(seq))
                del self._pending[seq]
                self._failed[seq] = e
                events.append((FAILED, seq, e.msg_type))
                continue
            e.attempts += 1
            self.journal.append(R_ATTEMPT, _p32(seq) + bytes((e.attempts if e.attempts < 256 else 255,)))
            e.due = now + self._delay(e.attempts)
            events.append((SEND, seq, e.frame))
        self._maybe_compact()
        return events

    def next_due(self):
        """Earliest time poll() has something to do, or None."""
        best = None
        for e in self._pending.values():
            if best is None or e.due < best:
                best = e.due
        return best

    def ack(self, seq):
        """Mark ``seq`` acknowledged; True if it was pending (a repeated ack returns False)."""
        if seq not in self._pending:
            return False
        self.journal.append(R_ACKED, _p32(seq))
        del self._pending[seq]
        self._maybe_compact()
        return True

    def pending(self):
        return sorted(self._pending)

    def pending_of(self, msg_type):
        """Sequence numbers of the unacknowledged entries of ``msg_type``."""
        return [s for s in sorted(self._pending) if self._pending[s].msg_type == msg_type]

    def backlog(self, now, skip_type=None):
        """(count, age in seconds of the oldest) of entries not acknowledged -- waiting or given up --
        other than those of ``skip_type``; the age is 0 when there are none."""
        n = 0
        oldest = None
        for table in (self._pending, self._failed):
            for e in table.values():
                if e.msg_type == skip_type:
                    continue
                n += 1
                if oldest is None or e.accepted_at < oldest:
                    oldest = e.accepted_at
        return n, 0 if oldest is None or now < oldest else now - oldest

    def destination(self, seq):
        """The number ``seq`` was accepted for, or None (accepted without one, or unknown)."""
        e = self._pending.get(seq) or self._failed.get(seq)
        return None if e is None else e.dest

    def failures(self):
        """[(seq, msg_type, accepted_at)] of requests that gave up and are not yet dismissed."""
        return [(s, self._failed[s].msg_type, self._failed[s].accepted_at) for s in sorted(self._failed)]

    def dismiss(self, seq):
        if seq in self._failed:
            self.journal.append(R_DISMISS, _p32(seq))
            del self._failed[seq]
            self._maybe_compact()

    def retry(self, seq, now):
        """Put a failed request back in the queue (same frame, attempts reset)."""
        e = self._failed.pop(seq, None)
        if e is None:
            return False
        rtype, body = _accept_record(e)
        self.journal.append(rtype, body)
        e.attempts = 0
        e.due = now
        self._pending[seq] = e
        return True

    def attempts(self, seq):
        e = self._pending.get(seq) or self._failed.get(seq)
        return None if e is None else e.attempts

    def save_window(self, window_bytes):
        """Persist the replay window for frames from the centre (ReplayWindow.to_bytes())."""
        self.journal.append(R_WINDOW, window_bytes)
        self.window = bytes(window_bytes)
        self._maybe_compact()

    # ------------------------------------------------------------ compaction

    def live_records(self):
        recs = [(R_RESERVE, _p32(self._reserved))]
        for seq in sorted(self._pending):
            e = self._pending[seq]
            recs.append(_accept_record(e))
            if e.attempts:
                recs.append((R_ATTEMPT, _p32(seq) + bytes((e.attempts,))))
        for seq in sorted(self._failed):
            e = self._failed[seq]
            recs.append(_accept_record(e))
            recs.append((R_FAILED, _p32(seq)))
        if self.window is not None:
            recs.append((R_WINDOW, self.window))
        return recs

    def _maybe_compact(self):
        if self.journal.size() >= self.compact_at:
            self.compact()

    def compact(self):
        self.journal.compact(self.live_records())
