"""
CMPP, China Mobile's SP-to-ISMG protocol, versions 2.0 and 3.0 (中国移动通信
企业标准 "中国移动通信互联网短信网关接口协议", CMPP V2.0 / V3.0 section 7).

Header: Total_Length, Command_Id, Sequence_Id (4-octet big-endian each).  The
two versions differ only in widths: 3.0 numbers are 32 octets with a type
octet (2.0: 21, no type), a 20-octet LinkID where 2.0 has 8 reserved octets,
and 4-octet results where 2.0 has one.  ``Codec(version)`` picks the tables.

    Codec(3).encode(pdu) -> bytes     Codec(3).decode(octets) -> Pdu
    authenticator(source_addr, secret, timestamp)   CMPP_CONNECT's AuthenticatorSource
    msg_id(...) / split_msg_id(raw)                 the 64-bit Msg_Id layout
    report(content)                                 a status report inside CMPP_DELIVER
"""

from lib12333.errors import ValidationError
from lib12333.links import wire
from lib12333.links.md5 import md5

HEADER = 12
NAMES_HEADER = ("Total_Length", "Command_Id", "Sequence_Id")

CONNECT = 0x00000001
TERMINATE = 0x00000002
SUBMIT = 0x00000004
DELIVER = 0x00000005
ACTIVE_TEST = 0x00000008
RESP = 0x80000000

NAMES = {CONNECT: "CMPP_CONNECT", TERMINATE: "CMPP_TERMINATE", SUBMIT: "CMPP_SUBMIT", DELIVER: "CMPP_DELIVER",
         ACTIVE_TEST: "CMPP_ACTIVE_TEST"}

# Msg_Fmt (section 7.4.3)
FMT_ASCII, FMT_WRITE_CARD, FMT_BINARY, FMT_UCS2, FMT_GB = 0, 3, 4, 8, 15


def _tables(v3):
    num = 32 if v3 else 21
    result = "u32" if v3 else "u8"
    tail = ("fix", "LinkID", 20) if v3 else ("raw", "Reserve", 8)
    submit = [("raw", "Msg_Id", 8), ("u8", "Pk_total", 0), ("u8", "Pk_number", 0), ("u8", "Registered_Delivery", 0),
              ("u8", "Msg_level", 0), ("fix", "Service_Id", 10), ("u8", "Fee_UserType", 0),
              ("fix", "Fee_terminal_Id", num)]
    if v3:
        submit.append(("u8", "Fee_terminal_type", 0))
    submit += [("u8", "TP_pId", 0), ("u8", "TP_udhi", 0), ("u8", "Msg_Fmt", 0), ("fix", "Msg_src", 6),
               ("fix", "FeeType", 2), ("fix", "FeeCode", 6), ("fix", "ValId_Time", 17), ("fix", "At_Time", 17),
               ("fix", "Src_Id", 21), ("list8", "Dest_terminal_Id", num)]
    if v3:
        submit.append(("u8", "Dest_terminal_type", 0))
    submit += [("sm8", "Msg_Content", 0), tail]
    deliver = [("raw", "Msg_Id", 8), ("fix", "Dest_Id", 21), ("fix", "Service_Id", 10), ("u8", "TP_pid", 0),
               ("u8", "TP_udhi", 0), ("u8", "Msg_Fmt", 0), ("fix", "Src_terminal_Id", num)]
    if v3:
        deliver.append(("u8", "Src_terminal_type", 0))
    deliver += [("u8", "Registered_Delivery", 0), ("sm8", "Msg_Content", 0), tail]
    connect_resp = [(result, "Status", 0), ("raw", "AuthenticatorISMG", 16), ("u8", "Version", 0)]
    report = (("raw", "Msg_Id", 8), ("fix", "Stat", 7), ("fix", "Submit_time", 10), ("fix", "Done_time", 10),
              ("fix", "Dest_terminal_Id", num), ("u32", "SMSC_sequence", 0))
    bodies = {
        CONNECT: (("fix", "Source_Addr", 6), ("raw", "AuthenticatorSource", 16), ("u8", "Version", 0),
                  ("u32", "Timestamp", 0)),
        CONNECT | RESP: tuple(connect_resp),
        TERMINATE: (), TERMINATE | RESP: (),
        SUBMIT: tuple(submit), SUBMIT | RESP: (("raw", "Msg_Id", 8), (result, "Result", 0)),
        DELIVER: tuple(deliver), DELIVER | RESP: (("raw", "Msg_Id", 8), (result, "Result", 0)),
        ACTIVE_TEST: (), ACTIVE_TEST | RESP: (("u8", "Reserved", 0),),
    }
    return bodies, report


# CMPP_CONNECT_RESP Status (7.4.2)
CONNECT_STATUS = {0: "correct", 1: "message structure error", 2: "illegal source address",
                  3: "authentication error", 4: "version too high", 5: "other error"}
# CMPP_SUBMIT_RESP Result (7.4.4), with what the link does about each (see smpp.STATUS)
SUBMIT_RESULT = {
    0: ("correct", None), 1: ("message structure error", "fatal"), 2: ("command word error", "fatal"),
    3: ("duplicate message sequence number", "duplicate"), 4: ("message length error", "fatal"),
    5: ("fee code error", "fatal"), 6: ("message content too long", "fatal"), 7: ("service code error", "fatal"),
    8: ("flow control error", "throttle"), 9: ("this ISMG cannot serve the destination", "fatal"),
    10: ("Src_Id error", "fatal"), 11: ("Msg_src error", "fatal"), 12: ("Fee_terminal_Id error", "fatal"),
    13: ("Dest_terminal_Id error", "fatal"),
}
FLOW_CONTROL = 8
DUPLICATE_SEQ = 3
# Stat of a status report (7.4.5.1): DELIVRD is success, the rest final failures
REPORT_STATES = ("DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD")


def result_text(code):
    entry = SUBMIT_RESULT.get(code)
    return "result %d: %s" % (code, entry[0] if entry else "other error")


def result_action(code):
    entry = SUBMIT_RESULT.get(code)
    return "retry" if entry is None else entry[1]


class Codec:
    """Encoder/decoder of one CMPP version (2 or 3)."""

    def __init__(self, version=3):
        if version not in (2, 3):
            raise ValidationError("CMPP version must be 2 or 3", field="version", expected="2 or 3")
        self.version = version
        self.wire_version = 0x30 if version == 3 else 0x20
        self.bodies, self.report_table = _tables(version == 3)

    def encode(self, pdu):
        return wire.encode_pdu(self.bodies, pdu, NAMES_HEADER)

    def decode(self, data):
        return wire.decode_pdu(self.bodies, data, NAMES_HEADER, what="a CMPP command the link uses")

    def framer(self):
        return wire.Framer(HEADER)

    def report(self, content):
        """The fields of a status report (the Msg_Content of a CMPP_DELIVER with Registered_Delivery 1)."""
        return wire.decode_body(self.report_table, content)

    def encode_report(self, fields):
        return wire.encode_body(self.report_table, fields)


timestamp = wire.timestamp  # the MMDDHHMMSS integer CMPP_CONNECT carries


def authenticator(source_addr, secret, stamp):
    """AuthenticatorSource = MD5(Source_Addr + 9 NUL octets + shared secret + timestamp as 10 digits)."""
    ts = str(stamp)
    ts = "0" * (10 - len(ts)) + ts
    return md5(source_addr.encode() + b"\x00" * 9 + secret.encode() + ts.encode())


def ismg_authenticator(status, auth_source, secret, version=3):
    """AuthenticatorISMG = MD5(Status + AuthenticatorSource + shared secret); Status is 4 octets in 3.0, 1 in 2.0."""
    return md5(status.to_bytes(4 if version == 3 else 1, "big") + bytes(auth_source) + secret.encode())


def msg_id(month, day, hour, minute, second, gateway, seq):
    """The 8 octets of a Msg_Id: time (4+5+5+6+6 bits), gateway code (22 bits), sequence (16 bits)."""
    v = month
    for value, bits in ((day, 5), (hour, 5), (minute, 6), (second, 6), (gateway & 0x3FFFFF, 22), (seq & 0xFFFF, 16)):
        v = (v << bits) | value
    return v.to_bytes(8, "big")


def split_msg_id(raw):
    """(month, day, hour, minute, second, gateway, seq) of a Msg_Id."""
    v = int.from_bytes(bytes(raw), "big")
    out = []
    for bits in (16, 22, 6, 6, 5, 5):
        out.append(v & ((1 << bits) - 1))
        v >>= bits
    out.append(v)
    out.reverse()
    return tuple(out)
