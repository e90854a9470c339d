"""
The engine's operations, each a generator ``op(ctx, *args)``: it yields
``Command`` / ``Sleep`` and receives a ``Response`` (or None after a sleep);
``ctx`` is the ``operation.Context`` (settings, modem state, a few actions).
The engine runs one at a time, so every operation owns the line until it returns.

    init(ctx)            ATE0, CMEE=2, model, SIM, CMGF=0, CPMS, CNMI, CREG, CSCA, then a storage scan
    info(ctx)            identity, signal, registration, SMSC, storage -> INFO event
    send(ctx, id, parts, deadline)  AT+CMGS per part, retries retryable errors
    read(ctx, mem, i)    AT+CMGR=i -> ctx.deliver (delete only after confirm)
    delete(ctx, mem, i)  AT+CMGD=i (that index only; never "delete all")
    scan(ctx)            AT+CMGL=4: stored messages whose +CMTI was missed
    ack(ctx)             AT+CNMA after a direct +CMT / +CDS

``OPERATIONS`` at the end registers each by name with its queue priority; the
engine queues them by that name (``Engine.run(name, *args)``).  A new operation
is a generator here plus one line in ``OPERATIONS`` (docs/development.md).
"""

from lib12333.errors import DeadlineError, DeviceError, Lib12333Error
from lib12333.modem import at, events, profiles
from lib12333.modem.operation import FIRST, NORMAL, URGENT, Command, Sleep

SYNC_TRIES = 10
SIM_WAIT = 30  # seconds for "+CPIN: READY" after a start
SMS_WAIT = 30  # seconds for SMS commands to stop answering "not ready"


def retryable(err):
    """Timeouts and retryable device errors may succeed on a second try."""
    if isinstance(err, DeadlineError):
        return True
    return bool(getattr(err, "retryable", False))


def _must(resp, what):
    if not resp.ok:
        raise resp.error if resp.error is not None else DeviceError(what + ": failed")


def _retrying(ctx, cmd, wait):
    """Run ``cmd``; on a retryable error try again for up to ``wait`` seconds."""
    end = ctx.now + wait
    while True:
        r = yield cmd
        if r.ok or r.error is None or not retryable(r.error) or ctx.now >= end:
            return r
        yield Sleep(1.0)


def _select_memory(ctx, mem):
    if mem is not None and mem != ctx.memory:
        r = yield Command("AT+CPMS=" + at.quote(mem), "+CPMS:")
        _must(r, "AT+CPMS")
        ctx.memory = mem


def init(ctx):
    try:
        for _ in range(SYNC_TRIES):
            r = yield Command("AT", timeout=1.0)
            if r.ok:
                break
            # a module left waiting for a PDU after "> " (the host restarted mid-send) takes
            # every byte as PDU text until ESC: cancel that before trying again
            ctx.write(b"\x1b")
        else:
            raise DeadlineError("init: the modem does not answer AT")
        _must((yield Command("ATE0")), "ATE0")
        _must((yield Command("AT+CMEE=2")), "AT+CMEE")
        if ctx.auto_profile:
            r = yield Command("AT+CGMM")
            ctx.profile = profiles.detect(r.first() if r.ok else "")
        prof = ctx.profile
        end = ctx.now + SIM_WAIT
        while True:
            r = yield Command("AT+CPIN?", "+CPIN:")
            state = r.first("+CPIN:") if r.ok else None
            if state == "READY":
                break
            if ctx.now >= end or (r.error is not None and not retryable(r.error)):
                raise DeviceError("init: SIM not ready (" + str(state or r.final) + ")", code="SIM",
                                  retryable=True)
            yield Sleep(1.0)
        for extra in prof.uart_init:
            yield Command(extra)  # best effort: USB-connected modules refuse some
        _must((yield from _retrying(ctx, Command("AT+CMGF=0"), SMS_WAIT)), "AT+CMGF")
        ctx.cnma = False
        if ctx.direct:
            r = yield Command("AT+CSMS=1", "+CSMS:")
            ctx.cnma = r.ok
        mem = at.quote(prof.memory)
        r = yield from _retrying(ctx, Command("AT+CPMS=" + mem + "," + mem + "," + mem, "+CPMS:"), SMS_WAIT)
        _must(r, "AT+CPMS")
        ctx.memory = prof.memory
        used, total = _cpms_counts(r.first("+CPMS:"))
        ctx.capacity = total
        cnmi = prof.cnmi_direct if ctx.direct else prof.cnmi
        _must((yield Command("AT+CNMI=" + cnmi)), "AT+CNMI")
        yield Command("AT+CREG=1")
        if prof.lte:
            yield Command("AT+CEREG=1")
        r = yield Command("AT+CSCA?", "+CSCA:")
        smsc = _first_param(r.first("+CSCA:")) if r.ok else None
        if not smsc and ctx.smsc:
            _must((yield Command("AT+CSCA=" + at.quote(ctx.smsc) + ",145")), "AT+CSCA")
            smsc = ctx.smsc
        ctx.ready = True
        ctx.emit(events.READY, profile=prof.name, memory=prof.memory, used=used, total=total, smsc=smsc)
        if used is not None and total and used >= total:
            ctx.emit(events.STORAGE, used=used, total=total, full=True)
        yield from scan(ctx)
    except Lib12333Error as exc:
        ctx.emit(events.INIT_FAILED, error=exc)
        yield Sleep(ctx.init_retry)
        ctx.queue("init")


def _cpms_counts(text):
    if not text:
        return None, None
    try:
        p = at.split_params(text, "+CPMS")
    except Lib12333Error:
        return None, None
    # "+CPMS: used,total,..." (set) or '+CPMS: "SM",used,total,...' (query)
    if p and type(p[0]) is str:
        p = p[1:]
    if len(p) >= 2 and type(p[0]) is int and type(p[1]) is int:
        return p[0], p[1]
    return None, None


def _first_param(text):
    if not text:
        return None
    try:
        p = at.split_params(text, "+CSCA")
    except Lib12333Error:
        return None
    return p[0] if p and type(p[0]) is str and p[0] else None


def scan(ctx):
    """List stored messages (PDU mode stat 4 = all) and process the ones not yet seen."""
    r = yield Command("AT+CMGL=4", "+CMGL:", timeout=4 * ctx.command_timeout)
    if not r.ok:
        return
    lines = r.lines
    for i in range(len(lines)):
        line = lines[i]
        if not line.startswith("+CMGL:") or i + 1 >= len(lines) or lines[i + 1].startswith("+CMGL:"):
            continue
        try:
            index = at.param_int(at.split_params(at.payload(line), "+CMGL"), 0, "+CMGL index")
        except Lib12333Error:
            continue
        loc = (ctx.memory, index)
        if ctx.claim(loc):
            ctx.deliver(lines[i + 1], loc)


def read(ctx, mem, index):
    loc = (mem, index)
    try:
        yield from _select_memory(ctx, mem)
        r = yield Command("AT+CMGR=" + str(index), "+CMGR:")
        if not r.ok:
            if r.error is not None and retryable(r.error):
                yield Sleep(1.0)  # the slot stays marked: a repeated +CMTI meanwhile queues nothing
                ctx.read_later(mem, index)
            else:
                ctx.release(loc)
            return
        pdu = None
        for i in range(len(r.lines) - 1):
            if r.lines[i].startswith("+CMGR:"):
                pdu = r.lines[i + 1]
        if pdu is None:
            ctx.release(loc)  # empty slot
            return
        ctx.deliver(pdu, loc)
    except Lib12333Error:
        ctx.release(loc)
        raise


def delete(ctx, mem, index):
    loc = (mem, index)
    for _ in range(3):
        try:
            yield from _select_memory(ctx, mem)
        except Lib12333Error:
            continue
        r = yield Command("AT+CMGD=" + str(index))
        if r.ok or (r.error is not None and not retryable(r.error)):
            break
        yield Sleep(1.0)
    if ctx.release(loc) == "reread":
        ctx.read_later(mem, index)


def ack(ctx):
    yield Command("AT+CNMA")


def send(ctx, sid, parts, deadline):
    sent = []
    prof = ctx.profile
    timeout = ctx.send_timeout or (float(prof.send_timeout) if prof is not None else 60.0)
    for part in parts:
        tries = 0
        while True:
            if ctx.now >= deadline:
                ctx.emit(events.SEND_FAILED, id=sid, error=DeadlineError("send: deadline passed"), sent=sent,
                         failed_seq=part.seq)
                return
            left = deadline - ctx.now
            cmd = Command("AT+CMGS=" + str(part.tpdu_length), "+CMGS:", timeout=min(timeout, left),
                          data=part.hex, prompt_timeout=min(ctx.prompt_timeout, left), until=deadline)
            r = yield cmd
            tries += 1
            if r.ok:
                mr = None
                try:
                    mr = at.param_int(at.split_params(r.first("+CMGS:") or "", "+CMGS"), 0, "+CMGS")
                except Lib12333Error:
                    pass
                sent.append((part.seq, mr))
                if mr is not None:
                    ctx.sent_part(sid, part.seq, mr)
                break
            err = r.error
            if tries >= ctx.send_retries or not retryable(err):
                ctx.emit(events.SEND_FAILED, id=sid, error=err, sent=sent, failed_seq=part.seq)
                return
            yield Sleep(min(2.0 * tries, max(0.0, deadline - ctx.now)))
    ctx.emit(events.SENT, id=sid, parts=sent)


INFO = (
    ("manufacturer", "AT+CGMI", None),
    ("model", "AT+CGMM", None),
    ("revision", "AT+CGMR", None),
    ("imei", "AT+CGSN", None),
    ("imsi", "AT+CIMI", None),
)


def _csq(r):
    """{"rssi", "dbm", "ber"} of an ``AT+CSQ`` answer (DecodeError when it does not parse)."""
    p = at.split_params(r.first("+CSQ:") or "", "+CSQ")
    rssi = at.param_int(p, 0, "+CSQ rssi")
    return {"rssi": rssi, "dbm": None if rssi == 99 else -113 + 2 * rssi, "ber": p[1] if len(p) > 1 else None}


def signal(ctx):
    """AT+CSQ alone (the kiosk's status report): INFO event {"signal": {"rssi", "dbm", "ber"} or None}."""
    r = yield Command("AT+CSQ", "+CSQ:")
    value = None
    if r.ok:
        try:
            value = _csq(r)
        except Lib12333Error:
            value = None
    ctx.emit(events.INFO, info={"signal": value})


def info(ctx):
    out = {}
    errors = {}
    for name, text, prefix in INFO:
        r = yield Command(text, prefix)
        out[name] = _clean(r.first()) if r.ok else None
        if not r.ok:
            errors[name] = str(r.error)
    prof = ctx.profile or profiles.detect(out.get("model"))
    r = yield Command(prof.ccid)
    out["iccid"] = _clean(r.first()) if r.ok else None
    if not r.ok:
        errors["iccid"] = str(r.error)
    r = yield Command("AT+CSQ", "+CSQ:")
    out["signal"] = None
    if r.ok:
        try:
            out["signal"] = _csq(r)
        except Lib12333Error as exc:
            errors["signal"] = str(exc)
    for name, text, prefix in (("gsm", "AT+CREG?", "+CREG:"), ("lte", "AT+CEREG?", "+CEREG:")):
        if name == "lte" and not prof.lte:
            continue
        r = yield Command(text, prefix)
        out["registration_" + name] = None
        if r.ok:
            try:
                p = at.split_params(r.first(prefix) or "", prefix)
                stat = at.param_int(p, 1, prefix + " stat")
                out["registration_" + name] = {"stat": stat, "text": REG_TEXT.get(stat, "unknown")}
                ctx.registration(name, stat)
            except Lib12333Error as exc:
                errors["registration_" + name] = str(exc)
    r = yield Command("AT+COPS?", "+COPS:")
    out["operator"] = None
    if r.ok:
        try:
            p = at.split_params(r.first("+COPS:") or "", "+COPS")
            out["operator"] = p[2] if len(p) > 2 else None
        except Lib12333Error:
            pass
    r = yield Command("AT+CSCA?", "+CSCA:")
    out["smsc"] = _first_param(r.first("+CSCA:")) if r.ok else None
    r = yield Command("AT+CPMS?", "+CPMS:")
    used, total = _cpms_counts(r.first("+CPMS:")) if r.ok else (None, None)
    out["storage"] = {"memory": ctx.memory, "used": used, "total": total}
    out["profile"] = prof.name
    out["errors"] = errors
    ctx.emit(events.INFO, info=out)


REG_TEXT = {0: "not registered, not searching", 1: "registered, home", 2: "searching", 3: "denied",
            4: "unknown", 5: "registered, roaming"}


def _clean(text):
    if text is None:
        return None
    text = text.strip()
    if text.startswith('"') and text.endswith('"') and len(text) > 1:
        text = text[1:-1]
    return text


# name -> (generator function, queue priority; see operation.py).  The engine knows operations only
# by these names: a new one is its generator above and one line here.
OPERATIONS = {
    "init": (init, FIRST),
    "read": (read, URGENT),
    "delete": (delete, URGENT),
    "ack": (ack, URGENT),
    "send": (send, NORMAL),
    "info": (info, NORMAL),
    "signal": (signal, NORMAL),
    "scan": (scan, NORMAL),
}
