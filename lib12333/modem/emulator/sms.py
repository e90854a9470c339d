"""
The emulator's SMS side (PDU mode, 3GPP 27.005): message storage, the SMS commands,
sending (``AT+CMGS`` and its PDU) and delivery from the network (``deliver``).

Storage is two memories, "SM" and "ME", each ``{index: [stat, pdu_hex, tpdu_len]}``
with stat 0 (received unread), 1 (received read); ``AT+CPMS`` chooses which one
reading (``mems[0]``) and new messages (``mems[2]``) use.
"""

from lib12333.errors import Lib12333Error
from lib12333.modem import at

MEMORIES = ("SM", "ME")
# AT+CMGD=<index>,<delflag>: the stats each flag deletes (27.005 3.5.4): 1 read, 2 also sent,
# 3 also unsent, 4 everything
_DELETED_BY = {1: (1,), 2: (1, 3), 3: (1, 2, 3), 4: (0, 1, 2, 3)}
CNMI_VALUES = ((0, 1, 2), (0, 1, 2, 3), (0, 2), (0, 1, 2), (0, 1))  # as AT+CNMI=? shows them
CNMA_SECONDS = 10.0  # a direct delivery not acknowledged in time is stored instead


class Store:
    def __init__(self, capacity):
        self.capacity = capacity
        self.mems = {"SM": {}, "ME": {}}

    def free_index(self, mem):
        slots = self.mems[mem]
        for i in range(self.capacity):
            if i not in slots:
                return i
        return None

    def put(self, mem, pdu_hex, tpdu_len):
        """The index the message was stored at, or None when the memory is full."""
        i = self.free_index(mem)
        if i is not None:
            self.mems[mem][i] = [0, pdu_hex, tpdu_len]
        return i


def _needs_sim(handler):
    """The command answers CMS 314 (SIM busy) until the SIM is ready; its test form works at once."""

    def checked(m, arg, q, t, now):
        if not t and not m.sim_ready(now):
            return [], "+CMS ERROR: 314"
        return handler(m, arg, q, t, now)

    return checked


def cmgf(m, arg, q, t, now):
    if q:
        return ["+CMGF: " + str(m.cmgf)], "OK"
    if t:
        return ["+CMGF: (0)"], "OK"
    if arg.strip() != "0":
        return [], "+CMS ERROR: 303"  # PDU mode only: "operation not supported"
    m.cmgf = 0
    return [], "OK"


def csms(m, arg, q, t, now):
    if q:
        return ["+CSMS: " + str(m.csms) + ",1,1,1"], "OK"
    if t:
        return ["+CSMS: (0,1)"], "OK"
    value = int(arg)
    if value not in (0, 1):
        raise ValueError
    m.csms = value
    return ["+CSMS: 1,1,1"], "OK"


@_needs_sim
def cpms(m, arg, q, t, now):
    mems = m.store.mems
    if t:
        return ['+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")'], "OK"
    if q:
        return ["+CPMS: " + ",".join('"' + x + '",' + str(len(mems[x])) + "," + str(m.store.capacity)
                                     for x in m.mems)], "OK"
    p = at.split_params(arg)
    for i in range(min(3, len(p))):
        name = p[i].upper() if type(p[i]) is str else None
        if name == "MT" or name == "SR":
            name = "SM"
        if name not in MEMORIES:
            return [], "+CMS ERROR: 302"  # operation not allowed
        m.mems[i] = name
    return ["+CPMS: " + ",".join(str(len(mems[x])) + "," + str(m.store.capacity) for x in m.mems)], "OK"


def cnmi(m, arg, q, t, now):
    if q:
        return ["+CNMI: " + ",".join(str(v) for v in m.cnmi)], "OK"
    if t:
        return ["+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"], "OK"
    p = at.split_params(arg)
    values = list(m.cnmi)
    for i in range(min(5, len(p))):
        if p[i] is not None:
            values[i] = int(p[i])
            if values[i] not in CNMI_VALUES[i]:
                raise ValueError  # refused whole: nothing changes
    m.cnmi = values
    return [], "OK"


def cnma(m, arg, q, t, now):
    if t:
        return ["+CNMA: (0-2)"], "OK"
    if m.csms != 1 or not m.pending_ack:
        return [], "+CMS ERROR: 340"  # no +CNMA acknowledgement expected
    m.pending_ack.pop(0)
    return [], "OK"


@_needs_sim
def cmgs(m, arg, q, t, now):
    if t:
        return [], "OK"
    n = int(arg.strip())
    if not (7 <= n <= 164):
        return [], "+CMS ERROR: 304"  # invalid PDU mode parameter
    m.pdu_len = n
    return [], None


def submit(m, length, text, now):
    """The PDU typed after the prompt (hex, with its SMSC address): ``(lines, final)``.  A module
    refuses a PDU whose length disagrees with ``AT+CMGS=<n>`` or that is no SMS-SUBMIT (CMS 304)."""
    from lib12333.sms.pdu import decode

    try:
        raw = at.parse_hex(text)
        msg = decode(raw)
    except Lib12333Error:
        return [], "+CMS ERROR: 304"
    sc_len = raw[0] + 1
    if msg.type != "SMS-SUBMIT" or len(raw) - sc_len != length:
        return [], "+CMS ERROR: 304"
    if not m.registered:
        return [], "+CMS ERROR: 331"  # no network service
    if not m.smsc and raw[0] == 0:
        return [], "+CMS ERROR: 330"  # SMSC address unknown
    if m.faults.hit("cms"):
        return [], "+CMS ERROR: " + str(m.faults.cms_code())
    m.mr = (m.mr + 1) % 256
    m.stats["submitted"] += 1
    m.network_events.append(("submit", m.mr, raw[sc_len:], msg))
    return ["+CMGS: " + str(m.mr)], "OK"


def _index(m, arg):
    i = at.split_params(arg)[0]
    if type(i) is not int or not (0 <= i < m.store.capacity):
        return None
    return i


def _listed(slot):
    """A stored message is read once it has been shown (27.005: "REC UNREAD" becomes "REC READ")."""
    if slot[0] == 0:
        slot[0] = 1


@_needs_sim
def cmgr(m, arg, q, t, now):
    if t:
        return [], "OK"
    i = _index(m, arg)
    if i is None:
        return [], "+CMS ERROR: 321"  # invalid memory index
    slot = m.store.mems[m.mems[0]].get(i)
    if slot is None:
        return [], "OK"
    line = "+CMGR: " + str(slot[0]) + ",," + str(slot[2])
    _listed(slot)
    return [line, slot[1]], "OK"


@_needs_sim
def cmgl(m, arg, q, t, now):
    if t:
        return ["+CMGL: (0-4)"], "OK"
    stat = 4 if arg is None or not arg.strip() else int(arg.strip())
    if not (0 <= stat <= 4):
        raise ValueError
    out = []
    mem = m.store.mems[m.mems[0]]
    for i in sorted(mem):
        slot = mem[i]
        if stat == 4 or slot[0] == stat:
            out.append("+CMGL: " + str(i) + "," + str(slot[0]) + ",," + str(slot[2]))
            out.append(slot[1])
            _listed(slot)
    return out, "OK"


@_needs_sim
def cmgd(m, arg, q, t, now):
    mem = m.store.mems[m.mems[0]]
    if t:
        return ["+CMGD: (" + ",".join(str(i) for i in sorted(mem)) + "),(0-4)"], "OK"
    p = at.split_params(arg)
    flag = p[1] if len(p) > 1 and p[1] is not None else 0
    if flag != 0 and flag not in _DELETED_BY:
        raise ValueError  # 27.005 <delflag> is 0..4
    if flag == 0:
        i = _index(m, arg)
        if i is None:
            return [], "+CMS ERROR: 321"
        mem.pop(i, None)
    else:
        for i in sorted(mem):
            if mem[i][0] in _DELETED_BY[flag]:
                mem.pop(i)
    m.network_events.append(("freed",))
    return [], "OK"


TABLE = {"+CMGF": cmgf, "+CSMS": csms, "+CPMS": cpms, "+CNMI": cnmi, "+CNMA": cnma, "+CMGS": cmgs,
         "+CMGR": cmgr, "+CMGL": cmgl, "+CMGD": cmgd}


# ---- from the network ----------------------------------------------------------------------


def can_receive(m, now):
    return m.powered and m.registered and m.sim_ready(now)


def deliver(m, pdu, tpdu_len, now, report=False):
    """Offer one SMS-DELIVER (or with ``report`` a STATUS-REPORT), bytes with the SMSC
    address; False means not now (off, unregistered, storage full): the network retries."""
    if not can_receive(m, now):
        return False
    hexpdu = pdu.hex().upper()
    cnmi = m.cnmi
    direct = (cnmi[3] == 1) if report else (cnmi[1] in (2, 3))
    if cnmi[0] != 0 and direct:
        if report:
            if m.csms == 1:
                m.pending_ack.append(hexpdu)
            m.urcs(("+CDS: " + str(tpdu_len), hexpdu))
            return True
        m.urcs(("+CMT: ," + str(tpdu_len), hexpdu))
        m.stats["received"] += 1
        if m.csms == 1:
            m.pending_ack.append(hexpdu)
            m.at(now + CNMA_SECONDS, "ack_timeout", (hexpdu, tpdu_len))
        return True
    if report and cnmi[3] == 0:
        return True  # reports not wanted
    mem = m.mems[2]
    i = m.store.put(mem, hexpdu, tpdu_len)
    if i is None:
        return False
    if not report:
        m.stats["received"] += 1
    want = (cnmi[3] == 2) if report else (cnmi[1] == 1)
    if cnmi[0] != 0 and want and not m.faults.hit("urcdrop"):
        m.urc(("+CDSI: " if report else "+CMTI: ") + '"' + mem + '",' + str(i))
    return True


def ack_timeout(m, arg):
    """A direct delivery not acknowledged in time stays in storage, as real modules keep it."""
    hexpdu, tpdu_len = arg
    if hexpdu in m.pending_ack:
        m.pending_ack.remove(hexpdu)
        m.store.put(m.mems[2], hexpdu, tpdu_len)
