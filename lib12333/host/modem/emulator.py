"""
An emulated GSM / LTE modem on a real pseudo-terminal.

Each ``EmulatedModem`` owns a pty pair (``os.openpty``, raw mode); the slave's
path (``/dev/pts/N``) is what pyserial, gammu, minicom or our engine open.  The
modem speaks the AT subset in ``protocols/at/README.md``: identity, SIM,
registration, signal, SMS in PDU mode (send with prompt and Ctrl-Z, storage
with CPMS/CMGR/CMGL/CMGD, indications with CNMI, direct delivery with CNMA,
status reports).  It is driven by ``network.Simulator``'s single loop thread,
which also runs the emulated network that joins the modems.

The emulator checks what it is sent the way a strict module does: a PDU whose
length disagrees with ``AT+CMGS=<n>`` or that does not decode as SMS-SUBMIT is
refused with ``+CMS ERROR: 304``.
"""

import errno
import os
import tty

from lib12333.errors import Lib12333Error
from lib12333.modem import at

# what each emulated family prints; data only
MODELS = {
    "SIM800": ("SIMCOM_Ltd", "SIMCOM_SIM800C", "Revision:1418B05SIM800C24", ("RDY", "+CFUN: 1", "+CPIN: READY",
                                                                            "Call Ready", "SMS Ready")),
    "A7670C": ("SIMCOM INCORPORATED", "A7670C-LASE", "A011B07A7670M7", ("*ATREADY: 1", "+CPIN: READY",
                                                                        "SMS DONE", "PB DONE")),
    "SIM7600CE": ("SIMCOM INCORPORATED", "SIMCOM_SIM7600CE-T", "LE20B04SIM7600M22", ("RDY", "+CPIN: READY",
                                                                                       "SMS DONE", "PB DONE")),
    "EC200": ("Quectel", "EC200U", "EC200UCNAAR03A11M08", ("RDY", "+CPIN: READY", "+QIND: SMS DONE",
                                                           "+QIND: PB DONE")),
    "EC800N": ("Quectel", "EC800N", "EC800NCNLCR01A04M16", ("RDY", "+CPIN: READY", "+QIND: SMS DONE",
                                                            "+QIND: PB DONE")),
    "EG25": ("Quectel", "EG25", "EG25GGBR07A08M2G", ("RDY", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE",
                                                     "+QIND: PB DONE")),
}

MEMORIES = ("SM", "ME")
REBOOT_SECONDS = 0.3
CNMA_SECONDS = 10.0

_CME_TEXT = {3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
             14: "SIM busy", 21: "invalid index", 30: "no network service", 100: "unknown"}


class EmulatedModem:
    def __init__(self, sim, index, number, model="SIM7600CE", capacity=30):
        self.sim = sim
        self.index = index
        self.number = number
        self.model = model
        self.maker, self.model_name, self.revision, self.boot_lines = MODELS[model]
        self.imei = "86" + str(4500000000000 + 1000 * index + 17)[:13]
        self.imsi = "46000" + str(1234500000 + index)
        self.iccid = "898600" + str(10000000000000 + index)
        self.capacity = capacity
        self.store = {m: {} for m in MEMORIES}  # index -> [stat, pdu_hex, tpdu_len]
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.outbuf = bytearray()
        self.out_at = 0.0  # answers leave in order even with random latency
        self.registered = True
        self.smsc = sim.network.smsc
        self.mr = 0
        self.powered = False
        self.stats = {"commands": 0, "reboots": 0, "submitted": 0, "received": 0}
        self.power_on()

    # ---- power and state ------------------------------------------------------

    def power_on(self):
        now = self.sim.now()
        self.echo = True
        self.cmee = 0
        self.cmgf = 0
        self.cnmi = [0, 0, 0, 0, 0]
        self.csms = 0
        self.creg_n = 0
        self.cereg_n = 0
        self.mems = ["SM", "SM", "SM"]
        self.inbuf = bytearray()
        self.pdu_len = None  # set while waiting for the PDU after AT+CMGS=<n>
        self.pending_ack = []
        self.sim_ready_at = now + self.sim.faults.sim
        self.booted_at = now + REBOOT_SECONDS
        self.powered = False
        self.sim.at(self.booted_at, self._boot_done)

    def _boot_done(self):
        self.powered = True
        for line in self.boot_lines:
            if line == "+CPIN: READY" and self.sim.now() < self.sim_ready_at:
                self.sim.at(self.sim_ready_at, lambda: self._urc("+CPIN: READY"))
                continue
            self._urc(line)

    def reboot(self):
        self.stats["reboots"] += 1
        self.powered = False
        self.inbuf = bytearray()
        self.sim.at(self.sim.now() + 0.05, self.power_on)

    def sim_ready(self):
        return self.sim.now() >= self.sim_ready_at

    def set_registered(self, flag):
        if flag == self.registered:
            return
        self.registered = flag
        stat = 1 if flag else 2
        if self.creg_n:
            self._urc("+CREG: " + str(stat))
        if self.cereg_n:
            self._urc("+CEREG: " + str(stat))

    # ---- bytes in / out ------------------------------------------------------------

    def fileno(self):
        return self.master

    def on_readable(self):
        try:
            data = os.read(self.master, 4096)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EIO):
                return
            raise
        if not self.powered:
            return  # a module that is starting hears nothing
        for b in data:
            self._byte(b)

    def flush(self):
        if not self.outbuf:
            return
        try:
            n = os.write(self.master, bytes(self.outbuf))
        except OSError as exc:
            if exc.errno == errno.EAGAIN:
                if len(self.outbuf) > 65536:  # nobody reads the port: forget old output
                    del self.outbuf[:32768]
                return
            raise
        del self.outbuf[:n]

    def write(self, data):
        faults = self.sim.faults
        now = self.sim.now()
        if faults.latency:
            t = max(now + faults.rng.random() * faults.latency, self.out_at)
            self.out_at = t
            self.sim.at(t, lambda: self._put(data))
        else:
            self._put(data)

    def _put(self, data):
        self.outbuf.extend(data)
        self.flush()

    def _lines(self, lines):
        self.write(b"".join(b"\r\n" + _enc(line) + b"\r\n" for line in lines))

    def _urc(self, line):
        if self.powered:
            self._lines([line])

    # ---- command line ----------------------------------------------------------------

    def _byte(self, b):
        if self.pdu_len is not None:
            if b == 0x1A:
                if self.echo:
                    self.write(bytes((b,)))
                data = bytes(self.inbuf).strip()
                self.inbuf = bytearray()
                length = self.pdu_len
                self.pdu_len = None
                self._answer(*self._submit(length, data))
            elif b == 0x1B:
                self.inbuf = bytearray()
                self.pdu_len = None
            else:
                if self.echo:
                    self.write(bytes((b,)))
                if b not in (0x0D, 0x0A):
                    self.inbuf.append(b)
            return
        if self.echo:
            self.write(bytes((b,)))
        if b == 0x0D:
            line = bytes(self.inbuf).decode("latin-1").strip()
            self.inbuf = bytearray()
            start = line.upper().find("AT")
            if start > 0:
                line = line[start:]  # like a module, skip noise (an ESC, a stray byte) before "AT"
            if line:
                self._command(line)
        elif b == 0x0A:
            pass
        elif b == 0x08 and self.inbuf:
            self.inbuf.pop()
        elif len(self.inbuf) < 4096:
            self.inbuf.append(b)

    def _command(self, line):
        faults = self.sim.faults
        self.stats["commands"] += 1
        if not line.upper().startswith("AT"):
            self._answer([], "ERROR")
            return
        if faults.hit("drop"):
            return
        if faults.hit("reboot"):
            self.reboot()
            return
        lines, final = self.execute(line)
        if final is None:
            return  # waiting for a PDU
        self._answer(lines, final)

    def _answer(self, lines, final):
        faults = self.sim.faults
        out = b""
        if lines:
            out = b"\r\n" + b"\r\n".join(_enc(x) for x in lines) + b"\r\n"
        self.write(out + b"\r\n" + _enc(final) + b"\r\n")
        if faults.hit("garbage"):
            noise = bytes(0x80 + faults.rng.randrange(0x7F) for _ in range(faults.rng.randrange(1, 40)))
            self.write(b"\r\n" + noise + b"\r\n")
        if faults.hit("storm"):
            storm = []
            for i in range(20):
                storm.append(("+CREG: 1", "+CEREG: 1", "RING", "+CSQ: 20,99")[i % 4])
            self._lines(storm)
        if faults.hit("unreg"):
            self.set_registered(False)
            self.sim.at(self.sim.now() + 1.0, lambda: self.set_registered(True))

    def error(self, code):
        if self.cmee == 0:
            return "ERROR"
        if self.cmee == 2 and code in _CME_TEXT:
            return "+CME ERROR: " + _CME_TEXT[code]
        return "+CME ERROR: " + str(code)

    def execute(self, line):
        """``(lines, final)`` for one command line; final None while a PDU is expected."""
        up = line.upper()
        body = up[2:]
        if body == "" or body in ("Z", "&F", "&W", "V1", "Q0", "E0E0", "&D0", "&C1"):
            return [], "OK"
        if body in ("E0", "E1"):
            self.echo = body == "E1"
            return [], "OK"
        if body == "I" or body == "I0":
            return ["Manufacturer: " + self.maker, "Model: " + self.model_name, "Revision: " + self.revision,
                    "IMEI: " + self.imei, "+GCAP: +CGSM"], "OK"
        if not body.startswith("+") and not body.startswith("*"):
            return [], self.error(4)
        name = body
        arg = None
        query = False
        test = False
        if "=?" in body:
            name = body[: body.index("=?")]
            test = True
        elif "=" in body:
            name = body[: body.index("=")]
            arg = line[2 + body.index("=") + 1 :]
        elif body.endswith("?"):
            name = body[:-1]
            query = True
        handler = getattr(self, "c_" + name[1:].replace("&", "_"), None)
        if handler is None:
            return [], self.error(4)
        try:
            return handler(arg, query, test)
        except Lib12333Error:
            return [], self.error(4)
        except (ValueError, IndexError, TypeError):
            return [], self.error(4)

    # ---- identity, SIM, network ------------------------------------------------------

    def c_CGMI(self, arg, q, t):
        return [self.maker], "OK"

    c_GMI = c_CGMI

    def c_CGMM(self, arg, q, t):
        return [self.model_name], "OK"

    c_GMM = c_CGMM

    def c_CGMR(self, arg, q, t):
        return [self.revision], "OK"

    c_GMR = c_CGMR

    def c_CGSN(self, arg, q, t):
        return [self.imei], "OK"

    c_GSN = c_CGSN

    def c_CIMI(self, arg, q, t):
        if not self.sim_ready():
            return [], self.error(14)
        return [self.imsi], "OK"

    def c_CCID(self, arg, q, t):
        if not self.sim_ready():
            return [], self.error(14)
        return ["+ICCID: " + self.iccid], "OK"

    c_CICCID = c_CCID
    c_ICCID = c_CCID

    def c_QCCID(self, arg, q, t):
        if not self.sim_ready():
            return [], self.error(14)
        return ["+QCCID: " + self.iccid], "OK"

    def c_GCAP(self, arg, q, t):
        return ["+GCAP: +CGSM"], "OK"

    def c_CMEE(self, arg, q, t):
        if q:
            return ["+CMEE: " + str(self.cmee)], "OK"
        if t:
            return ["+CMEE: (0-2)"], "OK"
        self.cmee = int(arg)
        if self.cmee not in (0, 1, 2):
            raise ValueError
        return [], "OK"

    def c_CPIN(self, arg, q, t):
        if not self.sim_ready():
            return [], self.error(14)
        if q:
            return ["+CPIN: READY"], "OK"
        return [], self.error(3)

    def c_CSQ(self, arg, q, t):
        return ["+CSQ: " + ("21,99" if self.registered else "99,99")], "OK"

    def _reg(self, name, attr, arg, q, t):
        stat = 1 if self.registered else 2
        if q:
            return ["+" + name + ": " + str(getattr(self, attr)) + "," + str(stat)], "OK"
        if t:
            return ["+" + name + ": (0-2)"], "OK"
        setattr(self, attr, int(arg))
        return [], "OK"

    def c_CREG(self, arg, q, t):
        return self._reg("CREG", "creg_n", arg, q, t)

    def c_CEREG(self, arg, q, t):
        return self._reg("CEREG", "cereg_n", arg, q, t)

    def c_CGREG(self, arg, q, t):
        return self._reg("CGREG", "creg_n", arg, q, t)

    def c_COPS(self, arg, q, t):
        if q:
            if not self.registered:
                return ["+COPS: 0"], "OK"
            return ['+COPS: 0,0,"CHINA MOBILE",7'], "OK"
        return [], "OK"

    def c_CFUN(self, arg, q, t):
        if q:
            return ["+CFUN: 1"], "OK"
        if t:
            return ["+CFUN: (0,1,4),(0,1)"], "OK"
        if arg.replace(" ", "") == "1,1":
            self.sim.at(self.sim.now() + 0.05, self.reboot)
        return [], "OK"

    def c_CSCS(self, arg, q, t):
        if q:
            return ['+CSCS: "IRA"'], "OK"
        if t:
            return ['+CSCS: ("IRA","GSM","UCS2","HEX","8859-1")'], "OK"
        return [], "OK"

    # accepted and ignored: settings with no effect on an emulated module
    def _ok(self, arg, q, t):
        return [], "OK"

    c_QURCCFG = c_CATR = c_CSMP = c_CLIP = c_CRC = c_CSDH = c_IFC = c_ICF = c_IPR = c_CMMS = c_CVHU = _ok

    # ---- SMS ---------------------------------------------------------------------------

    def _sms_ready(self):
        if not self.sim_ready():
            return "+CMS ERROR: 314"
        return None

    def c_CMGF(self, arg, q, t):
        if q:
            return ["+CMGF: " + str(self.cmgf)], "OK"
        if t:
            return ["+CMGF: (0)"], "OK"
        if arg.strip() != "0":
            return [], "+CMS ERROR: 303"  # PDU mode only
        self.cmgf = 0
        return [], "OK"

    def c_CSMS(self, arg, q, t):
        if q:
            return ["+CSMS: " + str(self.csms) + ",1,1,1"], "OK"
        if t:
            return ["+CSMS: (0,1)"], "OK"
        self.csms = int(arg)
        return ["+CSMS: 1,1,1"], "OK"

    def c_CSCA(self, arg, q, t):
        if q:
            return ['+CSCA: "' + self.smsc + '",' + ("145" if self.smsc.startswith("+") else "129")], "OK"
        p = at.split_params(arg)
        self.smsc = p[0] or ""
        return [], "OK"

    def _cpms_counts(self):
        out = []
        for m in self.mems:
            out.append(str(len(self.store[m])))
            out.append(str(self.capacity))
        return ",".join(out)

    def c_CPMS(self, arg, q, t):
        err = self._sms_ready()
        if err:
            return [], err
        if t:
            return ['+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")'], "OK"
        if q:
            parts = []
            for m in self.mems:
                parts.append('"' + m + '",' + str(len(self.store[m])) + "," + str(self.capacity))
            return ["+CPMS: " + ",".join(parts)], "OK"
        p = at.split_params(arg)
        for i in range(min(3, len(p))):
            m = p[i].upper() if type(p[i]) is str else None
            if m == "MT" or m == "SR":
                m = "SM"
            if m not in MEMORIES:
                return [], "+CMS ERROR: 302"
            self.mems[i] = m
        return ["+CPMS: " + self._cpms_counts()], "OK"

    def c_CNMI(self, arg, q, t):
        if q:
            return ["+CNMI: " + ",".join(str(v) for v in self.cnmi)], "OK"
        if t:
            return ["+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"], "OK"
        p = at.split_params(arg)
        for i in range(min(5, len(p))):
            if p[i] is not None:
                self.cnmi[i] = int(p[i])
        return [], "OK"

    def c_CNMA(self, arg, q, t):
        if t:
            return ["+CNMA: (0-2)"], "OK"
        if self.csms != 1 or not self.pending_ack:
            return [], "+CMS ERROR: 340"
        self.pending_ack.pop(0)
        return [], "OK"

    def c_CMGS(self, arg, q, t):
        if t:
            return [], "OK"
        err = self._sms_ready()
        if err:
            return [], err
        n = int(arg.strip())
        if not (7 <= n <= 164):
            return [], "+CMS ERROR: 304"
        self.pdu_len = n
        self.write(b"\r\n> ")
        return [], None

    def _submit(self, length, data):
        from lib12333.sms.pdu import decode

        faults = self.sim.faults
        try:
            raw = at.parse_hex(data.decode("latin-1"))
            msg = decode(raw)
        except Lib12333Error:
            return [], "+CMS ERROR: 304"
        sc_len = raw[0] + 1
        if msg.type != "SMS-SUBMIT" or len(raw) - sc_len != length:
            return [], "+CMS ERROR: 304"
        if not self.registered:
            return [], "+CMS ERROR: 331"
        if not self.smsc and raw[0] == 0:
            return [], "+CMS ERROR: 330"
        if faults.hit("cms"):
            return [], "+CMS ERROR: " + str(faults.cms_codes[faults.rng.randrange(len(faults.cms_codes))])
        self.mr = (self.mr + 1) % 256
        self.stats["submitted"] += 1
        self.sim.network.submit(self, raw[sc_len:], msg, self.mr)
        return ["+CMGS: " + str(self.mr)], "OK"

    def _index(self, arg):
        i = int(at.split_params(arg)[0])
        if not (0 <= i < self.capacity):
            raise IndexError
        return i

    def c_CMGR(self, arg, q, t):
        if t:
            return [], "OK"
        err = self._sms_ready()
        if err:
            return [], err
        try:
            i = self._index(arg)
        except IndexError:
            return [], "+CMS ERROR: 321"
        slot = self.store[self.mems[0]].get(i)
        if slot is None:
            return [], "OK"
        line = "+CMGR: " + str(slot[0]) + ",," + str(slot[2])
        if slot[0] == 0:
            slot[0] = 1
        return [line, slot[1]], "OK"

    def c_CMGL(self, arg, q, t):
        if t:
            return ["+CMGL: (0-4)"], "OK"
        err = self._sms_ready()
        if err:
            return [], err
        stat = 4 if arg is None or not arg.strip() else int(arg.strip())
        out = []
        mem = self.store[self.mems[0]]
        for i in sorted(mem):
            slot = mem[i]
            if stat == 4 or slot[0] == stat:
                out.append("+CMGL: " + str(i) + "," + str(slot[0]) + ",," + str(slot[2]))
                out.append(slot[1])
                if slot[0] == 0:
                    slot[0] = 1
        return out, "OK"

    def c_CMGD(self, arg, q, t):
        if t:
            return ["+CMGD: (" + ",".join(str(i) for i in sorted(self.store[self.mems[0]])) + "),(0-4)"], "OK"
        err = self._sms_ready()
        if err:
            return [], err
        p = at.split_params(arg)
        flag = p[1] if len(p) > 1 and p[1] is not None else 0
        mem = self.store[self.mems[0]]
        if flag == 0:
            try:
                i = self._index(arg)
            except IndexError:
                return [], "+CMS ERROR: 321"
            mem.pop(i, None)
        else:
            for i in list(mem):
                if flag == 4 or (flag == 1 and mem[i][0] == 1) or (flag in (2, 3) and mem[i][0] in (1, 3)):
                    mem.pop(i)
        self.sim.network.kick()
        return [], "OK"

    # ---- from the network ----------------------------------------------------------------

    def can_receive(self):
        return self.powered and self.registered and self.sim_ready()

    def _free_index(self, mem):
        store = self.store[mem]
        for i in range(self.capacity):
            if i not in store:
                return i
        return None

    def deliver(self, pdu, tpdu_len, report=False):
        """Offer one PDU (with SMSC prefix); False = not now (the network retries)."""
        if not self.can_receive():
            return False
        hexpdu = pdu.hex().upper()
        direct = (self.cnmi[3] == 1) if report else (self.cnmi[1] in (2, 3))
        if self.cnmi[0] != 0 and direct:
            if report:
                if self.csms == 1:
                    self.pending_ack.append(hexpdu)
                self._lines(["+CDS: " + str(tpdu_len), hexpdu])
                return True
            self._lines(["+CMT: ," + str(tpdu_len), hexpdu])
            self.stats["received"] += 1
            if self.csms == 1:
                self.pending_ack.append(hexpdu)
                self.sim.at(self.sim.now() + CNMA_SECONDS, lambda: self._ack_timeout(hexpdu, tpdu_len))
            return True
        if report and self.cnmi[3] == 0:
            return True  # reports not wanted
        mem = self.mems[2]
        i = self._free_index(mem)
        if i is None:
            return False
        self.store[mem][i] = [0, hexpdu, tpdu_len]
        if not report:
            self.stats["received"] += 1
        want = (self.cnmi[3] == 2) if report else (self.cnmi[1] == 1)
        if self.cnmi[0] != 0 and want and not self.sim.faults.hit("urcdrop"):
            self._urc(("+CDSI: " if report else "+CMTI: ") + '"' + mem + '",' + str(i))
        return True

    def _ack_timeout(self, hexpdu, tpdu_len):
        if hexpdu in self.pending_ack:
            # not acknowledged in time: keep it in storage as real modules do
            self.pending_ack.remove(hexpdu)
            mem = self.mems[2]
            i = self._free_index(mem)
            if i is not None:
                self.store[mem][i] = [0, hexpdu, tpdu_len]

    def close(self):
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


def _enc(line):
    return line.encode("latin-1") if isinstance(line, str) else line
