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

Several workers answering one kiosk: each holds its own block, so without care a worker
could seal with a number of an old block while another has already sent answers numbered
far above it -- below the kiosk's replay window (64), dropped, a loss report never
confirmed.  So only a counter's *newest* block seals: the transaction that seals reads the
stored value with the row locked (``take(..., stored)``) and a block whose end is not that
value (someone reserved after it) is dropped and a new one reserved.  Every answer's number
is then at most BLOCK below the highest number ever reserved for that kiosk, whichever
worker seals it (tests/host/test_gateway_down_window.py).

A block is also dropped when the connection it was reserved through was lost (PostgreSQL:
``PgConnection.epoch``): the server may have lost that commit with it (a crash with
``synchronous_commit`` off, a failover to an asynchronous standby) and handed the same
numbers to another worker since, whose block then ends where ours does.
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

    def take(self, table, column, key, stored=None):
        """The next reserved number of the counter (table, column, key); NeedNumbers when none is left.

        ``stored``: the counter's value read in this transaction.  Given, only the newest block
        seals (its end is the stored value): see ``usable``.
        """
        self.check(table, column, key, stored)
        block = self._blocks[(table, column, key)]
        seq = block[0]
        block[0] += 1
        return seq

    def check(self, table, column, key, stored=None):
        """NeedNumbers unless a number of the counter can be taken now (``take``)."""
        if not self.usable(table, column, key, stored):
            raise NeedNumbers(self, table, column, key)

    def usable(self, table, column, key, stored=None):
        """True when this process holds a number of the counter that may seal now.

        Several workers share a kiosk: when another one has reserved a block since ours, the
        stored value has moved past our block's end and our remaining numbers are older than
        what the kiosk may already have received -- far enough behind, below its replay window
        (64).  Such a block is dropped: only the newest block of a counter seals, so every
        answer's number is at most BLOCK below the highest number ever reserved for that kiosk.
        """
        block = self._blocks.get((table, column, key))
        if block is None or block[0] >= block[1]:
            return False
        if block[2] is not None and block[2][1] != block[2][0].epoch:
            del self._blocks[(table, column, key)]  # reserved through a connection since lost: maybe not durable
            return False
        if stored is not None and block[1] != stored:
            del self._blocks[(table, column, key)]  # an older block: never used again (skipped numbers)
            return False
        return True

    def reserve(self, conn, need):
        """Commit the next block of ``need``'s counter (its own statement, outside the failed transaction)."""
        self.reserve_all(conn, [need])

    def reserve_all(self, conn, needs):
        """Commit the next block of every counter in ``needs`` (NeedNumbers), one statement per counter kind.

        The database allocates them: one UPDATE ... RETURNING moves the stored counters and reads them
        back atomically, so several workers (processes, machines) sharing a PostgreSQL database each get
        blocks no other worker has -- two workers never seal with the same key and number.  A group of
        frames (``Centre.handle_many``) reserves for all its kiosks with one commit.
        """
        if conn.in_transaction:
            # inside another transaction the UPDATE would join it, and a later rollback would undo it
            # while the block stays in memory: numbers could then be reserved (and sealed) twice
            raise RuntimeError("sealing numbers must be reserved in their own committed statement")
        wanted = {}
        for need in needs:
            table, column, key = need.counter
            wanted.setdefault((table, column), set()).add(key)
        for (table, column), keys in sorted(wanted.items()):
            key_column = KEYS[(table, column)]
            keys = sorted(keys)
            rows = conn.execute("UPDATE %s SET %s = %s + ? WHERE %s IN (%s) AND %s + ? <= ? RETURNING %s, %s" % (
                table, column, column, key_column, ",".join("?" * len(keys)), column, key_column, column),
                [BLOCK] + keys + [BLOCK, 0xFFFFFFFF + 1]).fetchall()
            # the PostgreSQL connection and its epoch now (None: SQLite, whose commits a reconnect cannot undo)
            through = (conn, conn.epoch) if hasattr(conn, "epoch") else None
            for key, upto in rows:
                self._blocks[(table, column, key)] = [upto - BLOCK, upto, through]
            missing = set(keys) - set(key for key, _upto in rows)
            if missing:
                raise CapacityError("%s %s: sealing numbers exhausted; give it a new key" % (table, min(missing)))
