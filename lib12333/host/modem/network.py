"""
The emulated network and SMSC that joins emulated modems, and the loop that
runs them all (``Simulator``).

``Simulator(count=2)`` creates modems numbered +8613800000001, +8613800000002...
(or ``numbers=[...]``), each on its own pty; ``start()`` runs the loop in a
background thread, ``run()`` in the caller's thread (the ``modem-sim``
command), ``stop()`` ends it and closes the ptys.

The network accepts an SMS-SUBMIT from one modem, turns it into an SMS-DELIVER
from that modem's number (user data copied octet for octet, so concatenation
headers and UCS2 text arrive exactly as sent), routes it by destination number
(the last 11 digits decide, so "+8613..." and "13..." are the same phone), and
retries every 0.5 s while the destination cannot take it (not registered,
restarting, storage full).  When the submit asked for a status report, the
sender gets one (TP-ST 0, delivered) after the first successful delivery.

``log`` records what happened, for tests: ``("submit", from, to, mr, tpdu_hex)``,
``("deliver", to, from, tpdu_hex)``, ``("report", to, mr)``, ``("reject", ...)``.
"""

import heapq
import selectors
import threading
import time

from lib12333.host.background import BackgroundLoop
from lib12333.host.modem.emulator import EmulatedModem
from lib12333.host.modem.faults import Faults
from lib12333.sms import address
from lib12333.sms.scts import Timestamp

RETRY_SECONDS = 0.5
DELIVERY_SECONDS = 0.05
SMSC = "+8613800571500"


def default_numbers(count):
    return ["+86138000000" + str(i + 1).rjust(2, "0") for i in range(count)]


def route_key(number):
    digits = "".join(c for c in number if c.isdigit())
    return digits[-11:]


def deliver_from_submit(tpdu, sender, scts, smsc=SMSC):
    """SMS-DELIVER PDU (with SMSC prefix) carrying the user data of a SUBMIT TPDU."""
    fo = tpdu[0]
    vpf = (fo >> 3) & 3
    da_digits = tpdu[2]
    pos = 3 + 1 + (da_digits + 1) // 2
    pid = tpdu[pos]
    dcs = tpdu[pos + 1]
    pos += 2 + (0, 7, 1, 7)[vpf]
    ud = tpdu[pos:]
    out_fo = 0x04 | (fo & 0x40) | (0x20 if fo & 0x20 else 0)
    body = bytes((out_fo,)) + address.encode(sender, None, "TP-OA") + bytes((pid, dcs)) + scts.to_bytes() + ud
    return address.encode_smsc(smsc) + body, len(body)


def china_now():
    t = time.gmtime(time.time() + 8 * 3600)
    return Timestamp(t[0], t[1], t[2], t[3], t[4], t[5], 480)


class Network:
    def __init__(self, sim, smsc=SMSC):
        self.sim = sim
        self.smsc = smsc
        self.pending = []  # deliveries waiting for their destination
        # Numbers served outside the modems (an emulated operator gateway, lib12333.host.links.ismg):
        # objects with ``number`` and ``deliver(pdu, tpdu_len, report=False)``, found before the modems.
        self.externals = []
        self._kick_due = False

    def find(self, number):
        key = route_key(number)
        for m in self.externals + self.sim.modems:
            if route_key(m.number) == key:
                return m
        return None

    def submit(self, src, tpdu, msg, mr):
        self.sim.log.append(("submit", src.number, msg.number, mr, tpdu.hex().upper()))
        dest = self.find(msg.number or "")
        scts = china_now()
        if dest is None:
            self.sim.log.append(("reject", src.number, msg.number, mr, "unknown number"))
            if msg.srr:
                self._report(src, msg.number, mr, scts, 0x41)
            return
        pdu, tlen = deliver_from_submit(tpdu, src.number, scts, self.smsc)
        item = {"src": src, "dest": dest, "pdu": pdu, "tlen": tlen, "mr": mr, "srr": msg.srr,
                "to": msg.number, "scts": scts, "reported": False}
        copies = 2 if self.sim.faults.hit("dup") else 1
        for k in range(copies):
            self.sim.at(self.sim.now() + DELIVERY_SECONDS * (1 + 4 * k), lambda it=item: self._try(it))

    def _try(self, item):
        dest = item["dest"]
        if dest.deliver(item["pdu"], item["tlen"]):
            self.sim.log.append(("deliver", dest.number, item["src"].number, item["pdu"].hex().upper()))
            if item["srr"] and not item["reported"]:
                item["reported"] = True
                self._report(item["src"], item["to"], item["mr"], item["scts"], 0)
            return
        self.pending.append(item)
        if not self._kick_due:
            self._kick_due = True
            self.sim.at(self.sim.now() + RETRY_SECONDS, self._timed_kick)

    def _timed_kick(self):
        self._kick_due = False
        self.kick()

    def _report(self, src, to, mr, scts, status):
        from lib12333.sms.encode import encode_status_report

        part = encode_status_report(to, mr, scts, china_now(), status=status, smsc=self.smsc)
        self.sim.log.append(("report", src.number, mr, status))
        self._offer_report(src, part.pdu, part.tpdu_length, 0)

    def _offer_report(self, src, pdu, tlen, tries):
        if src.deliver(pdu, tlen, report=True) or tries > 240:
            return
        self.sim.at(self.sim.now() + RETRY_SECONDS, lambda: self._offer_report(src, pdu, tlen, tries + 1))

    def kick(self):
        items = self.pending
        self.pending = []
        for it in items:
            self._try(it)


class Simulator(BackgroundLoop):
    thread_name = "modem-sim"

    def __init__(self, count=2, numbers=None, faults=None, model="SIM7600CE", smsc=SMSC):
        self.faults = faults or Faults()
        self.log = []
        self.timers = []
        self._seq = 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = None
        self.network = Network(self, smsc)
        numbers = list(numbers or default_numbers(count))
        capacity = self.faults.full or 30
        self.modems = []
        for i, n in enumerate(numbers):
            self.modems.append(EmulatedModem(self, i, n, model, capacity))
        self.sel = selectors.DefaultSelector()
        for m in self.modems:
            self.sel.register(m.master, selectors.EVENT_READ, m)

    def now(self):
        return time.monotonic()

    def at(self, when, fn):
        with self._lock:
            self._seq += 1
            heapq.heappush(self.timers, (when, self._seq, fn))

    def call(self, fn):
        """Run ``fn`` in the loop thread as soon as possible (thread-safe)."""
        self.at(0.0, fn)

    def step(self, max_wait=0.05):
        with self._lock:
            wait = max_wait
            if self.timers:
                wait = max(0.0, min(max_wait, self.timers[0][0] - self.now()))
        for key, _ in self.sel.select(wait):
            key.data.on_readable()
        while True:
            with self._lock:
                if not self.timers or self.timers[0][0] > self.now():
                    break
                _, _, fn = heapq.heappop(self.timers)
            fn()
        for m in self.modems:
            m.flush()

    def run(self):
        while not self._stop.is_set():
            self.step()

    def release(self):
        for m in self.modems:
            self.sel.unregister(m.master)
            m.close()
        self.sel.close()

    def paths(self):
        return [(m.number, m.path) for m in self.modems]
