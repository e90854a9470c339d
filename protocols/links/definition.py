"""
The operator link PDUs (SMPP 3.4, CMPP 2.0 / 3.0, SMGP 3.0, SGIP 1.2) as construct definitions.

Written from the specifications' field tables (SMPP 3.4 sections 3.2 and 4;
CMPP 3.0 / 2.0 section 7.4), independently of the table-driven codec in
``lib12333/links/``: tests/host/test_links_definition.py proves the two equal
(every vector and every PDU the core encodes parses here to the same values;
PDUs built here from random values decode in the core to the same values).

    SMPP_PDU          command_length, command_id, command_status, sequence_number, body by command_id
    cmpp_pdu(version) Total_Length, Command_Id, Sequence_Id, body by Command_Id (version 2 or 3)
    cmpp_report(version)  the status report carried in CMPP_DELIVER's Msg_Content
    SMGP_PDU          PacketLength, RequestID, SequenceID, body by RequestID (SMGP 3.0 section 6), TLVs last
    SGIP_PDU          Message Length, Command ID, Sequence Number (node, time, counter), body (SGIP 1.2 section 4)
"""

from construct import (
    Byte,
    Bytes,
    Check,
    CString,
    FixedSized,
    GreedyBytes,
    GreedyRange,
    Int16ub,
    Int32ub,
    PaddedString,
    Prefixed,
    PrefixedArray,
    Struct,
    Switch,
    Terminated,
    this,
)


def cstr(_limit):
    """An SMPP C-Octet String of at most ``limit`` octets including the NUL."""
    return CString("ascii")


def _limits(*pairs):
    return [Check(lambda ctx, n=name, lim=limit: len(ctx[n].encode()) < lim) for name, limit in pairs]


TLVS = GreedyRange(Struct("tag" / Int16ub, "value" / Prefixed(Int16ub, GreedyBytes)))

SMPP_BIND = Struct(
    "system_id" / cstr(16), "password" / cstr(9), "system_type" / cstr(13), "interface_version" / Byte,
    "addr_ton" / Byte, "addr_npi" / Byte, "address_range" / cstr(41),
    *_limits(("system_id", 16), ("password", 9), ("system_type", 13), ("address_range", 41)),
)
SMPP_BIND_RESP = Struct("system_id" / cstr(16), "options" / TLVS, *_limits(("system_id", 16)))
SMPP_SM = Struct(
    "service_type" / cstr(6), "source_addr_ton" / Byte, "source_addr_npi" / Byte, "source_addr" / cstr(21),
    "dest_addr_ton" / Byte, "dest_addr_npi" / Byte, "destination_addr" / cstr(21), "esm_class" / Byte,
    "protocol_id" / Byte, "priority_flag" / Byte, "schedule_delivery_time" / cstr(17),
    "validity_period" / cstr(17), "registered_delivery" / Byte, "replace_if_present_flag" / Byte,
    "data_coding" / Byte, "sm_default_msg_id" / Byte, "short_message" / Prefixed(Byte, GreedyBytes),
    "options" / TLVS,
    *_limits(("service_type", 6), ("source_addr", 21), ("destination_addr", 21), ("schedule_delivery_time", 17),
             ("validity_period", 17)),
)
SMPP_MSGID = Struct("message_id" / cstr(65), *_limits(("message_id", 65)))
EMPTY = Struct()

SMPP_BODIES = {
    0x00000001: SMPP_BIND, 0x00000002: SMPP_BIND, 0x00000009: SMPP_BIND,
    0x80000001: SMPP_BIND_RESP, 0x80000002: SMPP_BIND_RESP, 0x80000009: SMPP_BIND_RESP,
    0x00000004: SMPP_SM, 0x00000005: SMPP_SM, 0x80000004: SMPP_MSGID, 0x80000005: SMPP_MSGID,
    0x00000006: EMPTY, 0x80000006: EMPTY, 0x00000015: EMPTY, 0x80000015: EMPTY, 0x80000000: EMPTY,
    "none": EMPTY,
}


def _smpp_key(ctx):
    # a response may come without its body (SMPP 3.4 section 4: error responses carry none)
    if ctx._.command_id & 0x80000000 and ctx._.command_length == 16:
        return "none"
    return ctx._.command_id


SMPP_PDU = Struct(
    "command_length" / Int32ub,
    Check(this.command_length >= 16),
    "command_id" / Int32ub,
    Check(lambda ctx: ctx.command_id in SMPP_BODIES),
    "command_status" / Int32ub,
    "sequence_number" / Int32ub,
    "body" / FixedSized(this.command_length - 16, Struct("fields" / Switch(_smpp_key, SMPP_BODIES), Terminated)),
    Terminated,
)


def _text(n):
    return PaddedString(n, "ascii")


def cmpp_bodies(version):
    v3 = version == 3
    num = 32 if v3 else 21
    result = Int32ub if v3 else Byte
    tail = ("LinkID" / _text(20)) if v3 else ("Reserve" / Bytes(8))
    submit = ["Msg_Id" / Bytes(8), "Pk_total" / Byte, "Pk_number" / Byte, "Registered_Delivery" / Byte,
              "Msg_level" / Byte, "Service_Id" / _text(10), "Fee_UserType" / Byte, "Fee_terminal_Id" / _text(num)]
    if v3:
        submit.append("Fee_terminal_type" / Byte)
    submit += ["TP_pId" / Byte, "TP_udhi" / Byte, "Msg_Fmt" / Byte, "Msg_src" / _text(6), "FeeType" / _text(2),
               "FeeCode" / _text(6), "ValId_Time" / _text(17), "At_Time" / _text(17), "Src_Id" / _text(21),
               "Dest_terminal_Id" / PrefixedArray(Byte, _text(num))]
    if v3:
        submit.append("Dest_terminal_type" / Byte)
    submit += ["Msg_Content" / Prefixed(Byte, GreedyBytes), tail]
    deliver = ["Msg_Id" / Bytes(8), "Dest_Id" / _text(21), "Service_Id" / _text(10), "TP_pid" / Byte,
               "TP_udhi" / Byte, "Msg_Fmt" / Byte, "Src_terminal_Id" / _text(num)]
    if v3:
        deliver.append("Src_terminal_type" / Byte)
    deliver += ["Registered_Delivery" / Byte, "Msg_Content" / Prefixed(Byte, GreedyBytes), tail]
    return {
        0x00000001: Struct("Source_Addr" / _text(6), "AuthenticatorSource" / Bytes(16), "Version" / Byte,
                           "Timestamp" / Int32ub),
        0x80000001: Struct("Status" / result, "AuthenticatorISMG" / Bytes(16), "Version" / Byte),
        0x00000002: EMPTY, 0x80000002: EMPTY,
        0x00000004: Struct(*submit), 0x80000004: Struct("Msg_Id" / Bytes(8), "Result" / result),
        0x00000005: Struct(*deliver), 0x80000005: Struct("Msg_Id" / Bytes(8), "Result" / result),
        0x00000008: EMPTY, 0x80000008: Struct("Reserved" / Byte),
    }


def pdu12(bodies, length, command, sequence):
    """A PDU with a 12-octet header (CMPP, SMGP): length, command, sequence, then the body of the command."""
    return Struct(
        length / Int32ub,
        Check(lambda ctx: ctx[length] >= 12),
        command / Int32ub,
        Check(lambda ctx: ctx[command] in bodies),
        sequence / Int32ub,
        "body" / FixedSized(lambda ctx: ctx[length] - 12,
                            Struct("fields" / Switch(lambda ctx: ctx._[command], bodies), Terminated)),
        Terminated,
    )


def cmpp_pdu(version):
    return pdu12(cmpp_bodies(version), "Total_Length", "Command_Id", "Sequence_Id")


def cmpp_report(version):
    num = 32 if version == 3 else 21
    return Struct("Msg_Id" / Bytes(8), "Stat" / _text(7), "Submit_time" / _text(10), "Done_time" / _text(10),
                  "Dest_terminal_Id" / _text(num), "SMSC_sequence" / Int32ub, Terminated)


CMPP3_PDU = cmpp_pdu(3)
CMPP2_PDU = cmpp_pdu(2)


SMGP_BODIES = {
    0x00000001: Struct("ClientID" / _text(8), "AuthenticatorClient" / Bytes(16), "LoginMode" / Byte,
                       "TimeStamp" / Int32ub, "ClientVersion" / Byte),
    0x80000001: Struct("Status" / Int32ub, "AuthenticatorServer" / Bytes(16), "ServerVersion" / Byte),
    0x00000002: Struct("MsgType" / Byte, "NeedReport" / Byte, "Priority" / Byte, "ServiceID" / _text(10),
                       "FeeType" / _text(2), "FeeCode" / _text(6), "FixedFee" / _text(6), "MsgFormat" / Byte,
                       "ValidTime" / _text(17), "AtTime" / _text(17), "SrcTermID" / _text(21),
                       "ChargeTermID" / _text(21), "DestTermID" / PrefixedArray(Byte, _text(21)),
                       "MsgContent" / Prefixed(Byte, GreedyBytes), "Reserve" / Bytes(8), "options" / TLVS),
    0x80000002: Struct("MsgID" / Bytes(10), "Status" / Int32ub),
    0x00000003: Struct("MsgID" / Bytes(10), "IsReport" / Byte, "MsgFormat" / Byte, "RecvTime" / _text(14),
                       "SrcTermID" / _text(21), "DestTermID" / _text(21), "MsgContent" / Prefixed(Byte, GreedyBytes),
                       "Reserve" / Bytes(8), "options" / TLVS),
    0x80000003: Struct("MsgID" / Bytes(10), "Status" / Int32ub),
    0x00000004: EMPTY, 0x80000004: EMPTY, 0x00000006: EMPTY, 0x80000006: EMPTY,
}

SMGP_PDU = pdu12(SMGP_BODIES, "PacketLength", "RequestID", "SequenceID")


SGIP_RESULT = Struct("Result" / Byte, "Reserve" / Bytes(8))
SGIP_BODIES = {
    0x00000001: Struct("LoginType" / Byte, "LoginName" / _text(16), "LoginPassword" / _text(16), "Reserve" / Bytes(8)),
    0x80000001: SGIP_RESULT, 0x00000002: EMPTY, 0x80000002: EMPTY,
    0x00000003: Struct("SPNumber" / _text(21), "ChargeNumber" / _text(21), "UserNumber" / PrefixedArray(Byte, _text(21)),
                       "CorpId" / _text(5), "ServiceType" / _text(10), "FeeType" / Byte, "FeeValue" / _text(6),
                       "GivenValue" / _text(6), "AgentFlag" / Byte, "MorelatetoMTFlag" / Byte, "Priority" / Byte,
                       "ExpireTime" / _text(16), "ScheduleTime" / _text(16), "ReportFlag" / Byte, "TP_pid" / Byte,
                       "TP_udhi" / Byte, "MessageCoding" / Byte, "MessageType" / Byte,
                       "MessageContent" / Prefixed(Int32ub, GreedyBytes), "Reserve" / Bytes(8)),
    0x80000003: SGIP_RESULT,
    0x00000004: Struct("UserNumber" / _text(21), "SPNumber" / _text(21), "TP_pid" / Byte, "TP_udhi" / Byte,
                       "MessageCoding" / Byte, "MessageContent" / Prefixed(Int32ub, GreedyBytes), "Reserve" / Bytes(8)),
    0x80000004: SGIP_RESULT,
    0x00000005: Struct("SubmitSequenceNumber" / Bytes(12), "ReportType" / Byte, "UserNumber" / _text(21),
                       "State" / Byte, "ErrorCode" / Byte, "Reserve" / Bytes(8)),
    0x80000005: SGIP_RESULT,
}

SGIP_PDU = Struct(
    "MessageLength" / Int32ub,
    Check(this.MessageLength >= 20),
    "CommandID" / Int32ub,
    Check(lambda ctx: ctx.CommandID in SGIP_BODIES),
    "node" / Int32ub,
    "time" / Int32ub,
    "counter" / Int32ub,
    "body" / FixedSized(this.MessageLength - 20,
                        Struct("fields" / Switch(lambda ctx: ctx._.CommandID, SGIP_BODIES), Terminated)),
    Terminated,
)
