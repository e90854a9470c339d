"""
A social-security card emulator: the SSSE application with EF05/EF06, spec 1.0/2.0/3.0,
PIN, 3.0 external authentication, T=0 behaviour, removal and injected errors.

It is a plain object with ``power_on() -> ATR``, ``power_off()`` and
``transmit(apdu) -> response``; the transports put it behind vpcd
(:mod:`lib12333.host.card.vpcd`), a CCID serial reader on a pty
(:mod:`lib12333.host.card.ccid_reader`) or call it in-process.

T=0 behaviour, as on real cards (the card spec allows only T=0):

* commands that carry data and produce data (SELECT by DF name) answer ``61xx`` and
  hand the data out with GET RESPONSE;
* READ RECORD / GET CHALLENGE / GET RESPONSE with a wrong Le answer ``6Cxx``.

External authentication (RKSSSE, P2=0A) expects 16 data bytes: an 8-byte cryptogram
followed by the 8-byte challenge of the last GET CHALLENGE.  The emulator's
cryptogram is ``HMAC-SHA256(rk_key, card_id_bytes || challenge)[:8]``
(:class:`SoftwareAuthenticator` computes the same).  This is *this emulator's*
scheme standing in for a PSAM: real cards use the issuer's DES/SSF33/SM4 keys.
"""

import hashlib
import hmac
import os
import threading

from lib12333.card import apdu, ssse, tlv
from lib12333.errors import DecodeError, DeviceError

# ATR whose historical bytes are those of the reader spec's iReadCardBas example
DEFAULT_ATR = bytes.fromhex("3B6D0000" "00814E43238697159900BF7C7A")
DEFAULT_RK_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")


class CardRemoved(Exception):
    """Raised by :meth:`EmulatedCard.transmit` when the card has been pulled out."""


class CardProfile:
    """The holder and card data the emulator personalises (all str, as shown by readers)."""

    def __init__(self, card_id="639900D15600000500BF7C7A48FB4966", category="3", spec_version="1.00",
                 issuer_code="915600000263990063990001", issue_date="20101001", expiry_date="20201001",
                 card_number="X00000019", ssn="111111198101011110", name="\u5f20\u4e09", sex="1",
                 ethnicity="01", birthplace="639900", birth_date="19810101", pin="123456", pin_tries=3,
                 rk_key=DEFAULT_RK_KEY, algorithm=3, atr=None):
        self.card_id = card_id
        self.category = category
        self.spec_version = spec_version
        self.issuer_code = issuer_code
        self.issue_date = issue_date
        self.expiry_date = expiry_date
        self.card_number = card_number
        self.ssn = ssn
        self.name = name
        self.sex = sex
        self.ethnicity = ethnicity
        self.birthplace = birthplace
        self.birth_date = birth_date
        self.pin = pin
        self.pin_tries = pin_tries
        self.rk_key = rk_key
        self.algorithm = algorithm
        self.atr = atr or DEFAULT_ATR

    def as_dict(self):
        keys = ("card_id", "category", "spec_version", "issuer_code", "issue_date", "expiry_date",
                "card_number", "ssn", "name", "sex", "ethnicity", "birthplace", "birth_date")
        return {k: getattr(self, k) for k in keys}

    @classmethod
    def for_spec(cls, spec, **kw):
        """A profile for spec "1.0", "2.0" or "3.0" with otherwise default data."""
        kw.setdefault("spec_version", spec + "0")
        return cls(**kw)


def _an(text, length):
    raw = text.encode("ascii")
    if len(raw) > length:
        raise ValueError("value longer than %d bytes" % length)
    return raw + bytes(length - len(raw))


def _cn(digits, length):
    text = digits + "F" * (2 * length - len(digits))
    if len(text) != 2 * length:
        raise ValueError("value longer than %d bytes" % length)
    return bytes.fromhex(text)


def split_name(name, spec):
    """GBK name bytes for tags 09 (30 bytes) and 4E (20 bytes, 2.0+), split on a character boundary."""
    raw = name.encode("gbk")
    if len(raw) <= 30:
        return raw, None if spec == "1.0" else b""
    if spec == "1.0":
        raise ValueError("a 1.0 card holds at most 30 name bytes")
    cut = 0
    for ch in name:
        n = len(ch.encode("gbk"))
        if cut + n > 30:
            break
        cut += n
    if len(raw) - cut > 20:
        raise ValueError("name longer than 50 GBK bytes")
    return raw[:cut], raw[cut:]


def personalise(profile):
    """EF05 and EF06 as lists of (tag, value) records, in record-number order."""
    spec = ssse.spec_of(profile.spec_version)
    ef05 = [
        (0x01, bytes.fromhex(profile.card_id)),
        (0x02, _an(profile.category, 1)),
        (0x03, _an(profile.spec_version, 4)),
        (0x04, _cn(profile.issuer_code, 12)),
        (0x05, _cn(profile.issue_date, 4)),
        (0x06, _cn(profile.expiry_date, 4)),
        (0x07, _an(profile.card_number, 9)),
    ]
    name, ext = split_name(profile.name, spec)
    ef06 = [(0x08, _an(profile.ssn, 18)), (0x09, name + bytes(30 - len(name)))]
    if ext is not None:
        ef06.append((0x4E, ext + bytes(20 - len(ext))))
    ef06 += [
        (0x0A, _an(profile.sex, 1)),
        (0x0B, _cn(profile.ethnicity, 1)),
        (0x0C, _cn(profile.birthplace, 3)),
        (0x0D, _cn(profile.birth_date, 4)),
    ]
    return ef05, ef06


def cryptogram(key, card_id, challenge):
    return hmac.new(key, bytes.fromhex(card_id) + challenge, hashlib.sha256).digest()[:8]


class SoftwareAuthenticator:
    """The authenticator for this emulator's RKSSSE scheme (a stand-in for a PSAM)."""

    key_id = ssse.KEY_RKSSSE

    def __init__(self, key=DEFAULT_RK_KEY):
        self.key = key

    def external_authenticate(self, card_id, challenge, algorithm):
        return cryptogram(self.key, card_id, challenge) + challenge


def _sw(sw):
    return bytes((sw >> 8, sw & 0xFF))


class EmulatedCard:
    """The card.  Thread-safe: the transports call it from their own threads.

    ``fail`` maps ``(ins, p1)`` or ``ins`` to a status word to answer instead;
    ``remove_after`` pulls the card out after that many APDUs (then ``transmit``
    raises :class:`CardRemoved` until :meth:`insert`).
    """

    def __init__(self, profile=None, fail=None, remove_after=None):
        self.profile = profile or CardProfile()
        self.ef05, self.ef06 = personalise(self.profile)
        self.fail = dict(fail or {})
        self.remove_after = remove_after
        self.present = True
        self.powered = False
        self.apdu_count = 0
        self.log = []
        self.pin_tries_left = self.profile.pin_tries
        self.auth_tries_left = 3
        self._lock = threading.Lock()
        self._reset_state()

    def _reset_state(self):
        self.selected_df = None
        self.current_ef = None
        self.authenticated = False
        self.pin_verified = False
        self.challenge = None
        self.pending = b""

    @property
    def atr(self):
        return self.profile.atr

    def load(self, profile=None, fail=None, remove_after=None):
        """Swap in another card (new data, fresh counters), present and unpowered."""
        with self._lock:
            self.profile = profile or CardProfile()
            self.ef05, self.ef06 = personalise(self.profile)
            self.fail = dict(fail or {})
            self.remove_after = remove_after
            self.apdu_count = 0
            self.pin_tries_left = self.profile.pin_tries
            self.auth_tries_left = 3
            self.present = True
            self.powered = False
            self._reset_state()

    # -- physical --------------------------------------------------------
    def remove(self):
        with self._lock:
            self.present = False
            self.powered = False

    def insert(self):
        with self._lock:
            self.present = True
            self.remove_after = None

    def power_on(self):
        with self._lock:
            if not self.present:
                raise CardRemoved("no card in the reader")
            self.powered = True
            self._reset_state()
            return self.atr

    def power_off(self):
        with self._lock:
            self.powered = False
            self._reset_state()

    # -- APDUs -------------------------------------------------------------
    def transmit(self, command):
        with self._lock:
            if not self.present:
                raise CardRemoved("card removed")
            if not self.powered:
                self.powered = True  # vpcd and in-process callers may skip an explicit power-on
                self._reset_state()
            self.apdu_count += 1
            if self.remove_after is not None and self.apdu_count > self.remove_after:
                self.present = False
                self.powered = False
                raise CardRemoved("card removed")
            command = bytes(command)
            response = self._answer(command)
            self.log.append((command, response))
            return response

    def _answer(self, command):
        try:
            c = apdu.parse_command(command)
        except DecodeError:
            return _sw(0x6700)
        for key in ((c.ins, c.p1), c.ins):
            if key in self.fail:
                return _sw(self.fail[key])
        if c.cla not in (0x00, 0x80, 0x84):
            return _sw(0x6E00)
        if c.ins != apdu.INS_GET_RESPONSE:
            self.pending = b""
        handler = {
            apdu.INS_SELECT: self._select,
            apdu.INS_READ_RECORD: self._read_record,
            apdu.INS_GET_RESPONSE: self._get_response,
            apdu.INS_GET_CHALLENGE: self._get_challenge,
            apdu.INS_EXTERNAL_AUTHENTICATE: self._external_auth,
            apdu.INS_VERIFY: self._verify,
        }.get(c.ins)
        if handler is None:
            return _sw(0x6D00)
        return handler(c)

    def _with_le(self, data, c):
        if c.le is None or c.le != len(data):
            return bytes((0x6C, len(data) & 0xFF))
        return data + _sw(0x9000)

    def _t0_out(self, data):
        self.pending = data
        return bytes((0x61, len(data) & 0xFF))

    def _select(self, c):
        if c.p1 == 0x04:
            if c.data != ssse.SSSE_DF_NAME:
                return _sw(0x6A82)
            self._reset_state()
            self.selected_df = "SSSE"
            fci = b"\x84" + bytes((len(c.data),)) + c.data + bytes.fromhex("A50988011E9F0C038601") + \
                bytes((self.profile.algorithm,))
            return self._t0_out(tlv.build_simple(0x6F, fci))
        if c.p1 == 0x00 and c.data == b"\x3f\x00":
            self._reset_state()
            return _sw(0x9000)
        if c.p1 in (0x00, 0x02) and len(c.data) == 2:
            fid = (c.data[0] << 8) | c.data[1]
            if self.selected_df != "SSSE" or fid not in (0xEF05, 0xEF06):
                return _sw(0x6A82)
            self.current_ef = fid
            return _sw(0x9000)
        return _sw(0x6A86)

    def _records(self, fid):
        return self.ef05 if fid == 0xEF05 else self.ef06

    def _read_record(self, c):
        sfi = c.p2 >> 3
        mode = c.p2 & 0x07
        if sfi:
            if self.selected_df != "SSSE" or sfi not in (5, 6):
                return _sw(0x6A82)
            fid = 0xEF00 | sfi
        else:
            fid = self.current_ef
            if fid is None:
                return _sw(0x6986)
        if fid == 0xEF06 and ssse.needs_external_auth(self.profile.spec_version) and not self.authenticated:
            return _sw(0x6982)
        records = self._records(fid)
        if mode == 4:
            if not 1 <= c.p1 <= len(records):
                return _sw(0x6A83)
            tag, value = records[c.p1 - 1]
            return self._with_le(tlv.build_simple(tag, value), c)
        if mode == 5:
            if not 1 <= c.p1 <= len(records):
                return _sw(0x6A83)
            data = b"".join(tlv.build_simple(t, v) for t, v in records[c.p1 - 1:])
            return self._with_le(data, c)
        if mode <= 3:
            for tag, value in records:
                if tag == c.p1:
                    return self._with_le(tlv.build_simple(tag, value), c)
            return _sw(0x6A83)
        return _sw(0x6A86)

    def _get_response(self, c):
        if not self.pending:
            return _sw(0x6985)
        if c.le is None or c.le > len(self.pending):
            return bytes((0x6C, len(self.pending) & 0xFF))
        out, self.pending = self.pending[:c.le], self.pending[c.le:]
        if self.pending:
            return out + bytes((0x61, len(self.pending) & 0xFF))
        return out + _sw(0x9000)

    def _get_challenge(self, c):
        if c.le not in (4, 8):
            return _sw(0x6700) if c.le is None else bytes((0x6C, 8))
        self.challenge = os.urandom(c.le)
        return self.challenge + _sw(0x9000)

    def _external_auth(self, c):
        if c.p2 != ssse.KEY_RKSSSE:
            return _sw(0x6A88)
        if self.auth_tries_left == 0:
            return _sw(0x6983)
        if len(c.data) != 16:
            return _sw(0x6700)
        challenge, self.challenge = self.challenge, None  # single use
        if challenge is None or len(challenge) != 8:
            return _sw(0x6985)
        expected = cryptogram(self.profile.rk_key, self.profile.card_id, challenge) + challenge
        if not hmac.compare_digest(c.data, expected):
            self.auth_tries_left -= 1
            return _sw(0x63C0 | self.auth_tries_left)
        self.auth_tries_left = 3
        self.authenticated = True
        return _sw(0x9000)

    def _verify(self, c):
        if self.pin_tries_left == 0:
            return _sw(0x6983)
        pin = self.profile.pin
        expected = bytes.fromhex(pin + ("F" if len(pin) % 2 else ""))
        if c.data != expected:
            self.pin_tries_left -= 1
            return _sw(0x63C0 | self.pin_tries_left)
        self.pin_tries_left = self.profile.pin_tries
        self.pin_verified = True
        return _sw(0x9000)


class InProcessReader:
    """A reader object around an :class:`EmulatedCard`, same interface as the real readers."""

    name = "lib12333 in-process emulator"

    def __init__(self, card):
        self.card = card
        self.atr = None

    def connect(self):
        try:
            self.atr = self.card.power_on()
        except CardRemoved as exc:
            raise DeviceError("no card in the emulated reader", code="no-card") from exc
        return self.atr

    def transmit(self, command):
        try:
            return self.card.transmit(command)
        except CardRemoved as exc:
            raise DeviceError("card removed during the exchange", code="removed", retryable=True) from exc

    def disconnect(self):
        self.card.power_off()
