"""
Backing up and restoring the gateway database without ever rolling a sealing counter back.

The centre seals every frame to a kiosk with that kiosk's key and the next number of
``devices.down_seq``, and every frame to a peer centre with the pair's key and
``peers.up_seq`` / ``peers.down_seq``.  A restored copy holds the counters of the moment
it was taken: the gateway would seal its next answers with numbers it has already used
-- the same key and nonce for a different plaintext, which discloses both -- and the
kiosk would drop them as replays.  So:

* ``backup`` takes a consistent copy (SQLite's online backup, also of the request
  store beside it), owner-only, and marks it as a backup (``meta.backup_of``);
* the gateway refuses to run on a marked copy (``refuse_backup_copy``), so copying a
  backup over ``centre.db`` by hand is caught instead of sealing with old numbers;
* ``restore`` puts the copy in place and moves every sealing counter to
  ``max(backup, live) + RESTORE_GAP``.  Numbers are committed as reserved before they
  seal (lib12333.host.gateway.counters), so the live database's counters are past
  every number used when it can still be read; the gap covers the case where it
  cannot (the disk died):
  2**20 frames per kiosk or peer since the backup -- years of traffic at any real
  rate -- and the 32-bit space still allows 4000 restores.  Keys provisioned or
  revoked after the backup are carried forward from the live database too, so a
  replaced board is not locked out and a revoked one not let back in.

Changes committed after the backup are lost with it (docs/gateway.md "Backups" says
what that means for citizens); nothing is ever sealed twice.
"""

import errno
import os
import re
import sqlite3
import time

from lib12333.errors import CapacityError, ConfigError, StorageError
from lib12333.host.gateway import db

RESTORE_GAP = 1 << 20
_U32 = 0xFFFFFFFF
MARK = "backup_of"


def requests_path(db_path):
    from lib12333.host.gateway.admin import requests_path as path

    return path(db_path)


def refuse_backup_copy(conn):
    """ConfigError when ``conn`` is a backup copy: its counters are old, the gateway must not seal with them."""
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (MARK,)).fetchone()
    if row is not None:
        raise ConfigError("this database is a backup copy of %s and its sealing counters are old" % row[0],
                          source="database", expected="put it in place with `lib12333 gateway restore --db "
                          "centre.db --from THIS-FILE`, never by copying")


def _copy(src_path, dst_path):
    """SQLite online backup of ``src_path`` into a new owner-only file ``dst_path``."""
    db.owner_only(dst_path)
    src = db.open_existing(src_path)
    dst = sqlite3.connect(dst_path, isolation_level=None)
    try:
        src.backup(dst)
    finally:
        src.close()
    return dst


def backup(db_path, to_path, now=None):
    """Copy the gateway database (and its request store) to ``to_path``, marked as a backup."""
    if db.is_url(db_path):
        from lib12333.host.gateway import pg_backup

        return pg_backup.backup(db_path, to_path, now)
    now = int(now if now is not None else time.time())
    for path in (to_path, requests_path(to_path)):
        if os.path.exists(path):
            raise StorageError("%s exists: a backup never overwrites a file" % path)
    folder = os.path.dirname(os.path.abspath(to_path))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    dst = _copy(db_path, to_path)
    try:
        dst.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (MARK, os.path.abspath(db_path)))
        dst.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('backup_at', ?)", (str(now),))
        devices = dst.execute("SELECT COUNT(*) FROM devices").fetchone()[0]
        applied = dst.execute("SELECT COUNT(*) FROM applied").fetchone()[0]
    finally:
        dst.close()
    requests = None
    if os.path.exists(requests_path(db_path)):
        requests = requests_path(to_path)
        _copy(requests_path(db_path), requests).close()
    return {"backup": to_path, "requests": requests, "at": now, "devices": devices, "applied": applied}


def _open_live(db_path, hold=True):
    """(connection or None, 'read' / 'missing' / 'unreadable: ...') of the database being replaced."""
    if not os.path.exists(db_path):
        return None, "missing"
    try:
        conn = db.connect(db_path, create=False)
        conn.execute("SELECT COUNT(*) FROM devices").fetchone()
    except (sqlite3.Error, StorageError) as exc:
        return None, "unreadable: %s" % exc
    if hold:
        _hold(conn, db_path)
    return conn, "read"


def _hold(conn, db_path):
    """Lock ``db_path`` for this connection until it closes; StorageError while another program has it open.

    A gateway still running would go on sealing and applying in the file moved aside (its
    changes lost, its in-memory numbers unknown to the restore); one started during the
    restore would read the file being replaced.  In WAL mode an exclusive lock is refused
    while any other connection has the database open, even an idle one.
    """
    try:
        conn.execute("PRAGMA busy_timeout = 2000")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")  # the lock stays until the connection closes (exclusive locking mode)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise StorageError("%s is open in another program (%s): stop the gateway (and any lib12333 gateway "
                           "command on it) before restoring; nothing was changed" % (db_path, exc)) from exc


_KEPT = re.compile(r"\.before-restore-[0-9]+(-[0-9]+)?$")


def _kept_copies(db_path):
    """Readable databases an earlier restore kept beside ``db_path`` (``.before-restore-T``).

    Their counters were past every number they sealed.  A restore cut between its two renames
    leaves the live database only there, and a second restore that ignored them would start
    the counters where the first one did: the numbers sealed since, sealed again.
    """
    found = []
    for path in _kept_names(db_path):
        conn, _state = _open_live(path, hold=False)
        if conn is not None:
            found.append(conn)
    return found


def _kept_names(db_path):
    folder = os.path.dirname(os.path.abspath(db_path))
    base = os.path.basename(db_path)
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder))
            if name.startswith(base) and _KEPT.match(name[len(base):])]


def _same_centre(conn, sources):
    """StorageError when the backup shares no key with the database it replaces: another centre's."""
    for live in sources:
        theirs = set((r[0], r[1], bytes(r[2])) for r in live.execute("SELECT device_id, generation, key FROM device_keys"))
        if not theirs:
            continue
        mine = set((r[0], r[1], bytes(r[2])) for r in conn.execute("SELECT device_id, generation, key FROM device_keys"))
        if mine and not mine & theirs:
            raise StorageError("the backup shares no device key with the database it replaces: a backup of "
                               "another centre (both would seal with the same keys), or a database started afresh "
                               "since (move it away if so, and restore again); nothing was changed")


_DEVICE_COLS = "device_id, key, name, region, phone, status, added_at, window, down_seq, key_generation, seq_floor"


def _carry_forward(live, conn):
    """Keys provisioned, devices added and revocations made after the backup: they must not be undone."""
    for row in live.execute("SELECT %s FROM devices" % _DEVICE_COLS).fetchall():
        mine = conn.execute("SELECT key_generation FROM devices WHERE device_id = ?", (row[0],)).fetchone()
        if mine is None:
            # Its replay window stays behind: the frames it saw were applied after the backup, so their
            # `applied` rows are not restored; with the window they would be "seen, never applied" and
            # the kiosk's retries refused for ever.  Without it they are new, applied once on the restored
            # state, like those of every kiosk the backup knew.
            row = tuple(row[:7]) + (None,) + tuple(row[8:])
            conn.execute("INSERT INTO devices (%s) VALUES (?,?,?,?,?,?,?,?,?,?,?)" % _DEVICE_COLS, row)
            continue
        if row[9] > mine[0]:
            conn.execute("UPDATE devices SET key = ?, key_generation = ?, seq_floor = ? WHERE device_id = ?",
                         (row[1], row[9], row[10], row[0]))
        if row[5] == "revoked":
            conn.execute("UPDATE devices SET status = 'revoked' WHERE device_id = ?", (row[0],))
    for row in live.execute("SELECT device_id, generation, key, first_seq, added_at, retired_at FROM device_keys"):
        conn.execute("INSERT OR IGNORE INTO device_keys (device_id, generation, key, first_seq, added_at, retired_at)"
                     " VALUES (?,?,?,?,?,?)", row)
        if row[5] is not None:
            conn.execute("UPDATE device_keys SET retired_at = ? WHERE device_id = ? AND generation = ?"
                         " AND retired_at IS NULL", (row[5], row[0], row[1]))
    for row in live.execute("SELECT code, peer_id, number, key, name, status, added_at FROM peers"):
        conn.execute("INSERT OR IGNORE INTO peers (code, peer_id, number, key, name, status, added_at)"
                     " VALUES (?,?,?,?,?,?,?)", row)
        if row[5] == "revoked":
            conn.execute("UPDATE peers SET status = 'revoked' WHERE code = ?", (row[0],))


def _jump(value, live_value, what):
    new = max(value, live_value or 0) + RESTORE_GAP
    if new > _U32:
        raise CapacityError("%s: the sealing counter would pass 2**32-1; give it a new key instead" % what)
    return new


def _highest(sources, sql, key):
    values = [row for row in (live.execute(sql, (key,)).fetchone() for live in sources) if row is not None]
    return tuple(max(column) for column in zip(*values)) if values else None


def _jump_counters(sources, conn):
    """Every sealing counter past the backup's and every one of ``sources`` (the replaced database, kept copies)."""
    devices, peers = [], []
    for device_id, down in conn.execute("SELECT device_id, down_seq FROM devices ORDER BY device_id").fetchall():
        was = _highest(sources, "SELECT down_seq FROM devices WHERE device_id = ?", device_id)
        new = _jump(down, was and was[0], "device %d" % device_id)
        conn.execute("UPDATE devices SET down_seq = ? WHERE device_id = ?", (new, device_id))
        devices.append({"device_id": device_id, "down_seq": new})
    for code, up, down in conn.execute("SELECT code, up_seq, down_seq FROM peers ORDER BY code").fetchall():
        was = _highest(sources, "SELECT up_seq, down_seq FROM peers WHERE code = ?", code)
        new_up = _jump(up, was and was[0], "peer %s" % code)
        new_down = _jump(down, was and was[1], "peer %s" % code)
        conn.execute("UPDATE peers SET up_seq = ?, down_seq = ? WHERE code = ?", (new_up, new_down, code))
        peers.append({"code": code, "up_seq": new_up, "down_seq": new_down})
    return devices, peers


def _carry_references(store, previous):
    """Reference numbers go on from the highest any ``previous`` request store issued; closes ``store``.

    A reference issued after the backup is on a citizen's receipt: issuing it again would
    answer their status query with another citizen's request.  The requests themselves
    are lost with the restore (the citizen is told "not found", never someone else's).
    """
    try:
        for path in previous:
            if not os.path.isfile(path):
                continue
            try:
                old = db.open_existing(path)
                rows = old.execute("SELECT centre, device, day, last FROM sequences").fetchall()
                old.close()
            except sqlite3.Error:
                continue  # unreadable: nothing to carry
            with db.Transaction(store):
                for centre, device, day, last in rows:
                    store.execute("INSERT INTO sequences (centre, device, day, last) VALUES (?,?,?,?) ON CONFLICT"
                                  " (centre, device, day) DO UPDATE SET last = MAX(last, excluded.last)",
                                  (centre, device, day, last))
    finally:
        store.close()


def _remove(path):
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name):
            os.remove(name)


def _swap(new_path, path, aside):
    """Move ``path`` (and its WAL) to ``aside`` if it exists, then ``new_path`` to ``path``."""
    moved = None
    if os.path.exists(path):
        for tail in ("", "-wal"):
            if os.path.exists(path + tail):
                os.replace(path + tail, aside + tail)
                os.chmod(aside + tail, 0o600)
        if os.path.exists(path + "-shm"):
            os.remove(path + "-shm")
        moved = aside
    os.replace(new_path, path)
    return moved


def restore(backup_path, db_path, now=None):
    """Put the backup ``backup_path`` in place as ``db_path`` with every sealing counter moved forward.

    Stop the gateway first.  The database it replaces is kept as
    ``<db_path>.before-restore-<time>``.  Returns a report of what was done.
    """
    if db.is_url(db_path):
        from lib12333.host.gateway import pg_backup

        return pg_backup.restore(backup_path, db_path, now)
    now = int(now if now is not None else time.time())
    if not os.path.isfile(backup_path):
        raise FileNotFoundError(errno.ENOENT, "no backup at %s" % backup_path)  # a file to name, exit 4
    live, state = _open_live(db_path)  # first: refused while the gateway has it open
    staging = db_path + ".restoring"
    try:
        _remove(staging)
        _copy(backup_path, staging).close()
        conn = db.connect(staging)  # migrates a backup made by an older lib12333
    except BaseException:
        if live is not None:
            live.close()
        raise
    sources = _kept_copies(db_path) + ([live] if live is not None else [])
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StorageError("backup %s fails its integrity check" % backup_path)
        _same_centre(conn, sources)
        with db.Transaction(conn):
            for source in sources:  # oldest kept copy first, the replaced database last
                _carry_forward(source, conn)
            devices, peers = _jump_counters(sources, conn)
            conn.execute("DELETE FROM meta WHERE name = ?", (MARK,))
            conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('restored_at', ?)", (str(now),))
    except BaseException:
        conn.close()
        _remove(staging)
        raise
    finally:
        for source in sources:
            source.close()
    conn.close()
    aside = "%s.before-restore-%d" % (db_path, now)
    number = 1
    while os.path.exists(aside) or os.path.exists(requests_path(aside)):  # never over an earlier kept copy
        number += 1
        aside = "%s.before-restore-%d-%d" % (db_path, now, number)
    previous = _swap(staging, db_path, aside)
    if os.path.exists(requests_path(backup_path)):
        staging_requests = requests_path(db_path) + ".restoring"
        _remove(staging_requests)
        _carry_references(_copy(requests_path(backup_path), staging_requests),
                          [requests_path(p) for p in _kept_names(db_path) + [db_path]])
        _swap(staging_requests, requests_path(db_path), requests_path(aside))
    return {"restored_from": backup_path, "database": db_path, "previous": previous, "live_database": state,
            "kept_copies_read": len(sources) - (live is not None), "devices": devices, "peers": peers}
