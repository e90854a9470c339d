"""
Centre table: which SMS number serves a routing decision (issue 8).

A table maps centre ids to the SMS numbers of their gateways::

    {"330100": "+8613800000001",                 # a centre by its 6-digit code
     "330100:civil-service": "+8613800000009",   # a queue of that centre, checked first
     "330000": "+8613800000002",                 # a province's centre: serves its cities too
     "national": "+8610000012333"}               # decisions at the national level

``number_for(decision, table, default)`` looks up ``code:queue``, ``code``, then the
code's province; a national decision looks up ``national``.  A centre the table
does not list gets ``default`` -- on a kiosk, its own centre, whose gateway relays
the request to the responsible centre (lib12333/host/gateway/relay.py).
"""

from lib12333.errors import ValidationError


def keys_for(decision):
    """The table keys tried for ``decision``, in order."""
    code = decision.centre
    if code is None:
        return ("national",) if decision.level == "national" else ()
    keys = ()
    if decision.queue:
        keys += (code + ":" + decision.queue,)
    return keys + (code, code[:2] + "0000")


def number_for(decision, table, default):
    """The SMS number serving ``decision`` in ``table`` (dict), or ``default``."""
    for k in keys_for(decision):
        number = table.get(k)
        if number:
            return number
    return default


def check_table(table, source="centres"):
    """Raise ValidationError unless ``table`` maps centre ids to phone-number strings."""
    if not isinstance(table, dict):
        raise ValidationError("must be an object of centre id -> SMS number", field=source)
    for key in table:
        value = table[key]
        code = key.split(":", 1)[0] if isinstance(key, str) else None
        if code != "national" and (code is None or len(code) != 6 or not code.isdigit()):
            raise ValidationError("centre id must be a 6-digit code, code:queue or national", field=source)
        if not isinstance(value, str) or not value or len(value) > 24:
            raise ValidationError("SMS number must be 1..24 characters", field=source)
        for ch in value:
            if not ("0" <= ch <= "9" or ch == "+"):
                raise ValidationError("SMS number must be digits with an optional +", field=source)
