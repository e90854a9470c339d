"""
The sequence numbers the centre seals with, reserved durably before any of them is used.

The centre seals an answer inside the transaction that applies the request.  If that
transaction fails after the seal (a full disk at COMMIT, a crash, a deferred request),
an UPDATE of the counter in the same transaction is rolled back, and the retry seals a
different answer with the same key and number: a reused AES-CCM nonce.  So, as the
kiosk's outbox does with its RESERVE records, numbers are taken from a block that was
committed *before* the transaction that uses them:

    counters = SealCounters()
    seq = counters.take(conn, "devices", "down_seq", device_id)
        # inside the transaction: raises NeedNumbers when the block is used up

``Centre.handle`` catches ``NeedNumbers`` (its transaction is rolled back: nothing
sealed, nothing changed), runs ``reserve`` -- one short transaction that moves the
stored counter a block ahead -- and handles the frame again.  A rollback or a restart
skips the rest of a block; no number is ever sealed twice.  The stored value
(``devices.down_seq``, ``peers.up_seq``, ``peers.down_seq``) is therefore the first
number *not yet reserved*, which is also what a restore must move past
(lib12333.host.gateway.backup).
"""

from lib12333.errors import CapacityError

BLOCK = 16
# Each counter: (table, column) -> the key column of its row.
KEYS = {("devices", "down_seq"): "device_id", ("peers", "up_seq"): "code", ("peers", "down_seq"): "code"}


class NeedNumbers(Exception):
    """The reserved block of a counter is used up: roll back, ``reserve``, try again."""

    def __init__(self, counters, table, column, key):
        Exception.__init__(self, "%s.%s of %s: no reserved number left" % (table, column, key))
        self.counters = counters
        self.counter = (table, column, key)


class SealCounters:
    """Blocks of reserved numbers held in memory by one process (one gateway, one database)."""

    def __init__(self):
        self._blocks = {}

    def take(self, table, column, key):
        """The next reserved number of the counter (table, column, key); NeedNumbers when none is left."""
        block = self._blocks.get((table, column, key))
        if block is None or block[0] >= block[1]:
            raise NeedNumbers(self, table, column, key)
        seq = block[0]
        block[0] += 1
        return seq

    def reserve(self, conn, need):
        """Commit the next block of ``need``'s counter (its own statement, outside the failed transaction).

        The database allocates it: one UPDATE ... RETURNING moves the stored counter and reads it back
        atomically, so several workers (processes, machines) sharing a PostgreSQL database each get
        blocks no other worker has -- two workers never seal with the same key and number.
        """
        table, column, key = need.counter
        key_column = KEYS[(table, column)]
        if conn.in_transaction:
            # inside another transaction the UPDATE would join it, and a later rollback would undo it
            # while the block stays in memory: numbers could then be reserved (and sealed) twice
            raise RuntimeError("sealing numbers must be reserved in their own committed statement")
        row = conn.execute("UPDATE %s SET %s = %s + ? WHERE %s = ? AND %s + ? <= ? RETURNING %s" % (
            table, column, column, key_column, column, column), (BLOCK, key, BLOCK, 0xFFFFFFFF + 1)).fetchone()
        if row is None:
            raise CapacityError("%s %s: sealing numbers exhausted; give it a new key" % (table, key))
        upto = row[0]
        self._blocks[need.counter] = [upto - BLOCK, upto]
