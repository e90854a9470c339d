"""Kiosk-gateway message encoder: a bad character is reported at its own position (CPython and MicroPython)."""

import unittest

from lib12333.errors import ValidationError
from lib12333.secure import messages as M

SSN = "11010519491231002X"


def reason(fields):
    try:
        M.encode(M.LOSS_REPORT, fields)
    except ValidationError as exc:
        return exc.field, exc.reason
    return None


class BadCharacterPosition(unittest.TestCase):
    def fields(self, **kw):
        f = {"ssn": SSN, "card": "A1234567X", "phone": "13912345678", "name": "张三"}
        f.update(kw)
        return f

    def test_ssn_even_and_odd_positions(self):
        for pos in (0, 1, 6, 7, 16):
            with self.subTest(pos=pos):
                bad = SSN[:pos] + "?" + SSN[pos + 1 :]
                self.assertEqual(reason(self.fields(ssn=bad)), ("ssn", "bad character at position " + str(pos)))

    def test_phone_even_and_odd_positions(self):
        for pos in (0, 1, 9, 10):
            with self.subTest(pos=pos):
                bad = "13912345678"[:pos] + "-" + "13912345678"[pos + 1 :]
                self.assertEqual(reason(self.fields(phone=bad)), ("phone", "bad character at position " + str(pos)))

    def test_card_position(self):
        self.assertEqual(reason(self.fields(card="A12345?7X")), ("card", "bad character at position 6"))

    def test_good_fields_still_encode(self):
        payload = M.encode(M.LOSS_REPORT, self.fields())
        self.assertEqual(M.decode(M.LOSS_REPORT, payload)["ssn"], SSN)


if __name__ == "__main__":
    unittest.main()
