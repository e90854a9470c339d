"""
The SSSE application of the social-security card (社会保障系统环境) and a full basic read.

Sequence (card spec part 5/6, 人社信息函〔2012〕37号 tables 3 and 9; protocols/card/README.md):

1. SELECT by DF name ``sx1.sh.社会保障`` (``00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF``);
   the FCI may name the algorithm (``9F0C`` > ``86``: 01 DES, 02 SSF33, 03 SM4).
2. SELECT EF05 (``00 A4 02 00 02 EF05``) and READ RECORD by record identifier (P2=00,
   P1=tag, Le=value length + 2): 01 card identification code, 02 category, 03 spec
   version, 04 initialising institution, 05 issue date, 06 expiry, 07 card number.
3. Spec 3.x only: GET CHALLENGE, then EXTERNAL AUTHENTICATE with key RKSSSE (P2=0A)
   whose 16 data bytes come from the caller's *authenticator* (a PSAM or security module).
4. SELECT EF06 and READ RECORD: 08 social-security number, 09 name, 4E name
   extension (2.0+), 0A sex, 0B ethnicity, 0C birthplace, 0D birth date.

An *authenticator* is any object with::

    key_id                                   # int, 0x0A for RKSSSE
    external_authenticate(card_id, challenge, algorithm) -> bytes (16)
        card_id    the 32-hex-digit card identification code (str)
        challenge  the 8 bytes from GET CHALLENGE
        algorithm  1 DES, 2 SSF33, 3 SM4 (from the FCI or the region rule)
        returns    8 bytes cryptogram || 8 bytes original data, the data field sent

Missing optional records (6A83) read as ``None``; any other status word raises
:class:`DeviceError` with the SW as code.  Malformed records raise :class:`DecodeError`.
"""

from lib12333.card import apdu, tlv
from lib12333.card.gbk import strip_padding
from lib12333.compat import OrderedDict
from lib12333.errors import CardSecurityError, DecodeError, SecurityError

SSSE_DF_NAME = b"sx1.sh.\xc9\xe7\xbb\xe1\xb1\xa3\xd5\xcf"
KEY_RKSSSE = 0x0A

ALGORITHM_DES = 1
ALGORITHM_SSF33 = 2
ALGORITHM_SM4 = 3

# (tag, attribute, defined value length, kind, required)
# kind: "hex" cn shown as hex digits, "bcd" cn with F padding, "an" ASCII, "gbk" name bytes
EF05_ITEMS = (
    (0x01, "card_id", 16, "hex", True),
    (0x02, "category", 1, "an", False),
    (0x03, "spec_version", 4, "an", False),
    (0x04, "issuer_code", 12, "bcd", False),
    (0x05, "issue_date", 4, "bcd", False),
    (0x06, "expiry_date", 4, "bcd", False),
    (0x07, "card_number", 9, "an", False),
)
EF06_ITEMS = (
    (0x08, "ssn", 18, "an", False),
    (0x09, "name_raw", 30, "gbk", False),
    (0x4E, "name_ext_raw", 20, "gbk", False),
    (0x0A, "sex", 1, "an", False),
    (0x0B, "ethnicity", 1, "bcd", False),
    (0x0C, "birthplace", 3, "bcd", False),
    (0x0D, "birth_date", 4, "bcd", False),
)

FIELDS = ("card_id", "category", "spec_version", "issuer_code", "issue_date", "expiry_date",
          "card_number", "ssn", "name", "sex", "ethnicity", "birthplace", "birth_date")


def select_ssse():
    return apdu.build(0x00, apdu.INS_SELECT, 0x04, 0x00, SSSE_DF_NAME, 256)


def select_ef(fid):
    return apdu.build(0x00, apdu.INS_SELECT, 0x02, 0x00, bytes((fid >> 8, fid & 0xFF)))


def read_record_by_tag(tag, value_length):
    """READ RECORD, first occurrence of record identifier ``tag`` in the current EF."""
    return apdu.build(0x00, apdu.INS_READ_RECORD, tag, 0x00, b"", value_length + 2)


def get_challenge(n=8):
    return apdu.build(0x00, apdu.INS_GET_CHALLENGE, 0x00, 0x00, b"", n)


def external_authenticate(key_id, data):
    return apdu.build(0x00, apdu.INS_EXTERNAL_AUTHENTICATE, 0x00, key_id, data)


def verify_pin_command(pin):
    """VERIFY with the PIN as cn (BCD, F-padded): ``00 20 00 00 Lc PIN``."""
    if type(pin) is not str or not (4 <= len(pin) <= 16) or not _all_digits(pin):
        raise SecurityError("PIN must be 4-16 digits")
    if len(pin) % 2:
        pin = pin + "F"
    return apdu.build(0x00, apdu.INS_VERIFY, 0x00, 0x00, apdu.from_hex(pin))


def _all_digits(text):
    for ch in text:
        if not "0" <= ch <= "9":
            return False
    return True


class CardInfo:
    """The basic data of one card; every field is a str, or None when the card lacks it."""

    def __init__(self):
        for name in FIELDS:
            setattr(self, name, None)
        self.name_raw = None
        self.name_ext_raw = None
        self.atr = None
        self.algorithm = None
        self.authenticated = False

    @property
    def spec(self):
        """"1.0", "2.0" or "3.0" from the first 3 characters of the version; empty counts as 1.0."""
        return spec_of(self.spec_version)

    @property
    def region(self):
        """发卡地区行政区划代码: the first 6 characters of the card identification code."""
        return self.card_id[:6] if self.card_id else None

    def as_dict(self):
        out = OrderedDict()
        for name in FIELDS:
            out[name] = getattr(self, name)
        out["spec"] = self.spec
        out["region"] = self.region
        return out


def spec_of(version):
    if not version:
        return "1.0"
    return version[:3]


def needs_external_auth(version):
    """3.0 cards protect EF06 with RKSSSE (reader spec section 10.2); later majors are assumed to as well."""
    spec = spec_of(version)
    return "3" <= spec[:1] <= "9"


def algorithm_from_fci(fci, region):
    """Algorithm id from FCI ``6F > A5 > 9F0C > 86``; without it SSF33 for Beijing (11xxxx), else DES."""
    if fci:
        disc = tlv.find_ber(fci, (0x6F, 0xA5, 0x9F0C), field="FCI")
        if disc:
            alg = tlv.find_ber(disc, (0x86,), field="FCI 9F0C")
            if alg is not None:
                if len(alg) != 1 or not 1 <= alg[0] <= 3:
                    raise DecodeError("algorithm template 86 holds an unknown value", field="FCI 9F0C/86",
                                      expected="01, 02 or 03")
                return alg[0]
    if region and region[:2] == "11":
        return ALGORITHM_SSF33
    return ALGORITHM_DES


def _field_name(ef, tag):
    return "%s tag %02X" % (ef, tag)


def convert(kind, value, field):
    """Turn one record value into the str the reader interface shows (None if unpersonalised)."""
    if kind == "hex":
        return apdu.to_hex(value)
    if kind == "bcd":
        text = apdu.to_hex(value)
        end = len(text)
        while end and text[end - 1] == "F":
            end -= 1
        text = text[:end]
        for i in range(len(text)):
            if not "0" <= text[i] <= "9":
                raise DecodeError("compressed-numeric field holds a non-digit", field=field, position=i // 2,
                                  expected="BCD digits padded with F")
        return text
    if kind == "an":
        raw = strip_padding(value)
        for i in range(len(raw)):
            if not 0x20 <= raw[i] <= 0x7E:
                raise DecodeError("alphanumeric field holds byte %02X" % raw[i], field=field, position=i,
                                  expected="printable ASCII padded with 00")
        return raw.decode()
    return strip_padding(value)  # gbk: decoded later with the table


def _xchg(command):
    """One T=0 exchange as a generator: yields command bytes, is sent the responses."""
    ex = apdu.Exchange(command)
    while not ex.done:
        response = yield ex.command
        ex.receive(response)
    return ex.data, ex.sw


def _read_items(ef_name, items, info):
    for tag, attr, length, kind, required in items:
        data, sw = yield from _xchg(read_record_by_tag(tag, length))
        field = _field_name(ef_name, tag)
        if sw == 0x6A83 and not required:
            continue
        apdu.check_sw(sw, "READ RECORD " + field)
        value = tlv.one_simple(data, tag, field=field)
        setattr(info, attr, convert(kind, value, field))


def read_steps(authenticator=None, gbk=None, atr=None):
    """The full basic read as a generator, for callers that cannot block in ``transmit``.

    Each value it yields is a command APDU to send; ``send()`` the card's response back.
    When it stops, ``StopIteration.value`` is the :class:`CardInfo`.  :func:`run` drives it.
    """
    info = CardInfo()
    info.atr = atr
    fci, sw = yield from _xchg(select_ssse())
    apdu.check_sw(sw, "SELECT SSSE")
    if fci:
        tlv.parse_ber(fci, field="FCI")  # reject malformed FCI early, with a position
    _, sw = yield from _xchg(select_ef(0xEF05))
    apdu.check_sw(sw, "SELECT EF05")
    yield from _read_items("EF05", EF05_ITEMS, info)
    info.algorithm = algorithm_from_fci(fci, info.region)
    if needs_external_auth(info.spec_version):
        yield from _authenticate(info, authenticator)
    _, sw = yield from _xchg(select_ef(0xEF06))
    apdu.check_sw(sw, "SELECT EF06")
    yield from _read_items("EF06", EF06_ITEMS, info)
    if gbk is not None:
        info.name = full_name(info, gbk)
    return info


def run(transmit, steps):
    """Drive a step generator (:func:`read_steps`) with ``transmit(bytes) -> bytes``; its result."""
    try:
        command = next(steps)
        while True:
            command = steps.send(transmit(command))
    except StopIteration as stop:
        return stop.args[0] if stop.args else None


def read_card(transmit, authenticator=None, gbk=None, atr=None):
    """Run the full basic read through ``transmit`` and return a :class:`CardInfo`.

    ``gbk`` is a :class:`lib12333.card.gbk.GbkTable`; without it ``name`` stays None and
    ``name_raw`` / ``name_ext_raw`` hold the card bytes.  ``atr`` is stored for the
    iReadCardBas string.  3.0 cards need ``authenticator``; without one a
    :class:`SecurityError` is raised before EF06 is touched.
    """
    return run(transmit, read_steps(authenticator, gbk, atr))


def full_name(info, gbk):
    """Tag 09 followed by the 2.0 name extension 4E, decoded from GBK."""
    raw = info.name_raw or b""
    if info.name_ext_raw:
        raw = raw + info.name_ext_raw
    if info.name_raw is None and info.name_ext_raw is None:
        return None
    return gbk.decode(raw, field="EF06 name (tags 09+4E)")


def authenticate(transmit, info, authenticator):
    """GET CHALLENGE + EXTERNAL AUTHENTICATE (RKSSSE) for a 3.0 card."""
    run(transmit, _authenticate(info, authenticator))


def _authenticate(info, authenticator):
    if authenticator is None:
        raise CardSecurityError("spec " + info.spec + " card: EF06 needs external authentication with RKSSSE; "
                                "expected an authenticator (PSAM or security module)", "EXTERNAL AUTHENTICATE")
    challenge, sw = yield from _xchg(get_challenge(8))
    apdu.check_sw(sw, "GET CHALLENGE")
    if len(challenge) != 8:
        raise DecodeError("challenge of %d bytes" % len(challenge), field="GET CHALLENGE", expected="8 bytes")
    data = authenticator.external_authenticate(info.card_id, challenge, info.algorithm)
    if len(data) != 16:
        raise SecurityError("authenticator returned %d bytes; expected 16" % len(data))
    key_id = getattr(authenticator, "key_id", KEY_RKSSSE)
    _, sw = yield from _xchg(external_authenticate(key_id, data))
    if sw >> 8 == 0x63 and sw & 0xF0 == 0xC0:
        raise CardSecurityError("EXTERNAL AUTHENTICATE refused, %d tries left" % (sw & 0x0F),
                                "EXTERNAL AUTHENTICATE", sw, sw & 0x0F)
    apdu.check_sw(sw, "EXTERNAL AUTHENTICATE")
    info.authenticated = True


def verify_pin(transmit, pin):
    """VERIFY the holder PIN.  Returns None on success; raises CardSecurityError with tries left, or CardError."""
    _, sw = apdu.transmit_apdu(transmit, verify_pin_command(pin))
    if sw >> 8 == 0x63 and sw & 0xF0 == 0xC0:
        raise CardSecurityError("PIN wrong, %d tries left" % (sw & 0x0F), "VERIFY", sw, sw & 0x0F)
    if sw == 0x6983:
        raise CardSecurityError("PIN blocked", "VERIFY", sw, 0)
    apdu.check_sw(sw, "VERIFY")
