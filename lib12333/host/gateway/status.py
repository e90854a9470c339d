"""
What ``lib12333 gateway status`` shows: the workers sharing the database, the queues, the
oldest frame still waiting for its answer, when each kiosk was last heard from (stale
after ``stale_after`` seconds of silence) and its newest status report (kiosk_status.py).
Read-only, the same SQL on SQLite and PostgreSQL.
"""

from lib12333.host.gateway import kiosk_status
from lib12333.host.gateway.workers import HEARTBEAT

STALE_AFTER = 24 * 3600


def status(conn, now, stale_after=STALE_AFTER):
    now = int(now)
    workers = [
        {"name": r[0], "host": r[1], "pid": r[2], "started_at": r[3], "seen_at": r[4], "frames": r[5],
         "alive": now - r[4] <= 3 * HEARTBEAT}
        for r in conn.execute("SELECT name, host, pid, started_at, seen_at, frames FROM workers ORDER BY name")
    ]
    queues = {kind: 0 for kind in ("frame", "notice")}
    for kind, n in conn.execute("SELECT kind, COUNT(*) FROM outgoing WHERE sent_at IS NULL AND failed IS NULL"
                                " GROUP BY kind").fetchall():
        queues[kind] = n
    queues["failed"] = conn.execute("SELECT COUNT(*) FROM outgoing WHERE failed IS NOT NULL").fetchone()[0]
    queues["relays_waiting"] = conn.execute("SELECT COUNT(*) FROM relays_out WHERE state = 'waiting'").fetchone()[0]
    # A kiosk's frame is unanswered while its answer is unsent, or while a peer centre has not answered it.
    oldest = conn.execute("SELECT MIN(created_at) FROM outgoing WHERE kind = 'frame' AND sent_at IS NULL"
                          " AND failed IS NULL").fetchone()[0]
    relay = conn.execute("SELECT MIN(created_at) FROM relays_out WHERE state = 'waiting'").fetchone()[0]
    waiting = [t for t in (oldest, relay) if t is not None]
    reports = kiosk_status.latest(conn)
    kiosks = [
        {"device_id": r[0], "name": r[1], "status": r[2], "last_contact": r[3],
         "idle_s": None if r[3] is None else now - r[3],
         "stale": r[2] == "active" and now - (r[3] or r[4]) > stale_after,
         "report": _report(reports.get(r[0]), now)}
        for r in conn.execute(
            "SELECT d.device_id, d.name, d.status, (SELECT MAX(a.applied_at) FROM applied a"
            " WHERE a.device_id = d.device_id), d.added_at FROM devices d ORDER BY d.device_id")
    ]
    return {
        "workers": workers,
        "queues": queues,
        "oldest_unanswered": None if not waiting else {"at": min(waiting), "age_s": now - min(waiting)},
        "kiosks": kiosks,
    }


def _report(r, now):
    if r is not None:
        r["age_s"] = now - r["received_at"]
    return r


def text(report):
    lines = ["workers: %d" % len(report["workers"])]
    for w in report["workers"]:
        lines.append("  %-24s %s pid %d, %d frames, last seen %s" % (
            w["name"], "alive" if w["alive"] else "SILENT", w["pid"], w["frames"], w["seen_at"]))
    q = report["queues"]
    lines.append("queues: %d answers and %d notices to send, %d failed, %d relayed requests waiting" % (
        q["frame"], q["notice"], q["failed"], q["relays_waiting"]))
    old = report["oldest_unanswered"]
    lines.append("oldest unanswered frame: %s" % ("none" if old is None else "%d s old" % old["age_s"]))
    lines.append("kiosks: %d" % len(report["kiosks"]))
    for k in report["kiosks"]:
        lines.append("  %-10d %-8s last contact %s%s%s" % (
            k["device_id"], k["status"], "never" if k["last_contact"] is None else "%d s ago" % k["idle_s"],
            "  STALE" if k["stale"] else "", _report_text(k["report"])))
    return "\n".join(lines)


def _report_text(r):
    if r is None:
        return ", no status report"
    return ", fw %s, signal %s, backlog %d (oldest %d s), errors %d, report %d s old" % (
        r["firmware"], kiosk_status.signal_text(r["rssi"]), r["backlog"], r["oldest_age"],
        kiosk_status.errors_total(r), r["age_s"])
