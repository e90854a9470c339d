"""
SMPP 3.4 (SMS Forum, "Short Message Peer to Peer Protocol Specification v3.4",
1999): the PDUs an ESME and an SMSC exchange, as bytes and back.

Header (section 3.2): command_length, command_id, command_status,
sequence_number, each a 4-octet big-endian integer.  Bodies (section 4) are the
tables below; responses with a non-zero command_status carry no body (4.1.2,
4.4.2), and an empty body is accepted for any response.

    encode(pdu) -> bytes           decode(octets) -> Pdu
    status_text(code)              receipt(text) -> dict of the delivery receipt (appendix B)
"""

from lib12333.errors import DecodeError
from lib12333.links import wire

HEADER = 16
NAMES_HEADER = ("command_length", "command_id", "sequence_number")
VERSION = 0x34

GENERIC_NACK = 0x80000000
BIND_RECEIVER = 0x00000001
BIND_TRANSMITTER = 0x00000002
SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
BIND_TRANSCEIVER = 0x00000009
ENQUIRE_LINK = 0x00000015
RESP = 0x80000000

# TLV tags used by the link (section 5.3.2)
TAG_RECEIPTED_MESSAGE_ID = 0x001E
TAG_MESSAGE_STATE = 0x0427
TAG_SAR_MSG_REF_NUM = 0x020C

ESM_UDHI = 0x40
ESM_RECEIPT = 0x04

_BIND = (("cstr", "system_id", 16), ("cstr", "password", 9), ("cstr", "system_type", 13),
         ("u8", "interface_version", 0), ("u8", "addr_ton", 0), ("u8", "addr_npi", 0),
         ("cstr", "address_range", 41))
_BIND_RESP = (("cstr", "system_id", 16), ("tlv", "options", 0))
_SM = (("cstr", "service_type", 6), ("u8", "source_addr_ton", 0), ("u8", "source_addr_npi", 0),
       ("cstr", "source_addr", 21), ("u8", "dest_addr_ton", 0), ("u8", "dest_addr_npi", 0),
       ("cstr", "destination_addr", 21), ("u8", "esm_class", 0), ("u8", "protocol_id", 0),
       ("u8", "priority_flag", 0), ("cstr", "schedule_delivery_time", 17), ("cstr", "validity_period", 17),
       ("u8", "registered_delivery", 0), ("u8", "replace_if_present_flag", 0), ("u8", "data_coding", 0),
       ("u8", "sm_default_msg_id", 0), ("sm8", "short_message", 0), ("tlv", "options", 0))
_MSGID = (("cstr", "message_id", 65),)

BODIES = {
    BIND_RECEIVER: _BIND, BIND_TRANSMITTER: _BIND, BIND_TRANSCEIVER: _BIND,
    BIND_RECEIVER | RESP: _BIND_RESP, BIND_TRANSMITTER | RESP: _BIND_RESP, BIND_TRANSCEIVER | RESP: _BIND_RESP,
    SUBMIT_SM: _SM, DELIVER_SM: _SM, SUBMIT_SM | RESP: _MSGID, DELIVER_SM | RESP: _MSGID,
    UNBIND: (), UNBIND | RESP: (), ENQUIRE_LINK: (), ENQUIRE_LINK | RESP: (), GENERIC_NACK: (),
}

NAMES = {GENERIC_NACK: "generic_nack", BIND_RECEIVER: "bind_receiver", BIND_TRANSMITTER: "bind_transmitter",
         SUBMIT_SM: "submit_sm", DELIVER_SM: "deliver_sm", UNBIND: "unbind", BIND_TRANSCEIVER: "bind_transceiver",
         ENQUIRE_LINK: "enquire_link"}

# command_status values (section 5.1.3) the link meets, with what the link does about them:
# "retry" = refused without effect, send again later; "throttle" = slow down and send again;
# "fatal" = this message will never be accepted; "bind" = the session is not usable.
STATUS = {
    0x00: ("ESME_ROK", "no error", None),
    0x01: ("ESME_RINVMSGLEN", "message length is invalid", "fatal"),
    0x02: ("ESME_RINVCMDLEN", "command length is invalid", "fatal"),
    0x03: ("ESME_RINVCMDID", "invalid command id", "fatal"),
    0x04: ("ESME_RINVBNDSTS", "incorrect bind status for the command", "bind"),
    0x05: ("ESME_RALYBND", "ESME already bound", "bind"),
    0x08: ("ESME_RSYSERR", "system error", "retry"),
    0x0A: ("ESME_RINVSRCADR", "invalid source address", "fatal"),
    0x0B: ("ESME_RINVDSTADR", "invalid destination address", "fatal"),
    0x0D: ("ESME_RBINDFAIL", "bind failed", "bind"),
    0x0E: ("ESME_RINVPASWD", "invalid password", "bind"),
    0x0F: ("ESME_RINVSYSID", "invalid system id", "bind"),
    0x14: ("ESME_RMSGQFUL", "message queue full", "throttle"),
    0x45: ("ESME_RSUBMITFAIL", "submit_sm failed", "retry"),
    0x58: ("ESME_RTHROTTLED", "throttling error: the ESME exceeded its message limits", "throttle"),
    0x61: ("ESME_RINVSCHED", "invalid scheduled delivery time", "fatal"),
    0x62: ("ESME_RINVEXPIRY", "invalid validity period", "fatal"),
    0x64: ("ESME_RX_T_APPN", "ESME receiver temporary application error", "retry"),
    0x65: ("ESME_RX_P_APPN", "ESME receiver permanent application error", "fatal"),
    0xFF: ("ESME_RUNKNOWNERR", "unknown error", "retry"),
}

THROTTLED = 0x58
RX_T_APPN = 0x64


def status_text(code):
    """``"ESME_RTHROTTLED (0x58): throttling error..."`` for a command_status."""
    entry = STATUS.get(code)
    if entry is None:
        return "0x%08X: %s" % (code, "reserved" if code < 0x400 else "SMSC vendor specific")
    return "%s (0x%02X): %s" % (entry[0], code, entry[1])


def status_action(code):
    """What a non-zero status means for the message: "retry", "throttle", "fatal" or "bind"."""
    entry = STATUS.get(code)
    return "retry" if entry is None else entry[2]


def c_text(value, name):
    """The text of a TLV's C-Octet String (trailing NULs dropped); DecodeError when not ASCII."""
    return wire.ascii_field(bytes(value).rstrip(b"\x00"), name, 0)


def encode(pdu):
    return wire.encode_pdu(BODIES, pdu, NAMES_HEADER, with_status=True)


def decode(data):
    """One PDU (``data`` is exactly one, as ``wire.Framer`` cuts them)."""
    return wire.decode_pdu(BODIES, data, NAMES_HEADER, with_status=True, what="a command of SMPP 3.4 the link uses")


def framer():
    return wire.Framer(HEADER)


# ---- delivery receipts (appendix B: "id:... sub:... dlvrd:... submit date:... done date:... stat:... err:...")

RECEIPT_KEYS = ("id", "sub", "dlvrd", "submit date", "done date", "stat", "err")
FINAL_STATES = ("DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD")


def receipt_text(message_id, stat, err="000", submit_date="", done_date="", sub="001", dlvrd=None, text=""):
    if dlvrd is None:
        dlvrd = "001" if stat == "DELIVRD" else "000"
    return ("id:%s sub:%s dlvrd:%s submit date:%s done date:%s stat:%s err:%s text:%s"
            % (message_id, sub, dlvrd, submit_date, done_date, stat, err, text[:20]))


def id_forms(message_id):
    """Other spellings of a receipt's message id that may name the same submit: many SMSCs answer
    submit_sm in hex and write the receipt's ``id:`` in decimal (often zero-padded), or the reverse
    (appendix B leaves the format to the SMSC)."""
    out = []
    text = message_id.strip()
    if not text or len(text) > 32:
        return out
    if text.isdigit():
        n = int(text)
        out += [str(n), "%x" % n, "%X" % n]
    else:
        try:
            n = int(text, 16)
        except ValueError:
            return out
        out.append(str(n))
    return [form for form in out if form != message_id]


def receipt(short_message):
    """The fields of a delivery receipt's text as a dict (keys of ``RECEIPT_KEYS`` plus "text").

    The appendix is informative and SMSCs vary: keys are found by name, in any
    order; a receipt without ``id:`` or ``stat:`` is a ``DecodeError``."""
    try:
        text = bytes(short_message).decode()
    except UnicodeError:
        text = ""
    low = text.lower()
    out = {}
    cut = low.find("text:")
    if cut >= 0:
        out["text"] = text[cut + 5:]
        low = low[:cut]
    for key in RECEIPT_KEYS:
        i = low.find(key + ":")
        while i > 0 and low[i - 1] != " ":
            i = low.find(key + ":", i + 1)
        if i < 0:
            continue
        j = i + len(key) + 1
        k = low.find(" ", j)
        while k >= 0 and key in ("submit date", "done date") and k == j:
            k = low.find(" ", j + 1)
        out[key] = text[j:k if k >= 0 else len(low)].strip()
    if not out.get("id") or not out.get("stat"):
        raise DecodeError("not a delivery receipt", field="short_message", position=0, expected="id:... stat:...")
    out["stat"] = out["stat"].upper()
    return out
