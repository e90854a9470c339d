"""
Group commit: the SMS waiting on a worker's modem applied in one transaction (issue 16).

Each commit costs the database an ``fsync``; a worker that commits every frame alone spends
most of its time waiting for it.  ``handle_many(centre, frames)`` applies the frames that are
waiting (the caller bounds how many) with one COMMIT and returns their outcomes only after it:
the caller deletes each SMS from the modem then, so an SMS is still never deleted before what
it changed is durable.

Each frame runs in a savepoint of the shared transaction (``Centre._handle_frame`` opens a
``Transaction``, which is a savepoint inside another): a frame that is rejected or deferred is
undone alone and the others commit.  A frame whose kiosk needs sealing numbers
(``NeedNumbers``, lib12333.host.gateway.counters) is undone alone too and handled again after
the reservation, which commits on its own.  A conflict with another worker (PostgreSQL,
``Conflict``) rolls back the whole group, which runs again from the start; a storage failure
rolls it back and raises StorageError: nothing applied, nothing to delete.  One frame is
``handle_many`` of one frame, in a transaction of its own (no savepoint on SQLite).

Several workers on PostgreSQL: the group runs READ COMMITTED with row locks, not SERIALIZABLE.
Serializable isolation aborted a group whenever PostgreSQL saw a read of it changed by another
worker's transaction -- about one group in three with 4 workers, each then applied again from the
start (docs/benchmarks.md).  What the frames need from isolation is given by locks instead, each
read that a write depends on being of a locked row or of rows only the holder of such a lock
writes:

- the kiosk's device row (``FOR UPDATE``, all of the group's first, in id order, with the kiosks
  its peers' answers are for, then the peers' rows: ``_lock_group_rows``; so two workers never wait
  for each other in a circle over kiosks and peers): its replay window, its sealing counter
  (``SealCounters.usable`` reads the newest value under the lock) and its key;
- ``applied`` of that kiosk and its ``kiosk_status``: written only under its device lock (a peer's
  answer to a relayed request too: relay.py locks the kiosk before it writes), so the look-up
  before the insert is current, and the keys make a second insert fail rather than apply twice;
- the card (``Centre._card``: ``FOR UPDATE``): a loss report reads its state and writes the
  next one; a console or another kiosk reporting the same card waits for the lock and then reads
  the state this frame committed;
- the peer's row for a peer's frames (relay.py, ``FOR NO KEY UPDATE``: not ``FOR UPDATE``, which
  would also block the KEY SHARE lock that ``relays_out``'s foreign key takes when a kiosk frame is
  relayed to that peer -- a deadlock with the peer's answer to that kiosk): its replay windows and
  answer counter, ``relays_in`` of that peer, and the state of our relays to it in ``relays_out``.

A request relayed to a peer reads the peer's relay counter without a lock (locking it there would
take the peer's row after cards of earlier frames of the group, while a peer's relayed request takes
a card after the peer's row; relays_out's foreign key takes only KEY SHARE): at worst it is sealed
from a block reserved just before another worker's newer one, and the peer applies a relay below its
replay window once all the same (``relays_in``, relay.py ``_window``).

What is read without a lock only bounds, roughly: the queue length (repeats.py) and the notices
sent to one number today (request_desk.py); two workers may each let one more through.  The
request desk's own store runs its transactions as before.
``tests/host/test_gateway_row_locks.py`` runs the races these locks are for on a real server.
"""

import sqlite3

from lib12333.errors import DecodeError, Lib12333Error, SecurityError
from lib12333.host.gateway.counters import NeedNumbers
from lib12333.host.gateway.db import Transaction, storage_error
from lib12333.host.gateway.pg import Conflict
from lib12333.secure import aes, replay
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.secure.replay import ReplayWindow

CONFLICT_RETRIES = 64  # a group read by several workers at once is handled again from the start


def handle_many(centre, frames):
    """The outcomes of the frames [(sender, data, now)], in order, once they are committed."""
    outcomes = [None] * len(frames)
    todo = list(range(len(frames)))
    try:
        reserve_ahead(centre, frames)
        for _attempt in range(CONFLICT_RETRIES):
            needs = []
            try:
                _handle_group(centre, frames, todo, outcomes, needs)
            except NeedNumbers as need:  # a single frame: its transaction was rolled back
                centre.repeats.undo()
                needs = [(todo[0], need)]
            except Conflict:
                # PostgreSQL: another worker changed what these frames read; everything was rolled back.
                centre.repeats.undo()
                centre.stats["conflicts"] += 1
                continue
            centre.repeats.keep()  # committed: the answers sent again are queued
            todo = [i for i, _need in needs]
            for counters in set(need.counters for _i, need in needs):  # the centre's, the relay's
                # rolled back before anything was sealed with a used number
                counters.reserve_all(centre.conn, [need for _i, need in needs if need.counters is counters])
            centre.stats["reserved"] += len(needs)
            if not todo:
                return outcomes
        if needs:
            raise RuntimeError("sealing numbers could not be reserved")
        raise Conflict("%d conflicts with other workers in a row" % CONFLICT_RETRIES)
    except sqlite3.DatabaseError as exc:
        centre.repeats.undo()  # rolled back: nothing was sent again
        raise storage_error(exc) from exc
    except BaseException:
        centre.repeats.undo()
        raise


def reserve_ahead(centre, frames):
    """Reserve sealing numbers, before the transaction, for the authentic frames whose kiosk this worker
    holds no usable block for (its first answer to it, or another worker reserved since).

    One read and one commit for the group instead of a rollback and a second run of each such frame.
    Only authentic frames the replay window calls new: a forged header must not make the centre spend
    numbers, nor a replayed one (it may not be answered at all: the repeat bound); a late frame
    below the window reserves in the transaction's retry.  Checked again inside the transaction
    (``SealCounters.usable``), where the device row is locked.
    """
    waiting = {}
    for _sender, data, _now in frames:
        try:
            header = frame_mod.peek(data)
        except Lib12333Error:
            continue
        if header.msg_type not in (msg.RELAY, msg.RELAY_ANSWER):  # a peer's frame: relay.py reserves
            waiting.setdefault(header.device_id, []).append(data)
    if not waiting:
        return
    ids = sorted(waiting)
    rows = centre.conn.execute("SELECT device_id, key, down_seq, window FROM devices WHERE status = 'active'"
                               " AND device_id IN (%s)" % ",".join("?" * len(ids)), ids).fetchall()
    needs = []
    for device_id, key, stored, window in rows:
        if centre.counters.usable("devices", "down_seq", device_id, stored):
            continue
        cipher = aes.AES128(bytes(key))
        window = ReplayWindow.from_bytes(bytes(window)) if window else ReplayWindow(256)
        for data in waiting[device_id]:
            try:
                f = frame_mod.open(cipher, data, direction=frame_mod.UP)
            except (SecurityError, DecodeError):
                continue
            if window.classify(f.seq) != replay.NEW:
                continue
            needs.append(NeedNumbers(centre.counters, "devices", "down_seq", device_id))
            break
    if needs:
        centre.counters.reserve_all(centre.conn, needs)
        centre.stats["reserved"] += len(needs)


def _handle_group(centre, frames, todo, outcomes, needs):
    centre.repeats.count_waiting(centre.conn)  # outside the transaction (repeats.py)
    postgresql = getattr(centre.conn, "backend", None) == "postgresql"
    if len(todo) == 1 and not postgresql:  # SQLite, one frame: its own transaction, no savepoint
        sender, data, now = frames[todo[0]]
        outcomes[todo[0]] = centre._handle_frame(sender, data, now)
        return
    # Each frame's own Transaction is a savepoint of this one.  PostgreSQL: READ COMMITTED with row locks
    # (the module's docstring says why that is enough), the group's kiosks locked first, in one order.
    try:
        with Transaction(centre.conn, row_locks=True):
            if postgresql:
                _lock_group_rows(centre, [frames[i][1] for i in todo])
            for i in todo:
                sender, data, now = frames[i]
                mark = centre.repeats.mark()
                try:
                    outcomes[i] = centre._handle_frame(sender, data, now)
                except NeedNumbers as need:
                    centre.repeats.undo(mark)  # the frame's savepoint was rolled back
                    needs.append((i, need))
    finally:
        centre._opened = {}


def _lock_group_rows(centre, datas):
    """Lock the rows the frames among ``datas`` will lock, before any of them is handled, in one order:
    the devices of the authentic kiosk frames and of the kiosks the peers' answers are for, by id, then
    the peers of the peers' frames, by id.

    Each frame locks its rows again when it is handled (``Centre._device``, relay.py ``handle`` and
    ``_answer_in``); taking all of them first, sorted, means two workers whose groups share kiosks or
    peers never wait for each other in a circle (a deadlock PostgreSQL would break only after
    ``deadlock_timeout``, a second): a peer's answer locks the peer, then its kiosk, so a group
    locking kiosks as its frames came could hold the kiosk the answer waits for and then wait for
    the peer.  Only authentic frames: a forged one, naming any kiosk, must not hold up that kiosk's
    real frames at another worker (its verdict is kept for ``Centre._authentic``, which is not run
    twice).  A peer's frame is opened with an unlocked read of the peer's key (checked again under
    the lock by relay.py).
    """
    from lib12333.host.gateway.centre import Rejected  # centre.py imports this module

    ids, peers = set(), set()
    for data in datas:
        try:
            header = frame_mod.peek(data)
        except Lib12333Error:
            continue
        if header.msg_type in (msg.RELAY, msg.RELAY_ANSWER):
            kiosk = _peer_frame(centre, header, data)
            if kiosk is not False:
                peers.add(header.device_id)
                if kiosk is not None:
                    ids.add(kiosk)
            continue
        try:
            centre._opened[data] = centre._authentic(header, data)
        except Rejected:  # forged, unknown or revoked: its own handling reports it, and it locks nothing
            continue
        ids.add(header.device_id)
    if ids:
        ids = sorted(ids)
        centre.conn.execute("SELECT device_id FROM devices WHERE device_id IN (%s) ORDER BY device_id FOR UPDATE"
                            % ",".join("?" * len(ids)), ids).fetchall()
    if peers:
        peers = sorted(peers)
        centre.conn.execute("SELECT peer_id FROM peers WHERE peer_id IN (%s) ORDER BY peer_id FOR NO KEY UPDATE"
                            % ",".join("?" * len(peers)), peers).fetchall()


def _peer_frame(centre, header, data):
    """For a peer's frame: the kiosk a RELAY_ANSWER is for, None for a RELAY; False when it does not open."""
    if centre.relay is None:
        return False
    row = centre.conn.execute("SELECT key FROM peers WHERE peer_id = ? AND status = 'active'",
                              (header.device_id,)).fetchone()
    if row is None:
        return False
    direction = frame_mod.UP if header.msg_type == msg.RELAY else frame_mod.DOWN
    try:
        f = frame_mod.open(aes.AES128(bytes(row[0])), data, direction=direction)
        if f.msg_type == msg.RELAY:
            return None
        return msg.decode(f.msg_type, f.payload)["origin_device"]
    except Lib12333Error:
        return False
