"""
SMGP 3.0, China Telecom's SP-to-gateway protocol ("中国电信短消息网关协议" SMGP V3.0).

Header: PacketLength, RequestID, SequenceID (4-octet big-endian each).  Close
to CMPP: fixed-width NUL-padded fields, an MD5 login authenticator, a 10-octet
MsgID, status reports carried in a Deliver; unlike CMPP, optional fields come
as TLVs after the body (TP_udhi among them) and every result is 4 octets.

    encode(pdu) / decode(octets)    PDUs of the commands the link uses
    authenticator(client_id, secret, timestamp)    Login's AuthenticatorClient
    server_authenticator(status, auth_client, secret)
    report(content)                 the report text of a Deliver with IsReport 1 (dict)
"""

from lib12333.errors import DecodeError
from lib12333.links import wire
from lib12333.links.md5 import md5

HEADER = 12
NAMES_HEADER = ("PacketLength", "RequestID", "SequenceID")
LOGIN = 0x00000001
SUBMIT = 0x00000002
DELIVER = 0x00000003
ACTIVE_TEST = 0x00000004
EXIT = 0x00000006
RESP = 0x80000000
VERSION = 0x30

MT = 6  # MsgType of a submit to a phone
FMT_ASCII, FMT_BINARY, FMT_UCS2, FMT_GB = 0, 4, 8, 15
TAG_TP_PID = 0x0001
TAG_TP_UDHI = 0x0002
TAG_LINK_ID = 0x0003
TAG_PK_TOTAL = 0x0009
TAG_PK_NUMBER = 0x000A

BODIES = {
    LOGIN: (("fix", "ClientID", 8), ("raw", "AuthenticatorClient", 16), ("u8", "LoginMode", 0),
            ("u32", "TimeStamp", 0), ("u8", "ClientVersion", 0)),
    LOGIN | RESP: (("u32", "Status", 0), ("raw", "AuthenticatorServer", 16), ("u8", "ServerVersion", 0)),
    SUBMIT: (("u8", "MsgType", 0), ("u8", "NeedReport", 0), ("u8", "Priority", 0), ("fix", "ServiceID", 10),
             ("fix", "FeeType", 2), ("fix", "FeeCode", 6), ("fix", "FixedFee", 6), ("u8", "MsgFormat", 0),
             ("fix", "ValidTime", 17), ("fix", "AtTime", 17), ("fix", "SrcTermID", 21), ("fix", "ChargeTermID", 21),
             ("list8", "DestTermID", 21), ("sm8", "MsgContent", 0), ("raw", "Reserve", 8), ("tlv", "options", 0)),
    SUBMIT | RESP: (("raw", "MsgID", 10), ("u32", "Status", 0)),
    DELIVER: (("raw", "MsgID", 10), ("u8", "IsReport", 0), ("u8", "MsgFormat", 0), ("fix", "RecvTime", 14),
              ("fix", "SrcTermID", 21), ("fix", "DestTermID", 21), ("sm8", "MsgContent", 0), ("raw", "Reserve", 8),
              ("tlv", "options", 0)),
    DELIVER | RESP: (("raw", "MsgID", 10), ("u32", "Status", 0)),
    ACTIVE_TEST: (), ACTIVE_TEST | RESP: (), EXIT: (), EXIT | RESP: (),
}
NAMES = {LOGIN: "Login", SUBMIT: "Submit", DELIVER: "Deliver", ACTIVE_TEST: "Active_Test", EXIT: "Exit"}

# Status (SMGP 3.0 section 6.1), with what the link does about each (see smpp.STATUS)
STATUS = {
    0: ("success", None), 1: ("system busy", "throttle"), 2: ("too many connections", "bind"),
    10: ("message structure error", "fatal"), 11: ("command word error", "fatal"),
    12: ("duplicate sequence number", "duplicate"), 20: ("IP address error", "bind"),
    21: ("authentication error", "bind"), 22: ("version too high", "bind"), 30: ("illegal MsgType", "fatal"),
    31: ("illegal Priority", "fatal"), 32: ("illegal FeeType", "fatal"), 33: ("illegal FeeCode", "fatal"),
    34: ("illegal MsgFormat", "fatal"), 35: ("illegal time format", "fatal"), 36: ("illegal MsgLength", "fatal"),
    37: ("validity period passed", "fatal"), 39: ("routing error", "retry"), 43: ("illegal ServiceID", "fatal"),
    46: ("illegal SrcTermID", "fatal"), 47: ("illegal DestTermID", "fatal"), 48: ("illegal ChargeTermID", "fatal"),
    58: ("no matching route", "fatal"), 74: ("sending not allowed at this hour", "retry"),
    75: ("daily volume of the SP exceeded", "retry"), 76: ("SP account expired", "bind"),
}
SYSTEM_BUSY = 1
DUPLICATE_SEQ = 12


def status_text(code):
    entry = STATUS.get(code)
    return "status %d: %s" % (code, entry[0] if entry else "unknown")


def status_action(code):
    entry = STATUS.get(code)
    return "retry" if entry is None else entry[1]


def encode(pdu):
    return wire.encode_pdu(BODIES, pdu, NAMES_HEADER)


def decode(data):
    return wire.decode_pdu(BODIES, data, NAMES_HEADER, what="an SMGP command the link uses")


def framer():
    return wire.Framer(HEADER)


def authenticator(client_id, secret, stamp):
    """AuthenticatorClient = MD5(ClientID + 7 NUL octets + shared secret + timestamp as 10 digits)."""
    ts = str(stamp)
    return md5(client_id.encode() + b"\x00" * 7 + secret.encode() + ("0" * (10 - len(ts)) + ts).encode())


def server_authenticator(status, auth_client, secret):
    """AuthenticatorServer = MD5(Status (4 octets) + AuthenticatorClient + shared secret)."""
    return md5(status.to_bytes(4, "big") + bytes(auth_client) + secret.encode())


def option(pdu, tag, default=None):
    for t, value in pdu.fields.get("options", ()):
        if t == tag:
            return value
    return default


def report(content):
    """{"id": 10 octets, "stat", "err"} of a status report text.

    The report is ``id:`` followed by the 10-octet MsgID *as raw octets*, then
    ``sub:... dlvrd:... submit date:... done date:... stat:XXXXXXX err:XXX text:...``;
    gateways vary the case and the separators of the keys, so they are found by name."""
    raw = bytes(content)
    if raw[:3].lower() != b"id:" or len(raw) < 13:
        raise DecodeError("not a status report", field="MsgContent", position=0, expected="id: and 10 octets")
    low = raw[13:].lower()
    out = {"id": raw[3:13]}
    for key, size in ((b"stat:", 7), (b"err:", 3)):
        i = low.find(key)
        if i < 0:
            if key == b"stat:":
                raise DecodeError("no stat: in the report", field="MsgContent", position=13, expected="stat:XXXXXXX")
            out["err"] = ""
            continue
        value = raw[13 + i + len(key):13 + i + len(key) + size]
        out[key[:-1].decode()] = "".join([chr(b) if 0x20 <= b < 0x7F else "?" for b in value]).upper()
    return out


def report_text(msg_id, stat, err="000", submitted="", done=""):
    """The octets of a status report (for emulators)."""
    return (b"id:" + bytes(msg_id) + (" sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:%s text:" % (
        "001" if stat == "DELIVRD" else "000", submitted, done, stat, err)).encode())
