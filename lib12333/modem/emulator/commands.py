"""
The emulator's command table: a command line split into name and parameters, and one
handler per command (identity, SIM, registration, settings; SMS in ``sms.py``).

A handler is ``handler(m, arg, query, test, now) -> (lines, final)``: ``m`` the
``ModemEmulator``, ``arg`` the text after ``=`` (None without one), ``query`` for
``AT+X?``, ``test`` for ``AT+X=?``; ``final`` is "OK", an error line, or None when the
module now waits for a PDU.  Adding a command is a handler here (or in ``sms.py``) and
one entry in ``TABLE``; docs/modem.md, "The modem emulator", has an example.
"""

from lib12333.modem import at
from lib12333.modem.emulator import sms

# AT+CMEE=2 texts of the CME errors the emulator gives
_CME_TEXT = {3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
             14: "SIM busy", 21: "invalid index", 30: "no network service", 100: "unknown"}

# basic commands (no "+") that are accepted and change nothing
_BASIC_OK = ("", "Z", "&F", "&W", "V1", "Q0", "E0E0", "&D0", "&C1")


def cme_error(cmee, code):
    if cmee == 0:
        return "ERROR"
    if cmee == 2 and code in _CME_TEXT:
        return "+CME ERROR: " + _CME_TEXT[code]
    return "+CME ERROR: " + str(code)


def pieces(line):
    """The commands of one line, each as "AT..." : ``AT+X=1;+Y?`` gives ``AT+X=1`` and ``AT+Y?``
    (a ``;`` inside a quoted string belongs to the string; empty pieces are dropped)."""
    out = []
    start = 2
    quoted = False
    for i in range(2, len(line)):
        c = line[i]
        if c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            out.append(line[start:i])
            start = i + 1
    out.append(line[start:])
    return ["AT" + x.strip() for x in out if x.strip()] or [line[:2]]


def split(line):
    """``(name, arg, query, test)`` of a command line that starts with "AT"; name None when
    it is no extended command.  Basic commands come back with their own names ("E0", "I")."""
    up = line.upper()
    body = up[2:]
    if body in _BASIC_OK:
        return "", None, False, False
    if body in ("E0", "E1", "I", "I0"):
        return body, None, False, False
    if not body.startswith("+") and not body.startswith("*"):
        return None, None, False, False
    if "=?" in body:
        return body[: body.index("=?")], None, False, True
    if "=" in body:
        cut = body.index("=")
        return body[:cut], line[2 + cut + 1:], False, False
    if body.endswith("?"):
        return body[:-1], None, True, False
    return body, None, False, False


def find(name):
    return TABLE.get(name) or sms.TABLE.get(name)


def ok(m, arg, q, t, now):
    """Accepted and ignored: settings with no effect on an emulated module."""
    return [], "OK"


def echo_off(m, arg, q, t, now):
    m.echo = False
    return [], "OK"


def echo_on(m, arg, q, t, now):
    m.echo = True
    return [], "OK"


def ati(m, arg, q, t, now):
    return ["Manufacturer: " + m.maker, "Model: " + m.model_name, "Revision: " + m.revision,
            "IMEI: " + m.imei, "+GCAP: +CGSM"], "OK"


def cgmi(m, arg, q, t, now):
    return [m.maker], "OK"


def cgmm(m, arg, q, t, now):
    return [m.model_name], "OK"


def cgmr(m, arg, q, t, now):
    return [m.revision], "OK"


def cgsn(m, arg, q, t, now):
    return [m.imei], "OK"


def gcap(m, arg, q, t, now):
    return ["+GCAP: +CGSM"], "OK"


def _sim_line(prefix, attr):
    def handler(m, arg, q, t, now):
        if not m.sim_ready(now):
            return [], m.error(14)  # SIM busy
        return [prefix + getattr(m, attr)], "OK"

    return handler


cimi = _sim_line("", "imsi")
ccid = _sim_line("+ICCID: ", "iccid")
qccid = _sim_line("+QCCID: ", "iccid")


def cpin(m, arg, q, t, now):
    if not m.sim_ready(now):
        return [], m.error(14)
    if q:
        return ["+CPIN: READY"], "OK"
    return [], m.error(3)  # no PIN to enter


def csq(m, arg, q, t, now):
    """Signal quality ``m.rssi``, ``m.ber`` (by default 21, 99: -71 dBm, a good indoor signal, error rate
    unknown); 99,99 off the network."""
    if t:
        return ["+CSQ: (0-31,99),(0-7,99)"], "OK"
    return ["+CSQ: %d,%d" % ((m.rssi, m.ber) if m.registered else (99, 99))], "OK"


def _setting(name, attr, top, with_stat=False):
    """A numeric setting 0..top: ``=n`` sets it, ``?`` shows it (with the registration status
    for CREG and its kin), ``=?`` shows the range."""

    def handler(m, arg, q, t, now):
        if q:
            line = "+" + name + ": " + str(getattr(m, attr))
            return [line + ("," + ("1" if m.registered else "2") if with_stat else "")], "OK"
        if t:
            return ["+" + name + ": (0-" + str(top) + ")"], "OK"
        value = int(arg)
        if not (0 <= value <= top):
            raise ValueError
        setattr(m, attr, value)
        return [], "OK"

    return handler


cmee = _setting("CMEE", "cmee", 2)
creg = _setting("CREG", "creg_n", 2, True)
cereg = _setting("CEREG", "cereg_n", 2, True)
cgreg = _setting("CGREG", "creg_n", 2, True)


def cops(m, arg, q, t, now):
    if q:
        return (['+COPS: 0,0,"CHINA MOBILE",7'] if m.registered else ["+COPS: 0"]), "OK"
    return [], "OK"


def cfun(m, arg, q, t, now):
    if q:
        return ["+CFUN: 1"], "OK"
    if t:
        return ["+CFUN: (0,1,4),(0,1)"], "OK"
    if arg.replace(" ", "") == "1,1":
        m.at(now + 0.05, "reboot")  # answers OK first, then restarts
    return [], "OK"


def _fixed(query, test):
    """A setting the emulated module shows as ``query`` and ``test`` and takes without effect."""

    def handler(m, arg, q, t, now):
        if q or t:
            return [query if q else test], "OK"
        return [], "OK"

    return handler


cscs = _fixed('+CSCS: "IRA"', '+CSCS: ("IRA","GSM","UCS2","HEX","8859-1")')


def csca(m, arg, q, t, now):
    if q:
        return ['+CSCA: "' + m.smsc + '",' + ("145" if m.smsc.startswith("+") else "129")], "OK"
    p = at.split_params(arg)
    m.smsc = p[0] if type(p[0]) is str else ("" if p[0] is None else str(p[0]))
    return [], "OK"


TABLE = {
    "": ok, "E0": echo_off, "E1": echo_on, "I": ati, "I0": ati,
    "+CGMI": cgmi, "+GMI": cgmi, "+CGMM": cgmm, "+GMM": cgmm, "+CGMR": cgmr, "+GMR": cgmr,
    "+CGSN": cgsn, "+GSN": cgsn, "+GCAP": gcap,
    "+CIMI": cimi, "+CCID": ccid, "+CICCID": ccid, "+ICCID": ccid, "+QCCID": qccid, "+CPIN": cpin,
    "+CMEE": cmee, "+CSQ": csq, "+CREG": creg, "+CEREG": cereg, "+CGREG": cgreg, "+COPS": cops,
    "+CFUN": cfun, "+CSCS": cscs, "+CSCA": csca,
    "+QURCCFG": ok, "+CATR": ok, "+CSMP": ok, "+CLIP": ok, "+CRC": ok, "+CSDH": ok, "+IFC": ok,
    "+ICF": ok, "+IPR": ok, "+CMMS": ok, "+CVHU": ok,
}
