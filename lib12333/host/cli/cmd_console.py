"""``lib12333 console``: the centre console (web pages for back office and technicians) and its accounts."""

import argparse
import os
import sys
import time

from lib12333.host.cli import EXIT_OK
from lib12333.host.cli.gateway_store import stale_hours
from lib12333.host.cli.output import add_json_flag, emit, progress
from lib12333.host.gateway.pg import is_url, masked

HELP = """\
Serve the centre console on the gateway's database: the requests desk, the loss
registry, the kiosk fleet and service figures, in Chinese, for the roles agent,
supervisor, technician and administrator.  It listens on 127.0.0.1 only unless
told otherwise; put a TLS-terminating proxy in front of it for other machines
(docs/console.md).

  lib12333 console user add --db centre.db --username admin --role administrator
  lib12333 console --db centre.db --centre-code 330100 --listen 127.0.0.1:8333
  lib12333 console import --db centre.db --format asterisk-queue-log /var/log/asterisk/queue_log
  lib12333 console --db postgresql://lib12333@db.centre/centre --centre-code 330100
"""

PASSWORD_ENV = "LIB12333_CONSOLE_PASSWORD"
DB_HELP = "the gateway's database: a SQLite file or a postgresql:// URL"


def register(subparsers):
    p = subparsers.add_parser("console", help="the centre console: web pages for back office and technicians",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_serve_options(p)
    p.set_defaults(handler=serve)
    sub = p.add_subparsers(dest="console_command", metavar="SUBCOMMAND")
    user = sub.add_parser("user", help="console accounts").add_subparsers(dest="user_command", required=True)
    a = user.add_parser("add", help="create an account (the first administrator is made this way)",
                        description="The password is read from the file given with --password-file, else from "
                                    "the environment variable %s, else asked for twice on the terminal. At least "
                                    "10 characters; stored as an argon2id hash." % PASSWORD_ENV)
    a.add_argument("--db", required=True, help=DB_HELP)
    a.add_argument("--username", required=True, help="2-32 characters a-z 0-9 . _ -")
    a.add_argument("--role", required=True, choices=("agent", "supervisor", "technician", "administrator"),
                   help="what the account may do (docs/console.md has the table)")
    a.add_argument("--password-file", help="read the password from the first line of this file")
    add_json_flag(a)
    a.set_defaults(handler=user_add)
    rs = user.add_parser("reset", help="set a new password, unlock and enable an account (a locked-out administrator)",
                         description="The new password is read like 'user add' reads it. The account's sessions end.")
    rs.add_argument("--db", required=True, help=DB_HELP)
    rs.add_argument("--username", required=True, help="the account")
    rs.add_argument("--password-file", help="read the password from the first line of this file")
    rs.set_defaults(handler=user_reset)
    ls = user.add_parser("list", help="accounts with role and lock state (no hashes)")
    ls.add_argument("--db", required=True, help=DB_HELP)
    add_json_flag(ls)
    ls.set_defaults(handler=user_list)
    im = sub.add_parser("import", help="import call records into the database for the figures page",
                        description="Read call records (the formats of lib12333 cdr) into the gateway database's "
                                    "service_records table, which the figures page and the annual report read.")
    im.add_argument("--db", required=True, help=DB_HELP)
    im.add_argument("--format", required=True, choices=("asterisk-queue-log", "asterisk-master", "freeswitch", "native"),
                    help="input format")
    im.add_argument("files", nargs="+", metavar="FILE", help="record files")
    add_json_flag(im)
    im.set_defaults(handler=import_records)


def add_serve_options(p):
    p.add_argument("--db", help=DB_HELP + " (requests in DB.requests)")
    p.add_argument("--listen", default="127.0.0.1:8333", help="address:port to listen on (default 127.0.0.1:8333)")
    p.add_argument("--centre-code", default="000000", help="this centre's division code (whose requests are shown)")
    p.add_argument("--unit", default="【人力资源社会保障电话咨询服务中心】",
                   help="the sending unit that signs citizens' SMS (use the gateway's --unit)")
    p.add_argument("--temp-days", type=int, default=7, help="days a temporary loss lasts (the gateway's --temp-days)")
    p.add_argument("--stale-hours", type=stale_hours, default=24.0, help="a kiosk silent this long is marked stale")
    p.add_argument("--due-days", type=int, default=5, help="a request open this long is marked overdue")
    p.add_argument("--behind-tls-proxy", action="store_true",
                   help="a TLS proxy on this machine forwards to the console: trust its X-Forwarded-For and send HSTS")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a host name browsers use for the console besides the --listen address and localhost "
                        "(the TLS proxy's name, e.g. console.centre.example); repeatable")


def make_console(args):
    from lib12333.host.console.app import Console

    return Console(args.db, centre_code=args.centre_code, unit=args.unit, temp_days=args.temp_days,
                   stale_after=int(args.stale_hours * 3600), due_days=args.due_days)


def parse_listen(text):
    from lib12333.errors import ValidationError

    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationError("--listen must be ADDRESS:PORT", field="listen", expected="e.g. 127.0.0.1:8333")
    return host.strip("[]"), int(port)


def allowed_hosts(listen_host, extra=()):
    """The Host names the console answers to: its own address, localhost, and the names given."""
    return {"127.0.0.1", "localhost", "::1", listen_host.lower()} | {h.strip().lower() for h in extra if h.strip()}


def run_server(console, listen, behind_proxy=False, extra_hosts=()):
    import uvicorn

    host, port = parse_listen(listen)
    if host not in ("127.0.0.1", "::1", "localhost"):
        progress("console: listening on %s -- make sure only the TLS proxy can reach it (docs/console.md)" % host)
    progress("console: %d days of call figures ready" % console.warm())
    progress("console: http://%s:%d/ on %s; Ctrl-C stops" % (host, port, masked(console.store.path)))
    uvicorn.run(console.app(hsts=behind_proxy, hosts=allowed_hosts(host, extra_hosts)), host=host, port=port,
                log_level="warning",
                proxy_headers=behind_proxy, forwarded_allow_ips="127.0.0.1" if behind_proxy else "",
                server_header=False)


def serve(args):
    if args.console_command is not None:
        return EXIT_OK  # sub-commands have their own handlers
    if not args.db:
        from lib12333.errors import ValidationError

        raise ValidationError("the console needs --db FILE", field="arguments")
    if not is_url(args.db) and not os.path.isfile(args.db):
        raise OSError("no such database: %s" % args.db)
    run_server(make_console(args), args.listen, args.behind_tls_proxy, args.allowed_host)
    return EXIT_OK


def _password(args):
    from lib12333.errors import ValidationError

    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            return f.readline().rstrip("\r\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    import getpass

    if not sys.stdin.isatty():
        raise ValidationError("no password: use --password-file or %s" % PASSWORD_ENV, field="password")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValidationError("the two passwords differ", field="password")
    return first


def _store(path, create=False):
    """The console's store on ``path``; only ``user add`` may start a new database (a mistyped --db
    would otherwise leave a stray empty database and an account nobody finds)."""
    from lib12333.host.console.store import ConsoleStore

    if not is_url(path) and not os.path.isfile(path):
        if not create:
            raise OSError("no such database: %s" % path)
        progress("console: %s did not exist; created an empty gateway database" % path)
    return ConsoleStore(path)


def user_add(args):
    from lib12333.host.console.pages_admin import add_user

    store = _store(args.db, create=True)
    add_user(store, args.username, args.role, _password(args), time.time())
    store.audit(time.time(), "(cli)", "cli", "user.add", args.username, args.role)
    emit({"username": args.username, "role": args.role, "created": True}, args.json,
         lambda d: "account %s (%s) created" % (d["username"], d["role"]))
    return EXIT_OK


def user_reset(args):
    from lib12333.host.console import auth

    store = _store(args.db)
    if store.user(args.username) is None:
        from lib12333.errors import ValidationError

        raise ValidationError("no account %s" % args.username, field="username")
    pw_hash = auth.hash_password(_password(args))
    store.set_user(args.username, disabled=True)  # ends its sessions
    store.set_user(args.username, disabled=False, unlock=True, pw_hash=pw_hash)
    store.audit(time.time(), "(cli)", "cli", "user.reset", args.username)
    progress("account %s: new password, unlocked, enabled" % args.username)
    return EXIT_OK


def _account_state(row, now):
    if row["disabled"]:
        return "disabled"
    if row["locked_until"] > now:  # what a locked-out administrator needs to see ('user reset' unlocks)
        return "locked until %s UTC" % time.strftime("%Y-%m-%d %H:%M", time.gmtime(row["locked_until"]))
    return "active"


def user_list(args):
    rows = _store(args.db).users()
    now = time.time()
    emit(rows, args.json, lambda rs: "\n".join("%-20s %-14s %s" % (
        r["username"], r["role"], _account_state(r, now)) for r in rs) or "(no accounts)")
    return EXIT_OK


def import_records(args):
    from lib12333.host.cdr import open_importer

    store = _store(args.db)
    total = 0
    for path in args.files:
        if not os.path.isfile(path):
            raise OSError("no such file: " + path)
        imp = open_importer(args.format, path)
        batch = []
        for r in imp:
            batch.append((r.channel, r.service, str(r.region or ""), r.category, r.queue, r.arrival, r.answer,
                          r.end if r.end is not None else r.arrival, r.outcome, r.agent, r.caller))
            if len(batch) >= 5000:
                store.add_service_rows(batch)
                total += len(batch)
                progress("console import: %d records" % total)
                batch = []
        store.add_service_rows(batch)
        total += len(batch)
    emit({"records": total}, args.json, lambda d: "%d records imported" % d["records"])
    return EXIT_OK


def after_demo(args):
    """``lib12333 demo --console``: run the demo in a kept folder, then serve the console on its database."""
    import secrets
    import tempfile

    from lib12333.host import demo
    from lib12333.host.console.app import Console
    from lib12333.host.console.pages_admin import add_user

    workdir = args.keep or tempfile.mkdtemp(prefix="lib12333-demo-")
    db_path = os.path.join(workdir, "centre.db")
    if os.path.exists(db_path):
        # The hall of an earlier run is registered there already (the demo would refuse kiosk 1001 again):
        # open the console on what that run did.
        print("console: %s holds an earlier demo; serving it again (remove the folder to run the demo anew)"
              % workdir)
    else:
        ok, reason, _lines = demo.run(workdir=workdir, echo=not args.quiet, timeout=args.timeout)
        print(("OK: " if ok else "FAILED: ") + reason)
    console = Console(db_path, centre_code="330100", unit=demo.UNIT)
    password = secrets.token_urlsafe(12)
    accounts = (("demo", "supervisor"), ("tech", "technician"), ("admin", "administrator"))
    kept = [name for name, _role in accounts if console.store.user(name) is not None]
    for name, role in accounts:
        if name not in kept:
            add_user(console.store, name, role, password, time.time())
    if kept:
        # Never overwrite a password here: --keep may name a folder whose accounts are not the demo's.
        print("console: accounts %s keep the password printed when they were made; "
              "'lib12333 console user reset --db %s --username NAME' sets a new one" % (", ".join(kept), db_path))
    if len(kept) < len(accounts):
        print("console: log in as %s, password %s" % (", ".join(
            "%s (%s)" % (name, role) for name, role in accounts if name not in kept), password))
    sys.stdout.flush()
    run_server(console, args.listen)
    return EXIT_OK
