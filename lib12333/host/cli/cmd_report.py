"""``lib12333 report annual``: the yearly use of 12333 and 12370 as printable HTML, CSV and JSON."""

import os

from lib12333.host.cli import EXIT_OK
from lib12333.host.cli.common import usage_handler
from lib12333.host.cli.output import add_json_flag, emit, progress
from lib12333.host.cli.progress_bar import ProgressBar, add_progress_flags, tracked

FORMATS = ("asterisk-queue-log", "asterisk-master", "freeswitch", "native")


def register(subparsers):
    parser = subparsers.add_parser(
        "report",
        help="reports: the annual use of 12333 / 12370 (due to the Ministry by 20 March)",
        description="Reports built from call records, SMS and kiosk records.",
    )
    sub = parser.add_subparsers(dest="report_command", metavar="KIND")
    annual = sub.add_parser(
        "annual",
        help="yearly use of 12333 and 12370: calls, SMS, kiosk transactions; rates; service level",
        description="Aggregate one year (local date of arrival) per service number and channel by month, "
        "hour, category and region, with answer rate, abandon rate and service level for calls. Writes "
        "annual-YEAR.html (printable, inline SVG charts, no network needed), annual-YEAR.csv and "
        "annual-YEAR.json to --out. Each province must report the previous year's use to the Ministry by "
        "20 March. An input may be given as FORMAT:PATH to override --format.",
    )
    annual.add_argument("--year", type=int, required=True, help="the year reported")
    annual.add_argument("--input", nargs="+", required=True, metavar="FILE", help="input files ([FORMAT:]PATH)")
    annual.add_argument("--format", default="native", choices=FORMATS, help="format of inputs without a prefix")
    annual.add_argument("--out", metavar="DIR", required=True, help="output directory")
    annual.add_argument("--province", default="", help="province or centre name for the title")
    annual.add_argument("--answer-within", type=float, default=20.0, help="service-level threshold in s (default 20)")
    annual.add_argument("--tz", default="+08:00", help="local UTC offset (default +08:00)")
    annual.add_argument("--queue-map", metavar="CSV", help="queue,service,region,category lines for queue logs")
    annual.add_argument("--columns", type=int, choices=(16, 18, 21), help="Master.csv width")
    add_progress_flags(annual)
    add_json_flag(annual)
    annual.set_defaults(handler=_annual)
    parser.set_defaults(handler=usage_handler(parser))


def _annual(args):
    from lib12333.host.cdr import QueueMap, open_importer, parse_tz
    from lib12333.host.cdr import report as R

    tz = parse_tz(args.tz)
    qm = QueueMap.load(args.queue_map) if args.queue_map else QueueMap()
    rep = R.AnnualReport(args.year, answer_within=args.answer_within, tz_offset=tz)
    imports = []
    for item in args.input:
        fmt, path = args.format, item
        head, sep, tail = item.partition(":")
        if sep and head in FORMATS:
            fmt, path = head, tail
        if not os.path.isfile(path):
            raise OSError("no such file: " + path)
        options = {}
        if fmt != "native":
            options["queue_map"] = qm
        if fmt in ("asterisk-master", "freeswitch"):
            options["tz_offset"] = tz
        if fmt == "asterisk-master":
            options["columns"] = args.columns
        imp = open_importer(fmt, path, **options)
        bar = ProgressBar(os.path.getsize(path), "report " + os.path.basename(path), quiet=args.quiet,
                          force=args.progress)
        for rec in tracked(imp, bar):
            rep.add(rec)
        info = imp.report.to_dict()
        info["format"] = fmt
        imports.append(info)
        if imp.report.malformed_count:
            progress("report: %s: %d malformed line(s), first at line %s"
                     % (path, imp.report.malformed_count, imp.report.malformed[0][0]))
    fig = rep.figures(imports)
    paths = R.write(fig, args.out, args.province)
    summary = {"year": args.year, "report_due": fig["report_due"], "files": paths,
               "records_outside_year": fig["records_outside_year"]}
    emit(summary, args.json, lambda d: "\n".join(["wrote " + p for p in d["files"]] +
                                                 ["due to the Ministry by " + d["report_due"]]))
    return EXIT_OK
