"""``lib12333 route``: normalise numbers, check rule sets, explain a routing decision."""

from lib12333.host.cli import EXIT_NO, EXIT_OK
from lib12333.host.cli.common import usage_handler
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit

PRESETS = ("city", "province")


def register(subparsers):
    parser = subparsers.add_parser(
        "route",
        help="routing: normalise numbers, check rule sets, explain decisions",
        description="Routing for 12333 / 12370: which centre a dialled number reaches, and which queue, "
        "self-service, callback or transfer the routing rules choose. Rule sets are JSON "
        "(docs/routing.md); two presets ship with lib12333: 'city' (one centre per city) and 'province' "
        "(provincial centralisation with city remote seats and overflow).",
    )
    sub = parser.add_subparsers(dest="route_command", metavar="ACTION")

    explain = sub.add_parser(
        "explain",
        help="show the decision for one request and the rules that led to it",
        description="Work out the centre the number reaches from the caller, evaluate the rule set and "
        "list every rule tried with the reason it did not match. Caller numbers are masked unless "
        "--show-pii. Times are given, never read from the clock.",
    )
    explain.add_argument("--number", help="number dialled: 12333, 0571-12333, +86 571 12333 ... (voice and sms)")
    explain.add_argument("--caller", help="caller's number (mobile or fixed line)")
    explain.add_argument("--caller-region", metavar="CODE",
                         help="6-digit division code of the caller (or of the kiosk / web session)")
    explain.add_argument("--card-region", metavar="CODE", help="6-digit division code of the card-issuing region")
    explain.add_argument("--channel", choices=("voice", "sms", "kiosk", "web"), default="voice",
                         help="channel of the request (default voice)")
    explain.add_argument("--category", metavar="CODE", help="category code: 2/4-digit national, 6/8-digit local")
    explain.add_argument("--time", metavar="YYYY-MM-DDTHH:MM", help="local time of the request")
    explain.add_argument("--holiday", action="append", default=[], metavar="DATE",
                         help="a public-holiday date YYYY-MM-DD (repeatable)")
    explain.add_argument("--workday", action="append", default=[], metavar="DATE",
                         help="a make-up working day YYYY-MM-DD (调休, repeatable)")
    explain.add_argument("--waiting", type=int, metavar="N", help="callers waiting in the queue now")
    explain.add_argument("--agents", type=int, metavar="N", help="agents free now")
    _add_rules_options(explain)
    explain.add_argument("--centres", metavar="FILE",
                         help="centre table JSON (centre id -> SMS number, as in a kiosk's routing config): "
                              "also print the number the request is sent to")
    explain.add_argument("--default-number", metavar="NUMBER",
                         help="with --centres: the number for a centre the table does not list (the kiosk's own "
                              "centre, which relays); default: none")
    add_show_pii(explain, "print the caller's number unmasked")
    add_json_flag(explain)
    explain.set_defaults(handler=_explain)

    check = sub.add_parser(
        "check",
        help="validate a rule set (exit 1 when it is invalid)",
        description="Load and compile a rule set: schema, known category and region codes, a default "
        "rule, no unreachable rules, no overlapping rules with different results at one priority. "
        "Errors name the file, the line and the rule.",
    )
    check.add_argument("rules", metavar="FILE", help="the rule set to check (JSON)")
    check.add_argument("--no-regions", action="store_true", help="check region codes by format only")
    add_json_flag(check)
    check.set_defaults(handler=_check)

    norm = sub.add_parser(
        "normalise",
        aliases=["normalize"],
        help="normalise a telephone number and look up its area",
        description="Parse +86 / 0086 / trunk-0 / mobile / fixed / service numbers and show the national "
        "and E.164 forms and the cities of the area code. Mobile and fixed numbers are masked "
        "unless --show-pii; mobile home regions are not in the data.",
    )
    norm.add_argument("number", help="the number, e.g. '0571-12333' or '+86 138 0000 0000'")
    add_show_pii(norm, "print the number unmasked")
    add_json_flag(norm)
    norm.set_defaults(handler=_normalise)

    parser.set_defaults(handler=usage_handler(parser))


def _add_rules_options(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--rules", metavar="FILE", help="a rule-set JSON file")
    group.add_argument("--preset", choices=PRESETS, help="a shipped rule set (default: city)")


def _table():
    from lib12333.host.regions import default_table as default_region_table

    return default_region_table()


def _load_rules(args, table):
    from lib12333.compat import data_path
    from lib12333.routing import loader

    if args.rules:
        with open(args.rules, "rb") as f:
            return loader.loads(f.read(), args.rules, table)
    name = "route-" + (args.preset or "city") + ".json"
    with open(data_path(name), "rb") as f:
        return loader.loads(f.read(), name, table)


def _region_text(table, code):
    if code is None:
        return "unknown"
    row = table.region(code)
    if row is None:
        return code
    province = table.region(code[:2] + "0000")
    if province is not None and province.code != row.code:
        return code + " " + province.name + row.name
    return code + " " + row.name


def _explain(args):
    from lib12333.routing import clock, dialing, engine, numbers

    table = _table()
    rules = _load_rules(args, table)
    if args.card_region is not None:
        table.city(args.card_region, "card_region")
    if args.channel in ("voice", "sms") and not args.number:
        from lib12333.errors import ValidationError

        raise ValidationError("--number is needed for voice and sms", field="number")
    if args.category is not None and (len(args.category) not in (2, 4, 6, 8) or not args.category.isdigit()):
        from lib12333.errors import ValidationError

        raise ValidationError("must be 2, 4, 6 or 8 digits", field="category")
    reach = dialing.reach(table, args.number, args.caller, args.caller_region, args.channel)
    calendar = clock.Calendar(args.holiday, args.workday)
    request = engine.Request(
        number=reach.service,
        channel=args.channel,
        reached=reach.region,
        caller_region=args.caller_region,
        card_region=args.card_region,
        category=args.category,
        time=args.time,
        waiting=args.waiting,
        agents=args.agents,
    )
    result = rules.explain(request, calendar)
    decision = result["decision"]
    caller = None
    if args.caller:
        n = numbers.normalise(args.caller)
        caller = n.display() if args.show_pii else n.masked()
    dial = None
    if decision.centre is not None and reach.service and decision.level == "city":
        dial = dialing.dial_string(table, reach.service, decision.centre)
    data = {
        "rules": rules.name,
        "number": numbers.normalise(args.number).display() if args.number else None,
        "caller": caller,
        "reach": reach.as_dict(),
        "day": result["day"],
        "decision": decision.as_dict(),
        "centre_name": _region_text(table, decision.centre) if decision.centre else None,
        "dial": dial,
        "tried": result["tried"],
    }
    if args.centres:
        data["centre_number"], data["centre_key"] = _centre_number(args, decision)
    emit(data, args.json, lambda d: _render_explain(d, table))
    return EXIT_OK


def _render_explain(d, table):
    reach = d["reach"]
    dec = d["decision"]
    lines = ["rule set: " + d["rules"]]
    if d["number"]:
        lines.append("dialled: " + d["number"] + (" from " + d["caller"] if d["caller"] else ""))
    how = reach["via"] + (" (assumed)" if reach["assumed"] else "")
    lines.append("reaches: " + _region_text(table, reach["region"]) + " via " + how)
    if reach["note"]:
        lines.append("  note: " + reach["note"])
    lines.append("day: " + d["day"])
    lines.append("rules tried:")
    for t in d["tried"]:
        mark = "MATCH" if t["matched"] else "no   "
        why = "" if t["matched"] else "  -- " + t["why"]
        lines.append("  %s line %-4s p%-4d %s%s" % (mark, t["line"], t["priority"], t["rule"], why))
    target = d["centre_name"] or dec["level"]
    lines.append(
        "decision: %s at %s centre %s%s%s"
        % (
            dec["action"],
            dec["level"],
            target,
            ", queue " + dec["queue"] if dec["queue"] else "",
            " via the national transfer platform" if dec["via"] == "national-platform" else "",
        )
    )
    if dec["note"]:
        lines.append("  note: " + dec["note"])
    if d["dial"]:
        lines.append("from a mobile or another city dial: " + d["dial"])
    if "centre_number" in d:
        how = "table entry " + d["centre_key"] if d["centre_key"] else "not in the table: default"
        lines.append("sent to: %s (%s)" % (d["centre_number"] or "-", how))
    return "\n".join(lines)


def _centre_number(args, decision):
    """(number, table key used or None) for the decision with the --centres table."""
    from lib12333.host import jsonfile
    from lib12333.routing import centres

    table = jsonfile.load(args.centres, "centre table")
    centres.check_table(table, args.centres)
    for key in centres.keys_for(decision):
        if table.get(key):
            return table[key], key
    return args.default_number, None


def _check(args):
    from lib12333.errors import ConfigError, DecodeError
    from lib12333.routing import loader

    table = None if args.no_regions else _table()
    with open(args.rules, "rb") as f:
        text = f.read()
    try:
        rules = loader.loads(text, args.rules, table)
    except (ConfigError, DecodeError) as exc:
        data = {
            "valid": False,
            "error": str(exc),
            "line": getattr(exc, "line", None),
            "item": getattr(exc, "item", None),
        }
        emit(data, args.json, lambda d: "invalid: " + d["error"])
        return EXIT_NO
    data = {"valid": True, "name": rules.name, "rules": len(rules.rules)}
    emit(data, args.json, lambda d: "ok: %s, %d rules" % (d["name"], d["rules"]))
    return EXIT_OK


def _normalise(args):
    from lib12333.routing import numbers

    table = _table()
    n = numbers.normalise(args.number)
    show = args.show_pii or n.kind == numbers.SERVICE
    cities = table.area(n.area) if n.area else ()
    data = {
        "kind": n.kind,
        "area": n.area,
        "number": n.display() if show else n.masked(),
        "national": n.national() if show else None,
        "e164": n.e164() if show else None,
        "area_known": bool(cities) if n.area else None,
        "cities": [{"code": c, "name": _region_text(table, c)[7:]} for c in cities],
    }
    if n.kind == numbers.MOBILE:
        data["note"] = "mobile home regions are not in the data; pass the caller's region explicitly"
    emit(data, args.json, _render_normalise)
    return EXIT_OK


def _render_normalise(d):
    lines = ["%s: %s" % (d["kind"], d["number"])]
    if d["e164"]:
        lines.append("E.164: " + d["e164"])
    if d["area"]:
        if d["cities"]:
            lines.append("area " + d["area"] + ": " + ", ".join(c["code"] + " " + c["name"] for c in d["cities"]))
        else:
            lines.append("area " + d["area"] + ": not in the region table")
    if d.get("note"):
        lines.append("note: " + d["note"])
    return "\n".join(lines)
