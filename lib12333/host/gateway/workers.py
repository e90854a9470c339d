"""
Several gateway workers on one database: who they are, and the outgoing rows each one sends.

Every worker (one process: a modem pool, an operator link) has a name, by default
``host:pid``.  It records itself in ``workers`` when it starts and every few seconds
(``heartbeat``), which is what ``lib12333 gateway status`` lists.

Replies and notices in ``outgoing`` are shared work: ``claim_due`` marks the rows a worker
is about to send with its name and a lease, in one statement, chosen ``FOR UPDATE SKIP
LOCKED``: two workers asking at once get different rows and never wait for each other.  A
SQLite file has one gateway process (one writer; several workers need PostgreSQL), which
lists its due rows without writing -- on a full disk too.  A worker
keeps its own claimed rows (it retries them); a row whose worker died is taken over when
the lease has run out.  Sending is at least once: a worker killed between the operator's
"accepted" and ``mark_sent`` leaves a row that another worker sends again after the lease
(a kiosk drops the repeated answer by its sequence number).

Applying a frame is exactly once whatever the workers do: the primary keys of ``applied``
and ``relays_in`` refuse a second row, and a transaction that read what another changed is
aborted by PostgreSQL and run again (lib12333.host.gateway.pg, ``Conflict``).
"""

import os
import socket

LEASE = 120  # seconds a claimed row stays with its worker (longer than a send takes)
HEARTBEAT = 10  # seconds between two heartbeats of a running worker

_DUE = "SELECT id, kind, to_number, body FROM outgoing WHERE sent_at IS NULL AND failed IS NULL AND next_at <= ?"
_CLAIM = (
    "UPDATE outgoing SET claimed_by = ?, claimed_until = ? WHERE id IN ("
    "SELECT id FROM outgoing WHERE sent_at IS NULL AND failed IS NULL AND next_at <= ?"
    " AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?) ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)"
    " RETURNING id, kind, to_number, body"
)


def default_name():
    return "%s:%d" % (socket.gethostname(), os.getpid())


def claim_due(conn, worker, now, limit):
    """[(id, kind, to_number, body)] due at ``now`` and now claimed by ``worker``, oldest first."""
    from lib12333.host.gateway.db import is_postgresql

    now = int(now)
    if not is_postgresql(conn):
        return conn.execute(_DUE + " ORDER BY id LIMIT ?", (now, limit)).fetchall()
    rows = conn.execute(_CLAIM, (worker, now + LEASE, now, worker, now, limit)).fetchall()
    return sorted(rows)


def heartbeat(conn, worker, now, frames=0, started_at=None):
    """Record that ``worker`` runs (first call: started now) and how many frames it handled."""
    now = int(now)
    conn.execute(
        "INSERT INTO workers (name, host, pid, started_at, seen_at, frames) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT (name) DO UPDATE SET seen_at = excluded.seen_at, frames = excluded.frames",
        (worker, socket.gethostname(), os.getpid(), int(started_at or now), now, int(frames)),
    )
