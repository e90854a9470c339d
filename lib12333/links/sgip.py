"""
SGIP 1.2, China Unicom's SP-to-SMG protocol ("中国联通短消息网关系统接口协议" SGIP V1.2).

Header: Message Length, Command ID (4 octets each) and a 12-octet Sequence
Number made of the sender's node id, the time (MMDDHHMMSS as an integer) and a
counter.  ``Pdu.seq`` is that triple ``(node, time, counter)``; a response
carries the request's triple, and a status report names the submit by it.

SGIP differs from CMPP / SMGP / SMPP in its connections: the SP connects to the
SMG to Bind (LoginType 1) and Submit, and the SMG connects to the SP to Bind
(LoginType 2) and send Deliver and Report, so a centre both connects and
listens (``client.Link`` for the first, ``incoming.Session`` for the second).
There is no keep-alive command: idle connections are closed with Unbind.

    encode(pdu) / decode(octets)
    message_id(seq)        the id a Report gives the submit: the hex of its 12 sequence octets
"""

from lib12333.errors import ValidationError
from lib12333.links import wire

HEADER = 20
NAMES_HEADER = ("Message Length", "Command ID", "Sequence Number")
BIND = 0x00000001
UNBIND = 0x00000002
SUBMIT = 0x00000003
DELIVER = 0x00000004
REPORT = 0x00000005
RESP = 0x80000000

LOGIN_SP_TO_SMG = 1
LOGIN_SMG_TO_SP = 2
FMT_ASCII, FMT_BINARY, FMT_UCS2, FMT_GBK = 0, 4, 8, 15

_RESULT = (("u8", "Result", 0), ("raw", "Reserve", 8))
BODIES = {
    BIND: (("u8", "LoginType", 0), ("fix", "LoginName", 16), ("fix", "LoginPassword", 16), ("raw", "Reserve", 8)),
    BIND | RESP: _RESULT,
    UNBIND: (), UNBIND | RESP: (),
    SUBMIT: (("fix", "SPNumber", 21), ("fix", "ChargeNumber", 21), ("list8", "UserNumber", 21), ("fix", "CorpId", 5),
             ("fix", "ServiceType", 10), ("u8", "FeeType", 0), ("fix", "FeeValue", 6), ("fix", "GivenValue", 6),
             ("u8", "AgentFlag", 0), ("u8", "MorelatetoMTFlag", 0), ("u8", "Priority", 0), ("fix", "ExpireTime", 16),
             ("fix", "ScheduleTime", 16), ("u8", "ReportFlag", 0), ("u8", "TP_pid", 0), ("u8", "TP_udhi", 0),
             ("u8", "MessageCoding", 0), ("u8", "MessageType", 0), ("sm32", "MessageContent", 0),
             ("raw", "Reserve", 8)),
    SUBMIT | RESP: _RESULT,
    DELIVER: (("fix", "UserNumber", 21), ("fix", "SPNumber", 21), ("u8", "TP_pid", 0), ("u8", "TP_udhi", 0),
              ("u8", "MessageCoding", 0), ("sm32", "MessageContent", 0), ("raw", "Reserve", 8)),
    DELIVER | RESP: _RESULT,
    REPORT: (("raw", "SubmitSequenceNumber", 12), ("u8", "ReportType", 0), ("fix", "UserNumber", 21),
             ("u8", "State", 0), ("u8", "ErrorCode", 0), ("raw", "Reserve", 8)),
    REPORT | RESP: _RESULT,
}
NAMES = {BIND: "Bind", UNBIND: "Unbind", SUBMIT: "Submit", DELIVER: "Deliver", REPORT: "Report"}

# Result (SGIP 1.2 section 4.3), with what the link does about each (see smpp.STATUS)
RESULT = {
    0: ("success", None), 1: ("illegal login (name or password)", "bind"), 2: ("repeated login", "bind"),
    3: ("too many connections", "bind"), 4: ("wrong login type", "bind"), 5: ("parameter format error", "fatal"),
    6: ("illegal phone number", "fatal"), 7: ("message id error", "fatal"), 8: ("message length error", "fatal"),
    9: ("illegal sequence number", "fatal"), 10: ("illegal GNS operation", "fatal"), 11: ("node busy", "throttle"),
    21: ("destination unreachable", "retry"), 22: ("route error", "retry"), 23: ("no route", "fatal"),
    24: ("illegal charge number", "fatal"), 25: ("the user cannot communicate", "fatal"),
    26: ("the phone's memory is full", "retry"), 27: ("the phone cannot receive SMS", "fatal"),
    28: ("error receiving SMS", "retry"), 29: ("unknown user", "fatal"), 30: ("function not provided", "fatal"),
    31: ("illegal device", "fatal"), 32: ("system failure", "retry"), 33: ("SMSC queue full", "throttle"),
}
NODE_BUSY = 11
STATES = {0: "DELIVRD", 1: "ACCEPTD", 2: "UNDELIV"}  # Report State: delivered, waiting, failed


def result_text(code):
    entry = RESULT.get(code)
    return "result %d: %s" % (code, entry[0] if entry else "unknown")


def result_action(code):
    entry = RESULT.get(code)
    return "retry" if entry is None else entry[1]


def message_id(seq):
    """The id of a submit as its Report names it: the 12 sequence octets in hex."""
    if not (isinstance(seq, tuple) and len(seq) == 3):
        raise ValidationError("SGIP sequence is (node, time, counter)", field="Sequence Number")
    return wire._seq_octets(seq, "Sequence Number").hex()


def encode(pdu):
    if not (isinstance(pdu.seq, tuple) and len(pdu.seq) == 3):
        raise ValidationError("SGIP sequence is (node, time, counter)", field="Sequence Number")
    return wire.encode_pdu(BODIES, pdu, NAMES_HEADER)


def decode(data):
    return wire.decode_pdu(BODIES, data, NAMES_HEADER, what="an SGIP command the link uses", seq_words=3)


def framer():
    return wire.Framer(HEADER)
