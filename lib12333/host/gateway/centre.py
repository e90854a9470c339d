"""
The centre's handling of kiosk frames: verify, decrypt, drop replays, apply once, answer.

``Centre.handle(sender, data, now)`` is called with the 8-bit payload of an SMS
that arrived on the kiosk port.  In ONE database transaction it:

1. finds the device from the (unauthenticated) header, refuses unknown or revoked ones;
2. verifies the tag and decrypts (AES-CCM with the device's key);
3. looks up (device, seq) in ``applied`` (only for a number the replay window has
   seen: a new one was never applied): a frame seen before is not applied
   again -- its recorded reply is queued once more (the kiosk evidently lost it;
   an ACK then says "duplicate"), within the bounds of ``repeats``;
4. checks the device's replay window (persisted in ``devices.window``); a frame
   below it that ``applied`` does not know is a late retry, applied once (within
   ``late_horizon``);
5. applies the request (card registry, loss-report state machine, requests --
   ``request_desk`` answers a request with its reference number) as one unit
   (``apply_once``): refused content is answered "malformed" with nothing
   changed, any other failure rolls the whole frame back (``deferred``);
6. records ``applied``, the reply frame and the citizen's notice in ``outgoing``.

Only after the commit does the caller delete the SMS from the modem, so a kill
at any moment either leaves the SMS to be handled again (and deduplicated) or
everything done.  Frames that fail verification change nothing and are logged
without their content.

Personal data: the card registry holds names and numbers (the centre must);
logs, notices and CLI output mask them (lib12333.identifiers).
"""

import logging
import time

from lib12333 import identifiers, lossreport
from lib12333.errors import ConfigError, DecodeError, Lib12333Error, SecurityError, ValidationError
from lib12333.host.gateway import backup, group_commit, kiosk_status, provisioning, workers
from lib12333.host.gateway import request_desk as desk
from lib12333.host.gateway.counters import SealCounters
from lib12333.host.gateway.db import Transaction
from lib12333.host.gateway.outcomes import (
    ANSWERED,
    APPLIED,
    DEFERRED,
    DUPLICATE,
    FAILED,
    IGNORED,
    LIMITED,
    REJECTED,
    RELAYED,
    RELAYING,
    Outcome,
)
from lib12333.host.gateway.repeats import RepeatLimit, repeated
from lib12333.secure import aes, replay
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.secure.replay import ReplayWindow

log = logging.getLogger("lib12333.gateway")

STATUS_OF_REQUEST = desk.STATUS_OF_REQUEST


class Rejected(Exception):
    """A frame that is dropped without an answer (forged, replayed, unknown device)."""


class Deferred(Exception):
    """A frame that could not be applied now (the request store failed, a configuration problem): the
    whole transaction is rolled back -- nothing applied, nothing answered, the replay window untouched --
    so the kiosk's retry applies it once, later."""


class Centre:
    # Centre-to-centre relay (lib12333.host.gateway.relay.Relay, issue 8); None: every request is applied here.
    relay = None
    # A never-applied frame below the replay window is applied when its (kiosk) time is at most this old:
    # longer than the kiosk's retries plus the SMS validity period (docs/security.md, section 5).
    late_horizon = 3 * 86400

    def __init__(self, conn, unit_signature, temp_days=7, centre_code="000000", requests=None,
                 sms_policy=None, clock=time.time):
        from lib12333.sms.policy import Policy

        self.conn = conn
        self.unit = unit_signature
        self.policy = lossreport.Policy(temp_days)
        self.sms_policy = sms_policy or Policy(unit_signature, one_part_notices=True)
        self.centre_code = centre_code
        self.requests = requests  # a lib12333.host.requests_store.RequestStore, or None
        self.clock = clock
        self.stats = {"applied": 0, "duplicates": 0, "rejected": 0, "replies": 0, "deferred": 0,
                      "conflicts": 0, "reserved": 0}
        # Answers sent again (duplicates, relay resends): bounded per device and by the queue length.
        self.repeats = RepeatLimit()
        self.check_config()
        backup.refuse_backup_copy(conn)  # a backup's sealing counters are old (lib12333 gateway restore)
        self.counters = SealCounters()  # numbers for frames to kiosks, reserved before use (counters.py)
        self._ciphers = {}  # device id -> (key, AES128) that last opened one of its frames (``_authentic``)
        self._opened = {}  # frames of the group being handled already verified: {data: (frame, cipher)}
        self.worker = workers.default_name()  # claims outgoing rows among several workers (workers.py)

    def check_config(self):
        """ConfigError now for a setting that would make requests fail later (after a card changed)."""
        if not isinstance(self.centre_code, str) or len(self.centre_code) != 6 or not self.centre_code.isdigit():
            raise ConfigError("the centre code must be 6 digits", item="centre-code", expected="e.g. 330100")
        # The longest notice wording has the same length for every card and date: try it once.
        self._notice_text("0000", 0, 0)

    # ------------------------------------------------------------------ devices

    def _authentic(self, header, data):
        """(frame, cipher) of the frame ``data`` whose tag verifies under its device's key; Rejected otherwise.

        Checked before the device row is locked (``_device``), so a forged frame changes nothing (on
        PostgreSQL the group does not lock the device a forged frame names either: group_commit.py
        ``_lock_group_rows`` locks only the kiosks of frames that opened here).  The key comes from memory (the key that opened this
        device's last frame) or from an unlocked read; ``_handle`` compares it with the locked row's.
        """
        known = self._ciphers.get(header.device_id)
        if known is not None:
            opened = self._opened.get(data)
            if opened is not None and opened[1] is known[1]:
                return opened  # verified a moment ago under this key (group_commit locking the group's kiosks)
            try:
                return frame_mod.open(known[1], data, direction=frame_mod.UP), known[1]
            except (SecurityError, DecodeError):
                pass  # forged, or the device has a new key: read it
        row = self.conn.execute("SELECT key, status FROM devices WHERE device_id = ?", (header.device_id,)).fetchone()
        if row is None:
            raise Rejected("unknown device %d" % header.device_id)
        if row[1] != "active":
            raise Rejected("revoked device %d" % header.device_id)
        key = bytes(row[0])
        cipher = known[1] if known is not None and known[0] == key else aes.AES128(key)
        try:
            f = frame_mod.open(cipher, data, direction=frame_mod.UP)
        except (SecurityError, DecodeError) as exc:
            raise Rejected("device %d seq %d: %s" % (header.device_id, header.seq,
                                                     provisioning.why_not_authentic(self.conn, header, data, exc))) from exc
        self._ciphers[header.device_id] = (key, cipher)
        return f, cipher

    def _device(self, device_id):
        """(key, window, down_seq, region, seq_floor) of an active device.

        The device's row stays locked until the transaction ends (PostgreSQL: FOR UPDATE; SQLite:
        BEGIN IMMEDIATE already holds the only write lock): its replay window and sealing counter
        cannot move under this frame (``SealCounters.usable``), and two frames of one kiosk take turns.
        """
        row = self.conn.execute(
            "SELECT key, status, window, down_seq, region, seq_floor FROM devices WHERE device_id = ?"
            " /*PG: FOR UPDATE*/", (device_id,)
        ).fetchone()
        if row is None:
            raise Rejected("unknown device %d" % device_id)
        if row[1] != "active":
            raise Rejected("revoked device %d" % device_id)
        return row[0], row[2], row[3], row[4], row[5]

    # ------------------------------------------------------------------ entry point

    def handle(self, sender, data, now=None):
        """Handle one frame; returns an :class:`~lib12333.host.gateway.outcomes.Outcome` (APPLIED, DUPLICATE, REJECTED + reason...).

        StorageError when the gateway database cannot be written (a full disk): nothing was changed
        and the caller must not delete the SMS.
        """
        return self.handle_many([(sender, data, now)])[0]

    def handle_many(self, frames):
        """Handle the frames [(sender, data, now)] waiting on the modem with one COMMIT: their outcomes,
        in order, after the commit (lib12333.host.gateway.group_commit)."""
        return group_commit.handle_many(self, frames)

    def _handle_frame(self, sender, data, now):
        now = int(self.clock() if now is None else now)
        try:
            header = frame_mod.peek(data)
        except Lib12333Error as exc:
            self.stats["rejected"] += 1
            log.warning("frame from %s rejected: %s", identifiers.mask_phone(sender), exc)
            return Outcome(REJECTED, "malformed header")
        relay = self.relay
        if relay is not None and header.msg_type in (msg.RELAY, msg.RELAY_ANSWER):
            from lib12333.host.gateway.relay import PeerRejected

            try:
                with Transaction(self.conn):
                    return relay.handle(self, sender, data, header, now)
            except PeerRejected as exc:
                relay.stats["rejected"] += 1
                log.warning("centre frame from %s rejected: %s", identifiers.mask_phone(sender), exc)
                return Outcome(REJECTED, exc)
            except Deferred as exc:
                return self._deferred(sender, exc)
        try:
            with Transaction(self.conn):
                return self._handle(sender, data, header, now)
        except Rejected as exc:
            self.stats["rejected"] += 1
            log.warning("frame from %s rejected: %s", identifiers.mask_phone(sender), exc)
            return Outcome(REJECTED, exc)
        except Deferred as exc:
            return self._deferred(sender, exc)

    def _deferred(self, sender, exc):
        self.stats["deferred"] += 1
        log.error("frame from %s not applied, nothing answered (the retry will be): %s",
                  identifiers.mask_phone(sender), exc)
        return Outcome(DEFERRED, exc)

    def _handle(self, sender, data, header, now):
        f, cipher = self._authentic(header, data)
        key, window_bytes, down, region, seq_floor = self._device(header.device_id)
        if bytes(key) != self._ciphers[f.device_id][0]:
            # replaced (device replace) between the two reads: judged again under the key now locked
            self._ciphers.pop(f.device_id)
            f, cipher = self._authentic(header, data)
            if bytes(key) != self._ciphers[f.device_id][0]:
                raise Rejected("device %d seq %d: its key changed while the frame was handled" % (f.device_id, f.seq))
        if f.seq < seq_floor:
            raise Rejected("device %d seq %d: %s" % (f.device_id, f.seq, provisioning.BELOW_FIRST_SEQ))
        window = ReplayWindow.from_bytes(bytes(window_bytes)) if window_bytes else ReplayWindow(256)
        verdict = window.classify(f.seq)
        # A number the window calls new was never accepted, so never applied (applied frames are accepted,
        # late ones are below the window for good): ``applied`` is read only for the others.  PostgreSQL:
        # the read would make this transaction conflict with every worker inserting into ``applied``.
        done = None if verdict == replay.NEW else self.conn.execute(
            "SELECT reply_type, reply_payload, msg_type FROM applied WHERE device_id = ? AND seq = ?",
            (f.device_id, f.seq),
        ).fetchone()
        if done is not None and provisioning.reused_sequence(self.conn, f, done[2]):
            # Answering "duplicate" would tell the citizen a request was applied that was not.
            raise Rejected("device %d seq %d: %s" % (f.device_id, f.seq, provisioning.REUSED_SEQ))
        if done is not None:
            # Applied before: the kiosk did not get our answer. Answer again (bounded), change nothing.
            self.stats["duplicates"] += 1
            refused = self.reanswer_refused(f.device_id, now)
            if refused:
                log.warning("device %d seq %d: duplicate not answered: %s", f.device_id, f.seq, refused)
                return Outcome(DUPLICATE, "not answered (%s)" % refused)
            self._queue_frame(f.device_id, sender, done[0], repeated(done[0], bytes(done[1])), cipher, now, down)
            log.info("device %d seq %d: duplicate, reply sent again", f.device_id, f.seq)
            return Outcome(DUPLICATE)
        if self.relay is not None and self.relay.is_waiting(f.device_id, f.seq):
            refused = self.reanswer_refused(f.device_id, now)
            if refused:
                log.warning("device %d seq %d: relay not sent again: %s", f.device_id, f.seq, refused)
                return Outcome(RELAYING, "not sent again (%s)" % refused)
            self.relay.resend_if_waiting(f.device_id, f.seq, now)
            return Outcome(RELAYING)
        if verdict == replay.DUPLICATE:
            raise Rejected("device %d seq %d: seen in the replay window but never applied" % (f.device_id, f.seq))
        # To be answered: make sure a number can seal the answer before doing any work (else roll back,
        # reserve).  Not earlier: a replay that is not answered again (the repeat bound) reserves nothing.
        self.counters.check("devices", "down_seq", f.device_id, down)
        if verdict == replay.NEW:
            window.accept(f.seq)
            self.conn.execute("UPDATE devices SET window = ? WHERE device_id = ?", (window.to_bytes(), f.device_id))
        elif now - f.time > self.late_horizon:
            # Below the window and not in ``applied``: authentic but never applied.  Older than any
            # kiosk retry can be (by its own clock): refused, recorded, so a replay gets the same answer.
            log.warning("device %d seq %d: below the replay window and %d s old: refused", f.device_id, f.seq,
                        now - f.time)
            return self._answer(f, sender, cipher, now, (msg.ERROR, {"ref_seq": f.seq, "code": msg.E_BUSY,
                                                                    "state": 0}, None), down)
        else:
            # Below the window, never applied, within the retry horizon: a late retry (reboots skip
            # sequence blocks, SMS arrive out of order).  ``applied`` makes it exactly once from here.
            log.info("device %d seq %d: below the replay window, never applied: applying it", f.device_id, f.seq)
        try:
            fields = msg.decode(f.msg_type, f.payload)
        except Lib12333Error as exc:
            fields = None
            reply_type, reply_fields, notice = malformed(f.seq)
            log.warning("device %d seq %d: %s", f.device_id, f.seq, exc)
        if fields is not None:
            if self.relay is not None and self.relay.route(f, fields, region, sender, now):
                return Outcome(RELAYED)  # the answer comes back from the responsible centre (relay.py)
            reply_type, reply_fields, notice = self.apply_once(f, fields, region, now)
        return self._answer(f, sender, cipher, now, (reply_type, reply_fields, notice), down)

    def _answer(self, f, sender, cipher, now, answer, stored_down=None):
        """Record the frame ``f`` in ``applied`` with its answer; queue the reply frame and the notice."""
        reply_type, reply_fields, notice = answer
        payload = msg.encode(reply_type, reply_fields)
        self.conn.execute(
            "INSERT INTO applied (device_id, seq, msg_type, applied_at, reply_type, reply_payload) VALUES (?,?,?,?,?,?)",
            (f.device_id, f.seq, f.msg_type, now, reply_type, payload),
        )
        self._queue_frame(f.device_id, sender, reply_type, payload, cipher, now, stored_down)
        if notice is not None:
            self.conn.execute(
                "INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('notice', ?, ?, ?)",
                (notice[0], notice[1].encode("utf-8"), now),
            )
        self.stats["applied"] += 1
        log.info("device %d seq %d: %s -> %s", f.device_id, f.seq, msg.type_name(f.msg_type), msg.type_name(reply_type))
        return Outcome(APPLIED)

    def reanswer_refused(self, who, now):
        """Why an answer sent again to device ``who`` is not sent now, or None (lib12333.host.gateway.repeats)."""
        return self.repeats.refused(self.conn, who, now)

    def _queue_frame(self, device_id, to, msg_type, payload, cipher, now, stored_down=None):
        """Seal an answer to ``device_id`` with a number reserved before this transaction, from the device's
        newest block (``stored_down``: devices.down_seq as read, locked, in this transaction)."""
        if stored_down is None:
            stored_down = self.conn.execute("SELECT down_seq FROM devices WHERE device_id = ? /*PG: FOR UPDATE*/",
                                            (device_id,)).fetchone()[0]
        seq = self.counters.take("devices", "down_seq", device_id, stored_down)
        data = frame_mod.seal(cipher, frame_mod.Frame(msg_type, device_id, seq, now, payload, frame_mod.DOWN))
        self.conn.execute(
            "INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('frame', ?, ?, ?)", (to, data, now)
        )
        self.stats["replies"] += 1

    # ------------------------------------------------------------------ the requests

    def apply_once(self, f, fields, region, now, peer=None):
        """``_apply`` as one unit: (reply type, reply fields, notice), or nothing changed at all.

        Runs inside the caller's transaction.  A request whose content is refused (a validation
        error) has its partial changes undone and is answered "malformed"; any other failure (the
        request store, a configuration problem) raises ``Deferred`` so the caller rolls back the
        frame entirely.  A change is never kept with an error answer, nor answered without its notice.
        """
        self.conn.execute("SAVEPOINT apply_request")
        try:
            result = self._apply(f, fields, region, now, peer)
        except (DecodeError, ValidationError) as exc:
            self.conn.execute("ROLLBACK TO apply_request")
            self.conn.execute("RELEASE apply_request")
            if isinstance(exc, ConfigError):
                raise Deferred("device %d seq %d: %s" % (f.device_id, f.seq, exc)) from exc
            log.warning("device %d seq %d: %s", f.device_id, f.seq, exc)
            return malformed(f.seq)
        except Lib12333Error as exc:
            raise Deferred("device %d seq %d: %s" % (f.device_id, f.seq, exc)) from exc
        self.conn.execute("RELEASE apply_request")
        return result

    def _apply(self, f, fields, region, now, peer=None):
        """Apply the request ``f``; ``peer``: the code of the centre that relayed it (None: one of ours)."""
        if f.msg_type == msg.LOSS_REPORT:
            return self._loss_report(f, fields, region, now)
        if f.msg_type == msg.CARD_STATUS_QUERY:
            return self._card_status(f, fields, now)
        if f.msg_type == msg.REQUEST:
            return self._request(f, fields, region, now, peer)
        if f.msg_type == msg.STATUS_QUERY:
            return self._status_query(f, fields, peer)
        if f.msg_type == msg.KIOSK_STATUS and peer is None:
            return kiosk_status.apply(self.conn, f, fields, now)
        return msg.ERROR, {"ref_seq": f.seq, "code": msg.E_UNSUPPORTED, "state": 0}, None

    def _card(self, card_no):
        # locked until the frame's transaction ends: the state read here is the one the change starts from
        # (PostgreSQL, READ COMMITTED: group_commit.py)
        row = self.conn.execute(
            "SELECT ssn, name, state, since, until, region FROM cards WHERE card_no = ? /*PG: FOR UPDATE*/", (card_no,)
        ).fetchone()
        if row is None:
            return None, None
        rec = lossreport.CardRecord(row[0], row[1], card_no, row[2], row[3], row[4], self.policy)
        return rec, row[5]

    def _save_card(self, rec, now, device_id, seq, first_event):
        self.conn.execute(
            "UPDATE cards SET state = ?, since = ?, until = ?, updated_at = ? WHERE card_no = ?",
            (rec.state, rec.since, rec.until, now, rec.card_no),
        )
        for when, action, channel, old, new in rec.history[first_event:]:
            self.conn.execute(
                "INSERT INTO card_events (card_no, at, action, channel, from_state, to_state, device_id, seq)"
                " VALUES (?,?,?,?,?,?,?,?)", (rec.card_no, when, action, channel, old, new, device_id, seq),
            )

    def _record(self, region, category, arrival, end, outcome, device_id, caller):
        self.conn.execute(
            "INSERT INTO service_records (channel, service, region, category, queue, arrival, answer, end_at,"
            " outcome, agent, caller) VALUES ('kiosk', '12333', ?, ?, 'kiosk', ?, ?, ?, ?, ?, ?)",
            (region or "", category, arrival, arrival, end, outcome, "kiosk-%d" % device_id,
             identifiers.mask_phone(caller) if caller else ""),
        )

    def _loss_report(self, f, fields, region, now):
        rec, card_region = self._card(fields["card"])
        if rec is None:
            self._record(region, "1500", f.time, now, "refused", f.device_id, fields.get("phone"))
            return msg.ERROR, {"ref_seq": f.seq, "code": msg.E_UNKNOWN_CARD, "state": 0}, None
        before = len(rec.history)
        try:
            rec.apply(lossreport.REPORT_TEMPORARY, lossreport.KIOSK, now,
                      ssn=fields["ssn"], name=fields["name"], card_no=fields["card"])
        except Lib12333Error as exc:
            code = lossreport.wire_error(exc)
            # An expiry that happened on the way is still a real change: keep it.
            self._save_card(rec, now, f.device_id, f.seq, before)
            self._record(region, "1500", f.time, now, "refused", f.device_id, fields.get("phone"))
            state = rec.state if code != msg.E_IDENTITY else 0  # no card state for an unproven caller
            return msg.ERROR, {"ref_seq": f.seq, "code": code, "state": state}, None
        self._save_card(rec, now, f.device_id, f.seq, before)
        self._record(region or card_region, "1500", f.time, now, "completed", f.device_id, fields.get("phone"))
        notice = None
        if fields.get("phone"):
            notice = (fields["phone"], self.loss_notice(rec, now))
        return msg.ACK, {"ref_seq": f.seq, "result": msg.ACK_APPLIED, "state": rec.state, "until": rec.until}, notice

    def loss_notice(self, rec, now):
        """The citizen's SMS: names the unit (43号), one part, card number masked, no other personal data."""
        return self._notice_text(rec.card_no[-4:], now, rec.until)

    def _notice_text(self, tail, now, until_seconds):
        # One SMS part is 70 UCS2 characters; the unit's name takes about 20 of them.  The longer
        # wording is used when it fits, else the short one (the policy refuses anything longer).
        until = _cst(until_seconds, False)
        for wording in (
            "您尾号%s的社保卡已于%s临时挂失，有效至%s，请持身份证到网点办理正式挂失和补卡。" % (tail, _cst(now, True)[5:], until),
            "您尾号%s的社保卡已临时挂失，有效至%s，请持身份证到网点办理正式挂失补卡。" % (tail, until),
            "尾号%s社保卡已临时挂失，有效至%s。" % (tail, until),
        ):
            text = self.sms_policy.sign(wording)
            try:
                self.sms_policy.check(text, service="account-query", notice=True)
                return text
            except ValidationError:
                continue
        # A setting, not the request: Centre() checks it at start (check_config).
        raise ConfigError("the unit's name leaves no room for a one-part notice", item="unit",
                          expected="a shorter --unit")

    def _card_status(self, f, fields, now):
        rec, _region = self._card(fields["card"])
        if rec is None or not rec.identity_matches(fields["ssn"], fields["name"], fields["card"]):
            code = msg.E_UNKNOWN_CARD if rec is None else msg.E_IDENTITY
            return msg.ERROR, {"ref_seq": f.seq, "code": code, "state": 0}, None
        before = len(rec.history)
        rec.settle(now)
        self._save_card(rec, now, f.device_id, f.seq, before)
        return msg.CARD_STATUS_ANSWER, {"ref_seq": f.seq, "state": rec.state, "since": rec.since,
                                        "until": rec.until}, None

    def _request(self, f, fields, region, now, peer=None):
        kinds = {msg.CONSULTATION: "consultation", msg.COMPLAINT: "complaint", msg.REPORT: "report"}
        if self.requests is None:
            return msg.ERROR, {"ref_seq": f.seq, "code": msg.E_UNSUPPORTED, "state": 0}, None
        day = time.gmtime(now + 8 * 3600)[:3]
        # The request store is its own SQLite file: creation is idempotent on the frame's origin (centre,
        # device, seq), so a rollback here after the store committed gives the same reference on the retry.
        # The origin centre is part of the key: a peer's kiosk 1001 is not our kiosk 1001.
        req = self.requests.create(
            kinds.get(fields["kind"], "consultation"), self.centre_code, desk.device_code(f.device_id),
            day, now, subject=fields.get("text") or "", contact=fields.get("phone") or "",
            idem=desk.request_idem(peer or self.centre_code, f.device_id, f.seq),
        )
        self._record(region, fields.get("category") or "0000", f.time, now, "queued", f.device_id, fields.get("phone"))
        log.info("device %d seq %d: request %s accepted", f.device_id, f.seq, req.ref)
        # An ACK cannot carry the reference: the answer is a STATUS_ANSWER whose text is the reference.
        return msg.STATUS_ANSWER, desk.request_answer(f.device_id, f.seq, req.ref, now), None

    def _status_query(self, f, fields, peer=None):
        return msg.STATUS_ANSWER, desk.status_answer(self.conn, self.requests, self.centre_code, f.device_id, f.seq,
                                                     fields, peer), None

    # ------------------------------------------------------------------ citizens' text SMS

    def handle_text(self, sender, text, now=None):
        """A text SMS from a citizen: answer a status query (``查询 <reference>``); returns the outcome."""
        now = int(self.clock() if now is None else now)
        if self.requests is None:
            return Outcome(IGNORED)
        try:
            reply = desk.sms_reply(self.requests, self.sms_policy, sender, text)
            if reply is None:
                log.info("text SMS from %s ignored (%d characters)", identifiers.mask_phone(sender or ""),
                         len(text or ""))
                return Outcome(IGNORED)
            if desk.answers_today(self.conn, sender, now) >= desk.ANSWERS_PER_DAY:
                log.warning("status query from %s not answered: %d answers in 24 h", identifiers.mask_phone(sender),
                            desk.ANSWERS_PER_DAY)
                return Outcome(LIMITED)
            refused = self.repeats.refused(self.conn, None, now)  # senders are easy to spoof: bound the queue too
            if refused:
                log.warning("status query from %s not answered: %s", identifiers.mask_phone(sender), refused)
                return Outcome(LIMITED)
            desk.queue_sms(self.conn, sender, reply, now)
        except Lib12333Error as exc:
            log.warning("text SMS from %s not answered: %s", identifiers.mask_phone(sender or ""), exc)
            return Outcome(FAILED)
        log.info("status query from %s answered", identifiers.mask_phone(sender or ""))
        return Outcome(ANSWERED)

    # ------------------------------------------------------------------ outgoing

    def due(self, now, limit=20):
        """[(id, kind, to_number, body)] waiting to be sent at ``now``, claimed by this worker (workers.py)."""
        return workers.claim_due(self.conn, self.worker, now, limit)

    def mark_sent(self, out_id, now):
        self.conn.execute("UPDATE outgoing SET sent_at = ? WHERE id = ?", (int(now), out_id))

    def mark_all_sent(self, out_ids, now):
        """``mark_sent`` for several rows in one statement (one commit)."""
        if out_ids:
            self.conn.execute("UPDATE outgoing SET sent_at = ? WHERE id IN (%s)" % ",".join("?" * len(out_ids)),
                              [int(now)] + list(out_ids))

    def mark_attempt(self, out_id, now, error, max_attempts=6):
        row = self.conn.execute("SELECT attempts FROM outgoing WHERE id = ?", (out_id,)).fetchone()
        attempts = row[0] + 1
        if attempts >= max_attempts:
            self.conn.execute("UPDATE outgoing SET attempts = ?, failed = ? WHERE id = ?", (attempts, str(error), out_id))
            log.error("outgoing %d failed after %d attempts: %s", out_id, attempts, error)
        else:
            delay = min(30 * 2 ** (attempts - 1), 1800)
            self.conn.execute("UPDATE outgoing SET attempts = ?, next_at = ? WHERE id = ?",
                              (attempts, int(now) + delay, out_id))


def malformed(seq):
    """(reply type, reply fields, notice) of the answer "malformed" to the frame ``seq``."""
    return msg.ERROR, {"ref_seq": seq, "code": msg.E_MALFORMED, "state": 0}, None


def _cst(seconds, with_time):
    t = time.gmtime(int(seconds) + 8 * 3600)
    if with_time:
        return "%04d-%02d-%02d %02d:%02d" % t[:5]
    return "%04d-%02d-%02d" % t[:3]
