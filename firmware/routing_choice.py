"""
Which centre number a kiosk request is sent to (issue 8).

The kiosk evaluates the same routing rules as the centres (lib12333.routing,
docs/routing.md "Kiosk and gateway") once per request, when the request is
submitted, and the outbox stores the chosen number in the request's journal
record, so a resend after a power cut goes to the same number even if the
rules, the centre table or the clock changed in between.

Configuration (``config["routing"]``, from the site part of device.json)::

    {"rules": "city",                    # a preset (city / province), a rules-file path, or "none"
     "region": "330106",                 # where the kiosk stands (default config["region"])
     "centres": {"330100": "+8613800000001",                  # centre code -> SMS number
                 "330100:civil-service": "+8613800000009",    # centre:queue, checked first
                 "330000": "+8613800000002", "national": "..."}}

The decision's centre is looked up as ``code:queue``, then ``code``, then its
province; a centre the table does not list -- typically another province's,
reached through the national transfer platform -- is served through the kiosk's
own centre (``config["centre_number"]``), whose gateway relays the request
(lib12333/host/gateway/relay.py).  The kiosk holds one key, shared with its own
centre; every number in the table must belong to a gateway that knows that key.

Inputs of the rule set: number 12333 (12370 when the category is of class 24
公务员管理), channel ``kiosk``, the kiosk's region as the reached and the
caller's region, the card-issuing region read from the card, the request's
category (``2505`` 社会保障卡 for loss reports and card-status queries), the
time (China Standard Time).

Nothing here is imported at boot: the app imports it at submit time and drops
the routing modules afterwards on MicroPython (see ``ROUTING_MODULES``).  That
costs about 38 KB of modules (.mpy) plus about 24 KB while the preset compiles,
for the length of one submit (docs/routing.md).  ``"rules": "none"`` skips the
rules on the kiosk: every request goes to ``centre_number`` with the card
region, and the home gateway routes (relays) it.
"""

from lib12333.errors import Lib12333Error

CARD_CATEGORY = "2505"
ROUTING_MODULES = (
    "lib12333.routing.loader",
    "lib12333.routing.analysis",
    "lib12333.routing.schema",
    "lib12333.routing.engine",
    "lib12333.routing.clock",
    "lib12333.routing.regions",
    "lib12333.routing.centres",
)


def cst_time(now):
    """``YYYY-MM-DDTHH:MM`` in China Standard Time (UTC+8) for Unix seconds ``now``."""
    from lib12333.dates import civil_from_days  # the one calendar home (at submit time, not at boot)

    t = int(now) + 8 * 3600
    days, rem = t // 86400, t % 86400
    y, m, d = civil_from_days(days)
    return "%04d-%02d-%02dT%02d:%02d" % (y, m, d, rem // 3600, (rem % 3600) // 60)


def rules_path(name):
    """A preset name (``city``, ``province``) -> its installed file; anything else is a path."""
    if name in ("city", "province"):
        from lib12333.compat import data_path

        return data_path("route-" + name + ".json")
    return name


def load_rules(name):
    """Compile the rule set ``name`` (preset or path); format checks only, to keep the heap small."""
    from lib12333.routing import loader

    with open(rules_path(name), "rb") as f:
        return loader.loads(f.read(), source=name, categories=False)


def request_for(msg_type, fields, kiosk_region, card_region, now):
    """The routing ``Request`` for one kiosk request."""
    from lib12333.routing.engine import Request
    from lib12333.routing.regions import check_code, city_of
    from lib12333.secure import messages as msg

    if kiosk_region is not None:
        check_code(kiosk_region, "routing.region")  # a configuration error: the caller falls back
    if card_region is not None:
        try:
            check_code(card_region, "card_region")
        except Lib12333Error:
            card_region = None  # an unreadable region on the card: decide without it

    if msg_type in (msg.LOSS_REPORT, msg.CARD_STATUS_QUERY):
        category = CARD_CATEGORY
    elif msg_type == msg.REQUEST:
        category = fields.get("category")
    else:
        category = None
    number = "12370" if category is not None and category[:2] == "24" else "12333"
    reached = city_of(kiosk_region) if kiosk_region else None
    return Request(number=number, channel="kiosk", reached=reached, caller_region=kiosk_region,
                   card_region=card_region, category=category, time=cst_time(now))


def number_for(decision, centres, default):
    """The SMS number of the decision's centre in ``centres``, or ``default`` (lib12333.routing.centres)."""
    from lib12333.routing.centres import number_for as lookup

    return lookup(decision, centres, default)


def choose(config, msg_type, fields, card_region, now, rules=None):
    """(number, decision) for a request; ``decision`` is None when the rules could not be used.

    Never raises for a routing problem: a request must not be refused because a
    rules file is broken, so the kiosk's own centre is used and the caller logs it.
    """
    routing = config.get("routing") or {}
    default = config["centre_number"]
    if routing.get("rules") == "none":
        return default, None  # low-heap mode: the home centre decides (the card region still goes with the request)
    try:
        if rules is None:
            rules = load_rules(routing.get("rules", "city"))
        region = routing.get("region") or config.get("region")
        decision = rules.evaluate(request_for(msg_type, fields, region, card_region, now))
    except (Lib12333Error, OSError, ValueError):
        return default, None
    return number_for(decision, routing.get("centres") or {}, default), decision


def with_card_region(msg_type, fields, card_region):
    """``fields`` plus the card-issuing region for the centre's rules, when the type carries it and it fits."""
    from lib12333.secure import frame as frame_mod
    from lib12333.secure import messages as msg

    if card_region is None or msg_type not in msg.OPTIONAL or len(card_region) != 6 or not card_region.isdigit():
        return fields
    out = dict(fields)
    out["card_region"] = card_region
    try:
        if len(msg.encode(msg_type, out)) > frame_mod.MAX_PAYLOAD_SINGLE:
            return fields  # a long name fills the SMS: the centre then decides without the region
    except Lib12333Error:
        return fields
    return out
