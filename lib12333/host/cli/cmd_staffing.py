"""``lib12333 staffing``: how many agents a 12333 / 12370 queue needs (Erlang C or Erlang A)."""

from lib12333.host.cli import EXIT_OK
from lib12333.host.cli.output import add_json_flag, emit, progress


def register(subparsers):
    parser = subparsers.add_parser(
        "staffing",
        help="size the seats of a queue (Erlang C, or Erlang A with --patience)",
        description="Smallest number of agents that answers --target of the calls within --within seconds, "
        "for --calls arriving per --period with average handle time --aht. Erlang C (callers wait forever) "
        "unless --patience gives the callers' mean patience, then Erlang A with abandonment. Caps: "
        "--max-abandon (Erlang A), --max-occupancy; --shrinkage turns productive agents into scheduled "
        "ones. Method and published examples: docs/staffing.md.",
    )
    parser.add_argument("--calls", type=float, required=True, help="calls offered per period")
    parser.add_argument("--period", default="30m", help="period length: 30m, 1h, 900s or seconds (default 30m)")
    parser.add_argument("--aht", type=float, required=True, help="average handle time in seconds (talk + wrap-up)")
    parser.add_argument("--target", type=float, default=0.8, help="service level target, 0..1 (default 0.8)")
    parser.add_argument("--within", type=float, default=20.0, help="answer within this many seconds (default 20)")
    parser.add_argument("--patience", type=float, help="callers' mean patience in seconds: use Erlang A")
    parser.add_argument("--max-abandon", type=float, help="abandonment cap, 0..1 (Erlang A only)")
    parser.add_argument("--shrinkage", type=float, default=0.0, help="shrinkage, 0..1 (default 0)")
    parser.add_argument("--max-occupancy", type=float, help="occupancy cap, 0..1")
    add_json_flag(parser)
    parser.set_defaults(handler=_run)


def _run(args):
    from lib12333 import staffing
    from lib12333.host.cdr import parse_duration

    period = parse_duration(args.period, "period")
    result = staffing.staff(args.calls, period, args.aht, args.target, args.within, patience_s=args.patience,
                            max_abandon=args.max_abandon, shrinkage=args.shrinkage,
                            max_occupancy=args.max_occupancy)
    data = dict(result)
    data["inputs"] = {"calls": args.calls, "period_s": period, "aht_s": args.aht, "target": args.target,
                      "within_s": args.within, "patience_s": args.patience}
    if args.patience is not None and args.max_abandon is None and data.get("abandonment") is not None:
        progress("warning: no --max-abandon: %d agents imply %s of callers abandoning; cap it with "
                 "--max-abandon (e.g. 0.05) and/or --max-occupancy (docs/staffing.md)"
                 % (data["agents"], _pct(data["abandonment"])))
    emit(data, args.json, _text)
    return EXIT_OK


def _pct(x):
    return "-" if x is None else "%.1f %%" % (100.0 * x)


def _text(d):
    asa = "-" if d["asa_s"] is None else "%.1f s" % d["asa_s"]
    lines = [
        "model              %s (%.2f Erlangs offered)" % (d["model"], d["load_erlangs"]),
        "agents             %d productive, %d scheduled (shrinkage %s)"
        % (d["agents"], d["scheduled_agents"], _pct(d["shrinkage"])),
        "set by             %s" % d["binding"],
        "probability wait   %s" % _pct(d["probability_wait"]),
        "service level      %s answered within %g s" % (_pct(d["service_level"]), d["inputs"]["within_s"]),
        "ASA                %s (answered calls)" % asa,
        "abandonment        %s" % _pct(d["abandonment"]),
        "occupancy          %s" % _pct(d["occupancy"]),
        "square-root check  %d agents (beta %.2f, Halfin-Whitt)"
        % (d["square_root_staffing"]["agents"], d["square_root_staffing"]["beta"]),
    ]
    return "\n".join(lines)
