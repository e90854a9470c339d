"""AT line layer, error tables and profiles (runs on CPython and MicroPython)."""

import unittest

from lib12333.errors import ConfigError, DecodeError, DeviceError, ValidationError
from lib12333.modem import at, errors, profiles


class ParserTest(unittest.TestCase):
    def test_lines_any_terminator_and_empty_lines_skipped(self):
        p = at.AtParser()
        out = p.feed(b"\r\nOK\r\n\r\n+CSQ: 21,99\n\rERROR\r")
        self.assertEqual(out, [(at.LINE, "OK", None), (at.LINE, "+CSQ: 21,99", None), (at.LINE, "ERROR", None)])

    def test_bytes_split_anywhere(self):
        p = at.AtParser()
        data = b"\r\n+CPMS: 1,30,1,30,1,30\r\n\r\nOK\r\n"
        got = []
        for i in range(len(data)):
            got.extend(p.feed(data[i : i + 1]))
        self.assertEqual([t for _, t, _ in got], ["+CPMS: 1,30,1,30,1,30", "OK"])

    def test_prompt_without_newline_only_when_expected(self):
        p = at.AtParser()
        self.assertEqual(p.feed(b"\r\n> "), [])  # not expected: stays a partial line
        p = at.AtParser()
        p.expect_prompt = True
        self.assertEqual(p.feed(b"\r\n> "), [(at.PROMPT, ">", None)])
        self.assertFalse(p.expect_prompt)
        # the space after the prompt never becomes a line of its own
        self.assertEqual(p.feed(b"\r\n+CMGS: 5\r\n"), [(at.LINE, "+CMGS: 5", None)])

    def test_two_line_urc_joined(self):
        p = at.AtParser()
        out = p.feed(b"\r\n+CMT: ,24\r\n0791683108\r\n")
        self.assertEqual(out, [(at.URC2, "+CMT: ,24", "0791683108")])
        out = p.feed(b"\r\n+CDS: 25\r\n")
        self.assertEqual(out, [])
        self.assertEqual(p.feed(b"0006\r\n"), [(at.URC2, "+CDS: 25", "0006")])

    def test_two_line_urc_missing_pdu(self):
        p = at.AtParser()
        out = p.feed(b"\r\n+CMT: ,24\r\nOK\r\n")
        self.assertEqual(out, [(at.URC2, "+CMT: ,24", None), (at.LINE, "OK", None)])

    def test_noise_and_overlong_lines(self):
        p = at.AtParser()
        out = p.feed(b"\xff\xfeOK\x00\r\n")
        self.assertEqual(out, [(at.LINE, "\xff\xfeOK", None)])
        out = p.feed(b"A" * (at.MAX_LINE + 5) + b"\r\nOK\r\n")
        self.assertEqual(out[0][0], at.GARBAGE)
        self.assertEqual(out[-1], (at.LINE, "OK", None))

    def test_classify(self):
        self.assertEqual(at.classify("OK"), at.OK)
        self.assertEqual(at.classify("ERROR"), at.ERROR)
        self.assertEqual(at.classify("+CME ERROR: 10"), at.CME)
        self.assertEqual(at.classify("+CMS ERROR: 500"), at.CMS)
        self.assertEqual(at.classify('+CMTI: "SM",3'), "+CMTI:")
        self.assertEqual(at.classify("+CMT: ,22"), "+CMT:")
        self.assertEqual(at.classify("*ATREADY: 1"), "*ATREADY:")
        self.assertEqual(at.classify("+QIND: SMS DONE"), "+QIND:")
        self.assertEqual(at.classify("RDY"), "RDY")
        self.assertIsNone(at.classify("864500000000017"))
        self.assertTrue(at.is_final(at.CMS))
        self.assertFalse(at.is_final("+CMTI:"))

    def test_split_params(self):
        self.assertEqual(at.split_params('"SM",3'), ["SM", 3])
        self.assertEqual(at.split_params('0,,24'), [0, None, 24])
        self.assertEqual(at.split_params('"a,b", 7 ,x'), ["a,b", 7, "x"])
        self.assertEqual(at.split_params("1,"), [1, None])
        self.assertEqual(at.split_params("-5"), [-5])
        with self.assertRaises(DecodeError):
            at.split_params('"SM,3')
        with self.assertRaises(DecodeError):
            at.split_params('"SM"x,3')

    def test_hex_and_quote(self):
        self.assertEqual(at.parse_hex("00aF"), b"\x00\xaf")
        with self.assertRaises(DecodeError):
            at.parse_hex("0G")
        with self.assertRaises(DecodeError):
            at.parse_hex("abc")
        self.assertEqual(at.quote("SM"), '"SM"')
        with self.assertRaises(ValidationError):
            at.quote('a"b')
        self.assertEqual(at.payload("+CSQ: 21,99"), "21,99")
        self.assertEqual(at.error_detail("+CMS ERROR: 330"), "330")


class ErrorTableTest(unittest.TestCase):
    def test_named_codes(self):
        for code, retry in ((304, False), (330, False), (500, True), (513, True), (331, True), (322, True),
                            (1, False), (42, True)):
            with self.subTest(code=code):
                meaning, r = errors.lookup("cms", code)
                self.assertEqual(r, retry)
                self.assertFalse(meaning.startswith("unknown CMS"))

    def test_device_error_numeric_and_verbose(self):
        e = errors.device_error("+CMS ERROR: 330", "AT+CMGS")
        self.assertIsInstance(e, DeviceError)
        self.assertEqual(e.code, "CMS 330")
        self.assertFalse(e.retryable)
        self.assertIn("AT+CSCA", str(e))
        e = errors.device_error("+CME ERROR: SIM busy")
        self.assertEqual(e.code, "CME 14")
        self.assertTrue(e.retryable)
        e = errors.device_error("+CME ERROR: network timeout")
        self.assertEqual(e.code, "CME 31")
        e = errors.device_error("+CMS ERROR: 999")
        self.assertEqual(e.code, "CMS 999")
        self.assertTrue(e.retryable)  # vendor range
        e = errors.device_error("+CME ERROR: module is busy now")
        self.assertTrue(e.retryable)  # keyword
        e = errors.device_error("ERROR")
        self.assertEqual(e.code, "ERROR")
        self.assertFalse(e.retryable)

    def test_tables_sorted_and_unique(self):
        for kind in ("cms", "cme"):
            rows = errors.table_rows(kind)
            codes = [r[0] for r in rows]
            self.assertEqual(codes, sorted(codes))
            self.assertEqual(len(codes), len(set(codes)))


class ProfileTest(unittest.TestCase):
    def test_detect(self):
        self.assertEqual(profiles.detect("SIMCOM_SIM800C").name, "SIM800")
        self.assertEqual(profiles.detect("A7670C-LASE").name, "A7670C")
        self.assertEqual(profiles.detect("SIMCOM_SIM7600CE-T").name, "SIM7600CE")
        self.assertEqual(profiles.detect("EC200U").name, "EC200")
        self.assertEqual(profiles.detect("EC800N").name, "EC800N")
        self.assertEqual(profiles.detect("EG25").name, "EG25")
        self.assertEqual(profiles.detect("Nokia 6310").name, "generic")
        self.assertEqual(profiles.detect(None).name, "generic")

    def test_quirks_are_data(self):
        sim800 = profiles.get("sim800")
        self.assertFalse(sim800.lte)
        self.assertEqual(sim800.ccid, "AT+CCID")
        self.assertTrue(profiles.get("A7670C").is_reboot("*ATREADY: 1"))
        self.assertFalse(profiles.get("A7670C").is_reboot("SMS DONE"))
        self.assertTrue(profiles.get("EC200").is_sms_ready("+QIND: SMS DONE"))
        self.assertEqual(profiles.get("EC200").uart_init, ('AT+QURCCFG="urcport","uart1"',))
        self.assertEqual(profiles.get("EG25").memory, "ME")
        with self.assertRaises(ConfigError):
            profiles.get("nokia")


if __name__ == "__main__":
    unittest.main()
