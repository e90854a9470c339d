"""Heap used on MicroPython to encode and decode a 4-part Chinese message (docs/benchmarks.md).

Runs on MicroPython only (CPython has no gc.mem_alloc).  With the collector
disabled, the growth of gc.mem_alloc() during the operation is every byte
allocated (garbage included): an upper bound of the extra heap the operation
needs at its peak.  (What stays allocated afterwards cannot be measured inside
one call on the WebAssembly port: it scans the C stack conservatively, so
garbage of the same call survives gc.collect(); see tests/mp/runner.mjs.)
The figures are printed as ``SMS-HEAP name allocated=N`` for the benchmark
notes, and bounded here so that a regression fails.
"""

import sys
import unittest

from lib12333.sms import encode, pdu
from lib12333.sms.reassembly import Reassembler
from lib12333.sms.scts import Timestamp
from tests.core.support import heap_allocated

MP = sys.implementation.name == "micropython"
NOTICE = (
    "【杭州市人力资源社会保障电话咨询服务中心】您的社会保障卡挂失申请已受理，受理编号二〇二六一一二九〇〇〇一七。"
    "请于七个工作日后携带本人有效身份证件到社保经办机构或合作银行网点领取补办的新卡。"
    "补卡期间医保结算可使用电子社保卡。如有疑问请拨打一二三三三咨询，感谢您的理解与支持。"
    "温馨提示：请勿将社保卡借给他人使用，谨防诈骗。"
)
TEXT = (NOTICE * 2)[:260]
TS = Timestamp(2026, 11, 29, 11, 5, 0, 480)


@unittest.skipIf(not MP, "gc.mem_alloc exists on MicroPython only")
class Heap(unittest.TestCase):
    def test_encode_decode_four_part_chinese(self):
        # warm the lazy tables and imports first, as a running kiosk has them
        encode.encode_submit("+8613800571500", "x")
        pdu.decode(encode.encode_deliver("+8613800571500", TS, "你", smsc="+8613800571500")[0].pdu)
        # ... and the measured call itself once: the interpreter's own tables (interned names) grow
        # in steps, and which test happens to cross a step depends on everything run before it
        encode.encode_submit("+8613800571500", TEXT, ref=42, smsc="+8613800571500")

        parts, a_enc = heap_allocated(lambda: encode.encode_submit("+8613800571500", TEXT, ref=42, smsc="+8613800571500"))
        self.assertEqual(len(parts), 4)
        delivers = [p.pdu for p in encode.encode_deliver("+8613800571500", TS, TEXT, ref=42, smsc="+8613800571500")]
        msgs, a_dec = heap_allocated(lambda: [pdu.decode(b) for b in delivers])
        self.assertEqual("".join([m.text for m in msgs]), TEXT)

        def join():
            r = Reassembler()
            out = None
            for i in range(4):
                out = r.add(pdu.decode(delivers[i]), i)
            return out

        done, a_join = heap_allocated(join)
        self.assertEqual(done.text, TEXT)
        for name, a in (("encode-4", a_enc), ("decode-4", a_dec), ("decode+reassemble-4", a_join)):
            print("SMS-HEAP %s allocated=%d" % (name, a))
            self.assertTrue(a < 24000, name)


if __name__ == "__main__":
    unittest.main()
