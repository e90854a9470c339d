"""``lib12333 gateway``: the centre gateway and its administration."""

import argparse
import json
import logging
import sys

from lib12333.host.cli import EXIT_IO, EXIT_OK, gateway_backup, gateway_relay, gateway_store
from lib12333.host.cli.common import add_key_arguments
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit, not_found, progress

HELP = """\
Run the centre gateway: receive kiosk frames through a modem, apply each request
exactly once to the gateway database (a SQLite file, or PostgreSQL
for several workers), answer the kiosk and send the citizen an SMS
notice that follows the 12333 SMS rules.

  lib12333 gateway --modem /dev/ttyUSB2 --db centre.db --unit "【杭州市人力资源社会保障电话咨询服务中心】"
  lib12333 gateway device add --db centre.db --device-id 1001 --key-out kiosk1001.key --name 西湖区服务大厅
  lib12333 gateway device list --db centre.db
  lib12333 gateway card add --db centre.db --card A12345678 --ssn 330106... --name 张三
  lib12333 gateway card show --db centre.db --card A12345678
  lib12333 gateway request list --db centre.db --state accepted
  lib12333 gateway request update --db centre.db T330100K0113030100077 close --note "已电话答复"

Citizens ask for a request's status by texting "查询 <reference>" (or "CX <reference>")
to the centre's number; only the number the request was filed with gets the status.
"""


def register(subparsers):
    p = subparsers.add_parser("gateway", help="the centre gateway (kiosk frames by SMS, exactly once)",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--modem", help="serial port of the centre's modem")
    p.add_argument("--link", action="append", default=[], metavar="URL",
                   help="an operator link, e.g. 'cmpp3://SP_ID@host:7890?service=RSJ&src=10657112333&operator=mobile'"
                        " (repeat for several; secret from secret-file= or the environment; docs/operators.md)")
    p.add_argument("--db", help="the gateway's database, a SQLite file or postgresql://... (created and migrated"
                                " as needed)")
    p.add_argument("--unit", default="【人力资源社会保障电话咨询服务中心】",
                   help="the sending unit named in every SMS (人社信息函[2010]43号)")
    p.add_argument("--temp-days", type=int, default=7, help="days a temporary loss lasts (local policy)")
    p.add_argument("--centre-code", default="000000", help="division code of this centre (request references)")
    p.add_argument("--verbose", "-v", action="store_true", help="log every frame (masked)")
    gateway_relay.add_run_options(p)  # --relay-rules (issue 8)
    p.set_defaults(handler=run_gateway)
    sub = p.add_subparsers(dest="gateway_command", metavar="SUBCOMMAND")
    gateway_relay.register_peer(sub)  # gateway peer add|list (issue 8)
    gateway_backup.register(sub)  # gateway backup|restore (issue 13)
    gateway_store.register(sub)  # gateway migrate|status, SQLite or PostgreSQL (issue 16)

    dev = sub.add_parser("device", help="kiosks and their keys").add_subparsers(dest="device_command", required=True)
    a = dev.add_parser("add", help="register a kiosk and its key")
    a.add_argument("--db", required=True, help=gateway_store.DB_HELP)
    a.add_argument("--device-id", type=int, required=True, help="the kiosk's numeric id (1..4294967295)")
    add_key_arguments(a, "the kiosk's 16-byte key", "read the 16-byte key from this file (16 raw bytes or 32 hex digits)")
    a.add_argument("--key-out", help="with no key given, write the generated key to this file (for deploy)")
    a.add_argument("--name", default="", help="service hall name")
    a.add_argument("--region", default="", help="division code of the hall")
    a.add_argument("--phone", default="", help="the kiosk SIM's number")
    add_json_flag(a)
    a.set_defaults(handler=device_add)
    ls = dev.add_parser("list", help="registered kiosks (no keys shown)")
    ls.add_argument("--db", required=True, help=gateway_store.DB_HELP)
    add_show_pii(ls, "show SIM numbers unmasked")
    add_json_flag(ls)
    ls.set_defaults(handler=device_list)
    rp = dev.add_parser("replace", help="a replacement or re-formatted board: fresh key, old key retired",
                        description="Give a registered kiosk id a new key generation for a replacement board, or "
                        "for a board whose /data was re-formatted: a fresh key is written to --key-out, the old key "
                        "is retired (its frames are refused by name) and the new key's first sequence number is "
                        "printed; give it to `lib12333 deploy --seq-start`. A key is never given to a second board.")
    rp.add_argument("--db", required=True, help=gateway_store.DB_HELP)
    rp.add_argument("--device-id", type=int, required=True, help="the registered kiosk id")
    rp.add_argument("--key-out", required=True, help="write the new key to this file (for deploy --key-file)")
    add_json_flag(rp)
    rp.set_defaults(handler=device_replace)
    rv = dev.add_parser("revoke", help="refuse every further frame of a kiosk")
    rv.add_argument("--db", required=True, help=gateway_store.DB_HELP)
    rv.add_argument("--device-id", type=int, required=True, help="the kiosk's numeric id")
    add_json_flag(rv)
    rv.set_defaults(handler=device_revoke)

    card = sub.add_parser("card", help="the card registry").add_subparsers(dest="card_command", required=True)
    ca = card.add_parser("add", help="add or update a card holder record")
    ca.add_argument("--db", required=True, help=gateway_store.DB_HELP)
    ca.add_argument("--card", required=True, help="card number (卡号, 9 characters)")
    ca.add_argument("--ssn", required=True, help="social-security number (18 characters)")
    ca.add_argument("--name", required=True, help="holder's name")
    ca.add_argument("--region", default="", help="issuing division code")
    add_json_flag(ca)
    ca.set_defaults(handler=card_add)
    cs = card.add_parser("show", help="a card's loss state and history (masked)")
    cs.add_argument("--db", required=True, help=gateway_store.DB_HELP)
    cs.add_argument("--card", required=True, help="card number (卡号, 9 characters)")
    add_show_pii(cs, "show personal data unmasked")
    add_json_flag(cs)
    cs.set_defaults(handler=card_show)

    req = sub.add_parser("request", help="citizen requests (back office)").add_subparsers(
        dest="request_command", required=True)
    rl = req.add_parser("list", help="requests, newest first")
    rl.add_argument("--db", required=True, help=gateway_store.DB_HELP)
    rl.add_argument("--state", help="only requests in this state")
    rl.add_argument("--owner", help="only requests owned by this centre")
    add_show_pii(rl, "show contact numbers and personal data in subjects unmasked")
    add_json_flag(rl)
    rl.set_defaults(handler=request_list)
    rs = req.add_parser("show", help="one request with its history")
    rs.add_argument("--db", required=True, help=gateway_store.DB_HELP)
    rs.add_argument("ref", help="the request's reference number (dashes allowed)")
    add_show_pii(rs, "show contact numbers and personal data in subjects unmasked")
    add_json_flag(rs)
    rs.set_defaults(handler=request_show)
    ru = req.add_parser(
        "update", help="move a request on (start, close, return, transfer, accept-transfer...)",
        description="Apply one back-office step to a request, exactly once (the idempotency key makes a retry "
                    "harmless). Closing (close = complete) or returning a request queues the citizen's SMS "
                    "notice in the gateway database; the running gateway sends it.")
    ru.add_argument("--db", required=True, help=gateway_store.DB_HELP + " (on SQLite the requests are in DB.requests)")
    ru.add_argument("ref", help="the request's reference number (dashes allowed)")
    ru.add_argument("action", help="start | close (complete) | return | transfer | accept-transfer | "
                                   "reject-transfer | withdraw-transfer")
    ru.add_argument("--actor", help="the acting centre's division code (default: the centre responsible now)")
    ru.add_argument("--note", help="answer or reason (required by close, return, reject-transfer; "
                                   "kept in the history, never sent by SMS)")
    ru.add_argument("--target", help="target centre of a transfer")
    ru.add_argument("--idem", help="idempotency key, e.g. the form id (default: derived from the arguments; "
                                   "see docs/requests.md)")
    ru.add_argument("--unit", default="【人力资源社会保障电话咨询服务中心】",
                    help="the sending unit that signs the citizen's notice (use the gateway's --unit)")
    ru.add_argument("--no-notice", action="store_true", help="do not queue the citizen's SMS notice")
    add_show_pii(ru, "show the contact number unmasked")
    add_json_flag(ru)
    ru.set_defaults(handler=request_update)


def _conn(path, create=True):
    from lib12333.host.gateway import db

    return db.connect(path, create)


def run_gateway(args):
    if args.gateway_command is not None:
        return EXIT_OK  # sub-command handlers are set on their own parsers
    if not (args.modem or args.link) or not args.db:
        from lib12333.errors import ValidationError

        raise ValidationError("the gateway needs --modem PORT and/or --link URL, and --db FILE", field="arguments")
    from lib12333.errors import StorageError
    from lib12333.host.gateway import admin
    from lib12333.host.gateway.centre import Centre
    from lib12333.host.gateway.service import GatewayService
    from lib12333.host.modem.transport import SerialModem
    from lib12333.host.requests_store import RequestStore

    if args.link:
        from lib12333.host.links import url
        from lib12333.host.links.channels import open_links

        for u in args.link:
            url.parse(u)  # a bad link or a secret on the command line fails before anything is opened
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    conn = _conn(args.db)
    centre = Centre(conn, args.unit, temp_days=args.temp_days, centre_code=args.centre_code,
                    requests=RequestStore(admin.requests_path(args.db)))
    gateway_relay.attach(centre, conn, args)
    if args.link:
        modem = open_links(args.link, SerialModem(args.modem) if args.modem else None)
    else:
        modem = SerialModem(args.modem)
    service = GatewayService(modem, centre, on_event=lambda kind, detail: progress("[%s] %s" % (kind, detail)))
    from lib12333.host.gateway.pg import masked

    progress("gateway: %s, %d operator link(s), database %s; Ctrl-C stops"
             % ("modem " + args.modem if args.modem else "no modem", len(args.link), masked(args.db)))
    try:
        service.run()
    except KeyboardInterrupt:
        pass
    except StorageError as exc:  # the database cannot be written (a full disk): stop, lose nothing
        progress("gateway stopped: %s" % json.dumps(centre.stats))
        print("error: " + str(exc), file=sys.stderr)
        return EXIT_IO
    progress("gateway stopped: %s" % json.dumps(centre.stats))
    return EXIT_OK


def _read_key(args):
    from lib12333.host.keyfile import key_from_options

    return key_from_options(args.key_hex, args.key_file)


def device_add(args):
    import os

    from lib12333.host.gateway import admin
    from lib12333.host.keyfile import key_file_first

    conn = _conn(args.db)
    key = _read_key(args)
    if key is None:
        key = os.urandom(16)
    admin.check_new_device(conn, args.device_id, key)  # before a key file is written
    # The key file first: a failed write registers nothing, a failed registration removes the file.
    key_file_first(args.key_out, key, lambda: admin.add_device(conn, args.device_id, key, args.name, args.region,
                                                                args.phone))
    emit({"device_id": args.device_id, "key_file": args.key_out, "registered": True}, args.json,
         lambda d: "device %d registered%s" % (d["device_id"], "; key written to " + d["key_file"] if d["key_file"] else ""))
    return EXIT_OK


def device_replace(args):
    import os

    from lib12333.host.gateway import provisioning
    from lib12333.host.keyfile import key_file_first

    conn = _conn(args.db)
    provisioning.check_replaceable(conn, args.device_id)
    key = os.urandom(16)
    _key, first = key_file_first(args.key_out, key, lambda: provisioning.replace_device(conn, args.device_id, key))
    generation = conn.execute("SELECT key_generation FROM devices WHERE device_id = ?", (args.device_id,)).fetchone()[0]
    emit({"device_id": args.device_id, "key_generation": generation, "seq_start": first, "key_file": args.key_out},
         args.json, lambda d: "device %d: key generation %d written to %s; deploy with --seq-start %d "
         "(the old key is retired)" % (d["device_id"], d["key_generation"], d["key_file"], d["seq_start"]))
    return EXIT_OK


def device_list(args):
    from lib12333.host.gateway import admin

    rows = admin.list_devices(_conn(args.db, create=False), args.show_pii)
    emit(rows, args.json, lambda rs: "\n".join(
        "%-10d %-8s %-7s %-12s frames %d  %s%s" % (
            r["device_id"], r["status"], r["region"], r["phone"], r["frames_applied"], r["name"],
            "  (key generation %d from seq %d)" % (r["key_generation"], r["seq_start"]) if r["key_generation"] > 1
            else "") for r in rs) or "(no devices)")
    return EXIT_OK


def device_revoke(args):
    from lib12333.host.gateway import admin

    admin.revoke_device(_conn(args.db), args.device_id)
    emit({"device_id": args.device_id, "revoked": True}, args.json,
         lambda d: "device %d revoked: its frames are refused from now on" % d["device_id"])
    return EXIT_OK


def card_add(args):
    from lib12333 import identifiers
    from lib12333.host.gateway import admin

    admin.add_card(_conn(args.db), args.card, args.ssn, args.name, args.region)
    emit({"card": identifiers.mask_card(args.card), "region": args.region, "added": True}, args.json,
         lambda d: "card %s added to the registry" % d["card"])
    return EXIT_OK


def card_show(args):
    from lib12333.host.gateway import admin
    from lib12333.host.gateway.centre import _cst

    view = admin.card_view(_conn(args.db, create=False), args.card, args.show_pii)
    if view is None:
        return not_found("no such card", args.json)
    # Text shows China Standard Time dates; --json keeps the Unix seconds for programs.
    emit(view, args.json, lambda v: "card %s  %s  %s  state %s%s\n%s" % (
        v["card"], v["name"], v["ssn"], v["state_name"],
        "" if not v["until"] else " until %s (UTC+8)" % _cst(v["until"], True),
        "\n".join("  %s %s via %s: %s -> %s" % (_cst(e["at"], True), e["action"], e["channel"], e["from"], e["to"])
                  for e in v["events"])))
    return EXIT_OK


def _requests(args, create=True):
    from lib12333.host.gateway import admin
    from lib12333.host.requests_store import RequestStore

    return RequestStore(admin.requests_path(args.db), create=create)


def request_list(args):
    store = _requests(args, create=False)
    rows = [r.to_dict(show_pii=args.show_pii) for r in store.list(owner=args.owner, state=args.state)]
    emit(rows, args.json, lambda rs: "\n".join(
        "%s  %-12s %-10s %s" % (r["ref"], r["kind"], r["state"], r.get("subject", "")) for r in rs) or "(no requests)")
    return EXIT_OK


def request_show(args):
    from lib12333 import citizen_requests as R
    from lib12333.errors import StorageError

    store = _requests(args, create=False)
    try:
        req = store.get(R.parse_ref(args.ref)["ref"])
    except StorageError as exc:  # the only one get() raises: no such request
        return not_found(str(exc), args.json)
    emit(req.to_dict(show_pii=args.show_pii), args.json,
         lambda r: json.dumps(r, ensure_ascii=False, indent=2))
    return EXIT_OK


def request_update(args):
    import time

    from lib12333 import citizen_requests as R
    from lib12333.host.gateway import request_desk
    from lib12333.sms.policy import Policy

    store = _requests(args)
    ref = R.parse_ref(args.ref)["ref"]
    req, event, notice = request_desk.update(
        _conn(args.db), store, Policy(args.unit, one_part_notices=True), ref, args.action, int(time.time()),
        actor=args.actor, idem=args.idem, note=args.note, target=args.target, notify=not args.no_notice)
    out = req.to_dict(show_pii=args.show_pii)
    out["event"] = event.to_dict()
    out["notice"] = notice
    emit(out, args.json, lambda r: "%s is now %s (%s)%s" % (
        r["ref"], r["state"], r["state_label"], "; SMS notice queued for " + r["contact"] if r["notice"] else ""))
    return EXIT_OK
