"""
Delivery state of the gateway's outgoing rows, from the operators' status reports.

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
