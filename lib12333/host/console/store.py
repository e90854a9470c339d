"""
Every SQL statement of the console, on SQLite or PostgreSQL.

``ConsoleStore(db)`` opens the gateway database -- a SQLite file or a ``postgresql://``
URL -- with ``lib12333.host.gateway.db.connect``, which applies the gateway's versioned
migrations; the console's own tables are one of them (migration 5), so
``lib12333 gateway migrate`` creates them on both back ends.  On PostgreSQL the
connection is the gateway's ``pg.PgConnection``: the statements here are written once,
in the SQLite dialect that layer translates, and avoid what the two back ends read
differently (a comparison summed as a number, LIKE's case rules; sums come back as
``int`` through ``_int``).  The citizen requests are ``admin.requests_path``: a SQLite
file next to a SQLite database, the same database on PostgreSQL.

Pages call methods here and never write SQL themselves; all values are bound
parameters (the only text ever pasted into a statement is a fixed column list or a
``?`` placeholder list built here).  Changes to requests go through ``RequestStore`` /
``request_desk.update`` and changes to cards through the loss-report state machine,
never through SQL written here.
"""

import functools
import hashlib
import hmac
import os

from lib12333 import lossreport
from lib12333.errors import Lib12333Error
from lib12333.host.gateway import admin, db, kiosk_status, request_desk
from lib12333.host.gateway.db import Transaction
from lib12333.host.requests_store import RequestStore
from lib12333.secure import messages as msg

CONFLICT_RETRIES = 5
AGES = {"1d": (0, 86400), "3d": (86400, 3 * 86400), "7d": (3 * 86400, 7 * 86400), "old": (7 * 86400, None)}


def _int(value):
    """A count or sum as int: PostgreSQL returns SUM of integers as a Decimal (and NULL for no rows)."""
    return int(value or 0)


def _count_if(condition):
    """SQL counting the rows where ``condition`` holds (SQLite would sum the comparison; PostgreSQL cannot)."""
    return "SUM(CASE WHEN %s THEN 1 ELSE 0 END)" % condition


# The kiosk (device id) that filed a request, read from the request's creation key, which the gateway
# makes with request_desk.request_idem: "kiosk/<origin centre>/<device>/<seq>" ("kiosk-<device>-<seq>" before
# the key named the centre).  Only this centre's own kiosks count: a relayed request's kiosk is a peer's, with
# a region our registry does not know.  NULL for requests taken by telephone.  The id is compared as text:
# the same statement runs on SQLite and PostgreSQL (a separator appended so the length is never negative).
_KIOSK_OF = ("(CASE WHEN substr(create_idem, 1, ?) = ?"
             " THEN substr(create_idem, ?, instr(substr(create_idem, ?) || '/', '/') - 1)"
             " WHEN substr(create_idem, 1, 6) = 'kiosk-'"
             " THEN substr(create_idem, 7, instr(substr(create_idem, 7) || '-', '-') - 1) END)")


def _retried(method):
    """Run a method whose writes are one transaction again when PostgreSQL aborted it because a concurrent
    one (another console, a gateway worker) changed what it read (``pg.Conflict``): it was rolled back whole."""
    @functools.wraps(method)
    def run(self, *args, **kw):
        return db.again_on_conflict(lambda: method(self, *args, **kw), CONFLICT_RETRIES)
    return run


def _kiosk_args(centre):
    prefix = "kiosk/%s/" % centre
    return [len(prefix), prefix, len(prefix) + 1, len(prefix) + 1]


class ConsoleStore:
    def __init__(self, db_path):
        self.path = db_path
        self.conn = db.connect(db_path)
        self.requests = RequestStore(admin.requests_path(db_path))
        self.rconn = self.requests._db  # read queries of the queue share the store's connection
        # The key that turns card numbers into opaque URL handles (card_handle): made by the first console
        # to open the database; several consoles starting at once keep the first one written.
        self.conn.execute("INSERT OR IGNORE INTO console_meta (key, value) VALUES ('secret', ?)",
                          (os.urandom(16).hex(),))
        secret = self.conn.execute("SELECT value FROM console_meta WHERE key = 'secret'").fetchone()[0]
        self._handle_key = bytes.fromhex(secret)

    def close(self):
        self.requests.close()
        self.conn.close()

    # ------------------------------------------------------------ accounts

    @_retried
    def add_user(self, username, role, pw_hash, now):
        with Transaction(self.conn):
            self.conn.execute("INSERT INTO console_users (username, role, pw_hash, created_at) VALUES (?,?,?,?)",
                              (username, role, pw_hash, int(now)))

    def user(self, username):
        row = self.conn.execute("SELECT username, role, pw_hash, disabled, failed, locked_until FROM console_users"
                                " WHERE username = ?", (username,)).fetchone()
        if row is None:
            return None
        return {"username": row[0], "role": row[1], "pw_hash": row[2], "disabled": bool(row[3]),
                "failed": row[4], "locked_until": row[5]}

    def users(self):
        rows = self.conn.execute("SELECT username, role, disabled, failed, locked_until, created_at FROM console_users"
                                 " ORDER BY username").fetchall()
        return [{"username": r[0], "role": r[1], "disabled": bool(r[2]), "failed": r[3], "locked_until": r[4],
                 "created_at": r[5]} for r in rows]

    @_retried
    def set_user(self, username, disabled=None, unlock=False, pw_hash=None):
        with Transaction(self.conn):
            if disabled is not None:
                self.conn.execute("UPDATE console_users SET disabled = ? WHERE username = ?", (int(disabled), username))
                if disabled:
                    self.conn.execute("DELETE FROM console_sessions WHERE username = ?", (username,))
            if unlock:
                self.conn.execute("UPDATE console_users SET failed = 0, locked_until = 0 WHERE username = ?",
                                  (username,))
            if pw_hash is not None:
                self.conn.execute("UPDATE console_users SET pw_hash = ? WHERE username = ?", (pw_hash, username))

    @_retried
    def record_attempt(self, username, client, ok, now, policy):
        """Log a login attempt; a failure counts towards the account's lock-out.  Returns the lock time or 0."""
        with Transaction(self.conn):
            self.conn.execute("INSERT INTO console_login_attempts (username, client, at, ok) VALUES (?,?,?,?)",
                              (username[:64], client, int(now), int(ok)))
            if ok:
                self.conn.execute("UPDATE console_users SET failed = 0, locked_until = 0 WHERE username = ?",
                                  (username,))
                return 0
            self.conn.execute("UPDATE console_users SET failed = failed + 1 WHERE username = ?", (username,))
            row = self.conn.execute("SELECT failed FROM console_users WHERE username = ?", (username,)).fetchone()
            if row is not None and row[0] >= policy.max_failures:
                until = int(now) + policy.lock_seconds
                self.conn.execute("UPDATE console_users SET locked_until = ?, failed = 0 WHERE username = ?",
                                  (until, username))
                return until
        return 0

    def client_failures(self, client, since):
        return self.conn.execute("SELECT COUNT(*) FROM console_login_attempts WHERE client = ? AND at > ? AND ok = 0",
                                 (client, int(since))).fetchone()[0]

    # ------------------------------------------------------------ sessions

    @_retried
    def add_session(self, token_hash, username, csrf, now, idle, lifetime):
        """Open a session, and forget the expired ones nobody came back with (their rows stayed until then)."""
        with Transaction(self.conn):
            self.conn.execute("DELETE FROM console_sessions WHERE last_seen < ? OR created_at < ?",
                              (int(now) - idle, int(now) - lifetime))
            self.conn.execute("INSERT INTO console_sessions (token_hash, username, csrf, created_at, last_seen)"
                              " VALUES (?,?,?,?,?)", (token_hash, username, csrf, int(now), int(now)))

    def session(self, token_hash, now, idle, lifetime):
        """The live session ``token_hash`` joined with its user, touching ``last_seen``; None if gone or expired."""
        row = self.conn.execute(
            "SELECT s.username, s.csrf, s.created_at, s.last_seen, u.role, u.disabled FROM console_sessions s"
            " JOIN console_users u ON u.username = s.username WHERE s.token_hash = ?", (token_hash,)).fetchone()
        if row is None:
            return None
        if row[5] or now - row[3] > idle or now - row[2] > lifetime:
            self.end_session(token_hash)
            return None
        if now - row[3] >= 60:  # one write a minute is enough for the idle clock
            self.conn.execute("UPDATE console_sessions SET last_seen = ? WHERE token_hash = ?", (int(now), token_hash))
        return {"username": row[0], "csrf": row[1], "role": row[4]}

    def end_other_sessions(self, username, keep_hash):
        self.conn.execute("DELETE FROM console_sessions WHERE username = ? AND token_hash != ?", (username, keep_hash))

    def end_session(self, token_hash):
        self.conn.execute("DELETE FROM console_sessions WHERE token_hash = ?", (token_hash,))

    # ------------------------------------------------------------ audit

    def audit(self, now, username, client, action, obj, reason=""):
        self.conn.execute("INSERT INTO console_audit (at, username, client, action, object, reason) VALUES (?,?,?,?,?,?)",
                          (int(now), username, client, action, obj, reason))

    def audit_log(self, limit=200):
        rows = self.conn.execute("SELECT at, username, client, action, object, reason FROM console_audit"
                                 " ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [dict(zip(("at", "username", "client", "action", "object", "reason"), r)) for r in rows]

    # ------------------------------------------------------------ requests

    def _visible(self, centre):
        return "(owner = ? OR pending_owner = ?)", [centre, centre]

    def queue(self, centre, now, state=None, kind=None, region=None, age=None, offset=0, limit=50):
        """(rows, total) of the requests ``centre`` is responsible for or is offered, oldest first."""
        where, args = self._visible(centre)
        where = [where]
        if state:
            where.append("state = ?")
            args.append(state)
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if region:
            kiosks = self.kiosks_in(region)
            if kiosks:
                where.append(_KIOSK_OF + " IN (" + ",".join("?" * len(kiosks)) + ")")
                args.extend(_kiosk_args(centre) + [str(k) for k in kiosks])
            else:
                where.append("0 = 1")
        if age in AGES:
            low, high = AGES[age]
            where.append("created_at <= ?")
            args.append(int(now) - low)
            if high is not None:
                where.append("created_at > ?")
                args.append(int(now) - high)
        cond = " WHERE " + " AND ".join(where)
        total = self.rconn.execute("SELECT COUNT(*) FROM requests" + cond, args).fetchone()[0]
        rows = self.rconn.execute(
            "SELECT ref, kind, centre, owner, pending_owner, state, created_at, updated_at, subject FROM requests"
            + cond + " ORDER BY created_at, ref LIMIT ? OFFSET ?", args + [int(limit), int(offset)]).fetchall()
        keys = ("ref", "kind", "centre", "owner", "pending_owner", "state", "created_at", "updated_at", "subject")
        out = [dict(zip(keys, r)) for r in rows]
        claims = self.claims([r["ref"] for r in out])
        for r in out:
            r["claimed_by"] = claims.get(r["ref"])
        return out, total

    @_retried
    def update_request(self, policy, ref, action, now, actor, idem, note=None, target=None):
        """``request_desk.update``: the step and, on 办结 / 退回, the citizen's notice.  Run again whole when
        PostgreSQL aborts the notice's transaction for a concurrent one (another console process queueing
        the same notice, a worker writing ``outgoing``): the step is already recorded under ``idem``, so the
        second run returns it and queues the notice only if it is not there yet -- one SMS, no 500."""
        return request_desk.update(self.conn, self.requests, policy, ref, action, now, actor=actor, idem=idem,
                                   note=note, target=target)

    def kiosks_in(self, region):
        """Ids of this centre's kiosks whose hall region (the device registry's) starts with ``region`` (digits)."""
        return [r[0] for r in self.conn.execute("SELECT device_id FROM devices WHERE region LIKE ? ORDER BY device_id",
                                                (region + "%",))]

    def state_counts(self, centre):
        # Two queries instead of one OR: the first is answered from the (owner, state) index alone.
        counts = dict(self.rconn.execute("SELECT state, COUNT(*) FROM requests WHERE owner = ? GROUP BY state",
                                         (centre,)).fetchall())
        for state, n in self.rconn.execute("SELECT state, COUNT(*) FROM requests WHERE pending_owner = ?"
                                           " AND owner != ? GROUP BY state", (centre, centre)):
            counts[state] = counts.get(state, 0) + n
        return counts

    def claims(self, refs):
        if not refs:
            return {}
        marks = ",".join("?" * len(refs))
        return dict(self.conn.execute("SELECT ref, username FROM console_claims WHERE ref IN (" + marks + ")",
                                      list(refs)).fetchall())

    def claim(self, ref, username, now, take_over=False):
        """Claim ``ref`` for ``username``; returns who holds it afterwards (``username`` when the claim was won).

        One statement decides: of two consoles claiming at once (several console processes on one
        PostgreSQL database), exactly one gets the request; the other sees the winner's name.  A claim
        held by someone else changes hands only with ``take_over`` (a supervisor reassigning).
        """
        # Not in a SERIALIZABLE transaction: PostgreSQL would abort the second claimer instead of answering.
        # The statement alone is atomic; the loser's upsert waits for the winner's row and leaves it.
        self.conn.execute("INSERT INTO console_claims (ref, username, claimed_at) VALUES (?,?,?)"
                          " ON CONFLICT (ref) DO UPDATE SET username = excluded.username,"
                          " claimed_at = excluded.claimed_at"
                          " WHERE ? = 1 OR console_claims.username = excluded.username",
                          (ref, username, int(now), int(bool(take_over))))
        return self.conn.execute("SELECT username FROM console_claims WHERE ref = ?", (ref,)).fetchone()[0]

    def release_claim(self, ref):
        self.conn.execute("DELETE FROM console_claims WHERE ref = ?", (ref,))

    def peer_codes(self):
        """Active peer centres (transfer targets the relay knows)."""
        return [r[0] for r in self.conn.execute("SELECT code FROM peers WHERE status = 'active' ORDER BY code")]

    def sent_notices(self, to_number):
        """Text SMS queued for ``to_number``: (created_at, sent_at, failed, text), newest first."""
        rows = self.conn.execute("SELECT created_at, sent_at, failed, body FROM outgoing WHERE kind = 'notice'"
                                 " AND to_number = ? ORDER BY id DESC LIMIT 20", (to_number,)).fetchall()
        return [(r[0], r[1], r[2], bytes(r[3]).decode("utf-8", "replace")) for r in rows]

    # ------------------------------------------------------------ cards

    def _feistel(self, block, rounds):
        # A keyed permutation of 16 bytes (4 Feistel rounds of HMAC-SHA256): reversible, unguessable.
        left, right = block[:8], block[8:]
        for i in rounds:
            f = hmac.new(self._handle_key, bytes([i]) + right, hashlib.sha256).digest()[:8]
            left, right = right, bytes(a ^ b for a, b in zip(left, f))
        return right + left

    def card_handle(self, card_no):
        """An opaque, unguessable name of a card for URLs (the card number never appears in one)."""
        return self._feistel(card_no.encode("ascii").ljust(16, b"\0"), range(4)).hex()

    def card_of_handle(self, handle):
        try:
            raw = bytes.fromhex(handle)
        except ValueError:
            return None
        if len(raw) != 16:
            return None
        card = self._feistel(raw, range(3, -1, -1)).rstrip(b"\0")
        # A guessed handle decodes to noise: 16 random bytes are 9 letters or digits and 7 zeros by chance 1 in 2^56.
        if len(card) != 9 or not card.isalnum() or not card.isascii():
            return None
        return card.decode("ascii")

    def find_cards(self, pattern, limit=50):
        """Card numbers matching a full or masked number (``*`` stands for any one character)."""
        # Only what a card number has (letters, digits) and the mask: LIKE's own characters (% _, and a backslash,
        # PostgreSQL's escape character, which SQLite's LIKE does not have) never reach the pattern.
        like = "".join(ch for ch in pattern.upper() if ch == "*" or ("0" <= ch <= "9") or ("A" <= ch <= "Z"))
        like = like.replace("*", "_")
        return [r[0] for r in self.conn.execute("SELECT card_no FROM cards WHERE card_no LIKE ? ORDER BY card_no"
                                                " LIMIT ?", (like, int(limit)))]

    def cards_of_frame(self, device_id, seq):
        """Cards changed by the kiosk frame (device, seq): the reference a kiosk receipt shows."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT card_no FROM card_events WHERE device_id = ?"
                                                " AND seq = ?", (device_id, seq))]

    def card_record(self, card_no, policy):
        row = self.conn.execute("SELECT ssn, name, state, since, until FROM cards WHERE card_no = ?",
                                (card_no,)).fetchone()
        if row is None:
            return None
        return lossreport.CardRecord(row[0], row[1], card_no, row[2], row[3], row[4], policy)

    @_retried
    def save_card(self, rec, first_event, now):
        """Write ``rec``'s state and the history entries from ``first_event`` on (one transaction)."""
        with Transaction(self.conn):
            self._write_card(rec, first_event, now)

    def _write_card(self, rec, first_event, now):
        self.conn.execute("UPDATE cards SET state = ?, since = ?, until = ?, updated_at = ? WHERE card_no = ?",
                          (rec.state, rec.since, rec.until, int(now), rec.card_no))
        for when, action, channel, old, new in rec.history[first_event:]:
            self.conn.execute("INSERT INTO card_events (card_no, at, action, channel, from_state, to_state)"
                              " VALUES (?,?,?,?,?,?)", (rec.card_no, when, action, channel, old, new))

    @_retried
    def change_card(self, card_no, policy, action, channel, now):
        """Apply ``action`` to the card as it is now: read, state machine and write in one transaction, so a
        change made meanwhile by a gateway worker or another console is never written over (SQLite: the
        write lock is taken first; PostgreSQL: the transaction is aborted and run again on the new state).

        Returns the refusal (a ``Lib12333Error``) or None; a temporary loss that lapsed on the way is kept."""
        with Transaction(self.conn):
            rec = self.card_record(card_no, policy)
            before = len(rec.history)
            refusal = None
            try:
                rec.apply(action, channel, now)
            except Lib12333Error as exc:
                refusal = exc
            if len(rec.history) > before:
                self._write_card(rec, before, now)
        return refusal

    # ------------------------------------------------------------ kiosks

    def fleet(self, now, stale_after, show="all", region=None, offset=0, limit=100):
        """(rows, total, stale count) of kiosks; stale = no frame for ``stale_after`` s (or never), not revoked.

        Cost grows with the number of kiosks, not of frames: the last contact is the newest frame by the
        (device_id, seq) key (a kiosk's sequence numbers only grow), the backlog is read from the unsent
        part of ``outgoing`` (its sent_at index), and the frame and error counts only for the page shown.
        """
        rows = self.conn.execute(
            "SELECT d.device_id, d.name, d.region, d.phone, d.status, d.added_at, (SELECT a.applied_at FROM applied a"
            " WHERE a.device_id = d.device_id ORDER BY a.seq DESC LIMIT 1) FROM devices d ORDER BY d.device_id")
        out = []
        stale_count = 0
        for r in rows:
            d = dict(zip(("device_id", "name", "region", "phone", "status", "added_at", "last"), r))
            d["stale"] = d["status"] == "active" and (now - (d["last"] or d["added_at"])) > stale_after
            stale_count += d["stale"]
            if region and not d["region"].startswith(region):
                continue
            if (show == "stale" and not d["stale"]) or (show == "revoked" and d["status"] != "revoked"):
                continue
            out.append(d)
        if show == "all":
            out.sort(key=lambda d: (not d["stale"], d["device_id"]))  # the ones needing a visit first
        shown = out[offset:offset + limit]
        self._add_counts(shown)
        return shown, len(out), stale_count

    def _add_counts(self, devices):
        """Frames applied, ERROR answers, answers waiting and answers given up, for ``devices`` (dicts)."""
        if not devices:
            return
        ids = [d["device_id"] for d in devices]
        marks = ",".join("?" * len(ids))
        counts = {r[0]: (_int(r[1]), _int(r[2])) for r in self.conn.execute(
            "SELECT device_id, COUNT(*), " + _count_if("reply_type = ?") + " FROM applied WHERE device_id IN (" + marks + ")"
            " GROUP BY device_id", [msg.ERROR] + ids)}
        queued = {r[0]: (_int(r[1]), _int(r[2])) for r in self.conn.execute(
            "SELECT to_number, " + _count_if("failed IS NULL") + ", " + _count_if("failed IS NOT NULL") + " FROM outgoing"
            " WHERE sent_at IS NULL AND kind = 'frame' GROUP BY to_number")}
        reports = kiosk_status.latest(self.conn, ids)  # the kiosks' own status reports (issue 17)
        for d in devices:
            d["report"] = reports.get(d["device_id"])
            d["frames"], d["errors"] = counts.get(d["device_id"], (0, 0))
            d["backlog"], d["send_failures"] = queued.get(d["phone"], (0, 0)) if d["phone"] else (0, 0)

    def device(self, device_id):
        """One kiosk with the same figures as ``fleet``."""
        row = self.conn.execute("SELECT device_id, name, region, phone, status, added_at, (SELECT applied_at FROM"
                                " applied WHERE device_id = ? ORDER BY seq DESC LIMIT 1) FROM devices"
                                " WHERE device_id = ?", (device_id, device_id)).fetchone()
        if row is None:
            return None
        d = dict(zip(("device_id", "name", "region", "phone", "status", "added_at", "last"), row))
        self._add_counts([d])
        return d

    @_retried
    def rotate_key(self, device_id, key):
        with Transaction(self.conn):
            return self.conn.execute("UPDATE devices SET key = ? WHERE device_id = ? AND status = 'active'",
                                     (key, device_id)).rowcount == 1

    # ------------------------------------------------------------ figures

    def service_rows(self, start, end, channel=None):
        """service_records rows with arrival in [start, end) as tuples in ``lib12333.records`` field order."""
        sql = ("SELECT channel, service, region, category, queue, arrival, answer, end_at, outcome, agent, caller"
               " FROM service_records WHERE arrival >= ? AND arrival < ?")
        args = [int(start), int(end)]
        if channel:
            sql += " AND channel = ?"
            args.append(channel)
        return self.conn.execute(sql, args)

    def service_days(self, start, end, tz, channel):
        """{local day number: (rows, highest id)} of ``channel`` records in [start, end): tells a cache what changed."""
        rows = self.conn.execute(
            "SELECT (arrival + ?) / 86400 AS day, COUNT(*), MAX(id) FROM service_records"
            " WHERE arrival >= ? AND arrival < ? AND channel = ? GROUP BY day", (int(tz), int(start), int(end), channel))
        return {r[0]: (r[1], r[2]) for r in rows}

    @_retried
    def add_service_rows(self, rows):
        with Transaction(self.conn):
            self.conn.executemany(
                "INSERT INTO service_records (channel, service, region, category, queue, arrival, answer, end_at,"
                " outcome, agent, caller) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)

    def sms_by_day(self, start, end, tz):
        """[(local day number, kind, queued, sent, failed)] of SMS queued in [start, end): 'notice' to citizens,
        'frame' to kiosks."""
        rows = self.conn.execute(
            "SELECT (created_at + ?) / 86400 AS day, kind, COUNT(*), " + _count_if("sent_at IS NOT NULL") + ", "
            + _count_if("failed IS NOT NULL") + " FROM outgoing WHERE created_at >= ? AND created_at < ?"
            " GROUP BY day, kind ORDER BY day", (int(tz), int(start), int(end))).fetchall()
        return [(r[0], r[1], r[2], _int(r[3]), _int(r[4])) for r in rows]
