"""
Kiosk status reports (issue 17): the newest report of each kiosk, for technicians.

A kiosk sends a KIOSK_STATUS frame (protocols/frame/README.md, section 8) after boot
and then about once a day: its firmware version, the modem's signal (AT+CSQ rssi and
ber), its outbox backlog and error counters.  ``Centre._apply`` hands it to
:func:`apply`, inside the frame's transaction, so the report is stored exactly when
the frame is recorded in ``applied``: a replay is answered "duplicate" by the centre
and never reaches this module.  Only the report with the highest sequence number is
kept, so a late retry of an older report cannot hide a newer one.

:func:`latest` reads the stored reports for the console's fleet page and
``lib12333 gateway status``.  Nothing here is personal data.
"""

from lib12333.secure import messages as msg

FIELDS = ("firmware", "rssi", "ber", "backlog", "oldest_age", "storage_errors", "modem_errors", "card_errors",
          "uptime", "boots")
COLUMNS = ("seq", "reported_at", "received_at") + FIELDS
UNKNOWN_SIGNAL = 99  # AT+CSQ's "not known or not detectable"

_UPSERT = (
    "INSERT INTO kiosk_status (device_id, " + ", ".join(COLUMNS) + ") VALUES (?" + ", ?" * len(COLUMNS) + ")"
    " ON CONFLICT (device_id) DO UPDATE SET " + ", ".join("%s = excluded.%s" % (c, c) for c in COLUMNS)
    + " WHERE kiosk_status.seq < excluded.seq"
)


def apply(conn, f, fields, now):
    """Store the report in frame ``f`` (fields decoded); the centre's answer: an ACK, no notice."""
    conn.execute(_UPSERT, (f.device_id, f.seq, f.time, int(now)) + tuple(fields[k] for k in FIELDS))
    return msg.ACK, {"ref_seq": f.seq, "result": msg.ACK_APPLIED, "state": 0, "until": 0}, None


def latest(conn, device_ids=None):
    """{device id: report dict} of the newest reports (of ``device_ids`` only, when given)."""
    sql = "SELECT device_id, " + ", ".join(COLUMNS) + " FROM kiosk_status"
    args = []
    if device_ids is not None:
        ids = list(device_ids)
        if not ids:
            return {}
        sql += " WHERE device_id IN (" + ",".join("?" * len(ids)) + ")"
        args = ids
    out = {}
    for row in conn.execute(sql, args):
        report = dict(zip(COLUMNS, row[1:]))
        report["signal_dbm"] = signal_dbm(report["rssi"])
        out[row[0]] = report
    return out


def signal_dbm(rssi):
    """AT+CSQ rssi 0..31 as dBm (-113 + 2 rssi; 31 means -51 or more), None when not known."""
    if rssi is None or not 0 <= rssi <= 31:
        return None
    return -113 + 2 * rssi


def signal_text(rssi):
    """The signal as a technician reads it: '-77 dBm (18)', or 'unknown (99)'."""
    dbm = signal_dbm(rssi)
    return ("unknown (%d)" % rssi) if dbm is None else ("%d dBm (%d)" % (dbm, rssi))


def errors_total(report):
    return report["storage_errors"] + report["modem_errors"] + report["card_errors"]
