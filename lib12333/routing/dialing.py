"""
Which centre a dialled service number reaches.

劳社部函〔2003〕84号: 12333 is a *local fixed-line* number; from a mobile phone or
from another city one dials the long-distance prefix and area code first
(0571-12333).  So:

* ``0571-12333`` (or ``+86 571 12333``) reaches the Hangzhou centre, from anywhere;
* a bare ``12333`` from a fixed line reaches the centre of the caller's own area;
* a bare ``12333`` from a mobile: the notice says the caller must add the area
  code; which centre the network picks is not documented (research note §5.1),
  and mobile-number home regions are not in our data.  When the caller supplies
  a region we assume that region and say so (``assumed``); otherwise the
  centre is unknown (``region`` None);
* kiosk, web and SMS requests reach the centre of the region the caller (the
  kiosk's configuration, the web session) supplies.

An area code shared by several cities (024: 沈阳, 铁岭, 抚顺, 本溪) reaches the
caller's own city when the caller is in one of them, otherwise the first city the
data lists.
"""

from lib12333.errors import DecodeError, ValidationError
from lib12333.routing import numbers
from lib12333.routing.regions import check_code, city_of

VIA_AREA = "area-code"
VIA_CALLER_AREA = "caller-area"
VIA_CALLER_REGION = "caller-region"
VIA_UNKNOWN = "unknown"


class Reach:
    """``service`` ("12333"/"12370"/None), ``region`` (city code or None), ``via``, ``assumed``, ``note``."""

    __slots__ = ("service", "region", "via", "assumed", "note")

    def __init__(self, service, region, via, assumed=False, note=None):
        self.service = service
        self.region = region
        self.via = via
        self.assumed = assumed
        self.note = note

    def as_dict(self):
        return {
            "service": self.service,
            "region": self.region,
            "via": self.via,
            "assumed": self.assumed,
            "note": self.note,
        }

    def __repr__(self):
        return "Reach(%r, %r, %r)" % (self.service, self.region, self.via)


def _as_number(value, field):
    if value is None or isinstance(value, numbers.Number):
        return value
    try:
        return numbers.normalise(value)
    except DecodeError as exc:  # name the right field: the caller's number or the dialled one
        if field == "number":
            raise
        raise DecodeError(exc.reason, field=field, position=exc.position, expected=exc.expected)  # noqa: B904 (no chaining on MicroPython)


def _by_area(table, area, caller_region, field):
    cities = table.area(area)
    if not cities:
        raise ValidationError("area code not in the region table", field=field, expected="a Chinese area code")
    if caller_region is not None:
        own = city_of(caller_region)
        if own in cities:
            return own
    return cities[0]


def reach(table, dialled, caller=None, caller_region=None, channel="voice"):
    """Work out where ``dialled`` goes. ``table`` is a RegionTable; numbers may be text or Number."""
    if caller_region is not None:
        table.city(caller_region, "caller_region")
    if channel != "voice":
        if caller_region is None:
            return Reach(None, None, VIA_UNKNOWN, note="no region supplied for a " + channel + " request")
        service = None
        if dialled is not None:
            number = _as_number(dialled, "number")
            service = number.local if number.kind == numbers.SERVICE else None
        return Reach(service, city_of(caller_region), VIA_CALLER_REGION)
    number = _as_number(dialled, "number")
    service = number.local if number.kind == numbers.SERVICE else None
    if number.area:
        return Reach(service, _by_area(table, number.area, caller_region, "number"), VIA_AREA)
    if number.kind == numbers.MOBILE:
        raise ValidationError("a mobile number is not a centre", field="number", expected="a service or fixed number")
    caller_number = _as_number(caller, "caller")
    if caller_number is not None and caller_number.kind != numbers.MOBILE and caller_number.area:
        return Reach(service, _by_area(table, caller_number.area, caller_region, "caller"), VIA_CALLER_AREA)
    if caller_number is not None and caller_number.kind == numbers.MOBILE:
        note = "mobile callers must dial the area code first (劳社部函〔2003〕84号); home region of a mobile number is not in the data"
        if caller_region is None:
            return Reach(service, None, VIA_UNKNOWN, note=note)
        return Reach(service, city_of(caller_region), VIA_CALLER_REGION, assumed=True, note=note)
    if caller_region is None:
        return Reach(service, None, VIA_UNKNOWN, note="local number without an area code and no caller region")
    return Reach(service, city_of(caller_region), VIA_CALLER_REGION)


def dial_string(table, service, region):
    """What a mobile or long-distance caller dials to reach ``service`` at the centre of ``region``."""
    check_code(region)
    area = table.area_for(region)
    if area is None:
        return None
    return area + "-" + service
