"""
Administration of the gateway database: devices (kiosks and their keys) and the card registry.

Keys are stored in the database (protect the file like a key store) and never
printed; ``add_device`` can write a freshly generated key to a file for
``lib12333 deploy --key-file``.
"""

import os
import time

from lib12333 import identifiers, lossreport
from lib12333.errors import ValidationError
from lib12333.host.gateway import provisioning
from lib12333.host.gateway.db import Transaction, again_on_conflict


def requests_path(db_path):
    """Where citizen requests live: a SQLite file next to a SQLite gateway database (``FILE.requests``);
    the gateway's own database when it is PostgreSQL, shared by every worker and console."""
    from lib12333.host.gateway import pg

    if pg.is_url(db_path):
        return db_path
    return db_path + ".requests"


def check_new_device(conn, device_id, key):
    """ValidationError unless ``device_id`` is free and ``key`` a 16-byte key (checked again when adding)."""
    if type(device_id) is not int or not 1 <= device_id <= 0xFFFFFFFF:
        raise ValidationError("device id must be 1..4294967295", field="device-id")
    if len(key) != 16:
        raise ValidationError("device key must be 16 bytes", field="key", expected="16 bytes (32 hex digits)")
    if conn.execute("SELECT 1 FROM devices WHERE device_id = ?", (device_id,)).fetchone():
        raise ValidationError("device %d is already registered" % device_id, field="device-id",
                              expected="a new id; a replacement board for this id: lib12333 gateway device replace")
    provisioning.check_key_unused(conn, key)


def add_device(conn, device_id, key=None, name="", region="", phone="", now=None):
    if key is None:
        key = os.urandom(16)
    with Transaction(conn):
        check_new_device(conn, device_id, key)
        now = int(now if now is not None else time.time())
        conn.execute(
            "INSERT INTO devices (device_id, key, name, region, phone, added_at) VALUES (?,?,?,?,?,?)",
            (device_id, key, name, region, phone, now),
        )
        provisioning.record_first_key(conn, device_id, key, now)
    return key


def list_devices(conn, show_pii=False):
    rows = conn.execute(
        "SELECT device_id, name, region, phone, status, added_at, down_seq,"
        " (SELECT COUNT(*) FROM applied a WHERE a.device_id = d.device_id), key_generation, seq_floor"
        " FROM devices d ORDER BY device_id"
    ).fetchall()
    return [
        {"device_id": r[0], "name": r[1], "region": r[2],
         "phone": r[3] if show_pii else identifiers.mask_phone(r[3]) if r[3] else "",
         "status": r[4], "added_at": r[5], "frames_applied": r[7], "key_generation": r[8], "seq_start": r[9]}
        for r in rows
    ]


def revoke_device(conn, device_id):
    def revoke():
        with Transaction(conn):
            cur = conn.execute("UPDATE devices SET status = 'revoked' WHERE device_id = ?", (device_id,))
            if cur.rowcount != 1:
                raise ValidationError("no device %d" % device_id, field="device-id")

    again_on_conflict(revoke)  # the kiosk's row may be locked by a worker applying its frame


def add_card(conn, card_no, ssn, name, region="", state=lossreport.NORMAL, now=None):
    if len(card_no) != 9 or not card_no.isalnum() or card_no.upper() != card_no:
        raise ValidationError("card number must be 9 characters 0-9 A-Z", field="card")
    if len(ssn) != 18:
        raise ValidationError("social-security number must have 18 characters", field="ssn")
    if not name:
        raise ValidationError("name is required", field="name")
    with Transaction(conn):
        conn.execute(
            "INSERT INTO cards (card_no, ssn, name, region, state, updated_at) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT (card_no) DO UPDATE SET ssn = excluded.ssn, name = excluded.name,"
            " region = excluded.region",
            (card_no, ssn, name, region, state, int(now if now is not None else time.time())),
        )


def card_view(conn, card_no, show_pii=False, now=None):
    row = conn.execute(
        "SELECT card_no, ssn, name, region, state, since, until, updated_at FROM cards WHERE card_no = ?", (card_no,)
    ).fetchone()
    if row is None:
        return None
    now = int(now if now is not None else time.time())
    rec = lossreport.CardRecord(row[1], row[2], row[0], row[4], row[5], row[6])
    state = rec.state_at(now)
    events = conn.execute(
        "SELECT at, action, channel, from_state, to_state, device_id, seq FROM card_events WHERE card_no = ?"
        " ORDER BY id", (card_no,)
    ).fetchall()
    return {
        "card": row[0] if show_pii else identifiers.mask_card(row[0]),
        "ssn": row[1] if show_pii else identifiers.mask_id(row[1]),
        "name": row[2] if show_pii else identifiers.mask_name(row[2]),
        "region": row[3],
        "state": state,
        "state_name": lossreport.STATE_NAMES[state][1],
        "since": row[5],
        "until": row[6] if state == lossreport.TEMP_LOST else 0,
        "events": [
            {"at": e[0], "action": e[1], "channel": e[2], "from": lossreport.STATE_NAMES[e[3]][1],
             "to": lossreport.STATE_NAMES[e[4]][1], "device_id": e[5], "seq": e[6]}
            for e in events
        ],
    }
