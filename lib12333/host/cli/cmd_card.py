"""``lib12333 card``: read a social-security card, list readers, run the card emulator."""

import sys

from lib12333.host.cli import EXIT_DATA, EXIT_FAILED, EXIT_IO, EXIT_OK
from lib12333.host.cli.common import serve_for, usage_handler
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit, progress


def register(subparsers):
    parser = subparsers.add_parser(
        "card",
        help="read social-security cards, list readers, run the card emulator",
        description="Social-security card (社会保障卡) tools: read the basic data through a PC/SC reader, a CCID "
        "serial (GemPC Twin) reader on a serial port, or the built-in emulator; list PC/SC readers; run the "
        "emulator behind pcscd's virtual reader (vpcd) or as a CCID serial reader on a pty.",
    )
    sub = parser.add_subparsers(dest="card_command", metavar="ACTION")

    read = sub.add_parser(
        "read",
        help="read the card's basic data (iReadCardBas)",
        description="Select the SSSE application, read EF05 and EF06 and print the holder data, or the "
        "11-item iReadCardBas string with --format readcardbas. Personal data (SSN, name, card number, "
        "card identification code, birth date) is masked unless --show-pii. On failure the iReadCardBas "
        "error code and text are printed; exit status 5 (card or reader refused), 4 (reader unusable), "
        "3 (card data malformed).",
    )
    where = read.add_mutually_exclusive_group()
    where.add_argument("--reader", metavar="NAME", help="PC/SC reader whose name contains NAME (default: the first)")
    where.add_argument("--port", help="CCID serial reader (GemPC Twin framing, 115200 8N2) on this serial port")
    where.add_argument("--emulator", action="store_true", help="read the built-in emulated card (in-process)")
    read.add_argument("--spec", choices=("1.0", "2.0", "3.0"), default="3.0",
                      help="spec version of the emulated card with --emulator (default 3.0)")
    read.add_argument("--emulator-key", metavar="HEX",
                      help="RKSSSE key of lib12333's emulator scheme, for 3.0 cards served by `card sim` "
                      "(real 3.0 cards need a PSAM or security module authenticator: see docs/card.md)")
    read.add_argument("--wait", type=float, default=5.0, help="seconds to wait for a card in a PC/SC reader (default 5)")
    read.add_argument("--timeout", type=float, default=3.0, help="seconds per command on a serial reader (default 3)")
    read.add_argument("--terminal-no", default="000000000000",
                      help="terminal number item of the iReadCardBas string (default: 12 zeros, no PSAM)")
    read.add_argument("--device-no", default="", help="device number item of the iReadCardBas string (default empty)")
    read.add_argument("--format", choices=("fields", "readcardbas"), default="fields",
                      help="text output: one field per line (default) or the iReadCardBas string")
    add_show_pii(read, "print personal data unmasked")
    add_json_flag(read)
    read.set_defaults(handler=_read)

    lst = sub.add_parser("readers", help="list PC/SC readers", description="List the readers pcscd knows.")
    add_json_flag(lst)
    lst.set_defaults(handler=_readers)

    sim = sub.add_parser(
        "sim",
        help="run the card emulator for other programs (vpcd or a CCID serial pty)",
        description="Run the emulated card until interrupted: --vpcd connects it to pcscd's virtual reader "
        "(vsmartcard-vpcd, 127.0.0.1:35963); --pty serves it as a GemPC Twin CCID serial reader on a new pty "
        "and prints the pty path and a reader.conf entry for pcscd's libccidtwin driver.",
    )
    mode = sim.add_mutually_exclusive_group(required=True)
    mode.add_argument("--vpcd", action="store_true", help="connect to vpcd on --host:--vpcd-port")
    mode.add_argument("--pty", action="store_true", help="serve a CCID serial reader on a pty")
    sim.add_argument("--host", default="127.0.0.1", help="vpcd host (default 127.0.0.1)")
    sim.add_argument("--vpcd-port", type=int, default=35963, help="vpcd port (default 35963)")
    sim.add_argument("--spec", choices=("1.0", "2.0", "3.0"), default="3.0", help="card spec version (default 3.0)")
    sim.add_argument("--name", default="\u5f20\u4e09", help="holder name (GBK-encodable)")
    sim.add_argument("--ssn", default="111111198101011110", help="social-security number (18 characters)")
    sim.add_argument("--card", "--card-number", dest="card_number", default="X00000019", help="card number (卡号, 9 characters)")
    sim.add_argument("--pin", default="123456", help="card PIN (4-16 digits)")
    sim.add_argument("--seconds", type=float, default=None, help="stop after this many seconds (default: run until ^C)")
    sim.set_defaults(handler=_sim)

    parser.set_defaults(handler=usage_handler(parser))


PII_FIELDS = ("ssn", "name", "card_number", "card_id", "birth_date")


def mask_info(data):
    """Mask the personal items of a card-data dict (keys of CardInfo.as_dict / readcardbas FIELDS)."""
    from lib12333.identifiers import mask_card, mask_id, mask_name

    out = dict(data)
    for key in PII_FIELDS:
        value = out.get(key)
        if not value:
            continue
        if key == "name":
            out[key] = mask_name(value)
        elif key == "card_number":
            out[key] = mask_card(value)
        elif key == "birth_date":
            out[key] = value[:4] + "*" * (len(value) - 4)
        else:
            out[key] = mask_id(value)
    return out


def _make_reader(args):
    from lib12333.host.card import emulator, readers

    if args.port:
        return readers.SerialCcidReader(args.port, timeout=args.timeout), None
    if args.emulator:
        card = emulator.EmulatedCard(emulator.CardProfile.for_spec(args.spec))
        return emulator.InProcessReader(card), emulator.SoftwareAuthenticator()
    return readers.PcscReader(args.reader, wait=args.wait), None


def _read(args):
    from lib12333.card import readcardbas
    from lib12333.errors import DecodeError, DeviceError, Lib12333Error
    from lib12333.host.card import emulator, readers

    reader, auth = _make_reader(args)
    if args.emulator_key:
        auth = emulator.SoftwareAuthenticator(bytes.fromhex(args.emulator_key))
    try:
        info = readers.read_card(reader, auth)
    except Lib12333Error as exc:
        code = readcardbas.error_code(exc)
        text = readcardbas.error_text(code)
        if isinstance(exc, DecodeError):
            status = EXIT_DATA
        elif isinstance(exc, DeviceError) and exc.code == "reader":
            status = EXIT_IO
        else:
            status = EXIT_FAILED
        if args.json:
            emit({"ok": False, "code": code, "text": text, "error": str(exc)}, True)
        else:
            print("error: %s (iReadCardBas %d %s)" % (exc, code, text), file=sys.stderr)
        return status
    data = info.as_dict()
    data["name"] = info.name
    basic = readcardbas.parse_basic(readcardbas.format_basic(info, args.terminal_no, args.device_no))
    if not args.show_pii:
        data = mask_info(data)
        basic = mask_info(basic)
    text = "".join(v + "|" for v in basic.values())
    result = {"ok": True, "reader": getattr(reader, "name", None), "card": data, "readcardbas": text,
              "authenticated": info.authenticated, "masked": not args.show_pii}
    if args.json:
        emit(result, True)
    elif args.format == "readcardbas":
        print(text)
    else:
        emit(result, False, _render)
    return EXIT_OK


def _render(result):
    lines = ["reader: %s" % result["reader"]]
    for key, value in result["card"].items():
        lines.append("%-13s %s" % (key + ":", "" if value is None else value))
    lines.append("external auth: %s" % ("done" if result["authenticated"] else "not needed"))
    if result["masked"]:
        lines.append("(personal data masked; --show-pii to show)")
    return "\n".join(lines)


def _readers(args):
    from lib12333.errors import DeviceError
    from lib12333.host.card.readers import pcsc_reader_names

    try:
        names = pcsc_reader_names()
    except DeviceError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return EXIT_IO
    emit({"readers": names}, args.json, lambda d: "\n".join(d["readers"]) or "(no readers)")
    return EXIT_OK


def _sim(args):

    from lib12333.host.card import emulator

    profile = emulator.CardProfile.for_spec(args.spec, name=args.name, ssn=args.ssn, card_number=args.card_number,
                                            pin=args.pin)
    card = emulator.EmulatedCard(profile)
    if args.vpcd:
        from lib12333.host.card.vpcd import VpcdCard

        service = VpcdCard(card, args.host, args.vpcd_port).connect()
        progress("card connected to vpcd at %s:%d (spec %s); ^C to stop" % (args.host, args.vpcd_port, args.spec))
    else:
        from lib12333.host.card.ccid_reader import CcidSerialReaderEmulator, reader_conf

        service = CcidSerialReaderEmulator(card).start()
        print(service.port)
        sys.stdout.flush()
        progress("CCID serial reader on %s (spec %s); pcscd reader.conf entry:\n%s" % (
            service.port, args.spec, reader_conf(service.port)))
        progress("RKSSSE key of the emulator scheme: %s" % profile.rk_key.hex().upper())
    try:
        serve_for(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
    return EXIT_OK
