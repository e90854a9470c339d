"""
The SGIP 1.2 dialect (see ``dialects`` for what a dialect is): one class for
both of SGIP's connections, the SP's to the SMG (``client.Link``: Bind type 1,
Submit, Unbind) and the SMG's to the SP (``incoming.Session``: Bind type 2,
Deliver, Report, Unbind).
"""

from lib12333.links import content, sgip, wire
from lib12333.links.content import coding_of as _coding

CODING_SGIP = {content.ASCII: sgip.FMT_ASCII, content.UCS2: sgip.FMT_UCS2, content.BINARY: sgip.FMT_BINARY,
               content.GB: sgip.FMT_GBK}


class SgipDialect:
    """SGIP 1.2, both connections: the SP's to the SMG (``client.Link``: Bind type 1, Submit) and the
    SMG's to the SP (``incoming.Session``: Bind type 2, Deliver, Report)."""

    name = "sgip"
    SAFE_RESEND = "none"  # SGIP 1.2 defines no duplicate detection for a repeated Submit
    keepalive_command = None  # no keep-alive command: the link lives as long as it is used
    nack_command = None

    def __init__(self, login, password, sp_number="", corp_id="", service_type="", node=3000000000):
        self.login = login
        self.password = password
        self.sp_number = sp_number
        self.corp_id = corp_id
        self.service_type = service_type
        self.node = node
        self.stamp = 0

    def framer(self):
        return sgip.framer()

    def encode(self, pdu):
        return sgip.encode(pdu)

    def decode(self, data):
        return sgip.decode(data)

    def is_response(self, pdu):
        return bool(pdu.command & sgip.RESP)

    def _seq(self, n):
        return (self.node, self.stamp, n)

    def bind(self, seq, wall):
        self.stamp = wire.timestamp(*wall)
        return wire.Pdu(sgip.BIND, self._seq(seq), {"LoginType": sgip.LOGIN_SP_TO_SMG, "LoginName": self.login,
                                                    "LoginPassword": self.password})

    def bind_result(self, pdu):
        if pdu.command != sgip.BIND | sgip.RESP:
            return -1, "unexpected answer to Bind: 0x%08X" % pdu.command
        return pdu.get("Result"), sgip.result_text(pdu.get("Result"))

    def code_text(self, code):
        return sgip.result_text(code)

    def submit(self, seq, to, part, report):
        number = to.lstrip("+")
        if len(number) == 11:
            number = "86" + number  # SGIP numbers carry the country code
        return wire.Pdu(sgip.SUBMIT, self._seq(seq), {
            "SPNumber": self.sp_number, "ChargeNumber": "000000000000000000000", "UserNumber": [number],
            "CorpId": self.corp_id, "ServiceType": self.service_type, "FeeType": 1, "FeeValue": "0",
            "GivenValue": "0", "AgentFlag": 0, "MorelatetoMTFlag": 2, "Priority": 0,
            "ReportFlag": 1 if report else 2, "TP_udhi": 1 if part.udhi else 0,
            "MessageCoding": CODING_SGIP[part.coding], "MessageType": 0, "MessageContent": part.octets})

    def submit_result(self, pdu):
        code = pdu.get("Result")
        if code:
            return code, None, sgip.result_action(code)
        return 0, sgip.message_id(pdu.seq), None

    def is_deliver(self, pdu):
        return pdu.command in (sgip.DELIVER, sgip.REPORT)

    def deliver(self, pdu):
        f = pdu.fields
        if pdu.command == sgip.REPORT:
            mid = f["SubmitSequenceNumber"].hex()
            return {"kind": "report", "message_id": mid, "stat": sgip.STATES.get(f["State"], "UNKNOWN"),
                    "err": str(f["ErrorCode"]), "state": f["State"], "dedupe": "r" + mid}
        sender = f["UserNumber"]
        if len(sender) == 13 and sender.startswith("86"):
            sender = sender[2:]
        return {"kind": "mo", "sender": sender, "recipient": f["SPNumber"], "udhi": bool(f["TP_udhi"]),
                "coding": _coding(f["MessageCoding"], CODING_SGIP), "octets": f["MessageContent"], "dedupe": None}

    def deliver_resp(self, pdu, ok=True):
        return wire.Pdu(pdu.command | sgip.RESP, pdu.seq, {"Result": 0 if ok else 32})

    def keepalive(self, seq):
        return None

    def unbind(self, seq):
        return wire.Pdu(sgip.UNBIND, self._seq(seq))

    def is_unbind(self, pdu):
        return pdu.command == sgip.UNBIND

    def respond(self, pdu):
        if pdu.command == sgip.UNBIND:
            return wire.Pdu(sgip.UNBIND | sgip.RESP, pdu.seq)
        return None

    def nack(self, seq):
        return None

    def accept_bind(self, pdu, accounts):
        """The SMG's Bind on its connection to us: (response, ok)."""
        f = pdu.fields
        ok = (pdu.command == sgip.BIND and f["LoginType"] == sgip.LOGIN_SMG_TO_SP
              and accounts.get(f["LoginName"]) == f["LoginPassword"])
        return wire.Pdu(sgip.BIND | sgip.RESP, pdu.seq, {"Result": 0 if ok else 1}), ok
