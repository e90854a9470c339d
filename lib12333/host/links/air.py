"""
Between a link's message parts and the emulated air interface (TS 23.040 TPDUs).

The emulated operator gateway hands a centre's submit to the emulated mobile
network as an SMS-SUBMIT TPDU sent "from" the centre's number, and turns the
SMS-DELIVER PDUs the network offers to that number into link delivers.
"""

from lib12333.errors import Lib12333Error, ValidationError
from lib12333.links import content
from lib12333.sms import address, gsm7, pdu, ucs2, udh


def submit_tpdu(to, udhi, coding, octets, mr, report):
    """The SMS-SUBMIT TPDU (no SMSC field) carrying one link part; ValidationError when it cannot fit."""
    octets = bytes(octets)
    if coding == content.ASCII and not udhi:
        try:
            sept = gsm7.encode(octets.decode("ascii"))
        except (UnicodeError, Lib12333Error):
            sept = None
        if sept is not None and len(sept) <= 160:
            dcs, udl, ud = 0x00, len(sept), gsm7.pack(sept)
        else:
            dcs, udl, ud = 0x04, len(octets), octets
    else:
        dcs = 0x08 if coding == content.UCS2 else 0x04
        udl, ud = len(octets), octets
    if dcs != 0x00 and udl > 140:
        raise ValidationError("user data over 140 octets", field="content", expected="<= 140 octets per part")
    fo = 0x01 | (0x40 if udhi else 0) | (0x20 if report else 0)
    return bytes((fo, mr & 0xFF)) + address.encode(to, None, "TP-DA") + bytes((0, dcs, udl)) + ud


def link_part(message):
    """(udhi, coding, octets) of a decoded SMS-DELIVER ``message`` as a link delivers it."""
    head = udh.build(list(message.udh)) if message.udh else b""
    if message.encoding == "8bit":
        return bool(head), content.BINARY, head + bytes(message.data)
    if message.encoding == "ucs2":
        return bool(head), content.UCS2, head + bytes(message.data)
    text = message.text or ""
    if not head and all(" " <= ch <= "~" for ch in text):
        return False, content.ASCII, text.encode()
    return bool(head), content.UCS2, head + ucs2.encode(text)


def decode(raw):
    """The network's PDU (SMSC field first) as an ``sms.pdu.Message``."""
    return pdu.decode(raw)
