"""
The relay parts of ``lib12333 gateway`` (issue 8): ``--relay-rules`` on the running
gateway, and ``gateway peer add|list`` to register the other centres' gateways.

Kept out of cmd_gateway.py so that file only calls in here (see docs/routing.md,
"Kiosk and gateway").
"""

import os

from lib12333.host.cli import EXIT_OK
from lib12333.host.cli.common import add_key_arguments
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit

DB_HELP = "this gateway's database: a SQLite file, or postgresql://user@host:port/dbname"

PRESETS = ("city", "province")


def add_run_options(parser):
    parser.add_argument("--relay-rules", metavar="PRESET|FILE",
                        help="relay kiosk requests that the routing rules give to another centre registered with "
                             "'gateway peer add' (a preset: city, province; or a rules file); needs --centre-code")


def attach(centre, conn, args):
    """Turn the relay on for ``centre`` when ``--relay-rules`` was given; returns the Relay or None."""
    name = getattr(args, "relay_rules", None)
    if not name:
        return None
    from lib12333.compat import data_path
    from lib12333.host.gateway.relay import Relay
    from lib12333.host.regions import default_table as default_region_table
    from lib12333.routing import loader

    path = data_path("route-" + name + ".json") if name in PRESETS else name
    with open(path, "rb") as f:
        rules = loader.loads(f.read(), name, default_region_table())
    centre.relay = Relay(conn, args.centre_code, rules)
    return centre.relay


def register_peer(sub):
    """``gateway peer add|list`` under the gateway's sub-command parser ``sub``."""
    peer = sub.add_parser("peer", help="other centres' gateways for the relay (pairwise keys)").add_subparsers(
        dest="peer_command", required=True)
    a = peer.add_parser("add", help="register another centre's gateway and the key shared with it",
                        description="Both centres register each other with the same 16-byte key. The code is the "
                                    "other centre's 6-digit division code (its id in centre-to-centre frames).")
    a.add_argument("--db", required=True, help=DB_HELP)
    a.add_argument("--code", required=True, help="the other centre's 6-digit code, e.g. 320000")
    a.add_argument("--number", required=True, help="the SMS number of the other centre's gateway")
    add_key_arguments(a, "the shared 16-byte key", "read the shared 16-byte key from this file")
    a.add_argument("--key-out", help="with no key given, write the generated key to this file (give it to the peer)")
    a.add_argument("--name", default="", help="the other centre's name")
    add_json_flag(a)
    a.set_defaults(handler=peer_add)
    ls = peer.add_parser("list", help="registered peers (no keys shown)")
    ls.add_argument("--db", required=True, help=DB_HELP)
    add_show_pii(ls, "show the peers' numbers unmasked")
    add_json_flag(ls)
    ls.set_defaults(handler=peer_list)


def _key(args):
    from lib12333.host.keyfile import key_from_options

    key = key_from_options(args.key_hex, args.key_file)
    return os.urandom(16) if key is None else key


def peer_add(args):
    from lib12333.errors import ValidationError
    from lib12333.host.gateway import db, relay
    from lib12333.host.keyfile import key_file_first

    generated = not (args.key_hex or args.key_file)
    key = _key(args)
    conn = db.connect(args.db)
    try:
        if conn.execute("SELECT 1 FROM peers WHERE code = ?", (args.code,)).fetchone() is not None:
            raise ValidationError("peer already registered", field="code")  # before any key file is touched
        if generated and not args.key_out:
            # A generated key that is not written anywhere would be registered with nobody to share it.
            raise ValidationError("a generated peer key needs --key-out (the file you give the other centre)",
                                  field="key-out", expected="--key-out FILE, or the shared key as --key-file")
        # The key file first (owner-only even if it existed): a failed write registers nothing.
        key_file_first(args.key_out if generated else None, key,
                       lambda: relay.add_peer(conn, args.code, args.number, key, args.name))
    finally:
        conn.close()
    emit({"code": args.code, "registered": True, "key_file": args.key_out if generated else None}, args.json,
         lambda d: "peer %s registered%s" % (d["code"], "; key written to " + d["key_file"] if d["key_file"] else ""))
    return EXIT_OK


def peer_list(args):
    from lib12333.host.gateway import db, relay

    conn = db.connect(args.db, create=False)
    try:
        rows = relay.list_peers(conn, args.show_pii)
    finally:
        conn.close()
    emit(rows, args.json, lambda rs: "\n".join(
        "%-7s %-8s %-16s relays %d  answers %d  %s" % (r["code"], r["status"], r["number"], r["relays_sent"],
                                                        r["answers_sent"], r["name"]) for r in rs) or "(no peers)")
    return EXIT_OK
