"""
Provisioning a device id: one fresh key per board, and where its counter starts.

AES-CCM under one key must never see a nonce twice, and the nonce is (direction,
device id, sequence number).  A board counts its sequence numbers in its journal; a
replacement board, or one whose /data was re-formatted, has no journal and would
count from 1 again.  So a key is given to one board, once:

* every provisioning of an id gets a **fresh key** (a new *generation*); the old key
  is kept in ``device_keys`` as retired, so a frame still arriving under it is refused
  by name ("sealed under retired key generation 1") instead of failing as a forgery;
* the new key's **first sequence number** lies ``SEQ_GAP`` above every number the
  centre has recorded for the id (replay window, ``applied``, ``relays_out``, earlier
  first numbers).  Nonces would already differ with the fresh key; the gap keeps the
  (device, seq) pairs the centre stores -- its exactly-once key, the citizen's receipt
  number ``1001-65537``, the request store's idempotency key -- unique for the id's
  whole life, across boards.  Frames of the current key below its first number come
  from a board deployed without it and are refused;
* a key that any device has had is never registered again (``check_key_unused``).

The kiosk's side (firmware/main.py, lib12333.outbox): deploy writes the first number
into /config/device.json and a marker beside a new key; the kiosk starts a new journal
at that number, and refuses to send at all when its journal is gone but its key is not
new.  docs/security.md "Lifecycle" has the whole argument.
"""

import os
import time

from lib12333.errors import CapacityError, ValidationError
from lib12333.host.gateway.db import Transaction, again_on_conflict

# 65536 numbers between generations: far more than a board can have handed out unseen
# (its outbox holds at most 32 unacknowledged requests and reserves 16 numbers at a time),
# and room for 65535 provisionings of one id in the 32-bit sequence space.
SEQ_GAP = 1 << 16
_U32 = 0xFFFFFFFF


def check_key_unused(conn, key):
    """ValidationError when ``key`` is, or was, the key of any device."""
    if conn.execute("SELECT 1 FROM device_keys WHERE key = ?", (bytes(key),)).fetchone() is not None or \
            conn.execute("SELECT 1 FROM devices WHERE key = ?", (bytes(key),)).fetchone() is not None:
        raise ValidationError("this key has already been used by a device; a key goes to one board, once",
                              field="key", expected="a fresh key (leave out --key-hex / --key-file)")


def record_first_key(conn, device_id, key, now):
    """Generation 1 of a newly added device (called inside add_device's transaction)."""
    conn.execute("INSERT INTO device_keys (device_id, generation, key, first_seq, added_at) VALUES (?,1,?,1,?)",
                 (device_id, bytes(key), int(now)))


def highest_seen(conn, device_id):
    """The highest UP sequence number the centre has any record of for ``device_id`` (0: none)."""
    from lib12333.secure.replay import ReplayWindow

    row = conn.execute("SELECT window, seq_floor FROM devices WHERE device_id = ?", (device_id,)).fetchone()
    best = row[1] - 1 if row else 0
    if row and row[0]:
        best = max(best, ReplayWindow.from_bytes(bytes(row[0])).highest)
    for sql in ("SELECT MAX(seq) FROM applied WHERE device_id = ?", "SELECT MAX(seq) FROM relays_out WHERE device_id = ?"):
        value = conn.execute(sql, (device_id,)).fetchone()[0]
        if value is not None:
            best = max(best, value)
    return best


def next_first_seq(conn, device_id):
    """The first sequence number the next key of ``device_id`` gets."""
    first = highest_seen(conn, device_id) + SEQ_GAP
    if first > _U32 - SEQ_GAP:
        raise CapacityError("device %d has used up its sequence numbers: register the board under a new id"
                            % device_id)
    return first


def _active_device(conn, device_id):
    row = conn.execute("SELECT status, key_generation FROM devices WHERE device_id = ?", (device_id,)).fetchone()
    if row is None:
        raise ValidationError("no device %d" % device_id, field="device-id",
                              expected="a registered id (lib12333 gateway device list)")
    if row[0] != "active":
        raise ValidationError("device %d is revoked: a revoked id is never used again" % device_id,
                              field="device-id", expected="register the board under a new device id")
    return row[1]


def check_replaceable(conn, device_id):
    """ValidationError unless ``device_id`` is registered and active."""
    _active_device(conn, device_id)


def replace_device(conn, device_id, key=None, seq_start=None, now=None):
    """Give ``device_id`` a new key generation; returns (key, first sequence number).

    For a replacement board or a re-formatted one.  ``seq_start`` (what deploy already
    wrote to the board) is accepted only if it is above every number seen; by default
    ``next_first_seq``.  The previous key is retired in the same transaction.
    """
    now = int(now if now is not None else time.time())
    key = os.urandom(16) if key is None else bytes(key)
    if len(key) != 16:
        raise ValidationError("device key must be 16 bytes", field="key")

    def replace():
        with Transaction(conn):
            generation = _active_device(conn, device_id) + 1
            check_key_unused(conn, key)
            first = next_first_seq(conn, device_id)
            if seq_start is not None:
                if seq_start <= highest_seen(conn, device_id) or seq_start > _U32 - SEQ_GAP:
                    raise ValidationError("first sequence number %d is not above every number the centre has seen"
                                          % seq_start, field="seq-start", expected="at least %d" % first)
                first = seq_start
            conn.execute("UPDATE device_keys SET retired_at = ? WHERE device_id = ? AND retired_at IS NULL",
                         (now, device_id))
            conn.execute("INSERT INTO device_keys (device_id, generation, key, first_seq, added_at) VALUES (?,?,?,?,?)",
                         (device_id, generation, key, first, now))
            conn.execute("UPDATE devices SET key = ?, key_generation = ?, seq_floor = ? WHERE device_id = ?",
                         (key, generation, first, device_id))
        return first

    # the kiosk's row may be locked by a worker applying its frame (db.again_on_conflict)
    first = again_on_conflict(replace)
    return key, first


def seq_floor(conn, device_id):
    row = conn.execute("SELECT seq_floor FROM devices WHERE device_id = ?", (device_id,)).fetchone()
    return row[0] if row else 1


BELOW_FIRST_SEQ = ("below the first sequence number of its key: a board deployed without the --seq-start "
                   "the gateway gave (deploy it again with it)")


REUSED_SEQ = ("sequence number reused for other content under the same key: the board's journal was "
              "rolled back (an old /data image?) and it sealed two messages with one nonce; give it a new key now "
              "(lib12333 gateway device replace, or deploy --replace)")


def reused_sequence(conn, f, applied_type):
    """True when the authentic frame ``f`` cannot be a retry of the frame applied under its (device, seq).

    A retry is the same bytes.  Another message type, or a loss report for another card than
    the one the applied frame changed, proves the board sealed new content with a used number.
    Undecidable cases (a peer's relayed frames share the id space) answer False.
    """
    from lib12333.errors import Lib12333Error
    from lib12333.secure import messages as msg

    if f.msg_type != applied_type:
        return True
    if f.msg_type != msg.LOSS_REPORT:
        return False
    if conn.execute("SELECT 1 FROM relays_in WHERE origin_device = ? AND origin_seq = ?",
                    (f.device_id, f.seq)).fetchone() is not None:
        return False
    try:
        card = msg.decode(f.msg_type, f.payload)["card"]
    except Lib12333Error:
        return False
    cards = [r[0] for r in conn.execute("SELECT DISTINCT card_no FROM card_events WHERE device_id = ? AND seq = ?",
                                        (f.device_id, f.seq)).fetchall()]
    return bool(cards) and card not in cards


def why_not_authentic(conn, header, data, error):
    """The reason a frame of a known device did not open: a retired key by name, else ``error``."""
    generation = retired_generation(conn, header.device_id, data)
    if generation is None:
        return str(error)
    return "sealed under retired key generation %d (the board was replaced or re-provisioned)" % generation


def retired_generation(conn, device_id, data):
    """The generation of the retired key of ``device_id`` that authenticates ``data``, or None."""
    from lib12333.errors import Lib12333Error
    from lib12333.secure import aes
    from lib12333.secure import frame as frame_mod

    for generation, key in conn.execute(
            "SELECT generation, key FROM device_keys WHERE device_id = ? AND retired_at IS NOT NULL"
            " ORDER BY generation DESC", (device_id,)).fetchall():
        try:
            frame_mod.open(aes.AES128(bytes(key)), data)
            return generation
        except Lib12333Error:
            continue
    return None


def key_history(conn, device_id):
    """[{generation, first_seq, added_at, retired_at, retired}] of ``device_id``, oldest first (no keys)."""
    return [{"generation": r[0], "first_seq": r[1], "added_at": r[2], "retired_at": r[3], "retired": r[3] is not None}
            for r in conn.execute("SELECT generation, first_seq, added_at, retired_at FROM device_keys"
                                  " WHERE device_id = ? ORDER BY generation", (device_id,)).fetchall()]
