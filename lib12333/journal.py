"""
A power-loss-safe, append-only journal of checksummed records on two byte stores.

Record layout (all big-endian)::

    u16 n      length of type + body (1 .. 65535)
    u8  type   0x01 HEAD, 0x02 COMMIT, 0x10-0xFF owner's records
    ... body   n - 1 bytes
    u32 crc    CRC-32 (binascii.crc32) of the n + 2 bytes before it

A slot (one store) holds ``HEAD(gen)``, a snapshot of records, ``COMMIT(gen,
count)``, then records appended one by one.  Recovery reads both slots, keeps
the slot with the highest generation whose COMMIT is intact, and stops reading
it at the first record that is short or fails its CRC (a torn tail).  A torn
tail is removed by compacting into the other slot, because stores can only be
appended to or reset to zero length.

Compaction (``compact(records)``) writes HEAD(gen + 1), the live records and
COMMIT to the idle slot, syncs it, and only then resets the old slot; a power
cut at any point leaves one complete slot.  The owner decides what is live
(``lib12333.outbox`` keeps pending requests and the sequence reservation).

    j = Journal(store_a, store_b)
    records = j.open()          # [(type, body), ...] in write order
    j.append(0x10, b"...")      # durable when it returns (sync=True)
    j.compact(live_records)

Stores implement size/read/append/sync/reset (lib12333.storage).
"""

from binascii import crc32

from lib12333.errors import StorageError, ValidationError

HEAD = 0x01
COMMIT = 0x02
FIRST_USER_TYPE = 0x10
_MAGIC = b"L12J"
_FORMAT = 1
_OVERHEAD = 7  # length, type, crc


def encode_record(rtype, body):
    n = len(body) + 1
    if n > 0xFFFF:
        raise ValidationError("journal record too long", field="body", expected="<= 65534 bytes")
    head = bytes((n >> 8, n & 0xFF, rtype))
    c = crc32(body, crc32(head)) & 0xFFFFFFFF
    return head + bytes(body) + bytes(((c >> 24) & 0xFF, (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF))


def scan(data):
    """Parse records from ``data``; returns (records, end) where end is the offset after the last good one."""
    out = []
    pos = 0
    total = len(data)
    while pos + _OVERHEAD <= total:
        n = (data[pos] << 8) | data[pos + 1]
        if n == 0 or pos + n + 6 > total:
            break
        end = pos + 2 + n
        c = crc32(data[pos:end]) & 0xFFFFFFFF
        stored = (data[end] << 24) | (data[end + 1] << 16) | (data[end + 2] << 8) | data[end + 3]
        if c != stored:
            break
        out.append((data[pos + 2], bytes(data[pos + 3 : end])))
        pos = end + 4
    return out, pos


def _u32(b, i):
    return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]


def _p32(v):
    return bytes(((v >> 24) & 0xFF, (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF))


class _Slot:
    def __init__(self, store):
        self.store = store
        self.valid = False
        self.gen = 0
        self.records = []
        self.end = 0
        self.size = 0

    def load(self):
        self.size = self.store.size()
        data = self.store.read(0, self.size) if self.size else b""
        recs, end = scan(data)
        self.end = end
        self.valid = False
        if not recs or recs[0][0] != HEAD:
            return
        body = recs[0][1]
        if len(body) != 9 or body[:4] != _MAGIC or body[4] != _FORMAT:
            return
        gen = _u32(body, 5)
        for i in range(1, len(recs)):
            t, b = recs[i]
            if t == COMMIT:
                if len(b) == 8 and _u32(b, 0) == gen and _u32(b, 4) == i - 1:
                    self.valid = True
                    self.gen = gen
                    self.records = recs[1:i] + recs[i + 1 :]
                break
            if t < FIRST_USER_TYPE:
                return


class Journal:
    """Append-only journal over two stores; see the module docstring."""

    def __init__(self, store_a, store_b):
        self._slots = (_Slot(store_a), _Slot(store_b))
        self._active = None
        self.generation = 0
        self.torn_bytes = 0  # bytes dropped from a torn tail at the last open()
        self.opened = False

    def open(self):
        """Recover and return the records [(type, body), ...] in write order."""
        a, b = self._slots
        a.load()
        b.load()
        cands = [s for s in (a, b) if s.valid]
        if not cands:
            # Nothing was ever committed: only an interrupted first HEAD + COMMIT can be there.
            if a.size + b.size > 2 * (_OVERHEAD + 9) + (_OVERHEAD + 8):
                raise StorageError("no intact journal slot; data is corrupt")
            self._active = None
            self.generation = 0
            self.torn_bytes = a.size + b.size
            self.opened = True
            self.compact([])
            return []
        best = cands[0]
        if len(cands) == 2 and cands[1].gen > cands[0].gen:
            best = cands[1]
        self._active = best
        self.generation = best.gen
        records = best.records
        self.torn_bytes = best.size - best.end
        self.opened = True
        if self.torn_bytes:
            self.compact(records)
        return records

    def size(self):
        """Bytes used in the active slot."""
        return self._active.store.size() if self._active is not None else 0

    def append(self, rtype, body, sync=True):
        if not self.opened:
            raise StorageError("journal not opened")
        if rtype < FIRST_USER_TYPE or rtype > 0xFF:
            raise ValidationError("record type must be 0x10..0xFF", field="rtype")
        st = self._active.store
        st.append(encode_record(rtype, body))
        if sync:
            st.sync()

    def sync(self):
        self._active.store.sync()

    def compact(self, records):
        """Rewrite ``records`` as the snapshot of a new generation in the idle slot."""
        a, b = self._slots
        new = b if self._active is a else a
        old = self._active
        gen = (self.generation + 1) & 0xFFFFFFFF
        st = new.store
        st.reset()
        st.append(encode_record(HEAD, _MAGIC + bytes((_FORMAT,)) + _p32(gen)))
        for rtype, body in records:
            if rtype < FIRST_USER_TYPE:
                raise ValidationError("record type must be 0x10..0xFF", field="rtype")
            st.append(encode_record(rtype, body))
        st.append(encode_record(COMMIT, _p32(gen) + _p32(len(records))))
        st.sync()
        # The new slot is complete and durable; only now forget the old one.
        if old is not None:
            old.store.reset()
        new.gen = gen
        new.valid = True
        self._active = new
        self.generation = gen
