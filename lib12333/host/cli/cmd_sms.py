"""``lib12333 sms``: decode, build and split SMS PDUs; preview a 12333 message.

``decode`` is a technician's tool for reading what a modem printed.  Phone
numbers (the originator, the SMSC) are personal data: they are masked unless
``--show-pii`` asks for them, like everywhere else in lib12333.  The other
sub-commands print only numbers the user typed in.
"""

from lib12333.host.cli import EXIT_NO, EXIT_OK
from lib12333.host.cli.common import usage_handler
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit


def register(subparsers):
    parser = subparsers.add_parser(
        "sms",
        help="decode, encode and split SMS PDUs (GSM 7-bit / UCS2), check the 12333 SMS rules",
        description="SMS PDU tools for modems in PDU mode (AT+CMGF=0): decode what +CMGR/+CMGL/+CMT/+CDS "
        "print, build SMS-SUBMIT PDUs for AT+CMGS, show how a text splits into parts, and preview a "
        "message against the 12333 rules (sending unit named, 12333 or 12370, cost).",
    )
    sub = parser.add_subparsers(dest="sms_command", metavar="ACTION")

    dec = sub.add_parser(
        "decode",
        help="decode a PDU in hex (SMS-DELIVER, SMS-SUBMIT, SMS-STATUS-REPORT)",
        description="Decode one PDU as a modem prints it. Shows type, SMSC, number and its type of address, "
        "PID, DCS (alphabet, class), time stamp (ISO 8601 with offset), validity period, text, user data "
        "header elements, concatenation, application ports and, for status reports, the status. Phone "
        "numbers are masked unless --show-pii is given. Exit status 3 "
        "when the PDU is malformed, with the field and position in the message.",
    )
    dec.add_argument("hex", metavar="HEX", help="the PDU in hexadecimal (spaces allowed)")
    dec.add_argument("--no-smsc", action="store_true", help="the PDU has no SMSC field in front (a bare TPDU)")
    dec.add_argument("--lenient", action="store_true",
                     help="decode a raw modem capture as far as it goes (stray quote, SIM FF padding, extra "
                     "octets, UDHI without user data, short user data, address filler) and list each deviation "
                     "with its position as a warning, instead of exit 3")
    add_show_pii(dec, "show phone numbers and ID/card/phone numbers in the text unmasked (not for tickets or logs)")
    add_json_flag(dec)
    dec.set_defaults(handler=_decode)

    enc = sub.add_parser(
        "encode",
        help="build SMS-SUBMIT PDUs for AT+CMGS",
        description="Build the SMS-SUBMIT PDU(s) for a text: the cheapest alphabet (GSM 7-bit or UCS2) is "
        "chosen, long texts are split with a concatenation header. Prints, per part, the length for "
        "AT+CMGS=<n> and the PDU hex to send after the > prompt (SMSC field included).",
    )
    enc.add_argument("--to", required=True, metavar="NUMBER",
                     help="destination: +8613800000000, 13800000000, 12333; spaces and dashes are ignored")
    enc.add_argument("--text", required=True, help="message text")
    enc.add_argument("--smsc", default=None, metavar="NUMBER", help="SMSC number (default: empty, the SIM's SMSC)")
    enc.add_argument("--ref", type=int, default=0, help="concatenation reference for long texts (default 0)")
    enc.add_argument("--ref16", action="store_true", help="use a 16-bit concatenation reference")
    enc.add_argument("--encoding", choices=("gsm7", "ucs2"), default=None, help="force an alphabet")
    enc.add_argument("--class", dest="msg_class", type=int, choices=(0, 1, 2, 3), default=None, help="message class")
    enc.add_argument("--flash", action="store_true", help="flash message (class 0)")
    enc.add_argument("--srr", action="store_true", help="request a status report")
    enc.add_argument("--vp", type=int, default=None, metavar="SECONDS", help="relative validity period")
    add_json_flag(enc)
    enc.set_defaults(handler=_encode)

    spl = sub.add_parser(
        "split",
        help="show how a text splits into SMS parts",
        description="Show the alphabet a text needs, its parts and how many characters are still free in "
        "the last part (septets for GSM 7-bit, where an extension character such as \u20ac costs 2; "
        "UTF-16 units for UCS2, where an emoji costs 2).",
    )
    spl.add_argument("text", metavar="TEXT", help="message text")
    add_json_flag(spl)
    spl.set_defaults(handler=_split)

    chk = sub.add_parser(
        "check",
        help="check a message against the 12333 SMS rules and preview its cost",
        description="Apply the rules of \u4eba\u793e\u4fe1\u606f\u51fd[2010]43\u53f7: the message must name the "
        "sending unit (--signature) and must not carry an ID, card or mobile number in clear (--allow-number "
        "for the centre's own number); 12333 or 12370 is chosen by --service; prints parts and cost. Exit "
        "status 1 when a rule is broken.",
    )
    chk.add_argument("text", metavar="TEXT", help="message text")
    chk.add_argument("--signature", required=True, help="the sending unit as it must appear in the text")
    chk.add_argument(
        "--service",
        default="consultation",
        choices=("consultation", "government-info", "complaint", "account-query", "civil-service", "civil-service-exam"),
        help="what the message is about (default consultation)",
    )
    chk.add_argument("--notice", action="store_true", help="the message is a citizen notice")
    chk.add_argument("--one-part-notices", action="store_true", help="refuse notices longer than one part")
    chk.add_argument("--sign", action="store_true", help="add the signature when it is missing")
    chk.add_argument("--fen-per-part", type=int, default=10, help="price of one part in fen (default 10)")
    add_show_pii(chk, "echo the text with ID, card and phone numbers unmasked")
    chk.add_argument("--allow-number", action="append", default=[], metavar="NUMBER",
                     help="a mobile number the text may carry (the centre's own service number); repeatable")
    add_json_flag(chk)
    chk.set_defaults(handler=_check)

    parser.set_defaults(handler=usage_handler(parser))


def _decode(args):
    from lib12333.sms import pdu

    m = pdu.decode_hex(args.hex, not args.no_smsc, args.lenient)
    d = m.to_dict()
    if not args.show_pii:
        from lib12333.masking import mask_phone

        for k in ("smsc", "number"):
            if d.get(k):
                d[k] = mask_phone(d[k])
        if d.get("text"):
            from lib12333.masking import mask_text

            d["text"] = mask_text(d["text"])
    emit(d, args.json, _render_decode)
    return EXIT_OK


def _render_decode(d):
    lines = []
    for k, v in d.items():
        if v is None or v == [] or k == "first_octet" or (k == "parts" and v == 1):
            continue
        if k in ("toa", "smsc_toa", "dcs", "pid"):
            v = "0x%02X" % v
        elif k == "concat":
            v = "ref %d, part %d of %d (%d-bit)" % (v["ref"], v["seq"], v["total"], v["bits"])
        elif k == "ports":
            v = "destination %d, source %d" % (v["dest"], v["src"])
        elif k == "udh":
            v = " ".join("%02X:%s" % (ie["iei"], ie["data"].upper() or "-") for ie in v)
        elif k == "vp":
            v = v.get("timestamp") or ("%s seconds (%s)" % (v["seconds"], v["kind"]))
        elif k == "warnings":
            lines.extend("%-12s position %d (%s): %s" % ("warning", w["position"], w["field"], w["warning"]) for w in v)
            continue
        lines.append("%-12s %s" % (k, v))
    flags = [k for k, v in d["first_octet"].items() if v]
    if flags:
        lines.append("%-12s %s" % ("flags", ", ".join(flags)))
    return "\n".join(lines)


def _encode(args):
    from lib12333.sms import encode

    parts = encode.encode_submit(
        args.to.replace(" ", "").replace("-", ""),
        args.text,
        smsc=args.smsc,
        ref=args.ref,
        ref16=args.ref16,
        encoding=args.encoding,
        msg_class=args.msg_class,
        flash=args.flash,
        srr=args.srr,
        vp=args.vp,
    )
    data = {
        "encoding": parts[0].encoding,
        "parts": [
            {"seq": p.seq, "total": p.total, "tpdu_length": p.tpdu_length, "pdu": p.hex, "text": p.text} for p in parts
        ],
    }
    emit(data, args.json, _render_encode)
    return EXIT_OK


def _render_encode(d):
    lines = []
    for p in d["parts"]:
        lines.append("part %d/%d (%s)  AT+CMGS=%d" % (p["seq"], p["total"], d["encoding"], p["tpdu_length"]))
        lines.append(p["pdu"])
    return "\n".join(lines)


def _split(args):
    from lib12333.sms import split

    emit(split.plan(args.text).to_dict(), args.json, _render_split)
    return EXIT_OK


def _render_split(d):
    unit = "septets" if d["encoding"] == "gsm7" else "UTF-16 units"
    lines = ["%s, %d part(s), %d %s per part, %d left in the last part" % (d["encoding"], d["count"], d["capacity"], unit, d["left"])]
    for i in range(d["count"]):
        lines.append("%d: [%d] %s" % (i + 1, d["units"][i], d["parts"][i]))
    return "\n".join(lines)


def _check(args):
    from lib12333.errors import ValidationError
    from lib12333.sms.policy import Policy

    policy = Policy(args.signature, one_part_notices=args.one_part_notices, fen_per_part=args.fen_per_part,
                    allowed_numbers=[n.replace(" ", "").replace("-", "") for n in args.allow_number])
    text = policy.sign(args.text) if args.sign else args.text
    try:
        decision = policy.check(text, args.service, args.notice)
    except ValidationError as exc:
        result = {"allowed": False, "reason": str(exc), "preview": policy.preview(text).to_dict()}
        emit(result, args.json, lambda d: "refused: " + d["reason"])
        return EXIT_NO
    if not args.show_pii:
        from lib12333.masking import mask_text

        text = mask_text(text)
    result = {"allowed": True, "text": text}
    result.update(decision.to_dict())
    emit(result, args.json, lambda d: "allowed: sender %s, %s, %d part(s), %d fen" % (d["sender"], d["encoding"], d["parts"], d["cost_fen"]))
    return EXIT_OK

