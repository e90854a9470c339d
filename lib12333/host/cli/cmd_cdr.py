"""``lib12333 cdr``: call-centre statistics from Asterisk / FreeSWITCH logs, and record conversion."""

import json
import os
import sys

from lib12333.host.cli import EXIT_DATA, EXIT_OK, EXIT_USAGE
from lib12333.host.cli.common import usage_handler
from lib12333.host.cli.output import add_json_flag, emit, progress
from lib12333.host.cli.progress_bar import ProgressBar, add_progress_flags, tracked

FORMATS = ("asterisk-queue-log", "asterisk-master", "freeswitch", "native")
ENGINES = ("auto", "python", "duckdb")
# --engine auto: inputs this large go to DuckDB when it is installed (below, its start-up costs more than it saves)
COLUMNAR_BYTES = 64 * 1024 * 1024


def _common(p):
    p.add_argument("files", nargs="+", metavar="FILE", help="input files, read in order as one stream")
    p.add_argument("--format", required=True, choices=FORMATS, help="input format")
    p.add_argument("--tz", default="+08:00",
                   help="UTC offset of text time stamps (Master.csv, FreeSWITCH) and of local intervals/days "
                   "(default +08:00; use 0 for usegmtime=yes)")
    p.add_argument("--columns", type=int, choices=(16, 18, 21),
                   help="Master.csv width (default: taken from the first line)")
    p.add_argument("--queue-map", metavar="CSV",
                   help="file of queue,service,region,category lines giving each queue's service number, "
                   "region code and category code")
    p.add_argument("--service", type=int, default=12333, choices=(12333, 12370),
                   help="service number of queues not in --queue-map (default 12333)")
    p.add_argument("--region", type=int, default=0, help="region code of queues not in --queue-map")
    add_progress_flags(p)


def register(subparsers):
    parser = subparsers.add_parser(
        "cdr",
        help="call records: statistics (answer rate, abandon rate, service level) and conversion",
        description="Read Asterisk queue_log, Asterisk Master.csv, FreeSWITCH mod_cdr_csv or lib12333 record "
        "files, streaming in constant memory. Malformed lines are counted and listed with line numbers. "
        "Definitions: docs/cdr.md.",
    )
    sub = parser.add_subparsers(dest="cdr_command", metavar="ACTION")
    stats = sub.add_parser(
        "stats",
        help="offered, answered, abandoned, answer rate, abandon rate, service level, ASA, AHT",
        description="Metrics overall, per queue, per interval (of the call's queue entry) and per category, "
        "plus the GB/T 33358-2016 hotline checks (answer within 15 s; connection rate >= 95 % per day). "
        "Service level = answered within T / offered; other variants are in the JSON. Use queue_log for "
        "answer and abandon rates: Master.csv marks IVR-answered calls ANSWERED. Exit 0, or 3 with "
        "--strict when a line was malformed.",
    )
    _common(stats)
    stats.add_argument("--answer-within", type=float, default=20.0, help="service-level threshold T in s (default 20)")
    stats.add_argument("--interval", default="30m", help="interval length dividing a day: 15m, 30m, 1h (default 30m)")
    stats.add_argument("--short-abandon", type=float, default=5.0,
                       help="abandons within this many seconds are short abandons (default 5)")
    stats.add_argument("--wrapup", type=float, default=0.0, help="seconds of after-call work added to AHT")
    stats.add_argument("--by", default="queue,interval,category",
                       help="comma-separated groupings: queue, interval, category, region, channel, service, "
                       "day, month, hour (default queue,interval,category)")
    stats.add_argument("--strict", action="store_true", help="exit 3 if any line was malformed")
    stats.add_argument("--engine", default="auto", choices=ENGINES,
                       help="python: the streaming engine (constant memory); duckdb: the columnar engine for "
                       "one large asterisk-queue-log file (scripts/install columnar), same figures; "
                       "auto (default): duckdb for a queue_log of 64 MiB or more when DuckDB is installed")
    add_json_flag(stats)
    stats.set_defaults(handler=_stats)

    convert = sub.add_parser(
        "convert",
        help="convert call logs to lib12333 records (CSV, JSON Lines or binary)",
        description="Write one lib12333 service record per call. Callers are always masked.",
    )
    _common(convert)
    convert.add_argument("--to", required=True, choices=("csv", "jsonl", "binary", "parquet"),
                         help="output form; parquet writes a dataset directory partitioned by date and centre "
                         "(needs pyarrow: scripts/install columnar; columns in protocols/records/README.md)")
    convert.add_argument("--out", required=True, help="output file ('-' for stdout), or directory for parquet")
    convert.set_defaults(handler=_convert)
    parser.set_defaults(handler=usage_handler(parser))


def open_input(args):
    from lib12333.host.cdr import QueueMap, open_importer, parse_tz

    tz = parse_tz(args.tz)
    if args.queue_map:
        qm = QueueMap.load(args.queue_map, args.service, args.region)
    else:
        qm = QueueMap(args.service, args.region)
    for f in args.files:
        if not os.path.isfile(f):
            raise OSError("no such file: " + f)
    options = {}
    if args.format == "asterisk-queue-log":
        options["queue_map"] = qm
    elif args.format == "asterisk-master":
        options.update(queue_map=qm, tz_offset=tz, columns=args.columns)
    elif args.format == "freeswitch":
        options.update(queue_map=qm, tz_offset=tz)
    imp = open_importer(args.format, args.files, **options)
    total = sum(os.path.getsize(f) for f in args.files)
    bar = ProgressBar(total, "cdr " + args.cdr_command, quiet=args.quiet, force=args.progress)
    return imp, tz, bar, total


def _engine(args, total):
    """The engine to run, or an error message."""
    from lib12333.host.cdr import columnar

    if args.engine == "python":
        return "python", None
    fits = args.format == "asterisk-queue-log" and len(args.files) == 1
    if args.engine == "duckdb":
        if not columnar.available():
            return None, "the duckdb engine needs DuckDB: scripts/install columnar (or pip install duckdb)"
        if not fits:
            return None, "the duckdb engine reads one asterisk-queue-log file; use --engine python"
        return "duckdb", None
    if fits and total >= COLUMNAR_BYTES and columnar.available():
        return "duckdb", None
    return "python", None


def _stats(args):
    from lib12333.host.cdr import parse_duration
    from lib12333.records.metrics import DIMENSIONS, Metrics, gbt33358

    interval = parse_duration(args.interval, "interval")
    dims = [d.strip() for d in args.by.split(",") if d.strip()]
    for d in dims:
        if d not in DIMENSIONS:
            progress("error: unknown grouping %r; choose from %s" % (d, ", ".join(DIMENSIONS)))
            return EXIT_USAGE
    wanted = list(dims)
    if "day" not in dims:
        dims.append("day")  # for the GB/T 33358 daily check
    imp, tz, bar, total = open_input(args)
    engine, error = _engine(args, total)
    if error:
        progress("error: " + error)
        return EXIT_USAGE
    if args.format in ("asterisk-master", "freeswitch"):
        progress("warning: %s marks calls answered by the IVR as answered and its answer time is the IVR's; "
                 "queue answer/abandon rates and waits need queue_log (docs/cdr.md)" % args.format)

    def new_metrics():
        return Metrics(answer_within=args.answer_within, short_abandon=args.short_abandon, interval=int(interval),
                       tz_offset=tz, dimensions=dims, wrapup=args.wrapup)

    m = new_metrics()
    report = None
    if engine == "duckdb":
        from lib12333.host.cdr import columnar

        report = columnar.aggregate(args.files[0], m, queue_map=imp.queue_map, say=bar.phase)
        bar.close()
        if report is None:
            progress("cdr: this file needs the streaming engine (see docs/cdr.md, columnar engine); using it")
            m = new_metrics()  # the columnar engine may have added some records before giving up
        else:
            imp.report = report
    if report is None:
        for rec in tracked(imp, bar):
            m.add(rec)
    data = m.report()
    if "day" not in wanted:
        del data["by_day"]
    data["gbt_33358_2016"] = gbt33358(m)
    data["import"] = imp.report.to_dict()
    if args.json:
        # streamed: a year of 30-minute intervals is ~20 MB of JSON, not built as one string
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        sys.stdout.flush()
    else:
        emit(data, False, _text)
    if imp.report.malformed_count:
        progress("cdr: %d malformed line(s); first at line %s (listed under import.malformed_lines in --json)"
                 % (imp.report.malformed_count, imp.report.malformed[0][0] if imp.report.malformed else "?"))
        if args.strict:
            return EXIT_DATA
    return EXIT_OK


def _pct(x):
    return "     -" if x is None else "%5.1f%%" % (100.0 * x)


def _sec(x):
    return "     -" if x is None else "%6.1f" % x


def _row(name, f):
    return "%-24s %8d %8d %8d %8d %s %s %s %s %s %6s" % (
        name[:24], f["offered"], f["answered"], f["abandoned"], f["timeouts"], _pct(f["answer_rate"]),
        _pct(f["abandon_rate"]), _pct(f["service_level"]), _sec(f["asa_s"]), _sec(f["aht_s"]),
        "-" if f["longest_wait_s"] is None else f["longest_wait_s"])


def _text(d):
    p = d["parameters"]
    head = "%-24s %8s %8s %8s %8s %6s %6s %6s %6s %6s %6s" % (
        "", "offered", "answered", "abandon", "timeout", "ans%", "abn%", "SL", "ASA", "AHT", "max")
    out = ["service level = answered within %g s / offered; short abandon <= %g s" % (p["answer_within_s"],
                                                                                     p["short_abandon_s"]), head]
    out.append(_row("overall", d["overall"]))
    for key in d:
        if key.startswith("by_"):
            out.append("")
            out.append(key[3:] + ":")
            for name, f in d[key].items():
                out.append(_row("  " + (name or "(none)"), f))
    g = d["gbt_33358_2016"]
    out.append("")
    verdict = {"pass": "pass", "fail": "FAIL"}.get(g["status"], "no data (no calls or replies)")
    out.append("GB/T 33358-2016: %s" % verdict)
    a = g["answer_within_15s"]
    out.append("  answered within 15 s: %s of %d answered (%d late)" % (_pct(a["share"]), a["answered"],
                                                                        a["violations"]))
    dd = g["daily_connection_rate"]
    out.append("  connection rate >= 95%% every day: lowest %s, failing days: %s"
               % (_pct(dd["lowest_rate"]), ", ".join(dd["failing_days"][:10]) or "none"))
    imp = d["import"]
    out.append("")
    out.append("input: %d lines, %d records, %d malformed" % (imp["lines"], imp["records"], imp["malformed"]))
    for item in imp["malformed_lines"][:20]:
        out.append("  line %s: %s" % (item["line"], item["reason"]))
    for k, v in imp["notes"].items():
        out.append("  %s: %s" % (k, v))
    return "\n".join(out)


def _convert(args):
    from lib12333.host.cdr.native import Writer

    imp, tz, bar, _ = open_input(args)
    if args.to == "parquet":
        return _to_parquet(args, imp, bar, tz)
    if args.out == "-":
        stream, staging = sys.stdout.buffer, None
    else:
        # into a hidden file beside the output, renamed over it at the end: a conversion that is
        # killed leaves the output path as it was, not a half file that passes for a whole one
        import tempfile

        parent, name = os.path.split(os.path.abspath(args.out))
        try:
            fd, staging = tempfile.mkstemp(prefix="." + name + ".partial-", dir=parent)
        except OSError as exc:  # name what the user asked for, not the hidden staging file
            raise OSError(exc.errno, "cannot write %s: %s" % (args.out, exc.strerror)) from None
        stream = os.fdopen(fd, "wb")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
    try:
        w = Writer(stream, args.to)
        n = 0
        for rec in tracked(imp, bar):
            w.write(rec)
            n += 1
        stream.flush()
        if staging:
            os.fsync(stream.fileno())
            stream.close()
            os.replace(staging, args.out)
            staging = None
    finally:
        if staging:
            stream.close()
            os.remove(staging)
    _converted(imp, n, "")
    return EXIT_OK


def _converted(imp, n, where):
    r = imp.report
    progress("cdr convert: %d records written%s, %d lines read, %d malformed" % (n, where, r.lines,
                                                                              r.malformed_count))
    for line_no, reason in r.malformed[:20]:
        progress("  line %s: %s" % (line_no, reason))


def _to_parquet(args, imp, bar, tz):
    if args.out == "-":
        progress("error: --to parquet writes a dataset directory: give --out DIR, not '-'")
        return EXIT_USAGE
    try:
        from lib12333.host.cdr.parquet import ParquetWriter

        w = ParquetWriter(args.out, tz_offset=tz)
    except ImportError:
        progress("error: --to parquet needs pyarrow: scripts/install columnar (or pip install pyarrow)")
        return EXIT_USAGE
    try:
        for rec in tracked(imp, bar):
            w.write(rec)
    except BaseException:  # an unreadable input, Ctrl-C: no half dataset left behind
        w.abort()
        raise
    w.close()
    _converted(imp, w.written, " to %s (%d date/centre partitions)" % (args.out, len(w.partitions)))
    return EXIT_OK

