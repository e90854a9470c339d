"""The secure frame (lib12333.secure.frame / messages): vectors, round trips, rejections, SMS budget."""

import unittest
from binascii import hexlify, unhexlify

from lib12333.errors import DecodeError, Lib12333Error, SecurityError, ValidationError
from lib12333.secure import frame as F
from lib12333.secure import messages as M
from lib12333.secure.aes import AES128
from tests.core.support import read_json

DATA = read_json("protocols/frame/vectors/frame_vectors.json")
KEY = unhexlify(DATA["key"])
CIPHER = AES128(KEY, backend="pure")


def _sealed(t=M.LOSS_REPORT, seq=9, direction=F.UP, fields=None):
    if fields is None:
        fields = {"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "张三"}
    return F.seal(CIPHER, F.Frame(t, 77, seq, 1000, M.encode(t, fields), direction))


def _fields(v):
    """The vector's fields; raw ``bytes`` fields (relay envelopes) are stored as hex."""
    out = dict(v["fields"])
    for name, kind in M.LAYOUTS[v["type"]]:
        if kind == "bytes":
            out[name] = unhexlify(out[name])
    return out


class TestVectors(unittest.TestCase):
    def test_seal_matches_vectors(self):
        for v in DATA["vectors"]:
            with self.subTest(v["name"]):
                payload = M.encode(v["type"], _fields(v))
                self.assertEqual(hexlify(payload).decode(), v["payload"])
                f = F.Frame(v["type"], v["device"], v["seq"], v["time"], payload, v["direction"])
                self.assertEqual(hexlify(F.nonce(f)).decode(), v["nonce"])
                self.assertEqual(hexlify(F.seal(CIPHER, f)).decode(), v["frame"])

    def test_open_matches_vectors(self):
        for v in DATA["vectors"]:
            with self.subTest(v["name"]):
                raw = unhexlify(v["frame"])
                f = F.open(CIPHER, raw, v["direction"])
                self.assertEqual((f.msg_type, f.device_id, f.seq, f.time), (v["type"], v["device"], v["seq"], v["time"]))
                fields = M.decode(f.msg_type, f.payload)
                want = _fields(v)
                for k in want:
                    self.assertEqual(fields[k], want[k])
                self.assertEqual(len(fields), len(v["fields"]))
                self.assertEqual(len(raw) <= F.SINGLE_SMS, v["one_sms"])


class TestBudget(unittest.TestCase):
    def test_constants(self):
        self.assertEqual(F.SINGLE_SMS, 140 - 7)
        self.assertEqual(F.MAX_PAYLOAD_SINGLE, 110)
        self.assertEqual(F.PART_SIZE, 140 - 12)
        self.assertTrue(16000 <= F.PORT <= 16999)

    def test_loss_report_fits_one_sms_with_a_long_name(self):
        # 25 CJK characters is the longest name a card holds (30 + 20 GBK bytes).
        raw = _sealed(fields={"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "阿" * 25})
        self.assertTrue(len(raw) <= F.SINGLE_SMS)
        raw = _sealed(fields={"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "阿" * 28})
        self.assertEqual(len(raw), 133)

    def test_too_long_for_one_sms_refused(self):
        with self.assertRaises(ValidationError):
            _sealed(fields={"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "阿" * 29})

    def test_request_may_span_parts_up_to_the_limit(self):
        text = "a" * (F.MAX_FRAME - F.HEADER_LEN - F.TAG_LEN - 4)
        raw = _sealed(M.REQUEST, fields={"kind": 1, "category": "0101", "phone": "", "text": text})
        self.assertEqual(len(raw), F.MAX_FRAME)
        with self.assertRaises(ValidationError):
            _sealed(M.REQUEST, fields={"kind": 1, "category": "0101", "phone": "", "text": text + "a"})


class TestRejects(unittest.TestCase):
    def test_every_bit_flip_rejected(self):
        raw = _sealed()
        for i in range(len(raw)):
            for bit in (1, 2, 64, 128):
                bad = bytearray(raw)
                bad[i] ^= bit
                with self.assertRaises(Lib12333Error):
                    F.open(CIPHER, bytes(bad))

    def test_header_changes_fail_authentication(self):
        raw = bytearray(_sealed())
        raw[10] ^= 1  # seq
        with self.assertRaises(SecurityError):
            F.open(CIPHER, bytes(raw))
        raw = bytearray(_sealed())
        raw[14] ^= 1  # time
        with self.assertRaises(SecurityError):
            F.open(CIPHER, bytes(raw))

    def test_truncated(self):
        raw = _sealed()
        for n in range(len(raw)):
            with self.assertRaises(Lib12333Error):
                F.open(CIPHER, raw[:n])
        for n in range(F.HEADER_LEN + F.TAG_LEN):
            with self.assertRaises(DecodeError):
                F.open(CIPHER, raw[:n])

    def test_wrong_key_and_direction(self):
        raw = _sealed()
        with self.assertRaises(SecurityError):
            F.open(AES128(bytes(16), backend="pure"), raw)
        with self.assertRaises(SecurityError):
            F.open(CIPHER, raw, F.DOWN)
        ack = F.seal(CIPHER, F.Frame(M.ACK, 77, 5, 1, M.encode(M.ACK, {"ref_seq": 1, "result": 0, "state": 0, "until": 0}), F.DOWN))
        flipped = bytearray(ack)
        flipped[2] = 0  # the same frame claimed as kiosk -> centre: nonce and AAD change
        with self.assertRaises(SecurityError):
            F.open(CIPHER, bytes(flipped))

    def test_header_errors_name_the_field(self):
        raw = _sealed()
        cases = ((0, 2, "version"), (1, 0, "type"), (1, 99, "type"), (2, 4, "flags"), (2, 1, "flags"))
        for pos, value, field in cases:
            bad = bytearray(raw)
            bad[pos] = value
            with self.subTest(field=field, value=value):
                try:
                    F.open(CIPHER, bytes(bad))
                    self.fail("accepted")
                except DecodeError as e:
                    self.assertEqual(e.field, field)
                    self.assertEqual(e.position, pos)
        bad = bytearray(raw)
        bad[3:7] = bytes(4)
        with self.assertRaises(DecodeError):
            F.open(CIPHER, bytes(bad))
        bad = bytearray(raw)
        bad[7:11] = bytes(4)
        with self.assertRaises(DecodeError):
            F.open(CIPHER, bytes(bad))

    def test_bad_frame_fields_on_seal(self):
        p = M.encode(M.STATUS_QUERY, {"ref_device": 1, "ref_seq": 1})
        for kw in ({"device_id": 0}, {"seq": 0}, {"seq": 1 << 32}, {"time": -1}, {"direction": F.DOWN}, {"seq": True}):
            args = {"msg_type": M.STATUS_QUERY, "device_id": 5, "seq": 1, "time": 0, "payload": p, "direction": F.UP}
            args.update(kw)
            with self.subTest(kw=str(kw)):
                with self.assertRaises(ValidationError):
                    F.seal(CIPHER, F.Frame(**args))

    def test_repr_hides_payload(self):
        f = F.open(CIPHER, _sealed())
        self.assertTrue("张" not in repr(f))
        self.assertTrue("1101" not in repr(f))


class TestMessages(unittest.TestCase):
    def test_round_trip_every_type(self):
        for v in DATA["vectors"]:
            with self.subTest(v["name"]):
                b = M.encode(v["type"], _fields(v))
                self.assertEqual(M.decode(v["type"], b), _fields(v))

    def test_optional_card_region(self):
        base = {"ssn": "11010519491231002X", "card": "X00000019", "phone": "139", "name": "张"}
        plain = M.encode(M.LOSS_REPORT, base)
        with_region = dict(base)
        with_region["card_region"] = "320100"
        b = M.encode(M.LOSS_REPORT, with_region)
        self.assertEqual(b, plain + b"\x32\x01\x00")
        self.assertEqual(M.decode(M.LOSS_REPORT, b), with_region)
        self.assertEqual(M.decode(M.LOSS_REPORT, plain), base)
        for bad, pos in ((plain + b"\x32\x01", len(plain) + 2), (plain + b"\x32\x0a\x00", len(plain) + 1),
                         (plain + b"\x32\x01\x00\x00", len(plain) + 3)):
            with self.assertRaises(DecodeError) as cm:
                M.decode(M.LOSS_REPORT, bad)
            self.assertEqual(cm.exception.position, pos)
        with self.assertRaises(ValidationError):
            M.encode(M.CARD_STATUS_QUERY, {"ssn": base["ssn"], "card": base["card"], "name": "张", "card_region": "3201"})

    def test_relay_envelope(self):
        inner = M.encode(M.STATUS_QUERY, {"ref_device": 5, "ref_seq": 6})
        f = {"origin_device": 7, "origin_seq": 8, "origin_time": 9, "inner_type": M.STATUS_QUERY, "inner": inner}
        b = M.encode(M.RELAY, f)
        self.assertEqual(b[:13], b"\x00\x00\x00\x07\x00\x00\x00\x08\x00\x00\x00\x09\x05")
        self.assertEqual(M.decode(M.RELAY, b), f)
        self.assertTrue(F.max_len(M.RELAY) > F.SINGLE_SMS)
        self.assertFalse(M.direction_allowed(M.RELAY, F.DOWN))
        self.assertFalse(M.direction_allowed(M.RELAY_ANSWER, F.UP))
        with self.assertRaises(DecodeError):
            M.decode(M.RELAY_ANSWER, b"\x00\x00\x00\x07\x00\x00\x00")

    def test_packing(self):
        b = M.encode(M.LOSS_REPORT, {"ssn": "11010519491231002X", "card": "X00000019", "phone": "139", "name": "张"})
        self.assertEqual(hexlify(b[:9]).decode(), "11010519491231002a")
        self.assertEqual(b[9:18], b"X00000019")
        self.assertEqual(hexlify(b[18:21]).decode(), "03139f")
        self.assertEqual(b[21], 3)
        self.assertEqual(b[22:].decode("utf-8"), "张")

    def test_encode_rejects(self):
        good = {"ssn": "11010519491231002X", "card": "X00000019", "phone": "139", "name": "张"}
        bad = (("ssn", "1101051949123100X"), ("ssn", "11010519491231002x"), ("card", "x00000019"), ("card", "X0000001"),
               ("phone", "13a"), ("phone", "1" * 21), ("name", ""), ("name", "长" * 86), ("name", 5))
        for key, value in bad:
            f = dict(good)
            f[key] = value
            with self.subTest(key=key):
                with self.assertRaises(ValidationError):
                    M.encode(M.LOSS_REPORT, f)
        f = dict(good)
        del f["name"]
        with self.assertRaises(ValidationError):
            M.encode(M.LOSS_REPORT, f)
        with self.assertRaises(ValidationError):
            M.encode(M.REQUEST, {"kind": 256, "category": "0101", "phone": "", "text": ""})
        with self.assertRaises(ValidationError):
            M.encode(M.REQUEST, {"kind": 1, "category": "101", "phone": "", "text": ""})
        with self.assertRaises(ValidationError):
            M.encode(9, {})

    def test_decode_rejects_with_position(self):
        good = M.encode(M.LOSS_REPORT, {"ssn": "11010519491231002X", "card": "X00000019", "phone": "139", "name": "张"})
        cases = (
            (0, 0xB0, "ssn", 0),
            (9, ord("a"), "card", 9),
            (18, 21, "phone", 18),
            (20, 0x9E, "phone", 20),
            (21, 0, "name", 21),
            (22, 0xFF, "name", 22),
        )
        for pos, value, field, where in cases:
            b = bytearray(good)
            b[pos] = value
            with self.subTest(field=field, pos=pos):
                try:
                    M.decode(M.LOSS_REPORT, bytes(b))
                    self.fail("accepted")
                except DecodeError as e:
                    self.assertEqual(e.field, field)
                    self.assertEqual(e.position, where)
        with self.assertRaises(DecodeError):
            M.decode(M.LOSS_REPORT, good + b"\x00")
        for n in range(len(good)):
            with self.assertRaises(DecodeError):
                M.decode(M.LOSS_REPORT, good[:n])
        with self.assertRaises(DecodeError):
            M.decode(M.REQUEST, b"\x01\x27\x10\x00")  # category 10000

    def test_utf8_checker(self):
        self.assertEqual(M.utf8_error("张三 ok".encode("utf-8")), -1)
        self.assertEqual(M.utf8_error(b"ab\xc0\x80"), 2)  # overlong
        self.assertEqual(M.utf8_error(b"\xed\xa0\x80"), 0)  # surrogate
        self.assertEqual(M.utf8_error(b"a\xe5\xbc"), 1)  # truncated
        self.assertEqual(M.utf8_error(b"\xf4\x90\x80\x80"), 0)  # above U+10FFFF


if __name__ == "__main__":
    unittest.main()


class TestKioskStatus(unittest.TestCase):
    FIELDS = {"firmware": "1.4.2", "rssi": 18, "ber": 0, "backlog": 2, "oldest_age": 5400, "storage_errors": 0,
              "modem_errors": 3, "card_errors": 1, "uptime": 86400, "boots": 12}

    def test_round_trip_and_size(self):
        payload = M.encode(M.KIOSK_STATUS, self.FIELDS)
        self.assertEqual(len(payload), 1 + 5 + 20)
        self.assertEqual(M.decode(M.KIOSK_STATUS, payload), self.FIELDS)
        raw = _sealed(M.KIOSK_STATUS, fields=dict(self.FIELDS, firmware="x" * 16))
        self.assertTrue(len(raw) <= 60)

    def test_up_only(self):
        self.assertTrue(M.direction_allowed(M.KIOSK_STATUS, F.UP))
        self.assertFalse(M.direction_allowed(M.KIOSK_STATUS, F.DOWN))
        self.assertEqual(M.type_name(M.KIOSK_STATUS), "kiosk-status")

    def test_bad_versions_refused(self):
        for bad in ("", "x" * 17, "1.0 beta", "版本", 7):
            with self.subTest(bad):
                with self.assertRaises(ValidationError):
                    M.encode(M.KIOSK_STATUS, dict(self.FIELDS, firmware=bad))
        with self.assertRaises(ValidationError):
            M.encode(M.KIOSK_STATUS, dict(self.FIELDS, backlog=65536))

    def test_malformed_payloads_name_the_field(self):
        payload = M.encode(M.KIOSK_STATUS, self.FIELDS)
        cases = (
            (b"\x00" + payload[1:], "firmware", 0),        # empty version
            (b"\x11" + payload[1:], "firmware", 0),        # 17 characters
            (payload[:2] + b" " + payload[3:], "firmware", 2),  # a space inside the version
            (payload[:-1], "boots", len(payload) - 1),     # cut inside the last field
        )
        for data, field, position in cases:
            with self.subTest(field=field, position=position):
                with self.assertRaises(DecodeError) as cm:
                    M.decode(M.KIOSK_STATUS, data)
                self.assertEqual((cm.exception.field, cm.exception.position), (field, position))
        with self.assertRaises(DecodeError):
            M.decode(M.KIOSK_STATUS, payload + b"\x00")
