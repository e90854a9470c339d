"""Full basic card read against a scripted T=0 card, and the iReadCardBas string (CPython and MicroPython)."""

import unittest

from lib12333.card import readcardbas, ssse
from lib12333.card.gbk import GbkTable
from lib12333.errors import CardError, CardSecurityError, DecodeError, DeviceError, SecurityError
from tests.core import card_fixture as F
from tests.core.support import decode_error, project_path, read_json

VECTORS = read_json("protocols/card/vectors.json")
ATR = bytes((0x3B, 0x6D, 0x00, 0x00, 0x00, 0x81, 0x4E, 0x43, 0x23, 0x86, 0x97, 0x15, 0x99, 0x00, 0xBF,
             0x7C, 0x7A))
AUTH = bytes(range(16))


def read(card, authenticator=None, with_gbk=True):
    if not with_gbk:
        return ssse.read_card(card.transmit, authenticator, None, ATR)
    with open(project_path("lib12333/data/gbk.bin"), "rb") as f:
        return ssse.read_card(card.transmit, authenticator, GbkTable(f), ATR)


class ReadCard(unittest.TestCase):
    def test_spec_1_card_matches_reader_spec_example(self):
        card = F.ScriptedCard(F.holder())
        info = read(card)
        self.assertEqual(info.card_id, "639900D15600000500BF7C7A48FB4966")
        self.assertEqual(info.region, "639900")
        self.assertEqual(info.card_number, "X00000019")
        self.assertEqual(info.ssn, "111111198101011110")
        self.assertEqual(info.name, "\u5f20\u4e09")
        self.assertEqual(info.sex, "1")
        self.assertEqual(info.ethnicity, "01")
        self.assertEqual(info.birthplace, "639900")
        self.assertEqual(info.birth_date, "19810101")
        self.assertEqual(info.issuer_code, "915600000263990063990001")
        self.assertEqual(info.spec, "1.0")
        self.assertEqual(info.algorithm, ssse.ALGORITHM_SM4)
        self.assertFalse(info.authenticated)
        text = readcardbas.format_basic(info, "410100813475", "\u7ec8\u7aef\u8bbe\u5907\u53f7")
        self.assertEqual(text, VECTORS["readcardbas"][0]["text"])
        # the FCI came in two steps (61xx then GET RESPONSE)
        self.assertEqual(card.log[1], b"\x00\xc0\x00\x00\x1e")

    def test_name_extension_on_2_0_card(self):
        long_name = b"\xb0\xa1" * 15  # 30 bytes in tag 09
        card = F.ScriptedCard(F.holder(b"2.00", long_name, b"\xb0\xa2\xb0\xa3"))
        info = read(card)
        self.assertEqual(info.name, "\u554a" * 15 + "\u963f\u57c3")
        self.assertEqual(info.spec, "2.0")

    def test_without_gbk_table_keeps_raw(self):
        info = read(F.ScriptedCard(F.holder()), with_gbk=False)
        self.assertIsNone(info.name)
        self.assertEqual(info.name_raw, F.NAME_ZHANG_SAN)

    def test_3_0_card_needs_authenticator(self):
        card = F.ScriptedCard(F.holder(b"3.00"), auth_data=AUTH)
        try:
            read(card)
        except SecurityError as e:
            self.assertTrue(e.needs_authenticator)
            self.assertEqual(readcardbas.error_code(e), -2203)
        else:
            self.fail("no SecurityError")
        # EF06 was never selected
        self.assertFalse(b"\x00\xa4\x02\x00\x02\xef\x06" in card.log)

    def test_3_0_card_with_authenticator(self):
        card = F.ScriptedCard(F.holder(b"3.00"), auth_data=AUTH)
        auth = F.FixedAuthenticator(AUTH)
        info = read(card, auth)
        self.assertTrue(info.authenticated)
        self.assertEqual(info.ssn, "111111198101011110")
        self.assertEqual(auth.calls, [("639900D15600000500BF7C7A48FB4966", card.challenge, 3)])
        self.assertIn(b"\x00\x82\x00\x0a\x10" + AUTH, card.log)

    def test_3_0_wrong_cryptogram(self):
        card = F.ScriptedCard(F.holder(b"3.00"), auth_data=AUTH)
        try:
            read(card, F.FixedAuthenticator(bytes(16)))
        except SecurityError as e:
            self.assertIsInstance(e, CardSecurityError)
            self.assertEqual((e.command, e.sw, e.tries_left), ("EXTERNAL AUTHENTICATE", 0x63C2, 2))
            self.assertFalse(e.needs_authenticator)
            self.assertEqual(readcardbas.error_code(e), -0x63C2)
        else:
            self.fail("no SecurityError")

    def test_not_a_social_security_card(self):
        card = F.ScriptedCard(F.holder(), fail={(0xA4, 0x04): 0x6A82})
        try:
            read(card)
        except DeviceError as e:
            self.assertEqual(e.code, "6A82")
            self.assertIsInstance(e, CardError)
            self.assertEqual((e.sw, e.command), (0x6A82, "SELECT SSSE"))
            self.assertEqual(readcardbas.error_code(e), -27266)
            self.assertEqual(readcardbas.error_text(readcardbas.error_code(e)), "\u672a\u627e\u5230\u6587\u4ef6")
        else:
            self.fail("no DeviceError")

    def test_missing_required_record(self):
        files = F.holder()
        del files[0xEF05][0x01]
        with self.assertRaises(DeviceError):
            read(F.ScriptedCard(files))

    def test_malformed_record(self):
        files = F.holder()
        files[0xEF05][0x07] = b"X0000\x01019"
        e = decode_error(read, F.ScriptedCard(files))
        self.assertEqual((e.field, e.position), ("EF05 tag 07", 5))

    def test_unpersonalised_fields_read_empty(self):
        files = F.holder(b"3.00")
        files[0xEF06][0x0B] = b"\xff"
        files[0xEF06][0x0D] = b"\xff\xff\xff\xff"
        files[0xEF06][0x09] = bytes(30)
        info = read(F.ScriptedCard(files), F.FixedAuthenticator(AUTH))
        self.assertEqual(info.ethnicity, "")
        self.assertEqual(info.birth_date, "")
        self.assertEqual(info.name, "")

    def test_step_generator(self):
        card = F.ScriptedCard(F.holder(b"3.00"), auth_data=AUTH)
        steps = ssse.read_steps(F.FixedAuthenticator(AUTH), None, ATR)
        sent = 0
        command = next(steps)
        try:
            while True:
                sent += 1
                command = steps.send(card.transmit(command))
        except StopIteration as stop:
            info = stop.args[0]
        self.assertEqual(sent, 20)
        self.assertEqual(info.ssn, "111111198101011110")
        self.assertTrue(info.authenticated)

    def test_algorithm_rule_without_fci(self):
        self.assertEqual(ssse.algorithm_from_fci(b"", "110100"), ssse.ALGORITHM_SSF33)
        self.assertEqual(ssse.algorithm_from_fci(None, "330100"), ssse.ALGORITHM_DES)

    def test_spec_versions(self):
        self.assertEqual(ssse.spec_of(""), "1.0")
        self.assertEqual(ssse.spec_of(None), "1.0")
        self.assertFalse(ssse.needs_external_auth("2.00"))
        self.assertTrue(ssse.needs_external_auth("3.00"))

    def test_pin(self):
        self.assertEqual(ssse.verify_pin_command("123456"), b"\x00\x20\x00\x00\x03\x12\x34\x56")
        self.assertEqual(ssse.verify_pin_command("12345"), b"\x00\x20\x00\x00\x03\x12\x34\x5f")
        with self.assertRaises(SecurityError):
            ssse.verify_pin_command("12a4")
        self.assertIsNone(ssse.verify_pin(lambda c: b"\x90\x00", "123456"))
        try:
            ssse.verify_pin(lambda c: b"\x63\xc2", "000000")
        except SecurityError as e:
            self.assertEqual(e.tries_left, 2)
            self.assertEqual(readcardbas.error_code(e), -51)
        try:
            ssse.verify_pin(lambda c: b"\x69\x83", "000000")
        except SecurityError as e:
            self.assertEqual((e.command, e.sw, e.tries_left), ("VERIFY", 0x6983, 0))
            self.assertEqual(readcardbas.error_code(e), -52)


class ReadCardBas(unittest.TestCase):
    def test_parse_vector(self):
        v = VECTORS["readcardbas"][0]
        d = readcardbas.parse_basic(v["text"])
        self.assertEqual(d["card_number"], "X00000019")
        self.assertEqual(d["name"], "\u5f20\u4e09")
        self.assertEqual(d["atr_history"], "00814E43238697159900BF7C7A")
        self.assertEqual(len(d), 11)

    def test_nine_item_log_is_rejected(self):
        v = VECTORS["readcardbas"][1]
        self.assertIn("found 9", str(decode_error(readcardbas.parse_basic, v["text"])))

    def test_atr_historical(self):
        self.assertEqual(readcardbas.atr_historical(ATR), ATR[4:])
        self.assertEqual(readcardbas.atr_historical(b"\x3b\x00"), b"")
        # TD1 chain: 3B 80 01 -> TD1 = 01 (no further interface bytes), no historical bytes
        self.assertEqual(readcardbas.atr_historical(b"\x3b\x81\x01\x55"), b"\x55")
        for bad in (b"\x3b", b"\x00\x00", b"\x3b\x6d\x00", b"\x3b\x02\x01"):
            with self.subTest(bad=bad):
                with self.assertRaises(DecodeError):
                    readcardbas.atr_historical(bad)

    def test_error_codes(self):
        for v in VECTORS["error_codes"]:
            with self.subTest(sw=v["sw"]):
                e = DeviceError("x", code=v["sw"])
                self.assertEqual(readcardbas.error_code(e), v["code"])
                self.assertEqual(readcardbas.error_text(v["code"]), v["text"])
        self.assertEqual(readcardbas.error_code(DeviceError("x", code="no-card")), -2)
        self.assertEqual(readcardbas.error_code(DeviceError("x", code="mute")), -4)
        self.assertEqual(readcardbas.error_text(-9999), "\u672a\u77e5\u9519\u8bef")
        self.assertIn(-2203, readcardbas.HSM_FALLBACK)


if __name__ == "__main__":
    unittest.main()
