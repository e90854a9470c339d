"""
Decoding SMS PDUs (3GPP TS 23.040 section 9.2.2): SMS-DELIVER, SMS-SUBMIT and
SMS-STATUS-REPORT, with or without the SMSC address in front.

``decode(data, smsc=True)`` reads what a modem prints for ``+CMGR``, ``+CMGL``,
``+CMT`` and ``+CDS`` in PDU mode (``AT+CMGF=0``).  The message type comes from
TP-MTI read in the direction a modem sees it: 0 = DELIVER (received), 1 = SUBMIT
(a stored outgoing message), 2 = STATUS-REPORT; 3 is reserved and rejected.

Strictness: lengths are checked against the octets present (TP-UDL decides the
length of the user data, never the bytes available), and octets left over after
the user data are an error.  Reserved DCS coding groups and the reserved
alphabet value are read as the GSM 7-bit alphabet, as TS 23.038 tells a receiver
to do, and reported through ``dcs_group`` = "reserved".
"""

# The public names; the stub lib12333/sms/pdu.pyi carries their types (docs/integrator.md)
__all__ = (
    "DELIVER", "SUBMIT", "STATUS_REPORT", "Message", "decode", "decode_hex", "from_hex", "parse_dcs",
    "status_kind",
)

from lib12333.compat import utf16be_decode
from lib12333.errors import DecodeError
from lib12333.sms import address, gsm7, ucs2, udh
from lib12333.sms.scts import Timestamp, Validity

DELIVER = "SMS-DELIVER"
SUBMIT = "SMS-SUBMIT"
STATUS_REPORT = "SMS-STATUS-REPORT"

_TYPES = (DELIVER, SUBMIT, STATUS_REPORT)
_INTERPRETED = (udh.IEI_CONCAT8, udh.IEI_PORTS8, udh.IEI_PORTS16, udh.IEI_CONCAT16)
_ENCODINGS = ("gsm7", "8bit", "ucs2", "gsm7")


_dcs_cache = {}


def parse_dcs(dcs):
    """``(group, encoding, msg_class, compressed)`` of a TP-DCS octet (TS 23.038 section 4)."""
    r = _dcs_cache.get(dcs)
    if r is None:
        r = _dcs_cache[dcs] = _parse_dcs(dcs)
    return r


def _parse_dcs(dcs):
    g = dcs >> 4
    if g < 8:  # 00xx general, 01xx automatic deletion
        group = "general" if g < 4 else "auto-delete"
        alpha = (dcs >> 2) & 3
        enc = _ENCODINGS[alpha]
        if alpha == 3:
            group = "reserved"
        cls = (dcs & 3) if dcs & 0x10 else None
        return group, enc, cls, bool(dcs & 0x20)
    if g == 0x0C:
        return "mwi-discard", "gsm7", None, False
    if g == 0x0D:
        return "mwi-store", "gsm7", None, False
    if g == 0x0E:
        return "mwi-store-ucs2", "ucs2", None, False
    if g == 0x0F:
        return "data-class", ("8bit" if dcs & 0x04 else "gsm7"), dcs & 3, False
    return "reserved", "gsm7", None, False


_STATUS_TEXT = {
    0x00: "received by the recipient",
    0x01: "forwarded, delivery not confirmed",
    0x02: "replaced by the service centre",
    0x20: "congestion, still trying",
    0x21: "recipient busy, still trying",
    0x22: "no response from recipient, still trying",
    0x23: "service rejected, still trying",
    0x24: "quality of service not available, still trying",
    0x25: "error in recipient, still trying",
    0x40: "remote procedure error",
    0x41: "incompatible destination",
    0x42: "connection rejected by recipient",
    0x43: "not obtainable",
    0x44: "quality of service not available",
    0x45: "no interworking available",
    0x46: "validity period expired",
    0x47: "deleted by originating entity",
    0x48: "deleted by service centre administration",
    0x49: "message does not exist",
    0x60: "congestion, gave up",
    0x61: "recipient busy, gave up",
    0x62: "no response from recipient, gave up",
    0x63: "service rejected, gave up",
    0x64: "quality of service not available, gave up",
    0x65: "error in recipient, gave up",
}


def status_kind(st):
    """"delivered" (0x00-0x1F), "pending" (0x20-0x3F), "failed" (0x40-0x7F) or "reserved"."""
    if st < 0x20:
        return "delivered" if st < 0x03 or st >= 0x10 else "reserved"
    if st < 0x40:
        return "pending"
    if st < 0x80:
        return "failed"
    return "reserved"


class Message:
    """A decoded TPDU; see ``lib12333.sms`` for the attributes.  Absent fields are None."""

    type = None
    smsc = None
    smsc_toa = None
    number = None
    toa = None
    pid = None
    dcs = None
    encoding = None
    msg_class = None
    compressed = False
    dcs_group = None
    mr = None
    srr = False
    more_messages = None
    rd = None
    reply_path = False
    scts = None
    vp = None
    udh = ()
    concat = None
    ports = None
    text = None
    data = b""
    udl = None
    discharge = None
    status = None
    tpdu_length = None
    parts = 1
    warnings = ()  # lenient decoding: [(position, field, what)] of every deviation tolerated

    @property
    def flash(self):
        return self.msg_class == 0

    @property
    def status_kind(self):
        return None if self.status is None else status_kind(self.status)

    @property
    def status_text(self):
        if self.status is None:
            return None
        t = _STATUS_TEXT.get(self.status)
        if t is None:
            t = "reserved or service-centre specific (" + status_kind(self.status) + ")"
        return t

    def copy(self):
        m = Message()
        for k in _FIELDS:
            v = getattr(self, k)
            if v is not getattr(Message, k):
                setattr(m, k, v)
        return m

    def to_dict(self):
        """Ordered dict of JSON-ready values (the ``lib12333 sms decode --json`` shape).

        Every key is always present (None when the message type has no such field)."""
        from lib12333.compat import OrderedDict

        d = OrderedDict()
        d["type"] = self.type
        d["smsc"] = self.smsc
        d["smsc_toa"] = self.smsc_toa
        d["number"] = self.number
        d["toa"] = self.toa
        d["mr"] = self.mr
        d["first_octet"] = OrderedDict(
            (
                ("srr", self.srr),
                ("reply_path", self.reply_path),
                ("more_messages", self.more_messages),
                ("rd", self.rd),
            )
        )
        d["pid"] = self.pid
        d["dcs"] = self.dcs
        d["dcs_group"] = self.dcs_group
        d["encoding"] = self.encoding
        d["class"] = self.msg_class
        d["flash"] = self.flash
        d["scts"] = None if self.scts is None else self.scts.isoformat()
        d["vp"] = None if self.vp is None else self.vp.to_json()
        d["discharge"] = None if self.discharge is None else self.discharge.isoformat()
        d["status"] = self.status
        d["status_kind"] = self.status_kind
        d["status_text"] = self.status_text
        d["udl"] = self.udl
        d["udh"] = [OrderedDict((("iei", i), ("data", bytes(v).hex()))) for i, v in self.udh]
        c = self.concat
        d["concat"] = None if c is None else OrderedDict((("ref", c.ref), ("total", c.total), ("seq", c.seq), ("bits", c.bits)))
        p = self.ports
        d["ports"] = None if p is None else OrderedDict((("dest", p[0]), ("src", p[1])))
        d["text"] = self.text
        d["data"] = bytes(self.data).hex() if (self.encoding == "8bit" or self.compressed) else None
        d["parts"] = self.parts
        d["tpdu_length"] = self.tpdu_length
        d["warnings"] = [OrderedDict((("position", p), ("field", f), ("warning", w))) for p, f, w in self.warnings]
        return d

    def __repr__(self):
        return "<Message %s %s>" % (self.type, self.encoding)


_FIELDS = [k for k in dir(Message) if not k.startswith("_") and not callable(getattr(Message, k)) and k not in ("flash", "status_kind", "status_text")]


def _deviation(warn, what, field, position, expected):
    """Strict decoding raises; lenient decoding (``warn`` is a list) records and goes on."""
    if warn is None:
        raise DecodeError(what, field=field, position=position, expected=expected)
    warn.append((position, field, what))


def _leftover(data, end, field, warn):
    """Octets after the end of the TPDU: an error, or in lenient mode a warning naming them."""
    extra = len(data) - end
    if extra <= 0:
        return
    if warn is not None and data[end:] == b"\xff" * extra:
        warn.append((end, field, "%d octet(s) of SIM padding FF after the TPDU" % extra))
        return
    _deviation(warn, "%d octet(s) after the %s" % (extra, "status report" if field == "TP-PI" else "user data"),
               field, end, "end of PDU")


def _need(data, pos, n, field):
    if pos + n > len(data):
        raise DecodeError("PDU ends early", field=field, position=len(data), expected="%d more octet(s)" % (pos + n - len(data)))


def _user_data(m, data, pos, udhi, warn=None):
    """Read TP-UDL and TP-UD at ``data[pos]`` into ``m``; returns the end position.

    ``warn``: None (strict) or the list lenient decoding records deviations in."""
    n = len(data)
    if pos >= n:
        _need(data, pos, 1, "TP-UDL")
    udl = data[pos]
    pos += 1
    m.udl = udl
    enc = m.encoding
    septets = enc == "gsm7" and not m.compressed
    if septets:
        if udl > 160:
            raise DecodeError("%d septets" % udl, field="TP-UDL", position=pos - 1, expected="<= 160")
        nbytes = (udl * 7 + 7) // 8
    else:
        if udl > 140:
            raise DecodeError("%d octets" % udl, field="TP-UDL", position=pos - 1, expected="<= 140")
        nbytes = udl
    end = pos + nbytes
    if end > n:
        _deviation(warn, "user data shorter than TP-UDL says", "TP-UD", n, "%d octets" % nbytes)
        nbytes = n - pos  # lenient: decode what is there
        end = n
        udl = nbytes * 8 // 7 if septets else nbytes
    elif end < n:
        _leftover(data, end, "TP-UD", warn)
    body = pos
    hlen = 0
    if udhi and nbytes < 1:
        _deviation(warn, "header indicated but user data is empty", "TP-UDHL", pos, "1 octet or more")
        udhi = 0
    if udhi:
        hlen = data[pos] + 1
        if hlen > nbytes:
            raise DecodeError("header longer than the user data", field="TP-UDHL", position=pos, expected="<= %d" % (nbytes - 1))
        if hlen == 6 and data[pos + 1] == 0 and data[pos + 2] == 3:
            # the usual header: one 8-bit concatenation element
            ref, total, seq = data[pos + 3], data[pos + 4], data[pos + 5]
            m.udh = [(0, bytes(data[pos + 3 : pos + 6]))]
            if total and seq and seq <= total:
                m.concat = udh.Concat(ref, total, seq, 8)
            ies = ()
        else:
            ies = udh.parse(data, pos)
            m.udh = ies
        for iei, _v in ies:
            if iei in _INTERPRETED:
                m.concat = udh.find_concat(ies)
                m.ports = udh.find_ports(ies)
                break
        body = pos + hlen
    else:
        m.udh = []
    if septets:
        fill = 0
        count = udl
        if hlen:
            hs = udh.header_septets(hlen)
            if hs > udl:
                raise DecodeError("header longer than TP-UDL septets", field="TP-UDHL", position=pos, expected="<= %d septets" % udl)
            fill = hs * 7 - hlen * 8
            count = udl - hs
        sept = gsm7.unpack(data, count, fill, body)
        m.data = sept
        m.text = gsm7.decode(sept)
    else:
        raw = data[body:end]
        if type(raw) is not bytes:
            raw = bytes(raw)
        if warn is not None and enc == "ucs2" and len(raw) & 1:
            warn.append((end - 1, "TP-UD", "odd octet count in UCS2 text: last octet dropped"))
            raw = raw[:-1]
        m.data = raw
        if enc == "ucs2" and not m.compressed:
            if utf16be_decode is not None:  # CPython's codec; ucs2.decode_slow is the reference
                try:
                    m.text = utf16be_decode(raw)
                    return end
                except UnicodeError:
                    pass
            m.text = ucs2.decode_slow(raw)
    return end


def decode(data, smsc=True, lenient=False):
    """Decode one PDU (bytes); see the module docstring.

    ``lenient=True`` is for raw modem captures: SIM ``FF`` padding or other octets after
    the TPDU, a UDHI bit with no user data, a TP-UDL longer than what is present, an
    address whose length counts the filler or whose filler is not 1111 are decoded as
    far as they go and listed in ``Message.warnings`` as ``(position, field, what)``.
    """
    warn = [] if lenient else None
    m = Message()
    pos = 0
    if smsc:
        m.smsc, m.smsc_toa, pos = address.decode_smsc(data, 0)
    start = pos
    n = len(data)
    if pos >= n:
        _need(data, pos, 1, "first octet")
    fo = data[pos]
    mti = fo & 3
    if mti == 3:
        raise DecodeError("reserved message type 3", field="TP-MTI", position=pos, expected="0 (DELIVER), 1 (SUBMIT) or 2 (STATUS-REPORT)")
    m.type = _TYPES[mti]
    udhi = fo & 0x40
    if fo & 0x80:
        m.reply_path = True
    if fo & 0x20:
        m.srr = True
    pos += 1
    if mti == 0:
        m.more_messages = not (fo & 0x04)
        m.number, m.toa, pos = address.decode(data, pos, "TP-OA", warn)
        if pos + 9 > n:
            _need(data, pos, 9, "TP-PID")
        m.pid = data[pos]
        m.dcs = dcs = data[pos + 1]
        r = _dcs_cache.get(dcs)
        if r is None:
            r = parse_dcs(dcs)
        m.dcs_group, m.encoding, m.msg_class, m.compressed = r
        m.scts = Timestamp.from_bytes(data, pos + 2)
        pos = _user_data(m, data, pos + 9, udhi, warn)
    elif mti == 1:
        m.rd = bool(fo & 0x04)
        vpf = (fo >> 3) & 3
        _need(data, pos, 1, "TP-MR")
        m.mr = data[pos]
        m.number, m.toa, pos = address.decode(data, pos + 1, "TP-DA", warn)
        _need(data, pos, 2, "TP-PID")
        m.pid = data[pos]
        m.dcs = data[pos + 1]
        m.dcs_group, m.encoding, m.msg_class, m.compressed = parse_dcs(m.dcs)
        pos += 2
        if vpf:
            m.vp = Validity.from_bytes(vpf, data, pos)
            pos += len(m.vp.raw)
        pos = _user_data(m, data, pos, udhi, warn)
    else:
        m.more_messages = not (fo & 0x04)
        _need(data, pos, 1, "TP-MR")
        m.mr = data[pos]
        m.number, m.toa, pos = address.decode(data, pos + 1, "TP-RA", warn)
        m.scts = Timestamp.from_bytes(data, pos)
        m.discharge = Timestamp.from_bytes(data, pos + 7, "TP-DT")
        pos += 14
        _need(data, pos, 1, "TP-ST")
        m.status = data[pos]
        pos += 1
        m.udh = []
        if pos < len(data):
            pi = data[pos]
            pos += 1
            ext = pi
            while ext & 0x80:  # further TP-PI octets carry nothing we use
                _need(data, pos, 1, "TP-PI")
                ext = data[pos]
                pos += 1
            if pi & 0x01:
                _need(data, pos, 1, "TP-PID")
                m.pid = data[pos]
                pos += 1
            if pi & 0x02:
                _need(data, pos, 1, "TP-DCS")
                m.dcs = data[pos]
                m.dcs_group, m.encoding, m.msg_class, m.compressed = parse_dcs(m.dcs)
                pos += 1
            if pi & 0x04:
                if m.encoding is None:
                    m.encoding = "gsm7"
                pos = _user_data(m, data, pos, udhi, warn)
                n = pos  # octets after the user data were handled there
        if n == len(data):
            _leftover(data, pos, "TP-PI", warn)
    if warn is not None:
        n = pos  # the TPDU ends where its user data ends, padding excluded
        m.warnings = warn
    m.tpdu_length = n - start
    return m


def from_hex(text, warn=None):
    """Bytes of a hex string (spaces and a trailing newline allowed); DecodeError otherwise.

    With a ``warn`` list (lenient decoding) a stray quote before or after the hex, as some
    modems print, is dropped and recorded (position = index in the text)."""
    if warn is not None and isinstance(text, str) and '"' in text:
        text = _strip_quotes(text, warn)
    if type(text) is str:
        try:  # the usual case: nothing but hex digits
            b = bytes.fromhex(text)
            if len(b) * 2 == len(text):
                return b
        except ValueError:
            pass
    if not isinstance(text, str):
        raise DecodeError("PDU must be given as text", field="PDU", expected="hexadecimal string")
    s = text.strip()
    if " " in s:
        s = s.replace(" ", "")
    if len(s) & 1:
        raise DecodeError("odd number of hex digits", field="PDU", position=len(s), expected="pairs of hex digits")
    try:
        return bytes.fromhex(s)
    except ValueError:
        pass
    for i in range(len(s)):
        if "0123456789abcdefABCDEF".find(s[i]) < 0:
            raise DecodeError("not a hex digit", field="PDU", position=i, expected="0-9, A-F")
    raise DecodeError("not hexadecimal", field="PDU", expected="0-9, A-F")


def _strip_quotes(text, warn):
    s = text.strip()
    lead = len(text) - len(text.lstrip())
    if s[:1] == '"':
        warn.append((lead, "PDU text", "stray quote before the hex"))
        s = s[1:]
        lead += 1
    if s[-1:] == '"':
        warn.append((lead + len(s) - 1, "PDU text", "stray quote after the hex"))
        s = s[:-1]
    return s


def decode_hex(text, smsc=True, lenient=False):
    """``decode`` for a hex string (``lenient``: see ``decode``; also a stray quote around the hex)."""
    if not lenient:
        return decode(from_hex(text), smsc)
    warn = []
    m = decode(from_hex(text, warn), smsc, True)
    m.warnings = warn + m.warnings
    return m
