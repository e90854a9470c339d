"""Heap used on MicroPython by the modem engine (docs/benchmarks.md).

MicroPython only (gc.mem_alloc).  With the collector disabled, the growth of
gc.mem_alloc() is every byte allocated during the step, garbage included: an
upper bound of the extra heap needed at the peak.  Printed as
``MODEM-HEAP name allocated=N`` and bounded so that a regression fails.
"""

import sys
import unittest

from lib12333.modem import profiles
from lib12333.modem.engine import Engine
from lib12333.sms.encode import encode_deliver
from lib12333.sms.scts import Timestamp
from tests.core.support import heap_allocated

MP = sys.implementation.name == "micropython"
TS = Timestamp(2026, 11, 29, 11, 5, 0, 480)
TEXT = "您好，您的社保卡挂失申请已受理，请于三个工作日内携带身份证到服务大厅办理补卡。"
INIT = (b"\r\nOK\r\n", b"\r\nOK\r\n", b"\r\nOK\r\n", b"\r\n+CPIN: READY\r\n\r\nOK\r\n", b"\r\nOK\r\n",
        b"\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n", b"\r\nOK\r\n", b"\r\nOK\r\n", b"\r\nOK\r\n",
        b'\r\n+CSCA: "+8613800571500",145\r\n\r\nOK\r\n', b"\r\nOK\r\n")


def boot():
    eng = Engine(now=0.0, profile=profiles.get("A7670C"), scan_interval=None)
    eng.start(0.0)
    for a in INIT:
        eng.data_to_send()
        eng.receive(a, 0.0)
    eng.events()
    return eng


def receive(eng, index, part):
    eng.receive(b'\r\n+CMTI: "SM",' + str(index).encode() + b"\r\n", 1.0)
    eng.data_to_send()
    eng.receive(b"\r\n+CMGR: 0,," + str(part.tpdu_length).encode() + b"\r\n" + part.hex.encode()
                + b"\r\n\r\nOK\r\n", 1.0)
    evs = eng.events()
    for ev in evs:
        if ev.kind == "message":
            eng.confirm(ev.token)
    eng.data_to_send()
    eng.receive(b"\r\nOK\r\n", 1.0)
    return evs


def send(eng):
    eng.send_sms("+8613800000002", TEXT, report=True)
    eng.data_to_send()
    eng.receive(b"\r\n> ", 2.0)
    eng.data_to_send()
    eng.receive(b"\r\n+CMGS: 7\r\n\r\nOK\r\n", 2.0)
    return eng.events()


@unittest.skipIf(not MP, "gc.mem_alloc exists on MicroPython only")
class Heap(unittest.TestCase):
    def test_engine_cycles(self):
        part = encode_deliver("+8613800000002", TS, text=TEXT)[0]
        # the first engine also pays for the modules the init imports lazily (modem.ops ...);
        # a running kiosk has them: the warm figure is what each further engine costs
        eng0, a_first = heap_allocated(boot)
        eng0, a_boot = heap_allocated(boot)
        eng = boot()
        receive(eng, 0, part)  # warm lazy imports (pdu decoder, reassembler paths)
        send(eng)
        part2 = encode_deliver("+8613800000002", TS, text=TEXT + "2")[0]
        evs, a_recv = heap_allocated(lambda: receive(eng, 1, part2))
        self.assertEqual([e.kind for e in evs], ["message"])
        evs, a_send = heap_allocated(lambda: send(eng))
        self.assertEqual([e.kind for e in evs], ["sent"])
        for name, n in (("engine+init first (lazy imports)", a_first), ("engine+init", a_boot),
                        ("receive 1 part", a_recv), ("send 1 part", a_send)):
            print("MODEM-HEAP " + name + " allocated=" + str(n))
        self.assertTrue(a_first < 40000)
        self.assertTrue(a_boot < 16000)
        self.assertTrue(a_recv < 12000)
        self.assertTrue(a_send < 8000)


if __name__ == "__main__":
    unittest.main()
