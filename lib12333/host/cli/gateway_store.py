"""
``lib12333 gateway migrate`` and ``gateway status`` (issue 16): the gateway store on
SQLite or PostgreSQL (``--db centre.db`` or ``--db postgresql://...``; docs/gateway.md).

Kept out of cmd_gateway.py so that file only calls in here.
"""

from lib12333.host.cli import EXIT_OK
from lib12333.host.cli.output import add_json_flag, emit, progress

DB_HELP = "the gateway database: a SQLite file, or postgresql://user@host:port/dbname"
MAX_STALE_HOURS = 24 * 3660  # ten years: more is a typing slip, and nan/inf have no number of seconds


def stale_hours(text):
    """--stale-hours (gateway status, console): hours, more than 0 (0 or less marks every kiosk stale)."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= MAX_STALE_HOURS:  # also refuses nan
        raise argparse.ArgumentTypeError("expected hours above 0 and at most %d, got %r" % (MAX_STALE_HOURS, text))
    return value


def register(sub):
    m = sub.add_parser("migrate", help="create the gateway database or bring its schema up to date",
                       description="Apply the missing schema migrations (versioned, forward only, one transaction "
                       "each) to a SQLite file or a PostgreSQL database. Every gateway command does this on its "
                       "own; run it once before starting several workers on one PostgreSQL database.")
    m.add_argument("--db", required=True, help=DB_HELP)
    add_json_flag(m)
    m.set_defaults(handler=run_migrate)
    st = sub.add_parser("status", help="workers, queue depths, oldest unanswered frame, last contact per kiosk",
                        description="What the gateway workers sharing this database are doing: each worker and "
                        "its last heartbeat, answers and notices waiting to be sent, the oldest kiosk frame whose "
                        "answer has not gone out, when each kiosk was last heard from (stale ones marked) and its newest "
                        "status report: firmware, signal, outbox backlog, errors. Reads only.")
    st.add_argument("--db", required=True, help=DB_HELP)
    st.add_argument("--stale-hours", type=stale_hours, default=24.0,
                    help="an active kiosk silent this long is marked stale")
    add_json_flag(st)
    st.set_defaults(handler=run_status)


def run_migrate(args):
    from lib12333.host.gateway import db, pg

    where = pg.masked(args.db)  # any URL: never its password, even one of another kind of database
    progress("migrating %s ..." % where)
    conn = db.connect(args.db)
    result = {"database": where, "backend": "postgresql" if db.is_postgresql(conn) else "sqlite",
              "version": db.version(conn), "latest": db.VERSION}
    conn.close()
    emit(result, args.json, lambda r: "%s (%s): schema version %d (latest %d)" % (
        r["database"], r["backend"], r["version"], r["latest"]))
    return EXIT_OK


def run_status(args):
    import time

    from lib12333.host.gateway import db, status

    report = status.status(db.connect(args.db, create=False), time.time(), int(args.stale_hours * 3600))
    emit(report, args.json, status.text)
    return EXIT_OK
