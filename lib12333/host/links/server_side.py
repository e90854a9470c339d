"""
The operator's side of each link protocol, for the emulated gateway (``ismg``):
answer a bind, read a submit, build delivers and status reports.  Mirror image
of ``lib12333.links.dialects``, with the same codecs.
"""

import time

from lib12333.links import cmpp, content, dialects, sgip, smgp, smpp, wire
from lib12333.links.dialect_sgip import CODING_SGIP
from lib12333.links.dialects import CODING_CMPP, CODING_SMGP, CODING_SMPP, _coding

PROTOCOLS = ("smpp", "cmpp2", "cmpp3", "smgp", "sgip")


class _Side:
    """What every protocol's side shares: message ids and sequence numbers as the protocol writes them."""

    dedupes_seq = True  # a repeated request sequence number gets the first answer again (CMPP, SMGP)

    def submit_id(self, pdu):
        """The operator's id for an accepted submit."""
        return self.new_id()

    def seq(self, n):
        return n


class SmppSide(_Side):
    name = "smpp"
    dedupes_seq = False
    throttled = smpp.THROTTLED
    temporary = 0x08  # ESME_RSYSERR
    permanent = 0x0B  # ESME_RINVDSTADR
    bad_length = 0x01

    def __init__(self):
        self.framer = smpp.framer
        self.encode = smpp.encode
        self.decode = smpp.decode
        self._ids = 0

    def bind(self, pdu, accounts):
        """(response, account or None)."""
        if pdu.command not in (smpp.BIND_TRANSCEIVER, smpp.BIND_TRANSMITTER, smpp.BIND_RECEIVER):
            return wire.Pdu(smpp.GENERIC_NACK, pdu.seq, {}, 0x04), None
        account = pdu.fields["system_id"]
        ok = accounts.get(account) == pdu.fields["password"]
        return wire.Pdu(pdu.command | smpp.RESP, pdu.seq, {"system_id": "ISMG-SIM"}, 0 if ok else 0x0E), (
            account if ok else None)

    def is_submit(self, pdu):
        return pdu.command == smpp.SUBMIT_SM

    def submit(self, pdu):
        f = pdu.fields
        return {"to": f["destination_addr"], "udhi": bool(f["esm_class"] & smpp.ESM_UDHI),
                "coding": _coding(f["data_coding"], CODING_SMPP) if f["data_coding"] in (1, 4, 8) else
                (content.ASCII if f["data_coding"] in (0, 3) else content.BINARY),
                "octets": f["short_message"], "report": bool(f["registered_delivery"] & 1)}

    def new_id(self):
        self._ids += 1
        return "%010d" % self._ids

    def submit_resp(self, pdu, message_id, code):
        return wire.Pdu(smpp.SUBMIT_SM | smpp.RESP, pdu.seq, {"message_id": message_id} if not code else {}, code)

    def deliver(self, seq, message_id, sender, recipient, udhi, coding, octets):
        return wire.Pdu(smpp.DELIVER_SM, seq, {
            "source_addr_ton": 1, "source_addr_npi": 1, "source_addr": sender, "destination_addr": recipient,
            "esm_class": smpp.ESM_UDHI if udhi else 0, "data_coding": CODING_SMPP[coding], "short_message": octets})

    def report(self, seq, message_id, to, recipient, stat, submitted, done, deliver_id=None):
        text = smpp.receipt_text(message_id, stat, submit_date=_stamp(submitted), done_date=_stamp(done))
        return wire.Pdu(smpp.DELIVER_SM, seq, {
            "source_addr": to, "destination_addr": recipient, "esm_class": smpp.ESM_RECEIPT,
            "short_message": text.encode(),
            "options": [(smpp.TAG_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\x00"),
                        (smpp.TAG_MESSAGE_STATE, bytes((2 if stat == "DELIVRD" else 5,)))]}, 0)

    def is_deliver_resp(self, pdu):
        return pdu.command == smpp.DELIVER_SM | smpp.RESP

    def keepalive(self, pdu):
        return dialects.keepalive_answer_smpp(pdu)

    def is_unbind(self, pdu):
        return pdu.command == smpp.UNBIND

    def nack(self, seq):
        return wire.Pdu(smpp.GENERIC_NACK, seq, {}, 0x03)

    def garbage(self, seq):
        # a PDU of a command id no SMPP version defines, with a body: "malformed" to a strict client
        return b"\x00\x00\x00\x14\x00\x00\x01\x10\x00\x00\x00\x00" + seq.to_bytes(4, "big") + b"\xde\xad\xbe\xef"


class CmppSide(_Side):
    throttled = cmpp.FLOW_CONTROL
    temporary = cmpp.FLOW_CONTROL
    permanent = 13  # Dest_terminal_Id error
    bad_length = 4

    def __init__(self, version=3, gateway_code=123456):
        self.name = "cmpp%d" % version
        self.version = version
        self.codec = cmpp.Codec(version)
        self.framer = self.codec.framer
        self.encode = self.codec.encode
        self.decode = self.codec.decode
        self.gateway_code = gateway_code
        self._seq = 0

    def bind(self, pdu, accounts):
        if pdu.command != cmpp.CONNECT:
            return None, None
        f = pdu.fields
        account = f["Source_Addr"]
        secret = accounts.get(account)
        status = 0
        if secret is None:
            status = 2
        elif f["AuthenticatorSource"] != cmpp.authenticator(account, secret, f["Timestamp"]):
            status = 3
        elif f["Version"] > self.codec.wire_version + 0x0F:
            status = 4
        auth = cmpp.ismg_authenticator(status, f["AuthenticatorSource"], secret or "", self.version)
        resp = wire.Pdu(cmpp.CONNECT | cmpp.RESP, pdu.seq, {"Status": status, "AuthenticatorISMG": auth,
                                                           "Version": self.codec.wire_version})
        return resp, (account if status == 0 else None)

    def is_submit(self, pdu):
        return pdu.command == cmpp.SUBMIT

    def submit(self, pdu):
        f = pdu.fields
        dests = f["Dest_terminal_Id"]
        return {"to": dests[0] if dests else "", "udhi": bool(f["TP_udhi"]),
                "coding": _coding(f["Msg_Fmt"], CODING_CMPP), "octets": f["Msg_Content"],
                "report": f["Registered_Delivery"] == 1}

    def new_id(self):
        self._seq = (self._seq + 1) & 0xFFFF
        t = time.gmtime(time.time() + 8 * 3600)
        raw = cmpp.msg_id(t[1], t[2], t[3], t[4], t[5], self.gateway_code, self._seq)
        return str(int.from_bytes(raw, "big"))

    def submit_resp(self, pdu, message_id, code):
        raw = int(message_id or "0").to_bytes(8, "big")
        return wire.Pdu(cmpp.SUBMIT | cmpp.RESP, pdu.seq, {"Msg_Id": raw, "Result": code})

    def deliver(self, seq, message_id, sender, recipient, udhi, coding, octets):
        return wire.Pdu(cmpp.DELIVER, seq, {
            "Msg_Id": int(message_id).to_bytes(8, "big"), "Dest_Id": recipient, "TP_udhi": 1 if udhi else 0,
            "Msg_Fmt": CODING_CMPP[coding], "Src_terminal_Id": sender, "Registered_Delivery": 0,
            "Msg_Content": octets})

    def report(self, seq, message_id, to, recipient, stat, submitted, done, deliver_id=None):
        body = self.codec.encode_report({"Msg_Id": int(message_id).to_bytes(8, "big"), "Stat": stat,
                                         "Submit_time": _stamp(submitted), "Done_time": _stamp(done),
                                         "Dest_terminal_Id": to, "SMSC_sequence": seq})
        return wire.Pdu(cmpp.DELIVER, seq, {"Msg_Id": int(deliver_id).to_bytes(8, "big"), "Dest_Id": recipient,
                                            "Src_terminal_Id": to, "Registered_Delivery": 1, "Msg_Content": body})

    def is_deliver_resp(self, pdu):
        return pdu.command == cmpp.DELIVER | cmpp.RESP

    def keepalive(self, pdu):
        return dialects.keepalive_answer_cmpp(pdu)

    def is_unbind(self, pdu):
        return pdu.command == cmpp.TERMINATE

    def nack(self, seq):
        return None

    def garbage(self, seq):
        return b"\x00\x00\x00\x10\x00\x00\x00\x09" + seq.to_bytes(4, "big") + b"\xde\xad\xbe\xef"


class SmgpSide(_Side):
    name = "smgp"
    throttled = smgp.SYSTEM_BUSY
    temporary = smgp.SYSTEM_BUSY
    permanent = 47  # illegal DestTermID
    bad_length = 36

    def __init__(self):
        self.framer = smgp.framer
        self.encode = smgp.encode
        self.decode = smgp.decode
        self._seq = 0

    def bind(self, pdu, accounts):
        if pdu.command != smgp.LOGIN:
            return None, None
        f = pdu.fields
        account = f["ClientID"]
        secret = accounts.get(account)
        status = 0
        if secret is None or f["AuthenticatorClient"] != smgp.authenticator(account, secret, f["TimeStamp"]):
            status = 21
        auth = smgp.server_authenticator(status, f["AuthenticatorClient"], secret or "")
        resp = wire.Pdu(smgp.LOGIN | smgp.RESP, pdu.seq, {"Status": status, "AuthenticatorServer": auth,
                                                         "ServerVersion": smgp.VERSION})
        return resp, (account if status == 0 else None)

    def is_submit(self, pdu):
        return pdu.command == smgp.SUBMIT

    def submit(self, pdu):
        f = pdu.fields
        udhi = smgp.option(pdu, smgp.TAG_TP_UDHI, b"\x00")
        return {"to": f["DestTermID"][0] if f["DestTermID"] else "", "udhi": bool(udhi and udhi[0]),
                "coding": _coding(f["MsgFormat"], CODING_SMGP), "octets": f["MsgContent"],
                "report": f["NeedReport"] == 1}

    def new_id(self):
        # MsgID: gateway code (3 octets BCD), MMDDHHMM (4 octets BCD), sequence (3 octets BCD)
        self._seq = (self._seq + 1) % 1000000
        t = time.gmtime(time.time() + 8 * 3600)
        return "123456%02d%02d%02d%02d%06d" % (t[1], t[2], t[3], t[4], self._seq)

    def submit_resp(self, pdu, message_id, code):
        return wire.Pdu(smgp.SUBMIT | smgp.RESP, pdu.seq, {"MsgID": bytes.fromhex(message_id or "00" * 10),
                                                           "Status": code})

    def deliver(self, seq, message_id, sender, recipient, udhi, coding, octets):
        return wire.Pdu(smgp.DELIVER, seq, {
            "MsgID": bytes.fromhex(message_id), "IsReport": 0, "MsgFormat": CODING_SMGP[coding],
            "RecvTime": time.strftime("%Y%m%d%H%M%S"), "SrcTermID": sender, "DestTermID": recipient,
            "MsgContent": octets, "options": [(smgp.TAG_TP_UDHI, b"\x01" if udhi else b"\x00")]})

    def report(self, seq, message_id, to, recipient, stat, submitted, done, deliver_id=None):
        body = smgp.report_text(bytes.fromhex(message_id), stat, submitted=_stamp(submitted), done=_stamp(done))
        return wire.Pdu(smgp.DELIVER, seq, {"MsgID": bytes.fromhex(deliver_id), "IsReport": 1, "MsgFormat": 0,
                                            "RecvTime": time.strftime("%Y%m%d%H%M%S"), "SrcTermID": to,
                                            "DestTermID": recipient, "MsgContent": body})

    def is_deliver_resp(self, pdu):
        return pdu.command == smgp.DELIVER | smgp.RESP

    def keepalive(self, pdu):
        return dialects.keepalive_answer_smgp(pdu)

    def is_unbind(self, pdu):
        return pdu.command == smgp.EXIT

    def nack(self, seq):
        return None

    def garbage(self, seq):
        return b"\x00\x00\x00\x10\x00\x00\x00\x09" + seq.to_bytes(4, "big") + b"\xde\xad\xbe\xef"


class SgipSide(_Side):
    """The SMG: answers the SP's Bind (type 1) and Submit; sends Deliver and Report on its own
    connection to the SP, after its own Bind (type 2)."""

    name = "sgip"
    dedupes_seq = False
    throttled = sgip.NODE_BUSY
    temporary = sgip.NODE_BUSY
    permanent = 6  # illegal phone number
    bad_length = 8
    node = 2000000001

    def __init__(self):
        self.framer = sgip.framer
        self.encode = sgip.encode
        self.decode = sgip.decode

    def seq(self, n):
        t = time.gmtime(time.time() + 8 * 3600)
        return (self.node, cmpp.timestamp(t[1], t[2], t[3], t[4], t[5]), n)

    def bind(self, pdu, accounts):
        if pdu.command != sgip.BIND:
            return None, None
        f = pdu.fields
        ok = f["LoginType"] == sgip.LOGIN_SP_TO_SMG and accounts.get(f["LoginName"]) == f["LoginPassword"]
        return wire.Pdu(sgip.BIND | sgip.RESP, pdu.seq, {"Result": 0 if ok else 1}), (f["LoginName"] if ok else None)

    def outgoing_bind(self, n, account, secret):
        return wire.Pdu(sgip.BIND, self.seq(n), {"LoginType": sgip.LOGIN_SMG_TO_SP, "LoginName": account,
                                                 "LoginPassword": secret})

    def bind_accepted(self, pdu):
        return pdu.command == sgip.BIND | sgip.RESP and pdu.get("Result") == 0

    def is_submit(self, pdu):
        return pdu.command == sgip.SUBMIT

    def submit(self, pdu):
        f = pdu.fields
        to = f["UserNumber"][0] if f["UserNumber"] else ""
        if len(to) == 13 and to.startswith("86"):
            to = to[2:]
        return {"to": to, "udhi": bool(f["TP_udhi"]), "coding": _coding(f["MessageCoding"], CODING_SGIP),
                "octets": f["MessageContent"], "report": f["ReportFlag"] == 1}

    def submit_id(self, pdu):
        return sgip.message_id(pdu.seq)  # a Report names the submit by its sequence number

    def new_id(self):
        return None  # SGIP delivers carry no id

    def submit_resp(self, pdu, message_id, code):
        return wire.Pdu(sgip.SUBMIT | sgip.RESP, pdu.seq, {"Result": code})

    def deliver(self, seq, message_id, sender, recipient, udhi, coding, octets):
        return wire.Pdu(sgip.DELIVER, self.seq(seq), {
            "UserNumber": "86" + sender if len(sender) == 11 else sender, "SPNumber": recipient,
            "TP_udhi": 1 if udhi else 0, "MessageCoding": CODING_SGIP[coding], "MessageContent": octets})

    def report(self, seq, message_id, to, recipient, stat, submitted, done, deliver_id=None):
        return wire.Pdu(sgip.REPORT, self.seq(seq), {
            "SubmitSequenceNumber": bytes.fromhex(message_id), "ReportType": 0,
            "UserNumber": "86" + to if len(to) == 11 else to, "State": 0 if stat == "DELIVRD" else 2,
            "ErrorCode": 0 if stat == "DELIVRD" else 29})

    def is_deliver_resp(self, pdu):
        return pdu.command in (sgip.DELIVER | sgip.RESP, sgip.REPORT | sgip.RESP)

    def keepalive(self, pdu):
        if pdu.command == sgip.UNBIND:
            return wire.Pdu(sgip.UNBIND | sgip.RESP, pdu.seq)
        return None

    def is_unbind(self, pdu):
        return pdu.command == sgip.UNBIND

    def nack(self, seq):
        return None

    def garbage(self, seq):
        return b"\x00\x00\x00\x18\x00\x00\x00\x09" + b"\x00" * 8 + seq.to_bytes(4, "big") + b"\xde\xad\xbe\xef"


def side(protocol):
    if protocol == "sgip":
        return SgipSide()
    if protocol == "smgp":
        return SmgpSide()
    if protocol == "smpp":
        return SmppSide()
    if protocol in ("cmpp2", "cmpp3"):
        return CmppSide(int(protocol[-1]))
    from lib12333.errors import ConfigError

    raise ConfigError("unknown protocol", "--protocol", None, protocol, ", ".join(PROTOCOLS))


def _stamp(seconds):
    t = time.gmtime(seconds + 8 * 3600)
    return "%02d%02d%02d%02d%02d" % (t[0] % 100, t[1], t[2], t[3], t[4])
