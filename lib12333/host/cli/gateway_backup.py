"""
``lib12333 gateway backup`` and ``gateway restore`` (issue 13): copies of the gateway
database that can be put back without ever sealing a frame with a number used before
(lib12333.host.gateway.backup; docs/gateway.md "Backups").

Kept out of cmd_gateway.py so that file only calls in here.
"""

from lib12333.host.cli import EXIT_OK
from lib12333.host.cli.output import add_json_flag, emit, progress


def register(sub):
    b = sub.add_parser("backup", help="a consistent, owner-only copy of the database and request store",
                       description="Copy the gateway database and its request store while the gateway runs "
                       "(SQLite online backup), readable by you only. The copy is marked as a backup: the gateway "
                       "refuses to run on it; put it back only with `lib12333 gateway restore`.")
    b.add_argument("--db", required=True, help="the gateway's database: a SQLite file or postgresql://...")
    b.add_argument("--to", required=True, metavar="FILE", help="the backup file to create (never overwritten); the request store "
                   "goes to TO.requests")
    add_json_flag(b)
    b.set_defaults(handler=run_backup)
    r = sub.add_parser("restore", help="put a backup in place; every sealing counter moves past all used numbers",
                       description="Stop the gateway, then restore: the backup replaces --db (the replaced file is "
                       "kept as DB.before-restore-TIME), every counter that numbers the gateway's frames (to each "
                       "kiosk, to each peer centre) jumps past anything that can have been used, and keys "
                       "provisioned or revoked after the backup are taken from the replaced database. Changes "
                       "committed after the backup are lost (docs/gateway.md, Backups).")
    r.add_argument("--db", required=True, help="the gateway's database, a SQLite file or postgresql://... (replaced)")
    r.add_argument("--from", dest="source", required=True, metavar="FILE", help="the backup made by `lib12333 gateway backup`")
    add_json_flag(r)
    r.set_defaults(handler=run_restore)


def run_backup(args):
    from lib12333.host.gateway import backup, pg

    progress("backing up %s ..." % pg.masked(args.db))
    result = backup.backup(args.db, args.to)
    emit(result, args.json, lambda r: "backup %s: %d devices, %d applied frames%s" % (
        r["backup"], r["devices"], r["applied"], "; requests in " + r["requests"] if r["requests"] else ""))
    return EXIT_OK


def run_restore(args):
    from lib12333.host.gateway import backup, pg

    progress("restoring %s from %s ..." % (pg.masked(args.db), args.source))
    result = backup.restore(args.source, args.db)
    emit(result, args.json, lambda r: "restored %s from %s (live database: %s; previous kept as %s); sealing "
         "counters moved forward for %d kiosks and %d peers" % (r["database"], r["restored_from"], r["live_database"],
                                                                r["previous"] or "none", len(r["devices"]), len(r["peers"])))
    return EXIT_OK
