"""
``ModemEmulator``: one emulated module, bytes in and bytes out (sans-IO).

The caller owns the wire and the clock.  Every method that takes ``now`` (seconds,
any monotonic origin) may queue output; ``receive_data`` returns what is queued,
``data_to_send()`` returns it after the other calls (a delivery's ``+CMTI``, a
timer's boot lines).  Timers run in ``tick(now)``, due at ``next_deadline()``.

What the network must know comes out of ``take_network_events()``:
``("submit", mr, tpdu, sms)`` for every accepted ``AT+CMGS`` (``tpdu`` the bytes
after the SMSC address, ``sms`` the decoded SMS-SUBMIT) and ``("freed",)`` after
``AT+CMGD`` (storage that was full may take a waiting delivery now).

Faults come from the optional ``faults`` object (``NO_FAULTS`` by default):
``hit(name)`` for "drop", "reboot", "cms", "garbage", "storm", "unreg" and
"urcdrop", ``cms_code()``, ``noise()`` and ``sim`` (seconds the SIM is not ready
after a start).  ``lib12333.host.modem.faults.Faults`` is the host's.
"""

from lib12333.errors import Lib12333Error
from lib12333.modem.emulator import commands, sms

BOOT_SECONDS = 0.3  # silent after power-on, then the model's start-up lines
RESTART_SECONDS = 0.05  # from a reboot (or AT+CFUN=1,1) to power-on
UNREG_SECONDS = 1.0  # how long the "unreg" fault keeps the module off the network
MAX_LINE = 4096  # a longer command line or PDU loses the excess, as a module's buffer does
SMSC = "+8613800571500"

# maker, model (AT+CGMM), revision, start-up lines; what each family prints, data only
MODELS = {
    "SIM800": ("SIMCOM_Ltd", "SIMCOM_SIM800C", "Revision:1418B05SIM800C24",
               ("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready")),
    "A7670C": ("SIMCOM INCORPORATED", "A7670C-LASE", "A011B07A7670M7",
               ("*ATREADY: 1", "+CPIN: READY", "SMS DONE", "PB DONE")),
    "SIM7600CE": ("SIMCOM INCORPORATED", "SIMCOM_SIM7600CE-T", "LE20B04SIM7600M22",
                  ("RDY", "+CPIN: READY", "SMS DONE", "PB DONE")),
    "EC200": ("Quectel", "EC200U", "EC200UCNAAR03A11M08", ("RDY", "+CPIN: READY", "+QIND: SMS DONE",
                                                           "+QIND: PB DONE")),
    "EC800N": ("Quectel", "EC800N", "EC800NCNLCR01A04M16", ("RDY", "+CPIN: READY", "+QIND: SMS DONE",
                                                            "+QIND: PB DONE")),
    "EG25": ("Quectel", "EG25", "EG25GGBR07A08M2G", ("RDY", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE",
                                                     "+QIND: PB DONE")),
}


class _NoFaults:
    sim = 0.0

    def hit(self, name):
        return False


NO_FAULTS = _NoFaults()


class ModemEmulator:
    """``ModemEmulator(now, model="SIM7600CE", index=0, capacity=30, smsc=SMSC, faults=None,
    started=False, record=False)``.  ``started=True``: the module was on before the caller
    looked (no start-up lines, answers at once); ``record=True`` keeps every command line in
    ``commands``."""

    def __init__(self, now, model="SIM7600CE", index=0, capacity=30, smsc=SMSC, faults=None, started=False,
                 record=False):
        self.model = model
        self.maker, self.model_name, self.revision, self.boot_lines = MODELS[model]
        self.imei = "86" + str(4500000000000 + 1000 * index + 17)[:13]
        self.imsi = "46000" + str(1234500000 + index)
        self.iccid = "898600" + str(10000000000000 + index)
        self.smsc = smsc
        self.faults = faults or NO_FAULTS
        self.store = sms.Store(capacity)
        self.registered = True
        self.rssi, self.ber = 21, 99  # what AT+CSQ reports while registered (a test may change them)
        self.mr = 0
        self.stats = {"commands": 0, "reboots": 0, "submitted": 0, "received": 0}
        self.commands = [] if record else None
        self.timers = []  # [when, action, argument]; see tick()
        self.out = bytearray()
        self.network_events = []
        self.power_on(now, started)

    # ---- power -----------------------------------------------------------------------

    def power_on(self, now, started=False):
        """Settings back to their defaults; start-up lines after ``BOOT_SECONDS`` (none, and
        answering at once, when ``started``)."""
        self.echo = True
        self.cmee = 0
        self.cmgf = 0
        self.cnmi = [0, 0, 0, 0, 0]
        self.csms = 0
        self.creg_n = 0
        self.cereg_n = 0
        self.mems = ["SM", "SM", "SM"]
        self.inbuf = bytearray()
        self.pdu_len = None  # set while the PDU after AT+CMGS=<n> is expected
        self.held = []  # URCs that arrived while a PDU was typed: they follow its result
        self.last_line = None  # what "A/" repeats
        self.pending_ack = []  # direct deliveries (hex) waiting for AT+CNMA
        self.sim_ready_at = now + self.faults.sim
        self.powered = started
        if not started:
            self.at(now + BOOT_SECONDS, "boot")

    def reboot(self, now):
        """The module restarts: silent, then powered on again with its defaults."""
        self.stats["reboots"] += 1
        self.powered = False
        self.inbuf = bytearray()
        # the old power cycle's timers die with it (else its start-up lines come twice); a
        # direct delivery still waiting for AT+CNMA is kept in storage as its timeout would,
        # since the network already counts it delivered; the network's own "register" stays
        keep = []
        for t in self.timers:
            if t[1] == "ack_timeout":
                sms.ack_timeout(self, t[2])
            elif t[1] == "register":
                keep.append(t)
        self.timers = keep
        self.at(now + RESTART_SECONDS, "power_on")

    def sim_ready(self, now):
        return now >= self.sim_ready_at

    def set_registered(self, flag):
        """The network takes the module on or off; +CREG / +CEREG URCs when enabled."""
        if flag == self.registered:
            return
        self.registered = flag
        stat = "1" if flag else "2"
        if self.creg_n:
            self.urc("+CREG: " + stat)
        if self.cereg_n:
            self.urc("+CEREG: " + stat)

    def can_receive(self, now):
        return sms.can_receive(self, now)

    def deliver(self, pdu, tpdu_len, now, report=False):
        """The network offers an SMS-DELIVER (bytes with the SMSC address; ``report``: a
        STATUS-REPORT): stored with +CMTI / +CDSI or shown with +CMT / +CDS as AT+CNMI asks.
        False means not now (off, unregistered, storage full): the network retries."""
        return sms.deliver(self, pdu, tpdu_len, now, report)

    # ---- timers ------------------------------------------------------------------------

    def at(self, when, action, arg=None):
        self.timers.append([when, action, arg])

    def next_deadline(self):
        """When ``tick`` has work next, or None."""
        best = None
        for t in self.timers:
            if best is None or t[0] < best:
                best = t[0]
        return best

    def tick(self, now):
        """Run the timers that are due; returns the output."""
        while True:
            due = None
            for t in self.timers:
                if t[0] <= now and (due is None or t[0] < due[0]):
                    due = t
            if due is None:
                break
            self.timers.remove(due)
            self._timer(due[1], due[2], now)
        return self.data_to_send()

    def _timer(self, action, arg, now):
        if action == "boot":
            self.powered = True
            for line in self.boot_lines:
                if line == "+CPIN: READY" and not self.sim_ready(now):
                    self.at(self.sim_ready_at, "urc", "+CPIN: READY")
                else:
                    self.urc(line)
        elif action == "urc":
            self.urc(arg)
        elif action == "power_on":
            self.power_on(now)
        elif action == "reboot":
            self.reboot(now)
        elif action == "register":
            self.set_registered(True)
        elif action == "ack_timeout":
            sms.ack_timeout(self, arg)

    # ---- bytes in / out ------------------------------------------------------------------

    def receive_data(self, data, now):
        """Bytes from the host (DTE); returns the answer bytes.  Any bytes are accepted: a
        module that is starting ignores them, a bad command is answered with an error."""
        self.tick(now)
        if self.powered:
            for b in data:
                self._byte(b, now)
        return self.data_to_send()

    def data_to_send(self):
        out = bytes(self.out)
        self.out = bytearray()
        return out

    def take_network_events(self):
        events, self.network_events = self.network_events, []
        return events

    def lines(self, lines):
        for line in lines:
            self.out.extend(b"\r\n" + _enc(line) + b"\r\n")

    def urc(self, line):
        self.urcs((line,))

    def urcs(self, lines):
        """Unsolicited lines; while a PDU is typed they wait for its final result (a module does
        not break into a command in progress)."""
        if not self.powered:
            return
        if self.pdu_len is not None:
            self.held.extend(lines)
        else:
            self.lines(lines)

    def _release(self):
        held, self.held = self.held, []
        self.lines(held)

    def _byte(self, b, now):
        if self.pdu_len is not None:
            self._pdu_byte(b, now)
            return
        if self.echo:
            self.out.append(b)
        if b == 0x0D:
            line = self._take_text()
            start = line.upper().find("AT")
            if start > 0:
                line = line[start:]  # like a module, skip noise (an ESC, a stray byte) before "AT"
            if line:
                self._command(line, now)
        elif b == 0x0A:
            pass
        elif b == 0x08:
            if self.inbuf:
                self.inbuf = self.inbuf[:-1]
        elif len(self.inbuf) < MAX_LINE:
            self.inbuf.append(b)
            if len(self.inbuf) == 2 and self.inbuf[0] in (0x41, 0x61) and self.inbuf[1] == 0x2F:
                self.inbuf = bytearray()  # "A/": the last command line again, no CR (V.250 5.2.4)
                if self.last_line is not None:
                    self._command(self.last_line, now)

    def _take_text(self):
        text = _dec(self.inbuf).strip()
        self.inbuf = bytearray()
        return text

    def _pdu_byte(self, b, now):
        if b == 0x1B:  # ESC: leave PDU entry without sending (27.005 3.5.1); modules answer OK
            self.inbuf = bytearray()
            self.pdu_len = None
            self.lines(("OK",))
            self._release()
            return
        if self.echo:
            self.out.append(b)
        if b == 0x1A:
            length = self.pdu_len
            self.pdu_len = None
            lines, final = sms.submit(self, length, self._take_text(), now)
            self._answer(lines, final, now)
            self._release()
        elif b not in (0x0D, 0x0A) and len(self.inbuf) < MAX_LINE:
            self.inbuf.append(b)

    # ---- commands ------------------------------------------------------------------------

    def _command(self, line, now):
        self.stats["commands"] += 1
        if self.commands is not None:
            self.commands.append(line)
        self.last_line = line
        if not line.upper().startswith("AT"):
            self._answer([], "ERROR", now)
            return
        if self.faults.hit("drop"):
            return
        if self.faults.hit("reboot"):
            self.reboot(now)
            return
        lines = []
        for command in commands.pieces(line):  # "AT+X;+Y": in turn, the first error ends the line
            more, final = self.execute(command, now)
            lines.extend(more)
            if final != "OK":
                break
        if final is None:
            if lines:
                self.lines(("\r\n".join(lines),))
            self.out.extend(b"\r\n> ")  # waiting for the PDU
            return
        self._answer(lines, final, now)

    def _answer(self, lines, final, now):
        if lines:
            self.out.extend(b"\r\n" + b"\r\n".join(_enc(x) for x in lines) + b"\r\n")
        self.out.extend(b"\r\n" + _enc(final) + b"\r\n")
        faults = self.faults
        if faults.hit("garbage"):
            self.out.extend(b"\r\n" + faults.noise() + b"\r\n")
        if faults.hit("storm"):
            self.lines([("+CREG: 1", "+CEREG: 1", "RING", "+CSQ: 20,99")[i % 4] for i in range(20)])
        if faults.hit("unreg"):
            self.set_registered(False)
            self.at(now + UNREG_SECONDS, "register")

    def error(self, code):
        """The final result for CME error ``code`` as AT+CMEE asks for it."""
        return commands.cme_error(self.cmee, code)

    def execute(self, line, now):
        """``(lines, final)`` for one command line; final None while a PDU is expected."""
        name, arg, query, test = commands.split(line)
        if name is None:
            return [], self.error(4)
        handler = commands.find(name)
        if handler is None:
            return [], self.error(4)
        try:
            return handler(self, arg, query, test, now)
        except (Lib12333Error, ValueError, IndexError, TypeError, AttributeError):
            return [], self.error(4)  # a parameter the command cannot use: "operation not supported"


def _dec(data):
    """Bytes to text one character per byte (latin-1, which MicroPython has no codec for)."""
    for b in data:
        if b > 0x7F:
            return "".join(chr(c) for c in data)
    return bytes(data).decode()


def _enc(line):
    if not isinstance(line, str):
        return line
    out = line.encode()
    if len(out) == len(line):
        return out
    return bytes(ord(c) & 0xFF for c in line)
