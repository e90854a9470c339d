"""
Time stamps (TP-SCTS, TP-DT) and the validity period (TP-VP), TS 23.040 9.2.3.11-12.

A time stamp is seven semi-octet pairs, each stored low digit first: year,
month, day, hour, minute, second, time zone.  The time zone is in quarters of
an hour; bit 3 of the octet is its sign (China, UTC+8, is 32 quarters = 0x23).

Century pivot: the two-digit year YY means 2000+YY when YY < 70 and 1900+YY
otherwise, so "99" is 1999 and "26" is 2026 (peers disagree: gammu says 2089,
smspdudecoder 2099).  ``Timestamp`` does no calendar arithmetic and needs no
``datetime``: it validates the ranges and prints ISO 8601.
"""

from lib12333.errors import DecodeError, ValidationError

PIVOT = 70


def _bcd(b, field, pos):
    lo = b & 0x0F
    hi = b >> 4
    if lo > 9 or hi > 9:
        raise DecodeError("semi-octet above 9 in 0x%02X" % b, field=field, position=pos, expected="decimal digits")
    return lo * 10 + hi


_BCD = bytes(((b & 0x0F) * 10 + (b >> 4)) if (b & 0x0F) < 10 and b < 0xA0 else 0xFF for b in range(256))


def _tobcd(v):
    return ((v % 10) << 4) | (v // 10)


def _two(v):
    return ("0" + str(v)) if v < 10 else str(v)


class Timestamp:
    """A service-centre time stamp: local date and time plus the offset from UTC."""

    __slots__ = ("year", "month", "day", "hour", "minute", "second", "tz_minutes")

    def __init__(self, year, month, day, hour=0, minute=0, second=0, tz_minutes=0):
        if not (1970 <= year <= 2069):
            raise ValidationError("year out of range", field="timestamp", expected="1970..2069")
        if not (1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
            raise ValidationError("date or time out of range", field="timestamp", expected="a valid date and time")
        if tz_minutes % 15 or not (-79 * 15 <= tz_minutes <= 79 * 15):
            raise ValidationError("time zone out of range", field="timestamp", expected="multiple of 15 minutes, |tz| <= 19:45")
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.tz_minutes = tz_minutes

    @classmethod
    def from_bytes(cls, data, pos=0, field="TP-SCTS"):
        if pos + 7 > len(data):
            raise DecodeError("time stamp truncated", field=field, position=pos, expected="7 octets")
        B = _BCD  # octet -> its two semi-octets as a number, 0xFF when one is above 9
        yy = B[data[pos]]
        month = B[data[pos + 1]]
        day = B[data[pos + 2]]
        hour = B[data[pos + 3]]
        minute = B[data[pos + 4]]
        second = B[data[pos + 5]]
        if (yy | month | day | hour | minute | second) & 0x80:
            raise DecodeError("semi-octet above 9", field=field, position=pos, expected="decimal digits")
        z = data[pos + 6]
        q = (z & 0x07) * 10 + (z >> 4)
        if z > 0x9F:
            raise DecodeError("time zone semi-octet above 9", field=field, position=pos + 6, expected="decimal digits")
        if q > 79:
            raise DecodeError("time zone above 79 quarters", field=field, position=pos + 6, expected="0..79")
        if z & 0x08:
            q = -q
        if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 59):
            raise DecodeError("date or time out of range", field=field, position=pos, expected="a valid date and time")
        year = 2000 + yy if yy < PIVOT else 1900 + yy
        if not _NEW_OK:  # MicroPython: no object.__new__ for user classes; check the fields again
            return cls(year, month, day, hour, minute, second, q * 15)
        t = _object_new(cls)
        t.year = year
        t.month = month
        t.day = day
        t.hour = hour
        t.minute = minute
        t.second = second
        t.tz_minutes = q * 15
        return t

    def to_bytes(self):
        q = self.tz_minutes // 15
        z = _tobcd(-q if q < 0 else q)
        if q < 0:
            z |= 0x08
        return bytes(
            (
                _tobcd(self.year % 100),
                _tobcd(self.month),
                _tobcd(self.day),
                _tobcd(self.hour),
                _tobcd(self.minute),
                _tobcd(self.second),
                z,
            )
        )

    def isoformat(self):
        t = self.tz_minutes
        sign = "-" if t < 0 else "+"
        if t < 0:
            t = -t
        return "%d-%s-%sT%s:%s:%s%s%s:%s" % (
            self.year,
            _two(self.month),
            _two(self.day),
            _two(self.hour),
            _two(self.minute),
            _two(self.second),
            sign,
            _two(t // 60),
            _two(t % 60),
        )

    def __eq__(self, other):
        return isinstance(other, Timestamp) and self.to_bytes() == other.to_bytes() and self.year == other.year

    def __repr__(self):
        return "Timestamp(" + self.isoformat() + ")"


def _probe_new():
    """True where a Timestamp can be made without ``__init__`` (CPython; not MicroPython,
    whose ``object.__new__`` refuses user classes), so ``from_bytes`` can skip the
    argument checks it has already done."""
    try:
        return type(Timestamp.__new__(Timestamp)) is Timestamp
    except Exception:  # noqa: BLE001 - TypeError on MicroPython
        return False


_NEW_OK = _probe_new()
_object_new = Timestamp.__new__ if _NEW_OK else None


def relative_seconds(vp):
    """Duration in seconds of a relative TP-VP octet."""
    if vp <= 143:
        return (vp + 1) * 300
    if vp <= 167:
        return 12 * 3600 + (vp - 143) * 1800
    if vp <= 196:
        return (vp - 166) * 86400
    return (vp - 192) * 7 * 86400


def relative_octet(seconds):
    """Smallest relative TP-VP octet whose duration is at least ``seconds`` (255 caps at 63 weeks)."""
    if seconds <= 144 * 300:
        v = (seconds + 299) // 300 - 1
        return v if v > 0 else 0
    if seconds <= 24 * 3600:
        return 143 + (seconds - 12 * 3600 + 1799) // 1800
    if seconds <= 30 * 86400:
        return 166 + (seconds + 86399) // 86400
    v = 192 + (seconds + 7 * 86400 - 1) // (7 * 86400)
    return v if v < 255 else 255


class Validity:
    """TP-VP: ``kind`` ("relative", "absolute", "enhanced"), ``seconds``, ``timestamp``, ``raw``."""

    __slots__ = ("kind", "seconds", "timestamp", "raw", "single_shot")

    def __init__(self, kind, raw, seconds=None, timestamp=None, single_shot=False):
        self.kind = kind
        self.raw = raw
        self.seconds = seconds
        self.timestamp = timestamp
        self.single_shot = single_shot

    @classmethod
    def relative(cls, seconds):
        if seconds < 0:
            raise ValidationError("negative validity period", field="TP-VP", expected=">= 0 seconds")
        v = relative_octet(seconds)
        return cls("relative", bytes((v,)), relative_seconds(v))

    @classmethod
    def absolute(cls, timestamp):
        return cls("absolute", timestamp.to_bytes(), None, timestamp)

    @classmethod
    def enhanced(cls, seconds, single_shot=False):
        """Enhanced format: integer seconds up to 255, else the relative octet format."""
        if seconds < 0:
            raise ValidationError("negative validity period", field="TP-VP", expected=">= 0 seconds")
        ss = 0x40 if single_shot else 0
        if seconds <= 255:
            raw = bytes((ss | 0x02, seconds, 0, 0, 0, 0, 0))
            return cls("enhanced", raw, seconds, None, single_shot)
        v = relative_octet(seconds)
        raw = bytes((ss | 0x01, v, 0, 0, 0, 0, 0))
        return cls("enhanced", raw, relative_seconds(v), None, single_shot)

    @classmethod
    def from_bytes(cls, vpf, data, pos):
        """Validity of format ``vpf`` (1 enhanced, 2 relative, 3 absolute) at ``data[pos]``."""
        if vpf == 2:
            if pos >= len(data):
                raise DecodeError("validity period missing", field="TP-VP", position=pos, expected="1 octet")
            return cls("relative", bytes(data[pos : pos + 1]), relative_seconds(data[pos]))
        if pos + 7 > len(data):
            raise DecodeError("validity period truncated", field="TP-VP", position=pos, expected="7 octets")
        raw = bytes(data[pos : pos + 7])
        if vpf == 3:
            return cls("absolute", raw, None, Timestamp.from_bytes(data, pos, "TP-VP"))
        fi = raw[0]
        single = bool(fi & 0x40)
        fmt = fi & 0x07
        if fmt == 0:
            secs = None
        elif fmt == 1:
            secs = relative_seconds(raw[1])
        elif fmt == 2:
            secs = raw[1]
        elif fmt == 3:
            secs = _bcd(raw[1], "TP-VP", pos + 1) * 3600 + _bcd(raw[2], "TP-VP", pos + 2) * 60 + _bcd(raw[3], "TP-VP", pos + 3)
        else:
            raise DecodeError("reserved enhanced validity format %d" % fmt, field="TP-VP", position=pos, expected="0..3")
        return cls("enhanced", raw, secs, None, single)

    def to_json(self):
        if self.kind == "absolute":
            return {"kind": "absolute", "timestamp": self.timestamp.isoformat()}
        return {"kind": self.kind, "seconds": self.seconds}

    def __repr__(self):
        return "Validity(%s, %r)" % (self.kind, self.seconds if self.timestamp is None else self.timestamp)
