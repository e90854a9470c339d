"""``lib12333 id``: check citizen ID numbers, social credit codes and card numbers."""

from lib12333.errors import Lib12333Error
from lib12333.host.cli import EXIT_NO, EXIT_OK
from lib12333.host.cli.common import usage_handler
from lib12333.host.cli.output import add_json_flag, add_show_pii, emit

KINDS = ("citizen_id", "uscc", "card_number", "foreign_pr_id")


def register(subparsers):
    parser = subparsers.add_parser(
        "id",
        help="check identifiers (citizen ID, social credit code, card number)",
        description="Check citizen ID numbers (GB 11643-1999, 15 or 18 digits), unified social credit codes "
        "(GB 32100-2015) and social-security card numbers. Personal data is masked unless --show-pii.",
    )
    sub = parser.add_subparsers(dest="id_command", metavar="ACTION")

    check = sub.add_parser(
        "check",
        help="check one identifier; exit 0 when valid, 1 when invalid",
        description="Detect the kind of NUMBER and check it. Exit status 0 when valid, 1 when invalid. "
        "A card number whose check character does not match is still valid (advisory warning).",
    )
    check.add_argument("number", help="the identifier (spaces and hyphens are ignored)")
    check.add_argument("--kind", choices=KINDS, help="skip detection and check as this kind")
    check.add_argument(
        "--today", help="date for the not-in-the-future birth check (YYYY-MM-DD; default today)"
    )
    add_show_pii(check, "print the number and birth date unmasked")
    add_json_flag(check)
    check.set_defaults(handler=_check)

    digit = sub.add_parser(
        "checkdigit",
        help="compute the check character",
        description="Print the check character for PREFIX: 17 digits (citizen ID), 17 characters with letters "
        "(USCC) or 8 characters (card number).",
    )
    digit.add_argument("prefix", help="the identifier without its check character")
    digit.add_argument("--kind", choices=KINDS, help="force the kind (17 digits are a citizen ID by default)")
    add_show_pii(digit, "print the completed number unmasked")
    add_json_flag(digit)
    digit.set_defaults(handler=_checkdigit)

    upgrade = sub.add_parser(
        "upgrade",
        help="15-digit ID number to 18 digits",
        description="Convert a 15-digit ID number to 18 digits.",
    )
    upgrade.add_argument("number", help="15-digit citizen ID number")
    add_show_pii(upgrade, "print the result unmasked")
    add_json_flag(upgrade)
    upgrade.set_defaults(handler=_upgrade)

    parser.set_defaults(handler=usage_handler(parser))


def check_data(number, kind=None, today=None, show_pii=False):
    """The ``id check`` answer as a dict (masked unless ``show_pii``)."""
    import datetime

    from lib12333 import identifiers as ids

    if today is None:
        d = datetime.date.today()
        today = (d.year, d.month, d.day)
    regions = _regions()
    result = ids.identify(number, today=today, kind=kind, regions=regions)
    birth = result.birth_date
    if birth and not show_pii:
        birth = birth[:4] + "-**-**"
    data = {
        "kind": result.kind,
        "valid": result.valid,
        "reason": result.reason,
        "masked": result.masked,
        "region": result.region,
        "province": ids.province_name(result.region[:2]) if result.region else None,
        "city": _city_name(regions, result.region),
        "birth_date": birth,
        "warnings": list(result.warnings),
    }
    if result.kind in (ids.KIND_CITIZEN, ids.KIND_CITIZEN15) and result.valid:
        # the order code's last digit is visible in the masked form, so sex is not extra personal data
        data["sex"] = ids.parse_citizen_id(result.number).sex
    elif result.kind == ids.KIND_FOREIGN_PR and result.valid:
        from lib12333.foreign_id import parse_foreign_pr_id

        data["sex"] = parse_foreign_pr_id(result.number).sex
        data["nationality"] = result.nationality
    if show_pii:
        data["number"] = result.number
    return data


def _regions():
    """The installed GB/T 2260 table of the routing module, or None when it is not available."""
    try:
        from lib12333.host.regions import default_table as default_region_table

        return default_region_table()
    except (ImportError, OSError, Lib12333Error):
        return None


def _city_name(regions, code):
    if regions is None or not code:
        return None
    from lib12333.routing.regions import city_of

    found = regions.region(city_of(code))
    return found.name if found is not None else None


def _render_check(d):
    lines = ["%s: %s" % (d["kind"], "valid" if d["valid"] else "INVALID")]
    if d.get("number"):
        lines.append("number:     " + d["number"])
    lines.append("masked:     " + d["masked"])
    if d["reason"]:
        lines.append("reason:     " + d["reason"])
    if d["region"]:
        names = [n for n in (d["province"], d["city"]) if n]
        names = " ".join(names[:1] if len(names) == 2 and names[0] == names[1] else names)
        lines.append("region:     " + d["region"] + ("  " + names if names else ""))
    if d["birth_date"]:
        lines.append("birth date: " + d["birth_date"])
    if d.get("sex"):
        lines.append("sex:        " + d["sex"])
    if d.get("nationality"):
        lines.append("nationality: " + d["nationality"] + " (numeric country code)")
    for w in d["warnings"]:
        lines.append("warning:    " + w)
    return "\n".join(lines)


def _check(args):
    data = check_data(args.number, args.kind, args.today, args.show_pii)
    emit(data, args.json, _render_check)
    return EXIT_OK if data["valid"] else EXIT_NO


def _checkdigit(args):
    from lib12333 import identifiers as ids

    prefix = args.prefix.replace(" ", "").replace("-", "")
    kind = args.kind
    if kind is None:
        if len(prefix) == 8:
            kind = "card_number"
        elif len(prefix) == 17 and not prefix.isdigit():
            kind = "uscc"
        else:
            kind = "citizen_id"
    if kind in ("citizen_id", "foreign_pr_id"):  # the same MOD 11-2 check
        char = ids.citizen_id_check_digit(prefix)
    elif kind == "uscc":
        char = ids.uscc_check_char(prefix)
    else:
        char = ids.card_number_check_char(prefix)
    full = prefix + char
    if not args.show_pii:
        full = {"citizen_id": ids.mask_id, "foreign_pr_id": ids.mask_id, "card_number": ids.mask_card}.get(kind, str)(full)
    data = {"kind": kind, "check": char, "number" if args.show_pii else "masked": full}
    emit(data, args.json, lambda d: d["check"])
    return EXIT_OK


def _upgrade(args):
    from lib12333 import identifiers as ids
    from lib12333.errors import DecodeError

    text = args.number.replace(" ", "")
    if len(text) != 15:
        raise DecodeError("length " + str(len(text)), field="citizen ID (15)", expected="15 digits")
    number = ids.parse_citizen_id(text).number
    data = {"number": number} if args.show_pii else {"masked": ids.mask_id(number)}
    emit(data, args.json, lambda d: d.get("number") or d["masked"])
    return EXIT_OK
