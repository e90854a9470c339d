"""
A tiny scripted social-security card for the core tests (MicroPython-safe).

It answers the commands of ``lib12333.card.ssse.read_card`` the way a T=0 card
does: case-4 commands get ``61xx`` and the data comes with GET RESPONSE; a wrong
Le gets ``6Cxx``.  The host emulator (lib12333.host.card.emulator) is the full
one; this one exists so the core read can run, and be measured, on MicroPython.
"""

from lib12333.card import apdu, ssse

# GBK bytes of 张三 and of a long name split over tags 09 and 4E
NAME_ZHANG_SAN = b"\xd5\xc5\xc8\xfd"

FCI = apdu.from_hex("6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C03860103")


def pad(value, length, fill):
    return value + bytes((fill,)) * (length - len(value))


def holder(version=b"1.00", name=NAME_ZHANG_SAN, name_ext=None):
    ef05 = {
        0x01: apdu.from_hex("639900D15600000500BF7C7A48FB4966"),
        0x02: b"3",
        0x03: version,
        0x04: apdu.from_hex("915600000263990063990001"),
        0x05: apdu.from_hex("20101001"),
        0x06: apdu.from_hex("20201001"),
        0x07: b"X00000019",
    }
    ef06 = {
        0x08: b"111111198101011110",
        0x09: pad(name, 30, 0),
        0x0A: b"1",
        0x0B: b"\x01",
        0x0C: apdu.from_hex("639900"),
        0x0D: apdu.from_hex("19810101"),
    }
    if name_ext is not None:
        ef06[0x4E] = pad(name_ext, 20, 0)
    return {0xEF05: ef05, 0xEF06: ef06}


class ScriptedCard:
    """``transmit(apdu) -> response`` over the files of :func:`holder`."""

    def __init__(self, files, auth_data=None, answer_61=True, fail=None):
        self.files = files
        self.auth_data = auth_data  # the 16 bytes EXTERNAL AUTHENTICATE must carry (None: no check)
        self.answer_61 = answer_61
        self.fail = fail or {}  # {(ins, p1): sw}
        self.current = None
        self.ssse = False
        self.authenticated = False
        self.challenge = b"\x11\x22\x33\x44\x55\x66\x77\x88"
        self.pending = b""
        self.log = []

    def transmit(self, command):
        self.log.append(bytes(command))
        c = apdu.parse_command(command)
        key = (c.ins, c.p1)
        if key in self.fail:
            return _sw(self.fail[key])
        if c.ins == apdu.INS_GET_RESPONSE:
            data = self.pending[:c.le]
            self.pending = self.pending[c.le:]
            return data + (b"\x90\x00" if not self.pending else bytes((0x61, len(self.pending) & 0xFF)))
        if c.ins == apdu.INS_SELECT and c.p1 == 0x04:
            if c.data != ssse.SSSE_DF_NAME:
                return _sw(0x6A82)
            self.ssse = True
            self.current = None
            return self._out(FCI, c)
        if c.ins == apdu.INS_SELECT:
            fid = (c.data[0] << 8) | c.data[1]
            if not self.ssse or fid not in self.files:
                return _sw(0x6A82)
            self.current = fid
            return _sw(0x9000)
        if c.ins == apdu.INS_READ_RECORD:
            if self.current is None:
                return _sw(0x6986)
            if self.current == 0xEF06 and self.auth_data is not None and not self.authenticated:
                return _sw(0x6982)
            records = self.files[self.current]
            if c.p1 not in records:
                return _sw(0x6A83)
            value = records[c.p1]
            rec = bytes((c.p1, len(value))) + value
            if c.le != len(rec):
                return bytes((0x6C, len(rec)))
            return rec + b"\x90\x00"
        if c.ins == apdu.INS_GET_CHALLENGE:
            return self.challenge[:c.le] + b"\x90\x00"
        if c.ins == apdu.INS_EXTERNAL_AUTHENTICATE:
            if self.auth_data is not None and c.data != self.auth_data:
                return _sw(0x63C2)
            self.authenticated = True
            return _sw(0x9000)
        return _sw(0x6D00)

    def _out(self, data, c):
        if self.answer_61 and c.case == 4:
            self.pending = data
            return bytes((0x61, len(data)))
        return data + b"\x90\x00"


def _sw(sw):
    return bytes((sw >> 8, sw & 0xFF))


class FixedAuthenticator:
    key_id = 0x0A

    def __init__(self, data):
        self.data = data
        self.calls = []

    def external_authenticate(self, card_id, challenge, algorithm):
        self.calls.append((card_id, challenge, algorithm))
        return self.data
