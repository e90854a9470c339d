"""``lib12333 ismg-sim``: an emulated operator SMS gateway joined to the emulated mobile network."""

import argparse

from lib12333.host.cli import EXIT_OK
from lib12333.host.cli.common import serve_for, stop_on_sigterm
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit, progress

HELP = """\
Run an emulated operator SMS gateway (China Mobile's ISMG over CMPP, China Telecom's
over SMGP 3.0, China Unicom's SMG over SGIP 1.2, or an SMSC over SMPP 3.4) on 127.0.0.1, joined to an emulated mobile network of modems on ptys.
The centre's gateway connects to it with --link; kiosks and phones are the modems.

  LIB12333_LINK_SECRET=s3cret lib12333 ismg-sim --protocol cmpp3 --listen 127.0.0.1:7890 \\
      --account 901234 --number +8610657112333 --modems +8613800571001 +8613912345678
  LIB12333_LINK_SECRET=s3cret lib12333 gateway --db centre.db \\
      --link 'cmpp3://901234@127.0.0.1:7890?service=RSJ&src=10657112333'
  lib12333 modem send --port /dev/pts/N --to +8610657112333 --text "查询 T330100K0113030100077"

The shared secret comes from the environment (--secret-env, default LIB12333_LINK_SECRET) or
a file (--secret-file), never from the command line.  --faults injects link faults:
drop=P, dup=P, late=S, lose=P, throttle=N, error=P, garbage=P, seed=N (docs/operators.md).
"""


def register(subparsers):
    p = subparsers.add_parser("ismg-sim", help="emulated operator SMS gateway (CMPP, SMGP, SGIP, SMPP) on 127.0.0.1",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--protocol", required=True, choices=("smpp", "cmpp2", "cmpp3", "smgp", "sgip"), help="protocol to speak")
    p.add_argument("--listen", default="127.0.0.1:7890", help="address to listen on (default 127.0.0.1:7890)")
    p.add_argument("--account", required=True, help="the centre's account: CMPP SP code, SMGP ClientID, SGIP login name or SMPP system_id")
    p.add_argument("--secret-file", help="read the shared secret from this file (first line)")
    p.add_argument("--secret-env", default="LIB12333_LINK_SECRET",
                   help="environment variable holding the secret (default LIB12333_LINK_SECRET)")
    p.add_argument("--number", default="+8610657112333", help="the centre's service number on the network")
    p.add_argument("--modems", nargs="*", default=["+8613800571001", "+8613912345678"],
                   help="numbers of the emulated modems (kiosks, phones); none: a gateway without a network")
    p.add_argument("--sp-listen", metavar="HOST:PORT",
                   help="SGIP only: where the centre listens for the gateway's Deliver and Report connections")
    p.add_argument("--faults", default="", help="link fault injection, e.g. 'drop=0.05,dup=0.1,late=0.5,seed=3'")
    p.add_argument("--mo-gb", action="store_true",
                   help="deliver handsets' Chinese texts in GB (format 15) as some operator gateways do "
                        "(CMPP, SMGP, SGIP)")
    p.add_argument("--duration", type=float, help="stop after this many seconds (default: until Ctrl-C)")
    add_show_pii(p, "print the modems' numbers unmasked")
    add_json_flag(p)
    p.set_defaults(handler=run)


def _secret(args):
    import os

    from lib12333.errors import ConfigError

    if args.secret_file:
        from lib12333.host.keyfile import read_secret_line

        return read_secret_line(args.secret_file, "--secret-file")
    value = os.environ.get(args.secret_env)
    if value is None:
        raise ConfigError("no secret: set %s or give --secret-file" % args.secret_env, "--secret-env")
    return value


def run(args):

    from lib12333 import identifiers
    from lib12333.errors import ConfigError
    from lib12333.host.links.ismg import Ismg, LinkFaults

    host, _, port = args.listen.rpartition(":")
    if not port.isdigit():
        raise ConfigError("expected HOST:PORT", "--listen", None, args.listen)
    faults = LinkFaults.parse(args.faults)
    sp_address = None
    if args.sp_listen:
        sp_host, _, sp_port = args.sp_listen.rpartition(":")
        if not sp_port.isdigit():
            raise ConfigError("expected HOST:PORT", "--sp-listen", None, args.sp_listen)
        sp_address = (sp_host or "127.0.0.1", int(sp_port))
    elif args.protocol == "sgip":
        raise ConfigError("SGIP delivers on its own connection to the centre: give --sp-listen HOST:PORT",
                          "--sp-listen")
    ismg = Ismg(args.protocol, {args.account: _secret(args)}, args.number, (host or "127.0.0.1", int(port)), faults,
                sp_address=sp_address, mo_gb=args.mo_gb)
    sim = None
    if args.modems:
        from lib12333.host.modem.network import Simulator

        sim = Simulator(numbers=args.modems)
        ismg.attach(sim)
    show = (lambda n: n) if args.show_pii else identifiers.mask_phone
    data = {"protocol": args.protocol, "listen": "%s:%d" % ismg.address, "number": show(args.number),
            "modems": [{"number": show(n), "device": p} for n, p in (sim.paths() if sim else [])],
            "faults": faults.describe()}
    emit(data, args.json, lambda d: "%s gateway on %s for %s\n%s\nfaults: %s\nrunning; Ctrl-C to stop" % (
        d["protocol"], d["listen"], d["number"],
        "\n".join(m["device"] + "  " + m["number"] for m in d["modems"]) or "(no network)", d["faults"]))

    stop_on_sigterm()
    try:
        if sim is None:
            ismg.serve(args.duration)
        else:
            sim.start()
            serve_for(args.duration)
    except KeyboardInterrupt:
        pass
    finally:
        ismg.stop()
        if sim is not None:
            sim.stop()
        progress("stopped: " + ", ".join("%s %d" % (k, v) for k, v in sorted(ismg.stats.items())))
    return EXIT_OK
