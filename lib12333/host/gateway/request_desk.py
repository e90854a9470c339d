"""
Citizen requests at the centre gateway: references for kiosks, status answers, SMS queries, completion notices.

The request itself lives in ``lib12333.host.requests_store`` (its own SQLite
file, ``admin.requests_path(db)``); what the citizen is sent goes into the
gateway database's ``outgoing`` table, which the running gateway sends.

**Kiosk frames** (``Centre`` calls these):

- a REQUEST frame is answered with a STATUS_ANSWER (not an ACK: an ACK has no
  room for the 21-character reference) -- ``ref_device`` / ``ref_seq`` = the
  kiosk and the seq of the REQUEST frame, status 1 (received), ``text`` = the
  reference number;
- a STATUS_QUERY is answered with a STATUS_ANSWER for the query frame whose
  ``text`` is ``"<reference> <state label>"`` (e.g. ``T330100K0113030100077
  处理中``) or empty with status 0 when nothing is found.  The query names the
  request either as ``ref_device`` = the asking kiosk's own id and ``ref_seq`` =
  the seq of its REQUEST frame, or as ``ref_device`` = 0 and ``ref_seq`` =
  (days since 2000-01-01 of the reference's day) x 10000 + its 4-digit
  sequence: the digits a citizen types at the kiosk, for a reference that
  kiosk issued.  Another kiosk's requests are never answered.

**SMS status queries** (``sms_reply``): a text SMS ``查询 <reference>`` or
``CX <reference>`` (any case, dashes, spaces or a colon allowed) is answered
with ``lib12333.requests.status_text`` -- but only to the phone number the
request was filed with; any other sender, an unknown or mistyped reference all
get the same neutral ``NOT_FOUND`` text, so nobody learns whether another
citizen's reference exists.  Other text SMS are not answered, nor are more
than ``ANSWERS_PER_DAY`` queries from one number in 24 hours (SMS cost a fee).

**Completion notices** (``update``): a back-office transition to 办结 or 退回
queues ``lib12333.requests.notice_text`` (signed with the unit, one part, no
personal data) to the request's contact number, at most once per request and
state even when the update is retried after a crash between the two databases.
"""

import logging

from lib12333 import identifiers, refnum
from lib12333 import requests as R
from lib12333.errors import Lib12333Error, StorageError, ValidationError
from lib12333.host.gateway.db import Transaction
from lib12333.secure import messages as msg

log = logging.getLogger("lib12333.gateway")

QUERY_WORDS = ("查询", "CX")
NOT_FOUND = "未查到与本机号码对应的办件，请核对受理编号，或拨打12333咨询。"
ANSWERS_PER_DAY = 10  # SMS answers to one number in 24 hours; further queries are logged, not answered
MAX_DAYS = 36524  # 2000-01-01 .. 2099-12-31: the references' YY covers this century

# lib12333.requests states -> the status byte of a STATUS_ANSWER (the text carries the exact label)
STATUS_OF_REQUEST = {R.ACCEPTED: msg.ST_RECEIVED, R.IN_PROGRESS: msg.ST_IN_PROGRESS,
                     R.TRANSFERRING: msg.ST_IN_PROGRESS, R.DONE: msg.ST_CLOSED, R.RETURNED: msg.ST_ANSWERED}

# ``gateway request update`` accepts these spellings besides the core action names.
ACTION_ALIASES = {"close": "complete", "finish": "complete", "answer": "complete",
                  "accept-transfer": "accept_transfer", "reject-transfer": "reject_transfer",
                  "withdraw-transfer": "withdraw_transfer"}


def device_code(device_id):
    """The 3-character device part of the references a kiosk's requests get (K + 2 digits).

    Not unique: kiosks 1001 and 1101 both get K01 (they share its day counter).  Who filed a
    request is its creation key (``request_idem``), which ``filed_by`` compares.
    """
    return "K%02d" % (device_id % 100)


def request_idem(origin, device_id, seq):
    """The request store's creation key of a kiosk REQUEST frame: (origin centre, origin device, origin seq).

    ``origin`` is the code of the centre the kiosk belongs to (this centre, or the peer that relayed
    the frame): device ids are only unique within one centre.
    """
    return "kiosk/%s/%d/%d" % (origin, device_id, seq)


def filed_by(store, ref, origin, device_id, own_centre):
    """True when request ``ref`` was created from a REQUEST frame of kiosk ``device_id`` of centre ``origin``."""
    key = store.creation_key(ref) or ""
    if key.startswith("kiosk/%s/%d/" % (origin, device_id)):
        return True
    # Requests created before the key named the origin centre: kiosk-<device>-<seq>, always our own kiosks.
    return origin == own_centre and key.startswith("kiosk-%d-" % device_id)


def typed_number(ref):
    """The STATUS_QUERY ``ref_seq`` (with ``ref_device`` 0) naming ``ref``: day number x 10000 + sequence."""
    p = R.parse_ref(ref)
    return refnum.query_number(p["day"], p["seq"])


# ------------------------------------------------------------------ kiosk frames


def request_answer(device_id, seq, ref, now):
    """STATUS_ANSWER fields telling the kiosk its REQUEST frame ``seq`` became request ``ref``."""
    return {"ref_device": device_id, "ref_seq": seq, "status": msg.ST_RECEIVED, "updated": now, "text": ref}


def _ref_of_frame(conn, device_id, seq, peer=None):
    """The reference the REQUEST frame (device_id, seq) was given (from its recorded answer), or None.

    ``peer``: the frame is a kiosk of that centre, relayed here (its answer is in ``relays_in``).
    """
    if peer is None:
        row = conn.execute("SELECT msg_type, reply_type, reply_payload FROM applied WHERE device_id = ? AND seq = ?",
                           (device_id, seq)).fetchone()
    else:
        row = conn.execute("SELECT msg_type, reply_type, reply_payload FROM relays_in WHERE peer_code = ?"
                           " AND origin_device = ? AND origin_seq = ?", (peer, device_id, seq)).fetchone()
    if row is None or row[0] != msg.REQUEST or row[1] != msg.STATUS_ANSWER:
        return None
    return msg.decode(msg.STATUS_ANSWER, bytes(row[2]))["text"] or None


def _find_typed(store, centre, device_id, number, origin):
    day, seq = refnum.query_day(number)
    if seq == 0 or number // 10000 > MAX_DAYS:
        return None
    for kind in R.KINDS:
        ref = R.make_ref(kind, centre, device_code(device_id), day, seq)
        # The reference's K01 is shared by kiosks 1001, 1101...: only the kiosk that filed it is answered.
        if filed_by(store, ref, origin, device_id, centre):
            return store.get(ref)
    return None


def status_answer(conn, store, centre, device_id, seq, fields, peer=None):
    """STATUS_ANSWER fields for the STATUS_QUERY frame ``seq`` of kiosk ``device_id`` (of centre ``peer``)."""
    req = None
    if store is not None:
        if fields["ref_device"] == device_id:
            ref = _ref_of_frame(conn, device_id, fields["ref_seq"], peer)
            if ref is not None:
                try:
                    req = store.get(ref)
                except StorageError:
                    req = None
        elif fields["ref_device"] == 0:
            req = _find_typed(store, centre, device_id, fields["ref_seq"], peer or centre)
    if req is None:
        return {"ref_device": device_id, "ref_seq": seq, "status": msg.ST_UNKNOWN, "updated": 0, "text": ""}
    return {"ref_device": device_id, "ref_seq": seq, "status": STATUS_OF_REQUEST[req.state],
            "updated": req.updated_at, "text": req.ref + " " + R.state_label(req.state)}


# ------------------------------------------------------------------ SMS


def normalize_phone(number):
    """Digits of a mobile number without the +86 / 0086 prefix (for comparing senders and contacts)."""
    digits = "".join(ch for ch in (number or "") if "0" <= ch <= "9")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def parse_query(text):
    """The reference part of a status-query SMS (``查询 <ref>`` / ``CX <ref>``), or None if it is not one."""
    t = (text or "").strip()
    for word in QUERY_WORDS:
        if t[:len(word)].upper() == word:
            return t[len(word):].strip(" :：\t\r\n")
    return None


def sms_reply(store, policy, sender, text):
    """The answer to a citizen's text SMS, or None when it is not a status query."""
    rest = parse_query(text)
    if rest is None:
        return None
    req = None
    try:
        req = store.get(R.parse_ref(rest)["ref"])
    except Lib12333Error:
        req = None
    mine = (req is not None and req.contact and normalize_phone(sender)
            and normalize_phone(req.contact) == normalize_phone(sender))
    if not mine:
        return policy.sign(NOT_FOUND)
    return R.status_text(req, policy)[0]


def answers_today(conn, to, now):
    """Text SMS queued to ``to`` in the 24 hours before ``now``."""
    return conn.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'notice' AND to_number = ? AND created_at > ?",
                        (to, int(now) - 86400)).fetchone()[0]


def queue_sms(conn, to, text, now, once=False):
    """Put a text SMS in ``outgoing`` (with ``once``, not if the same text to the same number is there); True if queued."""
    with Transaction(conn):
        body = text.encode("utf-8")
        if once and conn.execute("SELECT 1 FROM outgoing WHERE kind = 'notice' AND to_number = ? AND body = ?",
                                 (to, body)).fetchone():
            return False
        conn.execute("INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('notice', ?, ?, ?)",
                     (to, body, int(now)))
    return True


# ------------------------------------------------------------------ back office


def completion_notice(conn, req, policy, now, detail=None):
    """Queue the 办结 / 退回 notice of ``req`` to its contact number; returns the text (None if no contact)."""
    if req.state not in R.FINAL or not req.contact:
        return None
    text = R.notice_text(req, policy, detail)[0]
    if queue_sms(conn, req.contact, text, now, once=True):
        log.info("request %s: %s notice queued to %s", req.ref, req.state, identifiers.mask_phone(req.contact))
    return text


def update(conn, store, policy, ref, action, at, actor=None, idem=None, note=None, target=None, notify=True,
           detail=None):
    """Apply a back-office step; on 办结 / 退回 queue the citizen's notice.  Returns (request, event, notice)."""
    action = ACTION_ALIASES.get(action, action)
    req = store.get(ref)
    if actor is None:
        row = R.find_transition(action, req.state)
        actor = req.pending_owner if row is not None and row[3] == "target" else req.owner
    if actor is None:
        raise ValidationError("no centre is responsible for this step", field="actor")
    if idem is None:
        if action in ("complete", "return"):
            # Final steps happen once per request: re-running the command is a retry, which returns
            # the recorded step and queues the notice if a crash lost it.
            idem = "cli-%s-%s" % (action, actor)
        else:
            # With the number of steps so far: the same step later (a second transfer) is a new
            # transition, and re-running a command that went through is refused, not applied twice.
            idem = "cli-%s-%s-%s-%d" % (action, actor, target or "", len(req.history))
    event = store.apply(ref, action, actor, int(at), idem, note=note, target=target)
    req = store.get(ref)
    notice = None
    if notify and event.to_state in R.FINAL:
        notice = completion_notice(conn, req, policy, at, detail)
    return req, event, notice
