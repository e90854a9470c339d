"""``lib12333 kb``: build, search, show, browse and validate the information library."""

import datetime

from lib12333.host.cli import EXIT_NO, EXIT_OK
from lib12333.host.cli.common import usage_handler
from lib12333.host.cli.output import add_json_flag, emit, not_found, progress

DESCRIPTION = (
    "The three-level public-service information library (ministry, province, city). Library files are "
    "JSON (format lib12333-kb, see docs/library.md); without LIBRARY arguments the starter library is used."
)


def _libraries(args):
    from lib12333.host import kb

    return args.library or [kb.STARTER]


def _day(args):
    from lib12333.library.docref import parse_any_date

    if args.date:
        return parse_any_date(args.date, "--date")
    return datetime.date.today().isoformat()


def _region(args):
    from lib12333.library.entry import check_region

    region = args.region or ""
    if region:
        level = "provincial" if region[2:] == "0000" else "city"
        check_region(region, level)
    return region


def _merged(args):
    from lib12333.host import kb
    from lib12333.library.merge import merge

    entries, names = kb.load_files(_libraries(args))
    names.update(kb.load_category_tables(args.categories or []))
    return merge(entries, _region(args), _day(args)), names


def _add_scope(p):
    p.add_argument("library", nargs="*", metavar="LIBRARY", help="library JSON files (default: the starter library)")
    p.add_argument("--region", default="", help="6-digit division code to merge for: 330000 (province) or 330100 "
                   "(city); default national only")
    p.add_argument("--date", default="", help="the day the library is viewed on, ISO or Chinese "
                   "(二〇一三年三月一日); expired entries drop out; default today")
    p.add_argument("--categories", action="append", metavar="TABLE",
                   help="category extension table (lib12333/category-extension/1 JSON) naming local codes; "
                   "repeat for province and city tables")


def _entry_dict(e):
    d = e.to_dict() if hasattr(e, "to_dict") else dict(e)
    return dict(d)


def _render_entry(d):
    lines = [d["title"], "", d["body"], ""]
    lines.append("key:      " + d["key"] + "  (" + d["kind"] + ", " + d["level"]
                 + (" " + d["region"] if d.get("region") else "") + ", v" + str(d["version"]) + ")")
    lines.append("category: " + d["category"])
    lines.append("source:   " + d["source_doc"] + "  " + d["source_date"])
    if d.get("valid_from") or d.get("valid_to"):
        lines.append("valid:    " + (d.get("valid_from") or "…") + " to " + (d.get("valid_to") or "…"))
    if d.get("keywords"):
        lines.append("keywords: " + "、".join(d["keywords"]))
    return "\n".join(lines)


def cmd_build(args):
    from lib12333.host import kb

    result, names = _merged(args)
    region, day = _region(args), _day(args)
    idx, dat = kb.build_index(result.entries, names, region, day)
    paths = kb.write_index(args.out, idx, dat, args.name)
    for c in result.conflicts:
        progress("warning: " + c.describe())
    for key, _lvl, _reg, code in kb.unknown_local_codes(result.entries, names):
        progress("warning: entry " + key + " uses local category " + code + " that has no name")
    data = {
        "region": region,
        "date": day,
        "entries": len(result.entries),
        "expired": result.expired,
        "overridden": result.overridden,
        "conflicts": [c.describe() for c in result.conflicts],
        "files": {p: (len(idx) if p.endswith(".idx") else len(dat)) for p in paths},
    }

    def text(d):
        out = ["%d entries for %s on %s (%d expired, %d overridden, %d conflicts)" % (
            d["entries"], d["region"] or "national", d["date"], d["expired"], d["overridden"], len(d["conflicts"]))]
        for p, size in d["files"].items():
            out.append("  %s  %d bytes" % (p, size))
        return "\n".join(out)

    emit(data, args.json, text)
    return EXIT_NO if result.conflicts else EXIT_OK


def cmd_search(args):
    from lib12333.library.search import SearchIndex

    result, _names = _merged(args)
    hits = SearchIndex(result.entries).search(args.query, args.limit)
    data = [{"score": round(s, 4), "key": e.key, "title": e.title, "category": e.category, "level": e.level}
            for s, e in hits]

    def text(rows):
        if not rows:
            return "no matches"
        return "\n".join("%6.2f  %-24s %s  [%s]" % (r["score"], r["key"], r["title"], r["category"]) for r in rows)

    emit(data, args.json, text)
    return EXIT_OK if hits else EXIT_NO


def cmd_show(args):
    if args.index:
        from lib12333.host import kb

        reader, files = kb.open_index(args.index, args.name)
        try:
            n = reader.find_key(args.key)
            d = reader.entry(n) if n is not None else None
            if d is not None:
                d.pop("category_index", None)
        finally:
            for f in files:
                f.close()
    else:
        result, _names = _merged(args)
        e = result.by_key().get(args.key)
        d = _entry_dict(e) if e is not None else None
    if d is None:
        return not_found("no entry with key " + args.key, args.json)
    emit(d, args.json, _render_entry)
    return EXIT_OK


def cmd_browse(args):
    from lib12333.host import kb

    reader, files = kb.open_index(args.index, args.name)
    try:
        if args.code:
            cat = reader.find_category(args.code)
            if cat is None:
                return not_found("no category " + args.code + " in this index", args.json)
            children = reader.children(cat)
            titles = reader.titles(cat)
        else:
            cat = None
            children = reader.top()
            titles = []
        data = {
            "region": reader.region,
            "as_of": reader.as_of,
            "category": {"code": cat.code, "name": cat.name} if cat else None,
            "children": [{"code": c.code, "name": c.name, "entries": c.entry_count, "children": c.child_count}
                         for c in children],
            "entries": [{"key": k, "title": t} for _n, k, t in titles],
        }
    finally:
        for f in files:
            f.close()

    def text(d):
        out = []
        if d["category"]:
            out.append(d["category"]["code"] + " " + d["category"]["name"])
        for c in d["children"]:
            out.append("  %-8s %s  (%d entries, %d sub-categories)" % (c["code"], c["name"], c["entries"],
                                                                     c["children"]))
        for e in d["entries"]:
            out.append("  - %-24s %s" % (e["key"], e["title"]))
        return "\n".join(out) or "(empty)"

    emit(data, args.json, text)
    return EXIT_OK


def cmd_validate(args):
    from lib12333.errors import Lib12333Error
    from lib12333.host import kb
    from lib12333.library.merge import merge

    problems = []
    entries = []
    names = {}
    for path in _libraries(args):
        try:
            got, local = kb.load_file(path)
            entries.extend(got)
            names.update(local)
        except Lib12333Error as exc:
            problems.append(str(exc) if str(exc).startswith(path) else path + ": " + str(exc))
    try:
        names.update(kb.load_category_tables(args.categories or []))
    except Lib12333Error as exc:
        problems.append(str(exc))
    for key, level, region, code in kb.unknown_local_codes(entries, names):
        problems.append("entry " + key + " (" + level + " " + region + "): local category " + code
                        + " is not named in the library file or a --categories table")
    day = _day(args)
    regions = sorted({""} | {e.region for e in entries})
    conflicts = []
    for region in regions:
        for c in merge(entries, region, day).conflicts:
            text = c.describe()
            if text not in conflicts:
                conflicts.append(text)
    data = {"valid": not problems and not conflicts, "entries": len(entries), "problems": problems,
            "conflicts": conflicts, "date": day}

    def text(d):
        out = ["%s: %d entries" % ("valid" if d["valid"] else "INVALID", d["entries"])]
        out.extend("  " + p for p in d["problems"] + d["conflicts"])
        return "\n".join(out)

    emit(data, args.json, text)
    return EXIT_OK if data["valid"] else EXIT_NO


def register(subparsers):
    parser = subparsers.add_parser("kb", help="information library: build, search, show, browse, validate",
                                   description=DESCRIPTION)
    sub = parser.add_subparsers(dest="kb_command", metavar="ACTION")

    p = sub.add_parser("build", help="merge libraries for a region and write the kiosk index files",
                       description="Merge the libraries for --region on --date and write NAME.idx and NAME.dat "
                       "(format: protocols/library/README.md). Exit 1 when conflicts were found (files are still "
                       "written, the deterministic winner kept).")
    _add_scope(p)
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write the index files into")
    p.add_argument("--name", default="kb", help="base name of the files (default kb)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_build)

    p = sub.add_parser("search", help="full-text search (Chinese bigrams, BM25, title boost)",
                       description="Search the merged library; exit 1 when nothing matches.")
    p.add_argument("query", help="search text, e.g. 社会保障卡挂失")
    _add_scope(p)
    p.add_argument("--limit", type=int, default=10, help="maximum number of results (default 10)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("show", help="print one entry by key",
                       description="Print the entry KEY as seen in --region on --date, or from a built --index.")
    p.add_argument("key", help="entry key, e.g. card-loss-kiosk")
    _add_scope(p)
    p.add_argument("--index", help="read from a built index folder instead of library files")
    p.add_argument("--name", default="kb", help="base name of the index files (default kb)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("browse", help="walk the category tree of a built index (as the kiosk does)",
                       description="List the classes of a built index, or the sub-categories and entries of CODE.")
    p.add_argument("index", help="index folder (written by kb build)")
    p.add_argument("code", nargs="?", help="category code to open, e.g. 25 or 2505")
    p.add_argument("--name", default="kb", help="base name of the index files (default kb)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_browse)

    p = sub.add_parser("validate", help="check library files and report merge conflicts",
                       description="Validate every entry and merge every region present; exit 1 when a file is "
                       "invalid or two entries conflict.")
    _add_scope(p)
    add_json_flag(p)
    p.set_defaults(handler=cmd_validate)

    parser.set_defaults(handler=usage_handler(parser))
