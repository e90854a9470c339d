"""
Building SMS PDUs: SMS-SUBMIT (to send through ``AT+CMGS``), and SMS-DELIVER and
SMS-STATUS-REPORT (for emulators and tests).  See ``lib12333.sms`` for the API.

Every PDU starts with the SMSC address field (``00`` = use the SIM's SMSC),
which is what ``AT+CMGS`` in PDU mode expects; ``Part.tpdu_length`` is the
length ``AT+CMGS=<n>`` wants (the PDU without that field).

Concatenated messages need a reference that the recipient uses to tell two
long messages apart; it must differ for consecutive long messages to the same
number, so the caller passes it in (``RefCounter`` keeps one per number).
TP-MR is a separate field (``mr``); most modems overwrite it.
"""

# The public names; the stub lib12333/sms/encode.pyi carries their types (docs/integrator.md)
__all__ = (
    "Part", "RefCounter", "encode_submit", "encode_deliver", "encode_status_report",
)

from lib12333.errors import ValidationError
from lib12333.sms import address, gsm7, split, ucs2, udh
from lib12333.sms.scts import Timestamp, Validity


class Part:
    """One PDU: ``pdu``, ``hex``, ``tpdu_length``, ``seq``, ``total``, ``text``, ``encoding``."""

    __slots__ = ("pdu", "tpdu_length", "seq", "total", "text", "encoding")

    def __init__(self, pdu, tpdu_length, seq, total, text, encoding):
        self.pdu = pdu
        self.tpdu_length = tpdu_length
        self.seq = seq
        self.total = total
        self.text = text
        self.encoding = encoding

    @property
    def hex(self):
        return self.pdu.hex().upper()

    def __repr__(self):
        return "Part(%d/%d, %d octets)" % (self.seq, self.total, self.tpdu_length)


class RefCounter:
    """Concatenation references, unique per destination number.

    ``next(number)`` returns the next reference for that number (wrapping at
    ``2**bits``).  At most ``max_numbers`` numbers are remembered; a forgotten
    number restarts from the shared ``start`` value moved on by one each time,
    so two quick long messages still differ.  ``state()`` / ``from_state()``
    let the caller store the counters across restarts.
    """

    def __init__(self, start=0, bits=8, max_numbers=64):
        if bits not in (8, 16):
            raise ValidationError("reference size", field="bits", expected="8 or 16")
        self.bits = bits
        self.start = start % (1 << bits)
        self.max_numbers = max_numbers
        self._last = {}
        self._order = []

    def next(self, number):
        mask = (1 << self.bits) - 1
        if number in self._last:
            v = (self._last[number] + 1) & mask
            self._order.remove(number)
        else:
            v = self.start
            self.start = (self.start + 1) & mask
            if len(self._order) >= self.max_numbers:
                old = self._order.pop(0)
                del self._last[old]
        self._last[number] = v
        self._order.append(number)
        return v

    def state(self):
        return {"bits": self.bits, "start": self.start, "last": [[n, self._last[n]] for n in self._order]}

    @classmethod
    def from_state(cls, state, max_numbers=64):
        rc = cls(state["start"], state["bits"], max_numbers)
        for n, v in state["last"]:
            rc._last[n] = v
            rc._order.append(n)
        return rc


_DCS_ALPHABET = {"gsm7": 0x00, "8bit": 0x04, "ucs2": 0x08}


def _dcs(encoding, msg_class, flash):
    if flash:
        msg_class = 0
    d = _DCS_ALPHABET[encoding]
    if msg_class is not None:
        if msg_class not in (0, 1, 2, 3):
            raise ValidationError("message class", field="msg_class", expected="0..3")
        d |= 0x10 | msg_class
    return d


def _byte(value, field):
    if type(value) is not int or not (0 <= value <= 255):
        raise ValidationError("out of range", field=field, expected="0..255")
    return value


def _user_data(text, data, encoding, ref, ref16, ports, extra_ies, max_parts):
    """``[(header_ies, udl, ud_bytes_without_header, part_text)]`` and the encoding used."""
    if data is None and ports is None and not extra_ies and isinstance(text, str) and encoding in (None, "gsm7", "ucs2"):
        # fast path: a text that fits one part with no header
        if encoding != "ucs2" and gsm7.is_gsm7(text):
            sept = gsm7.encode(text)
            if len(sept) <= 160:
                return [(b"", len(sept), gsm7.pack(sept), text)], "gsm7"
        elif encoding != "gsm7":
            raw = ucs2.encode(text)
            if len(raw) <= 140:
                return [(b"", len(raw), raw, text)], "ucs2"
    base = list(extra_ies) if extra_ies else []
    if ports is not None:
        base.insert(0, udh.ports_ie(ports[0], ports[1]))
    extra = 0
    for _iei, v in base:
        extra += 2 + len(v)
    if data is not None:
        if text is not None:
            raise ValidationError("give text or data, not both", field="text", expected="one of them")
        chunks, concat = split.split_data(data, False, ref16, extra)
        texts = [None] * len(chunks)
        encoding = "8bit"
    else:
        if text is None:
            raise ValidationError("nothing to send", field="text", expected="text or data")
        if encoding == "8bit":
            raise ValidationError("8-bit needs data=bytes", field="encoding", expected="gsm7 or ucs2 for text")
        p = split.plan(text, encoding, False, ref16, extra)
        encoding = p.encoding
        texts = p.parts
        concat = p.concat
        chunks = None
    total = len(texts)
    if max_parts is not None and total > max_parts:
        raise ValidationError("message needs %d parts" % total, field="text", expected="<= %d parts" % max_parts)
    if concat and ref is None:
        raise ValidationError(
            "a %d-part message needs a concatenation reference" % total, field="ref", expected="ref=RefCounter().next(number)"
        )
    out = []
    for i in range(total):
        ies = base
        if concat:
            ies = [udh.concat_ie(ref, total, i + 1, 16 if ref16 else 8)] + base
        if encoding == "gsm7":
            sept = gsm7.encode(texts[i])
            hdr = udh.build(ies)
            if hdr:
                hs = udh.header_septets(len(hdr))
                body = gsm7.pack(sept, hs * 7 - len(hdr) * 8)
                udl = hs + len(sept)
            else:
                body = gsm7.pack(sept)
                udl = len(sept)
            out.append((hdr, udl, body, texts[i]))
        else:
            body = chunks[i] if chunks is not None else ucs2.encode(texts[i])
            hdr = udh.build(ies)
            out.append((hdr, len(hdr) + len(body), body, texts[i]))
    return out, encoding


def encode_submit(
    number,
    text=None,
    data=None,
    smsc=None,
    ref=None,
    encoding=None,
    msg_class=None,
    flash=False,
    vp=None,
    srr=False,
    mr=0,
    rd=False,
    reply_path=False,
    pid=0,
    ports=None,
    ref16=False,
    max_parts=None,
    extra_ies=None,
    toa=None,
    smsc_toa=None,
):
    """SMS-SUBMIT PDUs for ``text`` (str) or ``data`` (bytes) to ``number``; a list of ``Part``."""
    sc = address.encode_smsc(smsc, smsc_toa)
    da = address.encode(number, toa, "TP-DA")
    if vp is not None and not isinstance(vp, Validity):
        vp = Validity.relative(vp)
    vpf = 0
    vpraw = b""
    if vp is not None:
        vpf = {"relative": 2, "enhanced": 1, "absolute": 3}[vp.kind]
        vpraw = vp.raw
    fo_base = 0x01 | (vpf << 3)
    if rd:
        fo_base |= 0x04
    if srr:
        fo_base |= 0x20
    if reply_path:
        fo_base |= 0x80
    mid = bytes((_byte(mr, "mr"),)) + da + bytes((_byte(pid, "pid"),))
    units, encoding = _user_data(text, data, encoding, ref, ref16, ports, extra_ies, max_parts)
    dcs = bytes((_dcs(encoding, msg_class, flash),))
    parts = []
    total = len(units)
    for i in range(total):
        hdr, udl, body, t = units[i]
        fo = fo_base | (0x40 if hdr else 0)
        pdu = sc + bytes((fo,)) + mid + dcs + vpraw + bytes((udl,)) + hdr + body
        parts.append(Part(pdu, len(pdu) - len(sc), i + 1, total, t, encoding))
    return parts


def _timestamp(ts, field):
    if not isinstance(ts, Timestamp):
        raise ValidationError("must be a Timestamp", field=field, expected="lib12333.sms.scts.Timestamp")
    return ts.to_bytes()


def encode_deliver(
    number,
    scts,
    text=None,
    data=None,
    smsc=None,
    ref=None,
    encoding=None,
    msg_class=None,
    flash=False,
    more_messages=False,
    sri=False,
    reply_path=False,
    pid=0,
    ports=None,
    ref16=False,
    max_parts=None,
    extra_ies=None,
    toa=None,
    smsc_toa=None,
):
    """SMS-DELIVER PDUs from ``number`` (for emulators); a list of ``Part``."""
    sc = address.encode_smsc(smsc, smsc_toa)
    oa = address.encode(number, toa, "TP-OA")
    fo_base = 0x00
    if not more_messages:
        fo_base |= 0x04
    if sri:
        fo_base |= 0x20
    if reply_path:
        fo_base |= 0x80
    ts = _timestamp(scts, "scts")
    units, encoding = _user_data(text, data, encoding, ref, ref16, ports, extra_ies, max_parts)
    mid = oa + bytes((_byte(pid, "pid"), _dcs(encoding, msg_class, flash))) + ts
    parts = []
    total = len(units)
    for i in range(total):
        hdr, udl, body, t = units[i]
        fo = fo_base | (0x40 if hdr else 0)
        pdu = sc + bytes((fo,)) + mid + bytes((udl,)) + hdr + body
        parts.append(Part(pdu, len(pdu) - len(sc), i + 1, total, t, encoding))
    return parts


def encode_status_report(number, mr, scts, discharge, status=0, smsc=None, srq=False, more_messages=False, toa=None):
    """One SMS-STATUS-REPORT PDU (no optional parameters) as a ``Part``."""
    sc = address.encode_smsc(smsc)
    ra = address.encode(number, toa, "TP-RA")
    fo = 0x02
    if not more_messages:
        fo |= 0x04
    if srq:
        fo |= 0x20
    pdu = (
        sc
        + bytes((fo, _byte(mr, "mr")))
        + ra
        + _timestamp(scts, "scts")
        + _timestamp(discharge, "discharge")
        + bytes((_byte(status, "status"),))
    )
    return Part(pdu, len(pdu) - len(sc), 1, 1, None, None)
