"""
Heap needed for a full social-security card read on real MicroPython.

    python bench/card_heap.py            # .py and mpy-cross .mpy

Stages the core like tests/mp/run.py and runs each step in a fresh VM of the
MicroPython wasm port (npm, the version tests/mp pins).  The card is the
MicroPython-safe scripted card of tests/core/card_fixture.py (T=0: 61xx + GET
RESPONSE, exact Le); the GBK table is read from lib12333/data/gbk.bin with seek.

* retained: ``gc.mem_alloc()`` after the step minus before (each after ``gc.collect()``,
  in separate runPython calls so the step's garbage is really reclaimed);
* peak: highest ``mem_alloc()`` sampled at every APDU and at the end of the step,
  minus before (a lower bound of the transient need);

(A "smallest heap that works" bisection is not possible on this port: its heap
grows past the ``heapsize`` it is started with, so every size "works".)
"""

import tempfile

from mp_heap import heap_rows, print_table, staged_core

IMPORTS = "from lib12333.card import ssse, readcardbas\nfrom lib12333.card.gbk import GbkTable\n"
CARD = """
from tests.core import card_fixture as F
ATR = bytes((0x3B, 0x6D, 0, 0, 0, 0x81, 0x4E, 0x43, 0x23, 0x86, 0x97, 0x15, 0x99, 0, 0xBF, 0x7C, 0x7A))
AUTH = bytes(range(16))
card = F.ScriptedCard(F.holder({version}, b"\\xb0\\xa1" * 15, b"\\xb0\\xa2\\xb0\\xa3"), auth_data={auth})
auth = F.FixedAuthenticator(AUTH)
card.log = None
class _NoLog:
    def append(self, x):
        pass
card.log = _NoLog()
def tx(c):
    _p(gc.mem_alloc())
    return card.transmit(c)
f = open("/app/lib12333/data/gbk.bin", "rb")
table = GbkTable(f)
"""
READ = "info = ssse.read_card(tx, auth, table, ATR)\ns = readcardbas.format_basic(info)\n"

STEPS = [
    ("import apdu+tlv+gbk+ssse+readcardbas", "", IMPORTS),
    ("import ccid", "", "from lib12333.card import ccid"),
    ("full read, 2.0 card (50-byte name)", IMPORTS + CARD.format(version='b"2.00"', auth="None"), READ),
    ("full read, 3.0 card + external auth", IMPORTS + CARD.format(version='b"3.00"', auth="AUTH"), READ),
    ("GBK decode of a 50-byte name", IMPORTS + "f = open('/app/lib12333/data/gbk.bin', 'rb')\nt = GbkTable(f)\n"
     "raw = b'\\xb0\\xa1' * 25\n", "n = t.decode(raw)\n"),
]


def measure(use_mpy):
    with tempfile.TemporaryDirectory(prefix="lib12333-cardheap-") as tmp:
        return heap_rows(staged_core(tmp, use_mpy), STEPS, 1024 * 1024)


def main():
    print_table(STEPS, measure(False), measure(True))


if __name__ == "__main__":
    main()
