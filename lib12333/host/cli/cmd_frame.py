"""``lib12333 frame``: inspect, open and build secure kiosk <-> centre frames."""

import argparse
import json
import os

from lib12333.host.cli import EXIT_NO, EXIT_OK
from lib12333.host.cli.common import usage_handler
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit

HELP = """\
Inspect, open (verify + decrypt) and build the secure frames kiosks and the
centre exchange by SMS (protocols/frame/README.md).  Frames are given as hex.

The device key comes from --key-file (16 raw bytes, as written by
`gateway device add --key-out`, or 32 hex digits) or from the environment
variable LIB12333_FRAME_KEY; it is never printed.  Identity data in decrypted
payloads is masked unless --show-pii is given.

  lib12333 frame peek 0101000000002a...
  lib12333 frame open --key-file kiosk1001.key 0101000000002a...
  lib12333 frame seal --key-file kiosk1001.key --type loss-report --device-id 1001 --seq 7 \\
      --time 1796083200 --fields '{"ssn": "...", "card": "...", "phone": "", "name": "..."}'

Exit codes: 0 frame valid / built, 1 authentication failed (wrong key, forged or
modified frame), 3 malformed frame or fields, 2 usage error.
"""

_PII = ("ssn", "card", "phone", "name", "text")


def _type_names():
    from lib12333.secure import messages as M

    return {M.type_name(t): t for t in range(1, 9)}


def register(subparsers):
    p = subparsers.add_parser("frame", help="inspect, open and build secure kiosk frames",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="frame_command", metavar="ACTION")

    peek = sub.add_parser("peek", help="show the (unauthenticated) header of a frame, no key needed")
    peek.add_argument("frame", help="the frame in hex")
    add_json_flag(peek)
    peek.set_defaults(handler=_peek)

    op = sub.add_parser("open", help="verify and decrypt a frame with the device key")
    op.add_argument("frame", help="the frame in hex")
    _key_args(op)
    op.add_argument("--direction", choices=("up", "down"), help="refuse frames not travelling this way")
    add_show_pii(op, "show identity data unmasked")
    add_json_flag(op)
    op.set_defaults(handler=_open)

    se = sub.add_parser("seal", help="build and seal a frame (for tests and field checks)")
    _key_args(se)
    se.add_argument("--type", required=True, choices=sorted(_type_names()), help="message type")
    se.add_argument("--device-id", "--device", dest="device", type=int, required=True, help="device id (1..4294967295)")
    se.add_argument("--seq", type=int, required=True, help="sequence number; never reuse one with the same key")
    se.add_argument("--time", type=int, required=True, help="sender time, Unix seconds")
    se.add_argument("--direction", choices=("up", "down"), default=None,
                    help="up (kiosk to centre) or down; default: the type's direction, up for ack/error")
    se.add_argument("--fields", required=True, help="payload fields as a JSON object (see protocols/frame/README.md)")
    add_json_flag(se)
    se.set_defaults(handler=_seal)
    p.set_defaults(handler=usage_handler(p))


def _key_args(p):
    p.add_argument("--key-file", help="file holding the 16-byte device key (16 raw bytes or 32 hex digits)")


def _load_key(args):
    from lib12333.errors import ValidationError
    from lib12333.host.keyfile import parse_key, read_key_file

    if args.key_file:
        key = read_key_file(args.key_file)
    else:
        text = os.environ.get("LIB12333_FRAME_KEY")
        if not text:
            raise ValidationError("no key: give --key-file or set LIB12333_FRAME_KEY", field="key")
        key = parse_key(text.encode("utf-8"), "LIB12333_FRAME_KEY")
    from lib12333.host.cipher import aes128

    return aes128(key)


def _hex(text):
    from lib12333.errors import DecodeError

    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise DecodeError("not hexadecimal", field="frame", expected="hex digits") from None


def _header(f):
    from lib12333.secure import messages as M

    return {"version": f.version, "type": M.type_name(f.msg_type), "direction": "down" if f.direction else "up",
            "device": f.device_id, "seq": f.seq, "time": f.time}


def _render(d):
    lines = ["%-10s %s" % (k, v) for k, v in d.items() if k != "fields"]
    for k, v in (d.get("fields") or {}).items():
        lines.append("  %-10s %s" % (k, v))
    return "\n".join(lines)


def _peek(args):
    from lib12333.secure import frame as F

    raw = _hex(args.frame)
    d = _header(F.peek(raw))
    d["length"] = len(raw)
    d["one_sms"] = len(raw) <= F.SINGLE_SMS
    d["authenticated"] = False
    emit(d, args.json, _render)
    return EXIT_OK


def _mask(fields):
    from lib12333 import masking

    out = {}
    for k, v in fields.items():
        if k == "ssn":
            v = masking.mask_id(v)
        elif k == "card":
            v = masking.mask_card(v)
        elif k == "phone":
            v = masking.mask_phone(v) if v else v
        elif k == "name":
            v = masking.mask_name(v)
        elif k == "text":
            v = "(%d characters)" % len(v)
        out[k] = v
    return out


def _open(args):
    from lib12333.errors import SecurityError
    from lib12333.secure import frame as F
    from lib12333.secure import messages as M

    raw = _hex(args.frame)
    cipher = _load_key(args)
    direction = None if args.direction is None else (F.UP if args.direction == "up" else F.DOWN)
    try:
        f = F.open(cipher, raw, direction)
    except SecurityError as exc:
        d = _header(F.peek(raw))
        d["authenticated"] = False
        d["error"] = str(exc)
        emit(d, args.json, _render)
        return EXIT_NO
    d = _header(f)
    d["authenticated"] = True
    fields = M.decode(f.msg_type, f.payload)
    d["fields"] = fields if args.show_pii else _mask(fields)
    emit(d, args.json, _render)
    return EXIT_OK


def _seal(args):
    from lib12333.errors import ValidationError
    from lib12333.secure import frame as F
    from lib12333.secure import messages as M

    try:
        fields = json.loads(args.fields)
    except ValueError:
        raise ValidationError("--fields is not JSON", field="fields", expected="a JSON object") from None
    if not isinstance(fields, dict):
        raise ValidationError("--fields must be a JSON object", field="fields")
    t = _type_names()[args.type]
    if args.direction is None:
        direction = F.DOWN if t in (M.CARD_STATUS_ANSWER, M.STATUS_ANSWER) else F.UP
    else:
        direction = F.UP if args.direction == "up" else F.DOWN
    cipher = _load_key(args)
    raw = F.seal(cipher, F.Frame(t, args.device, args.seq, args.time, M.encode(t, fields), direction))
    d = {"frame": raw.hex(), "length": len(raw), "one_sms": len(raw) <= F.SINGLE_SMS}
    emit(d, args.json, lambda d: d["frame"])
    return EXIT_OK
