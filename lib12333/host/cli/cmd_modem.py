"""``lib12333 modem`` (technician tools for a GSM/LTE modem) and ``lib12333 modem-sim`` (emulated modems)."""

import sys

from lib12333.host.cli import EXIT_FAILED, EXIT_NO, EXIT_OK
from lib12333.host.cli.common import serve_for, stop_on_sigterm, usage_handler
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit, progress
from lib12333.modem import events


def register(subparsers):
    parser = subparsers.add_parser(
        "modem",
        help="talk to a GSM/LTE modem: identity, signal, send and receive SMS",
        description="Technician tools for the SMS modem of a kiosk or a small centre (SIMCom SIM800, A7670C, "
        "SIM7600CE; Quectel EC200, EC800N, EG25, or any 3GPP AT modem). Phone numbers, IMSI and ICCID are "
        "masked unless --show-pii.",
    )
    sub = parser.add_subparsers(dest="modem_command", metavar="ACTION")

    def common(p):
        p.add_argument("--port", required=True, help="serial device, e.g. /dev/ttyUSB2, COM5 or /dev/pts/3")
        p.add_argument("--baud", type=int, default=115200, help="baud rate (default 115200)")
        p.add_argument("--profile", help="module profile (SIM800, A7670C, SIM7600CE, EC200, EC800N, EG25, "
                       "generic); default: detect from AT+CGMM")
        p.add_argument("--timeout", type=float, default=60.0, help="seconds before giving up (default 60)")
        add_show_pii(p, "print phone numbers, IMSI and ICCID unmasked")
        add_json_flag(p)

    info = sub.add_parser("info", help="model, firmware, IMEI, IMSI, ICCID, signal, registration, SMSC, storage",
                          description="Initialise the modem and print what a technician checks first.")
    common(info)
    info.set_defaults(handler=_info)

    send = sub.add_parser("send", help="send one SMS (long and Chinese text split automatically)",
                          description="Send TEXT to NUMBER in PDU mode. Exit 0 when the SMSC accepted every part "
                          "(and, with --report, the status reports say delivered), 5 when it failed.")
    common(send)
    send.add_argument("--to", required=True, help="destination number (+86... or national)")
    send.add_argument("--text", required=True, help="message text (UTF-8; GSM 7-bit or UCS2 chosen automatically)")
    send.add_argument("--report", action="store_true", help="request status reports and wait for them")
    send.set_defaults(handler=_send)

    listen = sub.add_parser("listen", help="print received SMS as they arrive, reassembled",
                            description="Print each received message once, multipart messages joined, then delete "
                            "it from the modem (unless --keep). Runs until Ctrl-C, --count or --timeout.")
    common(listen)
    listen.add_argument("--count", type=int, help="stop after this many messages")
    listen.add_argument("--keep", action="store_true", help="leave messages in the modem's storage")
    listen.set_defaults(handler=_listen, timeout=None)

    ports = sub.add_parser("ports", help="list serial ports and running emulated modems",
                           description="Serial ports (with USB maker when known) and the ptys of a running "
                           "'lib12333 modem-sim'.")
    add_json_flag(ports)
    ports.set_defaults(handler=_ports)

    errs = sub.add_parser("errors", help="what +CMS ERROR / +CME ERROR codes mean",
                          description="The error tables the engine uses: meaning and whether a retry can help.")
    errs.add_argument("code", nargs="?", type=int, help="one code to explain")
    errs.add_argument("--cme", action="store_true", help="+CME ERROR table instead of +CMS ERROR")
    add_json_flag(errs)
    errs.set_defaults(handler=_errors)
    parser.set_defaults(handler=usage_handler(parser))

    sim = subparsers.add_parser(
        "modem-sim",
        help="run emulated modems on ptys joined by an emulated network",
        description="Start COUNT emulated modems, each on a pseudo-terminal that pyserial, gammu or a terminal "
        "can open, joined by an emulated network/SMSC that routes SMS by number and returns status reports. "
        "Prints the device paths, then runs until Ctrl-C.",
    )
    sim.add_argument("--count", type=int, default=2, help="number of modems (default 2)")
    sim.add_argument("--numbers", nargs="+", help="their phone numbers (default +8613800000001, ...)")
    sim.add_argument("--model", default="SIM7600CE",
                     help="emulated module: SIM800, A7670C, SIM7600CE, EC200, EC800N, EG25 (default SIM7600CE)")
    sim.add_argument("--faults", default="", help="fault injection, e.g. 'latency=0.2,cms=0.1,reboot=0.05,seed=3' "
                     "(names: latency drop dup cms garbage storm reboot sim unreg full urcdrop seed)")
    sim.add_argument("--duration", type=float, help="stop after this many seconds (default: run until Ctrl-C)")
    add_show_pii(sim, "print the modems' phone numbers unmasked")
    add_json_flag(sim)
    sim.set_defaults(handler=_sim)


def _mask_phone(number, show):
    if show or not number:
        return number
    from lib12333.identifiers import mask_phone

    return mask_phone(number)


def _mask_keep(value, head, tail, show):
    if show or not value:
        return value
    n = len(value)
    if n <= head + tail:
        return "*" * n
    return value[:head] + "*" * (n - head - tail) + value[n - tail :]


def mask_text(text, show):
    """Message text with ID, card and phone numbers masked (``lib12333.masking.mask_text``) unless ``show``."""
    if show or not text:
        return text
    from lib12333.masking import mask_text as mask

    return mask(text)


def _open(args):
    from lib12333.host.modem.transport import SerialModem
    from lib12333.modem import profiles

    profile = profiles.get(args.profile) if args.profile else None
    return SerialModem(args.port, args.baud, profile=profile)


def _info(args):
    with _open(args) as m:
        progress("initialising " + args.port + " ...")
        m.init(args.timeout)
        info = m.info(args.timeout)
    show = args.show_pii
    info["imsi"] = _mask_keep(info.get("imsi"), 5, 2, show)
    info["iccid"] = _mask_keep(info.get("iccid"), 6, 4, show)
    info["smsc"] = _mask_phone(info.get("smsc"), show)
    info["port"] = args.port
    emit(info, args.json, _render_info)
    return EXIT_OK


def _render_info(d):
    sig = d.get("signal") or {}
    lines = [
        "port          " + str(d.get("port")),
        "profile       " + str(d.get("profile")),
        "manufacturer  " + str(d.get("manufacturer")),
        "model         " + str(d.get("model")),
        "firmware      " + str(d.get("revision")),
        "IMEI          " + str(d.get("imei")),
        "IMSI          " + str(d.get("imsi")),
        "ICCID         " + str(d.get("iccid")),
        "signal        " + ("no signal" if sig.get("dbm") is None else str(sig.get("dbm")) + " dBm (CSQ "
                            + str(sig.get("rssi")) + ")"),
    ]
    for tech in ("gsm", "lte"):
        r = d.get("registration_" + tech)
        if r is not None:
            lines.append(("reg. " + tech.upper()).ljust(14) + r["text"] + " (" + str(r["stat"]) + ")")
    st = d.get("storage") or {}
    lines.append("operator      " + str(d.get("operator")))
    lines.append("SMSC          " + str(d.get("smsc") or "NOT SET: sending fails with +CMS ERROR: 330"))
    lines.append("SMS storage   " + str(st.get("memory")) + " " + str(st.get("used")) + "/" + str(st.get("total")))
    for k in sorted(d.get("errors") or {}):
        lines.append("error " + k + ": " + d["errors"][k])
    return "\n".join(lines)


def _send(args):
    with _open(args) as m:
        progress("initialising " + args.port + " ...")
        m.init(args.timeout)
        progress("sending ...")
        ev, reports = m.send(args.to, args.text, report=args.report, timeout=args.timeout)
    ok = ev.kind == events.SENT
    out = {"to": _mask_phone(args.to, args.show_pii), "ok": ok, "parts": [{"seq": s, "mr": mr} for s, mr in
                                                                             (ev.parts if ok else ev.sent)]}
    if not ok:
        out["error"] = str(ev.error)
        out["code"] = getattr(ev.error, "code", None)
        out["retryable"] = getattr(ev.error, "retryable", None)
        out["failed_part"] = ev.failed_seq
    if args.report:
        out["reports"] = [{"seq": r.seq, "mr": r.mr, "status": r.status, "status_kind": r.status_kind}
                          for r in reports]
        if ok and (len(reports) < len(ev.parts) or any(r.status_kind != "delivered" for r in reports)):
            out["ok"] = ok = False
            out["error"] = "not every part was reported delivered"
    emit(out, args.json, _render_send)
    return EXIT_OK if ok else EXIT_FAILED


def _render_send(d):
    if d["ok"]:
        text = "sent to " + str(d["to"]) + ": " + ", ".join(
            "part " + str(p["seq"]) + " ref " + str(p["mr"]) for p in d["parts"])
        for r in d.get("reports", []):
            text += "\nreport part " + str(r["seq"]) + ": " + str(r["status_kind"])
        return text
    return "FAILED to send to " + str(d["to"]) + ": " + str(d.get("error")) + (
        " (retryable)" if d.get("retryable") else "")


def _listen(args):
    import json
    import time

    got = 0
    with _open(args) as m:
        progress("initialising " + args.port + " ...")
        m.init(60.0 if args.timeout is None else args.timeout)
        progress("listening on " + args.port + " (Ctrl-C to stop)")
        end = None if args.timeout is None else m.clock() + args.timeout
        while args.count is None or got < args.count:
            if end is not None and m.clock() >= end:
                break
            for ev in m.pump(0.2):
                if ev.kind == events.MESSAGE:
                    msg = ev.message
                    text = ev.text if not ev.complete else msg.text
                    rec = {"from": _mask_phone(msg.number if msg is not None else None, args.show_pii),
                           "time": msg.scts.isoformat() if msg is not None and msg.scts is not None else None,
                           "text": mask_text(text, args.show_pii), "parts": getattr(msg, "parts", 1),
                           "complete": ev.complete, "encoding": getattr(msg, "encoding", None)}
                    if args.json:
                        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    else:
                        sys.stdout.write("[" + str(rec["time"]) + "] " + str(rec["from"]) + ": " + str(rec["text"])
                                         + ("" if ev.complete else "  (INCOMPLETE)") + "\n")
                    sys.stdout.flush()
                    if not args.keep:
                        m.engine.confirm(ev.token)
                    got += 1
                elif ev.kind == events.BAD_MESSAGE:
                    progress("undecodable message in storage: " + str(ev.error))
                elif ev.kind in (events.REBOOT, events.INIT_FAILED, events.REGISTRATION, events.STORAGE):
                    progress(ev.kind + ": " + repr(ev.fields))
        deadline = time.monotonic() + 5
        while not m.engine.idle() and time.monotonic() < deadline:
            m.pump(0.1)  # let the deletes finish
    return EXIT_OK if got or args.count is None else EXIT_NO


def _ports(args):
    from lib12333.host.modem.transport import list_ports

    ports = list_ports()
    emit(ports, args.json, lambda ps: "\n".join(
        p["device"] + "  " + p["kind"] + "  " + str(p["description"]) + (
            "  [" + p["maker"] + "]" if p.get("maker") else "") for p in ps) or "no serial ports found")
    return EXIT_OK if ports else EXIT_NO


def _errors(args):
    from lib12333.modem import errors

    kind = "cme" if args.cme else "cms"
    rows = errors.table_rows(kind)
    if args.code is not None:
        meaning, retry = errors.lookup(kind, args.code)
        rows = [(args.code, "retryable" if retry else "permanent", meaning)]
    data = [{"code": c, "class": k, "meaning": m} for c, k, m in rows]
    emit(data, args.json, lambda d: "\n".join(
        ("+" + kind.upper() + " ERROR: " + str(r["code"])).ljust(20) + r["class"].ljust(11) + r["meaning"]
        for r in d))
    return EXIT_OK


def _sim(args):

    from lib12333.errors import ConfigError
    from lib12333.host.modem import transport
    from lib12333.host.modem.emulator import MODELS
    from lib12333.host.modem.faults import Faults
    from lib12333.host.modem.network import Simulator

    if args.model not in MODELS:
        raise ConfigError("unknown model", "--model", None, args.model, ", ".join(sorted(MODELS)))
    faults = Faults.parse(args.faults)
    count = len(args.numbers) if args.numbers else args.count
    sim = Simulator(count, args.numbers, faults, args.model)
    data = [{"number": _mask_phone(n, args.show_pii), "device": p, "model": args.model} for n, p in sim.paths()]
    transport.write_registry(sim, args.model)
    emit({"modems": data, "faults": faults.describe()} if args.json else data, args.json,
         lambda d: "\n".join(x["device"] + "  " + x["number"] + "  " + x["model"] for x in d)
         + "\nfaults: " + faults.describe() + "\nrunning; Ctrl-C to stop")

    stop_on_sigterm()
    sim.start()
    try:
        serve_for(args.duration)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        transport.clear_registry()
        progress("stopped: " + ", ".join(m.number[-4:] + " sent " + str(m.stats["submitted"]) + " received "
                                         + str(m.stats["received"]) for m in sim.modems))
    return EXIT_OK
