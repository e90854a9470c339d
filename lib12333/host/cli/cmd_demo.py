"""``lib12333 demo``: a whole service hall on one machine, a card reported lost end to end."""

import argparse
import sys

from lib12333.host.cli import EXIT_FAILED, EXIT_IO, EXIT_OK, EXIT_USAGE

HELP = """\
Runs a service hall on this machine: the centre gateway (SQLite in a temporary
folder), a kiosk running the reference firmware on the host board with an emulated
modem and CCID card reader, the emulated mobile network, and a citizen's phone.
A scripted citizen inserts the card, reports it lost, gets the acknowledgement and
the SMS notice.  Personal data is masked in the transcript.

Exit status 0 only when the centre's registry really shows the card as 临时挂失.
"""


def _seconds(text):
    """A --timeout: a positive number of seconds (0 or less would fail every step, with a misleading reason)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError("expected a positive number of seconds, got %r" % text)
    return value


def _clash(args):
    """Options that would be silently ignored together: say so instead."""
    if args.link_faults and not args.link:
        return "--link-faults needs --link (the faults are the emulated operator gateway's)"
    if args.interactive and (args.link or args.console):
        return "--interactive runs the hall on its own modem and ends with a summary; --link and --console go " \
               "with the scripted demo"
    if args.console and args.link:
        return "--console serves the scripted demo's database on its own modem; run --link without --console"
    if args.board != "host" and (args.interactive or args.link or args.console):
        return "--board runs the scripted demo with the emulated board's kiosk; --interactive, --link and " \
               "--console go with the host board"
    return None


def register(subparsers):
    p = subparsers.add_parser("demo", help="a service hall on one machine: report a card lost end to end",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--interactive", action="store_true",
                   help="drive the kiosk yourself with the keyboard (i inserts / removes the card, q quits)")
    p.add_argument("--keep", metavar="DIR", help="keep the centre database and the kiosk's flash in DIR")
    p.add_argument("--timeout", type=_seconds, help="seconds each step may take; 180.0 with --board rp2040-ec800n (default: 60.0)")
    p.add_argument("--board", choices=("host", "rp2040-ec800n"), default="host",
                   help="the kiosk: the reference firmware on this PC (host, default) or the real rp2040-ec800n "
                   "firmware image on an emulated RP2040 (docs/firmware-images.md; needs the Arm toolchain, node)")
    p.add_argument("--quiet", action="store_true", help="print only the outcome")
    p.add_argument("--console", action="store_true",
                   help="then keep the centre console open on the demo's database (docs/console.md); Ctrl-C stops")
    p.add_argument("--listen", default="127.0.0.1:8333", help="with --console: address:port (default 127.0.0.1:8333)")
    p.add_argument("--link", choices=("smpp", "cmpp2", "cmpp3", "smgp", "sgip"),
                   help="put the centre on an operator link (emulated gateway) instead of its own modem")
    p.add_argument("--link-faults", default="",
                   help="faults of the emulated gateway, e.g. 'drop=0.1,dup=0.2,late=0.5' (see docs/operators.md)")
    p.set_defaults(handler=run)


def run(args):
    import os

    from lib12333.host import demo

    clash = _clash(args)
    if clash:
        print("error: " + clash, file=sys.stderr)
        return EXIT_USAGE
    if args.timeout is None:
        args.timeout = 180.0 if args.board != "host" else 60.0
    if args.keep:
        if os.path.exists(os.path.join(args.keep, "centre.db")) and not args.console:
            # The hall registers kiosk 1001 and its card afresh; the gateway would refuse them, and its
            # message (a replacement board?) means nothing to someone who ran the demo twice.
            print("error: %s holds an earlier demo (centre.db); give --keep an empty or new folder, or look at that "
                  "one: lib12333 gateway card show --db %s --card NUMBER"
                  % (args.keep, os.path.join(args.keep, "centre.db")), file=sys.stderr)
            return EXIT_USAGE
        os.makedirs(args.keep, exist_ok=True)
    if args.interactive:
        from lib12333.host import hall_view

        try:
            return hall_view.interactive(args.keep)
        except hall_view.NoTerminal as exc:
            print("error: " + str(exc), file=sys.stderr)
            return EXIT_IO  # no terminal: the device it needs is missing
    if args.console:
        from lib12333.host.cli import cmd_console

        return cmd_console.after_demo(args)
    if args.board != "host":
        from lib12333.host.firmware_image import hall

        ok, reason, lines = hall.run(args.board, workdir=args.keep, echo=not args.quiet, timeout=args.timeout or 180.0)
    else:
        hall_class = None
        if args.link:
            from lib12333.host.links.demo import link_hall

            hall_class = link_hall(args.link, args.link_faults)
        ok, reason, lines = demo.run(workdir=args.keep, echo=not args.quiet, timeout=args.timeout or 60.0,
                                     hall_class=hall_class)
    if args.quiet:
        print(("OK: " if ok else "FAILED: ") + reason)
    else:
        print(demo.card_hint(args.keep))
    return EXIT_OK if ok else EXIT_FAILED
