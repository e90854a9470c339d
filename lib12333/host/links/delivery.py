"""
Delivery state of the gateway's outgoing rows, from the operators' status reports.

``remember`` keeps each accepted part's operator message id (``link_message_ids``) so that
``find`` matches a report to its row even after the gateway restarted.

A table of its own (``delivery_reports``, created on first use) keyed by the
``outgoing`` row: the link's report is recorded (autocommit: durable on return)
before the service acknowledges it to the operator, so a report is never lost
and recording it twice changes nothing.

    state       "delivered" or "failed"
    stat        the operator's word (DELIVRD, UNDELIV, EXPIRED...)
    message_id  the operator's id of the (last) part reported
"""

SCHEMA = ("CREATE TABLE IF NOT EXISTS delivery_reports (out_id INTEGER PRIMARY KEY, state TEXT NOT NULL,"
          " stat TEXT NOT NULL, message_id TEXT NOT NULL, link TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL)")


# The operator's message id of every part accepted, so that a report arriving after the gateway
# restarted (or after the in-memory table forgot it) still finds its row.  Reports come within the
# validity period (operators: up to 72 h); rows older than a week are pruned.
IDS_SCHEMA = ("CREATE TABLE IF NOT EXISTS link_message_ids (link TEXT NOT NULL, message_id TEXT NOT NULL,"
              " out_id INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (link, message_id))")
KEEP_IDS = 7 * 86400


def remember(conn, out_id, link, message_ids, now):
    """Record the operator's ids of ``out_id``'s parts sent on ``link`` (a link name)."""
    conn.execute(IDS_SCHEMA)
    conn.executemany("INSERT OR REPLACE INTO link_message_ids (link, message_id, out_id, at) VALUES (?,?,?,?)",
                     [(link, str(m), out_id, int(now)) for m in message_ids if m])
    conn.execute("DELETE FROM link_message_ids WHERE at < ?", (int(now) - KEEP_IDS,))


def find(conn, link, message_id):
    """The outgoing row whose part ``link`` sent under ``message_id``, or None."""
    if not message_id:
        return None
    conn.execute(IDS_SCHEMA)
    row = conn.execute("SELECT out_id FROM link_message_ids WHERE link = ? AND message_id = ?",
                       (link or "", str(message_id))).fetchone()
    return None if row is None else row[0]


# The ids of the delivers the gateway committed (CMPP Msg_Id, SMGP MsgID), written in the same
# transaction as what the deliver did: a repeat that comes because the gateway died after the commit
# and before the acknowledgement is then known after the restart too.
DELIVERS_SCHEMA = ("CREATE TABLE IF NOT EXISTS link_delivers (link TEXT NOT NULL, key TEXT NOT NULL,"
                   " at INTEGER NOT NULL, PRIMARY KEY (link, key))")


def seen(conn, link, key):
    conn.execute(DELIVERS_SCHEMA)
    return conn.execute("SELECT 1 FROM link_delivers WHERE link = ? AND key = ?", (link, key)).fetchone() is not None


def mark(conn, link, key, now):
    conn.execute(DELIVERS_SCHEMA)
    conn.execute("INSERT OR IGNORE INTO link_delivers (link, key, at) VALUES (?,?,?)", (link, key, int(now)))
    conn.execute("DELETE FROM link_delivers WHERE at < ?", (int(now) - KEEP_IDS,))


def record(conn, out_id, ev, now):
    """Record the report event ``ev`` for the outgoing row ``out_id`` (None: a report for nothing of ours)."""
    if out_id is None:
        return False
    conn.execute(SCHEMA)
    state = "delivered" if ev.delivered else "failed"
    conn.execute("INSERT INTO delivery_reports (out_id, state, stat, message_id, link, at) VALUES (?,?,?,?,?,?)"
                 " ON CONFLICT(out_id) DO UPDATE SET state = excluded.state, stat = excluded.stat,"
                 " message_id = excluded.message_id, link = excluded.link, at = excluded.at",
                 (out_id, state, ev.stat, ev.message_id or "", getattr(ev, "link", "") or "", int(now)))
    return True


def state(conn, out_id):
    """(state, stat) of an outgoing row, or None before any report."""
    conn.execute(SCHEMA)
    row = conn.execute("SELECT state, stat FROM delivery_reports WHERE out_id = ?", (out_id,)).fetchone()
    return None if row is None else (row[0], row[1])
