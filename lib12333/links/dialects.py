"""
What the link engine (``client.Link``) needs to know about each protocol, in
one small class per protocol: how to bind, submit, keep alive and unbind, and
how to read responses and delivers (SMPP 3.4, CMPP 2.0 / 3.0, SMGP 3.0).  The
engine itself is protocol-free.

A dialect never keeps connection state; it turns the engine's requests into
``wire.Pdu`` objects and PDUs into plain tuples:

    code_text(code)             what a result code means, for errors and logs
    bind(seq, wall)             the bind / connect request (``wall``: (month, day, hour, minute, second))
    bind_result(pdu)            (code, text): 0 = bound
    submit(seq, to, part, report)
    submit_result(pdu)          (code, message_id or None, action); action None = accepted
    deliver(pdu)                dict: kind "mo" (sender, recipient, udhi, coding, octets) or "report"
                                (message_id, stat, err), plus "dedupe" (a key when the protocol gives one)
    deliver_resp(pdu)           the acknowledgement to send after commit
    keepalive(seq) / unbind(seq)
    respond(pdu)                the response to a keep-alive or unbind request from the peer (or None)

Resubmission rules (what ``ambiguous`` means per protocol) are in ``SAFE_RESEND``:
``same-seq`` -- on a response timeout on a live connection the identical PDU
may be sent again with the same sequence number, and the gateway answers a
duplicate with a "duplicate sequence" result instead of sending twice (CMPP
7.4.4 result 3); ``none`` -- SMPP 3.4 has no duplicate detection, so a submit
whose response never came can only be sent again at the risk of a duplicate.
"""

from lib12333.links import cmpp, content, smgp, smpp, wire


def keepalive_answer_smpp(pdu):
    """The answer to an SMPP enquire_link or unbind (either side of a link sends the same), else None."""
    if pdu.command in (smpp.ENQUIRE_LINK, smpp.UNBIND):
        return wire.Pdu(pdu.command | smpp.RESP, pdu.seq, {}, 0)
    return None


def keepalive_answer_cmpp(pdu):
    """The answer to a CMPP active test or terminate, else None."""
    if pdu.command == cmpp.ACTIVE_TEST:
        return wire.Pdu(cmpp.ACTIVE_TEST | cmpp.RESP, pdu.seq, {"Reserved": 0})
    if pdu.command == cmpp.TERMINATE:
        return wire.Pdu(cmpp.TERMINATE | cmpp.RESP, pdu.seq)
    return None


def keepalive_answer_smgp(pdu):
    """The answer to an SMGP active test or exit, else None."""
    if pdu.command in (smgp.ACTIVE_TEST, smgp.EXIT):
        return wire.Pdu(pdu.command | smgp.RESP, pdu.seq)
    return None


CODING_SMPP = {content.ASCII: 1, content.UCS2: 8, content.BINARY: 4}
CODING_CMPP = {content.ASCII: cmpp.FMT_ASCII, content.UCS2: cmpp.FMT_UCS2, content.BINARY: cmpp.FMT_BINARY,
               content.GB: cmpp.FMT_GB}


_coding = content.coding_of


class SmppDialect:
    name = "smpp"
    SAFE_RESEND = "none"
    keepalive_command = smpp.ENQUIRE_LINK
    nack_command = smpp.GENERIC_NACK  # may answer any request

    def __init__(self, system_id, password, source="", system_type="", source_ton=0, source_npi=0):
        self.system_id = system_id
        self.password = password
        self.source = source
        self.system_type = system_type
        self.source_ton = source_ton
        self.source_npi = source_npi

    def framer(self):
        return smpp.framer()

    def encode(self, pdu):
        return smpp.encode(pdu)

    def decode(self, data):
        return smpp.decode(data)

    def is_response(self, pdu):
        return bool(pdu.command & smpp.RESP)

    def bind(self, seq, wall):
        return wire.Pdu(smpp.BIND_TRANSCEIVER, seq, {"system_id": self.system_id, "password": self.password,
                                                     "system_type": self.system_type,
                                                     "interface_version": smpp.VERSION})

    def bind_result(self, pdu):
        if pdu.command != smpp.BIND_TRANSCEIVER | smpp.RESP:
            return -1, "unexpected answer to bind: 0x%08X" % pdu.command
        return pdu.status, smpp.status_text(pdu.status)

    def submit(self, seq, to, part, report):
        return wire.Pdu(smpp.SUBMIT_SM, seq, {
            "source_addr_ton": self.source_ton, "source_addr_npi": self.source_npi, "source_addr": self.source,
            "dest_addr_ton": 1 if to.startswith("+") else 0, "dest_addr_npi": 1, "destination_addr": to.lstrip("+"),
            "esm_class": smpp.ESM_UDHI if part.udhi else 0, "registered_delivery": 1 if report else 0,
            "data_coding": CODING_SMPP[part.coding], "short_message": part.octets})

    def code_text(self, code):
        return smpp.status_text(code)

    def submit_result(self, pdu):
        if pdu.command == smpp.GENERIC_NACK:
            # a nack never means accepted, even with status 0 (which 3.4 does not allow): send again
            return pdu.status, None, smpp.status_action(pdu.status) if pdu.status else "retry"
        if pdu.status:
            return pdu.status, None, smpp.status_action(pdu.status)
        return 0, pdu.get("message_id", ""), None

    def is_deliver(self, pdu):
        return pdu.command == smpp.DELIVER_SM

    def deliver(self, pdu):
        f = pdu.fields
        if f["esm_class"] & 0x3C == smpp.ESM_RECEIPT:
            r = smpp.receipt(f["short_message"])
            mid = r["id"]
            state = None
            for tag, value in f.get("options", ()):
                if tag == smpp.TAG_RECEIPTED_MESSAGE_ID:
                    mid = smpp.c_text(value, "receipted_message_id")
                elif tag == smpp.TAG_MESSAGE_STATE and len(value) == 1:
                    state = value[0]
            return {"kind": "report", "message_id": mid, "stat": r["stat"], "err": r.get("err", ""),
                    "state": state, "dedupe": None, "forms": smpp.id_forms(mid)}
        return {"kind": "mo", "sender": f["source_addr"], "recipient": f["destination_addr"],
                "udhi": bool(f["esm_class"] & smpp.ESM_UDHI), "coding": _coding(f["data_coding"], CODING_SMPP),
                "octets": f["short_message"], "dedupe": None}

    def deliver_resp(self, pdu, ok=True):
        return wire.Pdu(smpp.DELIVER_SM | smpp.RESP, pdu.seq, {"message_id": ""}, 0 if ok else smpp.RX_T_APPN)

    def keepalive(self, seq):
        return wire.Pdu(smpp.ENQUIRE_LINK, seq)

    def unbind(self, seq):
        return wire.Pdu(smpp.UNBIND, seq)

    def is_unbind(self, pdu):
        return pdu.command == smpp.UNBIND

    def respond(self, pdu):
        return keepalive_answer_smpp(pdu) or wire.Pdu(smpp.GENERIC_NACK, pdu.seq, {}, 0x03)

    def nack(self, seq):
        return wire.Pdu(smpp.GENERIC_NACK, seq, {}, 0x02)


class CmppDialect:
    name = "cmpp"
    SAFE_RESEND = "same-seq"
    keepalive_command = cmpp.ACTIVE_TEST
    nack_command = None

    def __init__(self, sp_id, secret, service_id="", src_id="", version=3):
        self.codec = cmpp.Codec(version)
        self.version = version
        self.sp_id = sp_id
        self.secret = secret
        self.service_id = service_id
        self.src_id = src_id
        self._auth = None

    def framer(self):
        return self.codec.framer()

    def encode(self, pdu):
        return self.codec.encode(pdu)

    def decode(self, data):
        return self.codec.decode(data)

    def is_response(self, pdu):
        return bool(pdu.command & cmpp.RESP)

    def bind(self, seq, wall):
        stamp = wire.timestamp(*wall)
        self._auth = cmpp.authenticator(self.sp_id, self.secret, stamp)
        return wire.Pdu(cmpp.CONNECT, seq, {"Source_Addr": self.sp_id, "AuthenticatorSource": self._auth,
                                            "Version": self.codec.wire_version, "Timestamp": stamp})

    def bind_result(self, pdu):
        if pdu.command != cmpp.CONNECT | cmpp.RESP:
            return -1, "unexpected answer to CMPP_CONNECT: 0x%08X" % pdu.command
        status = pdu.get("Status")
        if status == 0 and pdu.get("AuthenticatorISMG") != cmpp.ismg_authenticator(0, self._auth, self.secret,
                                                                                    self.version):
            return -2, "AuthenticatorISMG does not match: the gateway does not know our secret"
        return status, "status %d: %s" % (status, cmpp.CONNECT_STATUS.get(status, "other error"))

    def submit(self, seq, to, part, report):
        f = {"Pk_total": part.total, "Pk_number": part.seq, "Registered_Delivery": 1 if report else 0,
             "Msg_level": 0, "Service_Id": self.service_id, "Fee_UserType": 2, "TP_udhi": 1 if part.udhi else 0,
             "Msg_Fmt": CODING_CMPP[part.coding], "Msg_src": self.sp_id, "FeeType": "01", "FeeCode": "000000",
             "Src_Id": self.src_id, "Dest_terminal_Id": [to.lstrip("+")], "Msg_Content": part.octets}
        return wire.Pdu(cmpp.SUBMIT, seq, f)

    def code_text(self, code):
        return cmpp.result_text(code)

    def submit_result(self, pdu):
        code = pdu.get("Result")
        mid = str(int.from_bytes(pdu.get("Msg_Id"), "big"))
        if code:
            return code, mid, cmpp.result_action(code)
        return 0, mid, None

    def is_deliver(self, pdu):
        return pdu.command == cmpp.DELIVER

    def deliver(self, pdu):
        f = pdu.fields
        key = str(int.from_bytes(f["Msg_Id"], "big"))
        if f["Registered_Delivery"] == 1:
            r = self.codec.report(f["Msg_Content"])
            return {"kind": "report", "message_id": str(int.from_bytes(r["Msg_Id"], "big")), "stat": r["Stat"],
                    "err": "", "state": None, "dedupe": "r" + key}
        return {"kind": "mo", "sender": f["Src_terminal_Id"], "recipient": f["Dest_Id"], "udhi": bool(f["TP_udhi"]),
                "coding": _coding(f["Msg_Fmt"], CODING_CMPP), "octets": f["Msg_Content"], "dedupe": "m" + key}

    def deliver_resp(self, pdu, ok=True):
        return wire.Pdu(cmpp.DELIVER | cmpp.RESP, pdu.seq, {"Msg_Id": pdu.get("Msg_Id"), "Result": 0 if ok else 9})

    def keepalive(self, seq):
        return wire.Pdu(cmpp.ACTIVE_TEST, seq)

    def unbind(self, seq):
        return wire.Pdu(cmpp.TERMINATE, seq)

    def is_unbind(self, pdu):
        return pdu.command == cmpp.TERMINATE

    def respond(self, pdu):
        return keepalive_answer_cmpp(pdu)

    def nack(self, seq):
        return None


CODING_SMGP = {content.ASCII: smgp.FMT_ASCII, content.UCS2: smgp.FMT_UCS2, content.BINARY: smgp.FMT_BINARY,
               content.GB: smgp.FMT_GB}


class SmgpDialect:
    name = "smgp"
    SAFE_RESEND = "same-seq"  # status 12: the gateway recognises a repeated SequenceID
    keepalive_command = smgp.ACTIVE_TEST
    nack_command = None

    def __init__(self, client_id, secret, service_id="", src_id=""):
        self.client_id = client_id
        self.secret = secret
        self.service_id = service_id
        self.src_id = src_id
        self._auth = None

    def framer(self):
        return smgp.framer()

    def encode(self, pdu):
        return smgp.encode(pdu)

    def decode(self, data):
        return smgp.decode(data)

    def is_response(self, pdu):
        return bool(pdu.command & smgp.RESP)

    def bind(self, seq, wall):
        stamp = wire.timestamp(*wall)
        self._auth = smgp.authenticator(self.client_id, self.secret, stamp)
        return wire.Pdu(smgp.LOGIN, seq, {"ClientID": self.client_id, "AuthenticatorClient": self._auth,
                                          "LoginMode": 2, "TimeStamp": stamp, "ClientVersion": smgp.VERSION})

    def bind_result(self, pdu):
        if pdu.command != smgp.LOGIN | smgp.RESP:
            return -1, "unexpected answer to Login: 0x%08X" % pdu.command
        status = pdu.get("Status")
        if status == 0 and pdu.get("AuthenticatorServer") != smgp.server_authenticator(0, self._auth, self.secret):
            return -2, "AuthenticatorServer does not match: the gateway does not know our secret"
        return status, smgp.status_text(status)

    def submit(self, seq, to, part, report):
        options = [(smgp.TAG_TP_UDHI, b"\x01" if part.udhi else b"\x00")]
        if part.total > 1:
            options += [(smgp.TAG_PK_TOTAL, bytes((part.total,))), (smgp.TAG_PK_NUMBER, bytes((part.seq,)))]
        return wire.Pdu(smgp.SUBMIT, seq, {
            "MsgType": smgp.MT, "NeedReport": 1 if report else 0, "Priority": 1, "ServiceID": self.service_id,
            "FeeType": "00", "FeeCode": "000000", "FixedFee": "000000", "MsgFormat": CODING_SMGP[part.coding],
            "SrcTermID": self.src_id, "DestTermID": [to.lstrip("+")], "MsgContent": part.octets, "options": options})

    def code_text(self, code):
        return smgp.status_text(code)

    def submit_result(self, pdu):
        code = pdu.get("Status")
        mid = pdu.get("MsgID").hex()
        if code:
            return code, mid, smgp.status_action(code)
        return 0, mid, None

    def is_deliver(self, pdu):
        return pdu.command == smgp.DELIVER

    def deliver(self, pdu):
        f = pdu.fields
        key = f["MsgID"].hex()
        if f["IsReport"] == 1:
            r = smgp.report(f["MsgContent"])
            return {"kind": "report", "message_id": r["id"].hex(), "stat": r["stat"], "err": r["err"],
                    "state": None, "dedupe": "r" + key}
        udhi = smgp.option(pdu, smgp.TAG_TP_UDHI, b"\x00")
        return {"kind": "mo", "sender": f["SrcTermID"], "recipient": f["DestTermID"],
                "udhi": bool(udhi and udhi[0]), "coding": _coding(f["MsgFormat"], CODING_SMGP),
                "octets": f["MsgContent"], "dedupe": "m" + key}

    def deliver_resp(self, pdu, ok=True):
        return wire.Pdu(smgp.DELIVER | smgp.RESP, pdu.seq, {"MsgID": pdu.get("MsgID"), "Status": 0 if ok else 1})

    def keepalive(self, seq):
        return wire.Pdu(smgp.ACTIVE_TEST, seq)

    def unbind(self, seq):
        return wire.Pdu(smgp.EXIT, seq)

    def is_unbind(self, pdu):
        return pdu.command == smgp.EXIT

    def respond(self, pdu):
        return keepalive_answer_smgp(pdu)

    def nack(self, seq):
        return None

