"""
Centre-to-centre relay: a kiosk request whose responsible centre is another one (issue 8).

A kiosk talks to its own centre only (one pairwise key).  When the routing rules
say a request belongs to another centre -- a card issued in another province goes
through the national transfer platform to that province's centre -- the
receiving centre (A) forwards it to the responsible centre (B) and relays B's
answer back, so the kiosk gets its reply from its own centre, end to end:

    kiosk --LOSS_REPORT(seq s)--> A --RELAY(origin K, s)--> B   applies once, notifies the citizen
    kiosk <--ACK(ref s)---------- A <--RELAY_ANSWER(K, s)--  B

Centres register each other as *peers* with a pairwise key (``add_peer``), like
devices.  A peer's frame id is its 6-digit centre code as a number (330000), and
the ``device`` field of every centre-to-centre frame is the *sender's* id, so
with one key per pair the nonces (direction, sender, sequence) of the four
streams -- A's relays, B's answers, B's relays, A's answers -- never meet.

Exactly once, across the hop:

* A keeps ``relays_out`` keyed by the kiosk's (device, seq), written in the same
  transaction as the RELAY frame in ``outgoing``.  A kiosk retry while the answer
  is outstanding re-sends the *same* RELAY bytes; B answers it as a duplicate.
* B keeps ``relays_in`` keyed by (peer, origin device, origin seq), written in the
  same transaction as the change and the answer.  (B's ``applied`` table is keyed
  by B's own devices, whose ids could collide with a peer's kiosks, so the relay
  key has its own table with the same role and the same columns.)
* When the answer reaches A, A records it in ``applied`` under the kiosk's
  (device, seq) and queues the reply frame to the kiosk, in one transaction;
  from then on kiosk retries are answered from ``applied`` like any other.

B never relays a relayed request again (one hop).  The tables (peers,
relays_out, relays_in) are migration 2 of the gateway database
(lib12333.host.gateway.db); docs/routing.md "Kiosk and gateway" has the whole design.
"""

import logging
import time

from lib12333 import identifiers
from lib12333.errors import DecodeError, Lib12333Error, SecurityError, ValidationError
from lib12333.host.gateway.centre import malformed
from lib12333.host.gateway.counters import SealCounters
from lib12333.host.gateway.outcomes import DUPLICATE, RELAY_ANSWERED, RELAY_APPLIED, Outcome
from lib12333.secure import aes, replay
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.secure.replay import ReplayWindow

log = logging.getLogger("lib12333.gateway")

TYPES = (msg.RELAY, msg.RELAY_ANSWER)
CARD_CATEGORY = "2505"




class PeerRejected(Exception):
    """A centre-to-centre frame dropped without an answer (unknown peer, forged, replayed)."""


def ensure_schema(conn):
    """The relay tables are migration 2 of lib12333.host.gateway.db; a connection from db.connect has them."""
    from lib12333.host.gateway import db

    db.migrate(conn)


def _check_code(code, field):
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit() or code[:2] == "00":
        raise ValidationError("not a 6-digit centre code", field=field, expected="6 digits such as 320000")


def add_peer(conn, code, number, key, name="", now=None):
    """Register the centre ``code`` (its gateway's SMS ``number``, the pairwise 16-byte ``key``)."""
    _check_code(code, "code")
    if not isinstance(key, (bytes, bytearray)) or len(key) != 16:
        raise ValidationError("a peer key is 16 bytes", field="key")
    ensure_schema(conn)
    if conn.execute("SELECT 1 FROM peers WHERE code = ?", (code,)).fetchone() is not None:
        raise ValidationError("peer already registered", field="code")
    conn.execute(
        "INSERT INTO peers (code, peer_id, number, key, name, added_at) VALUES (?,?,?,?,?,?)",
        (code, int(code), number, bytes(key), name, int(time.time() if now is None else now)),
    )
    return bytes(key)


def list_peers(conn, show_pii=False):
    ensure_schema(conn)
    rows = conn.execute("SELECT code, name, number, status, up_seq, down_seq FROM peers ORDER BY code").fetchall()
    return [{"code": r[0], "name": r[1], "number": r[2] if show_pii else identifiers.mask_phone(r[2]),
             "status": r[3], "relays_sent": r[4] - 1, "answers_sent": r[5] - 1} for r in rows]


def cst_time(now):
    t = time.gmtime(int(now) + 8 * 3600)
    return "%04d-%02d-%02dT%02d:%02d" % t[:5]


class Relay:
    """The relay of one centre: ``own_code`` (its 6-digit code), the compiled routing ``rules``."""

    def __init__(self, conn, own_code, rules):
        _check_code(own_code, "own_code")
        self.conn = conn
        self.own_code = own_code
        self.own_id = int(own_code)
        self.rules = rules
        self.stats = {"relayed": 0, "resent": 0, "applied": 0, "duplicates": 0, "answered": 0, "rejected": 0}
        self.counters = SealCounters()  # numbers for frames to peers, reserved before use (counters.py)
        ensure_schema(conn)

    # ------------------------------------------------------------------ side A: the kiosk's centre

    def decide(self, f, fields, region, now):
        """The routing Decision for a kiosk frame (``region``: the device's region, may be empty)."""
        from lib12333.routing.engine import Request
        from lib12333.routing.regions import city_of

        kiosk_region = region if region and len(region) == 6 and region.isdigit() else None
        card_region = fields.get("card_region")
        if f.msg_type in (msg.LOSS_REPORT, msg.CARD_STATUS_QUERY):
            category = CARD_CATEGORY
        elif f.msg_type == msg.REQUEST:
            category = fields.get("category")
        else:
            category = None
        number = "12370" if category is not None and category[:2] == "24" else "12333"
        request = Request(number=number, channel="kiosk", reached=city_of(kiosk_region) if kiosk_region else None,
                          caller_region=kiosk_region, card_region=card_region, category=category,
                          time=cst_time(now))
        return self.rules.evaluate(request)

    def _peer_for(self, decision):
        code = decision.centre
        if decision.action != "transfer" or code is None:
            return None
        for candidate in (code, code[:2] + "0000"):
            if candidate == self.own_code:
                return None
            row = self.conn.execute(
                "SELECT code, peer_id, number, key, up_seq FROM peers WHERE code = ? AND status = 'active'",
                (candidate,),
            ).fetchone()
            if row is not None:
                return row
        return None

    def route(self, f, fields, region, sender, now):
        """Relay the kiosk frame ``f`` when the rules give another centre with a peer; True when relayed.

        Runs inside the centre's transaction, after the frame passed the device's
        replay window and before anything is applied.
        """
        if f.msg_type not in msg.RELAYABLE:
            return False
        try:
            decision = self.decide(f, fields, region, now)
        except Lib12333Error as exc:  # the rules cannot judge this request: it stays with the kiosk's centre
            log.warning("device %d seq %d: routing failed (%s); applied here", f.device_id, f.seq, exc)
            return False
        peer = self._peer_for(decision)
        if peer is None:
            if decision.action == "transfer":
                log.warning("device %d seq %d: rule %s names centre %s but no peer is registered; applied here",
                            f.device_id, f.seq, decision.rule, decision.centre)
            return False
        code, _peer_id, number, key, stored_up = peer
        try:
            payload = msg.encode(msg.RELAY, {"origin_device": f.device_id, "origin_seq": f.seq,
                                             "origin_time": f.time, "inner_type": f.msg_type, "inner": f.payload})
            # reserved before this transaction, from the newest block (counters.py: several workers)
            relay_seq = self.counters.take("peers", "up_seq", code, stored_up)
            data = frame_mod.seal(aes.AES128(bytes(key)),
                                  frame_mod.Frame(msg.RELAY, self.own_id, relay_seq, now, payload, frame_mod.UP))
        except ValidationError as exc:
            # A request near the frame limit leaves no room for the RELAY header: apply it here rather
            # than answer the kiosk with an error (nothing has been written yet; the number is skipped).
            log.warning("device %d seq %d: cannot be relayed to centre %s (%s); applied here", f.device_id, f.seq,
                        code, exc)
            return False
        self.conn.execute(
            "INSERT INTO relays_out (device_id, seq, msg_type, peer_code, relay_seq, kiosk_number, frame, rule, state,"
            " created_at) VALUES (?,?,?,?,?,?,?,?, 'waiting', ?)",
            (f.device_id, f.seq, f.msg_type, code, relay_seq, sender, data, decision.rule, now),
        )
        _queue(self.conn, number, data, now)
        self.stats["relayed"] += 1
        log.info("device %d seq %d: %s relayed to centre %s (rule %s, relay seq %d)", f.device_id, f.seq,
                 msg.type_name(f.msg_type), code, decision.rule, relay_seq)
        return True

    def is_waiting(self, device_id, seq):
        """True when the kiosk frame (device_id, seq) was relayed and its answer has not come back."""
        return self.conn.execute("SELECT 1 FROM relays_out WHERE device_id = ? AND seq = ? AND state = 'waiting'",
                                 (device_id, seq)).fetchone() is not None

    def resend_if_waiting(self, device_id, seq, now):
        """A kiosk retry of a request still waiting for the peer: queue the same RELAY bytes again."""
        row = self.conn.execute(
            "SELECT r.frame, p.number, r.peer_code FROM relays_out r JOIN peers p ON p.code = r.peer_code"
            " WHERE r.device_id = ? AND r.seq = ? AND r.state = 'waiting'", (device_id, seq),
        ).fetchone()
        if row is None:
            return False
        _queue(self.conn, row[1], bytes(row[0]), now)
        self.stats["resent"] += 1
        log.info("device %d seq %d: still waiting for centre %s, relay sent again", device_id, seq, row[2])
        return True

    # ------------------------------------------------------------------ frames from peers (both sides)

    def handle(self, centre, sender, data, header, now):
        """A RELAY or RELAY_ANSWER frame; runs inside the centre's transaction. Returns the outcome."""
        # the peer's row stays locked until the transaction ends: its replay windows and answer counter, and
        # relays_in of that peer, change under it only (PostgreSQL, READ COMMITTED: group_commit.py).
        # NO KEY UPDATE, not UPDATE: a kiosk frame relayed to this peer meanwhile (its kiosk's row locked)
        # inserts into relays_out, whose foreign key takes KEY SHARE on this row; FOR UPDATE would make
        # it wait for us while our answer to that kiosk waits for its row (a deadlock).
        row = self.conn.execute(
            "SELECT code, number, key, status, in_window, answer_window, down_seq FROM peers WHERE peer_id = ?"
            " /*PG: FOR NO KEY UPDATE*/", (header.device_id,),
        ).fetchone()
        if row is None:
            raise PeerRejected("unknown peer %d" % header.device_id)
        if row[3] != "active":
            raise PeerRejected("revoked peer %s" % row[0])
        cipher = aes.AES128(bytes(row[2]))
        expected = frame_mod.UP if header.msg_type == msg.RELAY else frame_mod.DOWN
        try:
            f = frame_mod.open(cipher, data, direction=expected)
            fields = msg.decode(f.msg_type, f.payload)
        except (SecurityError, DecodeError) as exc:
            raise PeerRejected("peer %s seq %d: %s" % (row[0], header.seq, exc))  # noqa: B904
        if f.msg_type == msg.RELAY:
            return self._relayed_in(centre, row, cipher, f, fields, now)
        return self._answer_in(centre, row, f, fields, now)

    def _window(self, code, column, blob, seq):
        window = ReplayWindow.from_bytes(bytes(blob)) if blob else ReplayWindow(256)
        verdict = window.classify(seq)
        if verdict == replay.TOO_OLD and seq >= 1:
            # Below the window: the caller has already looked the frame up in its durable table
            # (relays_in, relays_out) and it was never handled -- a late frame, handled once now.
            log.info("peer %s seq %d: below the replay window, never handled: handling it", code, seq)
            return
        if verdict != replay.NEW:
            raise PeerRejected("peer %s seq %d: outside the replay window" % (code, seq))
        window.accept(seq)
        self.conn.execute("UPDATE peers SET %s = ? WHERE code = ?" % column, (window.to_bytes(), code))

    # side B: the responsible centre applies once and answers
    def _relayed_in(self, centre, peer, cipher, f, fields, now):
        code, number = peer[0], peer[1]
        key = (code, fields["origin_device"], fields["origin_seq"])
        done = self.conn.execute(
            "SELECT reply_type, reply_payload FROM relays_in WHERE peer_code = ? AND origin_device = ? AND origin_seq = ?",
            key,
        ).fetchone()
        if done is not None:
            self._window_if_new(code, peer[4], f.seq)
            self.stats["duplicates"] += 1
            # The answer goes to the peer's registered number, never to the sender; A's resends are
            # already bounded per kiosk, so here only the queue bound applies.
            refused = centre.reanswer_refused(None, now)
            if refused:
                log.warning("relay from %s (device %d seq %d): duplicate not answered: %s", code, key[1], key[2],
                            refused)
                return Outcome(DUPLICATE, "not answered (%s)" % refused)
            self._answer(code, number, cipher, fields, done[0], bytes(done[1]), now, peer[6])
            log.info("relay from %s (device %d seq %d): duplicate, answer sent again", code, key[1], key[2])
            return Outcome(DUPLICATE)
        self._window(code, "in_window", peer[4], f.seq)
        inner_type = fields["inner_type"]
        origin = frame_mod.Frame(inner_type if msg.is_known(inner_type) else msg.ERROR, fields["origin_device"],
                                 fields["origin_seq"], fields["origin_time"], fields["inner"], frame_mod.UP)
        notice = None
        inner = None
        if inner_type not in msg.RELAYABLE:
            reply_type, reply_fields = msg.ERROR, {"ref_seq": origin.seq, "code": msg.E_UNSUPPORTED, "state": 0}
        else:
            try:
                inner = msg.decode(inner_type, fields["inner"])
            except Lib12333Error as exc:
                reply_type, reply_fields, notice = malformed(origin.seq)
                log.warning("relay from %s (device %d seq %d): %s", code, key[1], key[2], exc)
        if inner is not None:
            # All or nothing, as for a kiosk of ours (Centre.apply_once; Deferred rolls the relay frame back).
            reply_type, reply_fields, notice = centre.apply_once(origin, inner, "", now, peer=code)
        reply = msg.encode(reply_type, reply_fields)
        self.conn.execute(
            "INSERT INTO relays_in (peer_code, origin_device, origin_seq, relay_seq, msg_type, applied_at, reply_type,"
            " reply_payload) VALUES (?,?,?,?,?,?,?,?)", key + (f.seq, inner_type, now, reply_type, reply),
        )
        self._answer(code, number, cipher, fields, reply_type, reply, now, peer[6])
        if notice is not None:
            self.conn.execute(
                "INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('notice', ?, ?, ?)",
                (notice[0], notice[1].encode("utf-8"), now),
            )
        self.stats["applied"] += 1
        log.info("relay from %s (device %d seq %d): %s applied -> %s", code, key[1], key[2],
                 msg.type_name(inner_type), msg.type_name(reply_type))
        return Outcome(RELAY_APPLIED)

    def _window_if_new(self, code, blob, seq):
        window = ReplayWindow.from_bytes(bytes(blob)) if blob else ReplayWindow(256)
        if window.classify(seq) == 0:
            window.accept(seq)
            self.conn.execute("UPDATE peers SET in_window = ? WHERE code = ?", (window.to_bytes(), code))

    def _answer(self, code, number, cipher, fields, reply_type, reply, now, stored_down):
        seq = self.counters.take("peers", "down_seq", code, stored_down)  # reserved before, newest block
        payload = msg.encode(msg.RELAY_ANSWER, {"origin_device": fields["origin_device"],
                                                "origin_seq": fields["origin_seq"], "reply_type": reply_type,
                                                "reply": reply})
        data = frame_mod.seal(cipher, frame_mod.Frame(msg.RELAY_ANSWER, self.own_id, seq, now, payload,
                                                      frame_mod.DOWN))
        _queue(self.conn, number, data, now)

    # side A again: the answer goes to the kiosk
    def _answer_in(self, centre, peer, f, fields, now):
        code = peer[0]
        device, seq = fields["origin_device"], fields["origin_seq"]
        row = self.conn.execute(
            "SELECT msg_type, kiosk_number, state FROM relays_out WHERE device_id = ? AND seq = ? AND peer_code = ?",
            (device, seq, code),
        ).fetchone()
        if row is None:
            raise PeerRejected("answer from %s for device %d seq %d that was never relayed there" % (code, device, seq))
        if row[2] == "answered":
            return Outcome(DUPLICATE)  # the network delivered the answer twice, or the peer answered a resent relay
        self._window(code, "answer_window", peer[5], f.seq)
        reply_type, reply = fields["reply_type"], fields["reply"]
        if reply_type not in msg.ANSWERS:
            raise PeerRejected("answer from %s of type %d" % (code, reply_type))
        try:
            msg.decode(reply_type, reply)
        except DecodeError as exc:
            raise PeerRejected("answer from %s does not decode: %s" % (code, exc))  # noqa: B904
        # the kiosk's row locked before its ``applied`` row is written (group_commit.py)
        key = self.conn.execute("SELECT key, down_seq FROM devices WHERE device_id = ? /*PG: FOR UPDATE*/",
                                (device,)).fetchone()
        if key is None:
            raise PeerRejected("answer from %s for unknown device %d" % (code, device))
        self.conn.execute(
            "INSERT INTO applied (device_id, seq, msg_type, applied_at, reply_type, reply_payload) VALUES (?,?,?,?,?,?)",
            (device, seq, row[0], now, reply_type, reply),
        )
        self.conn.execute("UPDATE relays_out SET state = 'answered', answered_at = ? WHERE device_id = ? AND seq = ?",
                          (now, device, seq))
        centre._queue_frame(device, row[1], reply_type, reply, aes.AES128(bytes(key[0])), now, key[1])
        self.stats["answered"] += 1
        log.info("device %d seq %d: answer from centre %s (%s) sent to the kiosk", device, seq, code,
                 msg.type_name(reply_type))
        return Outcome(RELAY_ANSWERED)


def _queue(conn, number, data, now):
    conn.execute("INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('frame', ?, ?, ?)",
                 (number, data, now))
