"""Foreign permanent-residence ID numbers, 2023 edition (CPython and MicroPython)."""

import unittest

from lib12333 import foreign_id as F
from lib12333 import identifiers as I
from lib12333.errors import DecodeError, ValidationError
from tests.core.support import read_json

V = read_json("protocols/identifiers/foreign_pr_id.json")
TODAY = (2026, 12, 3)


class ForeignPrIdTest(unittest.TestCase):
    def test_valid_vectors(self):
        for v in V["valid"]:
            with self.subTest(number=v["number"]):
                f = F.parse_foreign_pr_id(v["number"], TODAY)
                self.assertEqual((f.province, f.nationality, f.birth_date, f.sex),
                                 (v["province"], v["nationality"], v["birth_date"], v["sex"]))
                self.assertEqual(f.region, v["province"] + "0000")
                self.assertEqual(f.masked, v["number"][:6] + "********" + v["number"][14:])
                self.assertEqual(f.number, v["number"])

    def test_invalid_vectors(self):
        errors = {"DecodeError": DecodeError, "ValidationError": ValidationError}
        for v in V["invalid"]:
            with self.subTest(number=v["number"]):
                with self.assertRaises(errors[v["error"]]) as ctx:
                    F.parse_foreign_pr_id(v["number"], TODAY)
                self.assertEqual(ctx.exception.field, v["field"])
                self.assertFalse(v["number"] in str(ctx.exception))  # messages never hold the number
                self.assertFalse(F.is_valid_foreign_pr_id(v["number"]))

    def test_lowercase_x_and_future_birth(self):
        self.assertEqual(F.parse_foreign_pr_id("95339220101010003x").number, "95339220101010003X")
        with self.assertRaises(ValidationError):
            F.parse_foreign_pr_id("944410200002290027", (2000, 2, 28))

    def test_identify_recognises_its_own_kind(self):
        for v in V["valid"]:
            with self.subTest(number=v["number"]):
                r = I.identify(v["number"], TODAY)
                self.assertEqual((r.kind, r.valid, r.nationality, r.region), (I.KIND_FOREIGN_PR, True, v["nationality"],
                                                                              v["province"] + "0000"))
                self.assertEqual(r.masked, I.mask_id(v["number"]))
        bad = I.identify("911398199012310022", TODAY)
        self.assertEqual((bad.kind, bad.valid), (I.KIND_FOREIGN_PR, False))
        self.assertTrue("check character" in bad.reason)
        self.assertEqual(bad.masked, "911398********0022")
        # a USCC registered by 工商 also starts with 9: the valid reading wins
        self.assertEqual(I.identify("913301061234500003").kind, I.KIND_USCC)
        self.assertEqual(I.identify("9113981990-1231-0021", kind=I.KIND_FOREIGN_PR).valid, True)
        # citizen ID numbers never start with 9: they are unaffected
        self.assertEqual(I.identify("11010519491231002X").kind, I.KIND_CITIZEN)

    def test_masked_in_free_text(self):
        from lib12333.masking import mask_text

        self.assertEqual(mask_text("永居证911398199012310021"), "永居证911398********0021")


if __name__ == "__main__":
    unittest.main()
