"""Splitting, concatenation references, reassembly and the 12333 SMS rules."""

import unittest

from lib12333.errors import ConfigError, ValidationError
from lib12333.sms import encode, pdu, split
from lib12333.sms.policy import Policy
from lib12333.sms.reassembly import Reassembler
from lib12333.sms.scts import Timestamp
from tests.core.support import read_json

V = read_json("protocols/sms/vectors.json")
SIG = "【杭州市人力资源社会保障电话咨询服务中心】"
NOTICE = SIG + "您好，您的社会保障卡挂失申请已受理，受理编号2026112900017。请于7个工作日后携带本人有效身份证件到社保经办机构或合作银行网点领取补办的新卡。如有疑问请拨打0571-12333咨询。"


def decode_all(parts):
    return [pdu.decode(p.pdu) for p in parts]


class Splitting(unittest.TestCase):
    def test_published_counts(self):
        for d in V["split_counts"]:
            with self.subTest(d["text"][:3] + str(len(d["text"]))):
                self.assertEqual(split.plan(d["text"]).count, d["parts"])

    def test_capacities(self):
        self.assertEqual(split.capacity("gsm7", 0), 160)
        self.assertEqual(split.capacity("gsm7", 5), 153)
        self.assertEqual(split.capacity("gsm7", 6), 152)
        self.assertEqual(split.capacity("ucs2", 0), 70)
        self.assertEqual(split.capacity("ucs2", 5), 67)
        self.assertEqual(split.capacity("ucs2", 6), 66)
        self.assertEqual(split.capacity("8bit", 5), 134)

    def test_cheapest_encoding(self):
        self.assertEqual(split.plan("12333 hello").encoding, "gsm7")
        self.assertEqual(split.plan("12333 你好").encoding, "ucs2")
        self.assertEqual(split.plan("price €5 [ok]").encoding, "gsm7")

    def test_escape_never_split(self):
        text = "x" * 152 + "€" + "y" * 10
        p = split.plan(text)
        self.assertEqual(p.parts[0], "x" * 152)
        self.assertEqual(p.units[0], 152)
        self.assertTrue(p.parts[1].startswith("€"))
        self.assertEqual("".join(p.parts), text)

    def test_surrogate_pair_never_split(self):
        text = "中" * 66 + "😀" + "文" * 10
        p = split.plan(text)
        self.assertEqual(p.parts[0], "中" * 66)
        self.assertEqual(p.units, [66, 12])
        for part in encode.encode_submit("+8613800571500", text, ref=9):
            self.assertEqual(len(part.pdu) - 1, part.tpdu_length)
        texts = [m.text for m in decode_all(encode.encode_submit("+8613800571500", text, ref=9))]
        self.assertEqual(texts, ["中" * 66, "😀" + "文" * 10])

    def test_left_and_plan_fields(self):
        p = split.plan("你好")
        self.assertEqual((p.count, p.capacity, p.left, p.units), (1, 70, 68, [2]))
        p = split.plan("a" * 200)
        self.assertEqual((p.count, p.capacity, p.left), (2, 153, 106))

    def test_four_part_chinese_message(self):
        text = NOTICE * 2
        parts = encode.encode_submit("+8613800571500", text, ref=0x1234, ref16=True, smsc="+8613800571500")
        self.assertEqual(len(parts), 4)
        msgs = decode_all(parts)
        self.assertEqual([(m.concat.ref, m.concat.total, m.concat.seq, m.concat.bits) for m in msgs],
                         [(0x1234, 4, i, 16) for i in (1, 2, 3, 4)])
        self.assertEqual("".join([m.text for m in msgs]), text)
        for p in parts:
            self.assertTrue(p.tpdu_length <= 164)
            self.assertEqual(p.pdu[:9].hex(), "0891683108501705f0")

    def test_gsm7_multipart_with_16bit_ref_keeps_first_char(self):
        # python-gsmmodem loses "G" here (defect D1 / issue babca#99)
        text = "GHTK - " + "Do sai dia chi " * 15
        msgs = decode_all(encode.encode_submit("0912345678", text, ref=700, ref16=True))
        self.assertEqual("".join([m.text for m in msgs]), text)
        self.assertTrue(msgs[0].text.startswith("GHTK"))

    def test_8bit_split(self):
        data = bytes(range(256)) * 2
        msgs = decode_all(encode.encode_submit("10086", data=data, ref=3, ports=(5000, 5001)))
        self.assertEqual(len(msgs), 4)
        self.assertEqual(b"".join([m.data for m in msgs]), data)
        self.assertEqual(msgs[0].ports, (5000, 5001))


class References(unittest.TestCase):
    def test_unique_per_destination(self):
        rc = encode.RefCounter(start=250)
        a = [rc.next("+8613800000001") for _ in range(10)]
        self.assertEqual(len(set(a)), 10)
        self.assertEqual(a[:7], [250, 251, 252, 253, 254, 255, 0])
        b = rc.next("+8613800000002")
        self.assertNotEqual(b, a[0])
        rc2 = encode.RefCounter.from_state(rc.state())
        self.assertEqual(rc2.next("+8613800000001"), rc.next("+8613800000001"))

    def test_bounded(self):
        rc = encode.RefCounter(bits=16, max_numbers=3)
        for i in range(10):
            rc.next(str(i))
        self.assertEqual(len(rc.state()["last"]), 3)
        self.assertRaises(ValidationError, encode.RefCounter, 0, 12)


class Reassembly(unittest.TestCase):
    def parts(self, text, ref, number="+8613800571500", ref16=False):
        ts = Timestamp(2026, 11, 29, 11, 5, 0, 480)
        return decode_all(encode.encode_deliver(number, ts, text, ref=ref, ref16=ref16))

    def test_out_of_order_and_duplicates(self):
        text = NOTICE * 2
        msgs = self.parts(text, 77)
        r = Reassembler()
        self.assertIsNone(r.add(msgs[2], 0))
        self.assertIsNone(r.add(msgs[0], 1))
        self.assertIsNone(r.add(msgs[0], 2))
        self.assertIsNone(r.add(msgs[3], 3))
        self.assertEqual(r.pending, 1)
        done = r.add(msgs[1], 4)
        self.assertEqual(done.text, text)
        self.assertEqual(done.parts, 4)
        self.assertIsNone(done.concat)
        self.assertEqual(r.pending, 0)
        self.assertEqual(r.pending_bytes, 0)
        self.assertEqual(r.take_evicted(), [])

    def test_reused_reference_supersedes_a_stale_set(self):
        # the sender restarted its reference counter (power cut) between part 1 and part 2 of "A..."
        old = self.parts("A" * 200, 0)
        new = self.parts("B" * 200, 0)
        r = Reassembler()
        self.assertIsNone(r.add(old[0], 0))
        self.assertIsNone(r.add(new[0], 1))  # same place, other data: a new message, not a duplicate
        ev = r.take_evicted()
        self.assertEqual([(e.reason, e.ref, e.received) for e in ev], [("superseded", 0, [1])])
        self.assertEqual(r.add(new[1], 2).text, "B" * 200)
        self.assertIsNone(r.add(new[0], 3))  # a late copy after completion starts a set again (the modem
        self.assertIsNone(r.add(new[0], 4))  # engine's delivered-part filter drops those); a second copy,
        self.assertEqual(r.take_evicted(), [])  # same data, is a duplicate inside it: nothing superseded
        self.assertEqual(r.pending, 1)

    def test_single_part_passes_through(self):
        m = self.parts("你好", None)[0]
        self.assertIs(Reassembler().add(m, 0), m)

    def test_senders_do_not_mix(self):
        a = self.parts("A" * 200, 5, "+8613800000001")
        b = self.parts("B" * 200, 5, "+8613800000002")
        r = Reassembler()
        self.assertIsNone(r.add(a[0], 0))
        self.assertIsNone(r.add(b[1], 0))
        self.assertEqual(r.add(a[1], 0).text, "A" * 200)
        self.assertEqual(r.add(b[0], 0).text, "B" * 200)

    def test_surrogate_split_by_sender_is_joined(self):
        # a foreign splitter cut the pair: part 1 ends with D83D, part 2 starts with DE00
        ts = Timestamp(2026, 1, 1)
        p1 = encode.encode_deliver("10086", ts, data=b"\x00\x41\xd8\x3d", extra_ies=[(0, b"\x01\x02\x01")])[0].pdu
        p2 = encode.encode_deliver("10086", ts, data=b"\xde\x00\x00\x42", extra_ies=[(0, b"\x01\x02\x02")])[0].pdu
        self.assertEqual(p1[8], 0x04)
        m1 = pdu.decode(p1[:8] + b"\x08" + p1[9:])  # switch DCS to UCS2
        m2 = pdu.decode(p2[:8] + b"\x08" + p2[9:])
        self.assertEqual(m1.text, "A\ufffd")
        r = Reassembler()
        r.add(m1, 0)
        self.assertEqual(r.add(m2, 0).text, "A😀B")

    def test_timeout_eviction_reported(self):
        msgs = self.parts(NOTICE * 2, 9)
        r = Reassembler(timeout=60)
        r.add(msgs[0], 0)
        self.assertEqual(r.expire(60), [])
        ev = r.expire(61)
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0].reason, ev[0].ref, ev[0].total, ev[0].received), ("timeout", 9, 4, [1]))
        self.assertTrue(ev[0].text.endswith("\u2026"))
        self.assertEqual(len(r.take_evicted()), 1)
        self.assertEqual(r.take_evicted(), [])

    def test_capacity_eviction_oldest_first(self):
        r = Reassembler(max_sets=2)
        for ref in (1, 2, 3):
            r.add(self.parts("x" * 200, ref)[0], ref)
        ev = r.take_evicted()
        self.assertEqual([(e.ref, e.reason) for e in ev], [(1, "capacity")])
        self.assertEqual(r.pending, 2)
        r = Reassembler(max_bytes=300)
        for ref in (1, 2, 3):
            r.add(self.parts(NOTICE * 2, ref)[0], ref)
        self.assertTrue(r.pending_bytes <= 300)
        self.assertEqual([e.ref for e in r.take_evicted()], [1])


class Rules12333(unittest.TestCase):
    def test_signature_required(self):
        p = Policy(SIG)
        self.assertRaises(ValidationError, p.check, "您的社保卡挂失已受理。")
        d = p.check(p.sign("您的社保卡挂失已受理。"))
        self.assertEqual((d.sender, d.encoding, d.parts, d.cost_fen), ("12333", "ucs2", 1, 10))
        self.assertTrue(d.text.startswith(SIG))
        self.assertRaises(ConfigError, Policy, "  ")

    def test_sender_by_service(self):
        p = Policy(SIG)
        self.assertEqual(p.sender_for("account-query"), "12333")
        self.assertEqual(p.sender_for("complaint"), "12333")
        self.assertEqual(p.sender_for("civil-service-exam"), "12370")
        self.assertEqual(Policy(SIG, civil_service_on_12333=True).sender_for("civil-service"), "12333")
        self.assertRaises(ValidationError, p.sender_for, "marketing")

    def test_one_part_notices_and_cost(self):
        p = Policy(SIG, one_part_notices=True, fen_per_part=10)
        self.assertRaises(ValidationError, p.check, NOTICE, "account-query", True)
        d = p.check(NOTICE, "account-query", False)
        self.assertEqual((d.parts, d.cost_fen), (2, 20))
        self.assertEqual(p.preview(NOTICE * 4).parts, 7)
        self.assertRaises(ValidationError, Policy(SIG, max_parts=5).check, NOTICE * 4)


if __name__ == "__main__":
    unittest.main()
