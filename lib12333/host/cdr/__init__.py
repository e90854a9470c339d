"""
Streaming importers that turn call-centre logs into ``ServiceRecord`` s (CPython only).

Every importer is an iterator over records that reads its input line by line in
constant memory (the only state kept is the calls still in progress), and keeps
an ``ImportReport``: lines read, records produced, and every malformed line with
its line number and reason.  A malformed line is never dropped silently: it is
counted, listed (the first ``max_listed``) and the CLI prints the summary.

    from lib12333.host.cdr import open_importer
    imp = open_importer("asterisk-queue-log", "/var/log/asterisk/queue_log")
    for record in imp: ...
    imp.report.malformed_count

Formats: ``asterisk-queue-log`` (queue_log.py), ``asterisk-master`` (master.py),
``freeswitch`` (freeswitch.py), ``native`` (native.py: CSV, JSON Lines or binary).
"""

from lib12333.compat import OrderedDict
from lib12333.errors import ConfigError
from lib12333.identifiers import mask_phone
from lib12333.records import SERVICES, check_category

FORMATS = ("asterisk-queue-log", "asterisk-master", "freeswitch", "native")
MAX_LINE = 64 * 1024


class ImportReport:
    """What an import saw: counts, malformed lines (line number + reason), notes."""

    def __init__(self, source, max_listed=1000):
        self.source = source
        self.lines = 0
        self.records = 0
        self.malformed_count = 0
        self.malformed = []  # (line number, reason), the first max_listed
        self.max_listed = max_listed
        self.events = {}
        self.notes = OrderedDict()

    def bad(self, line_no, reason):
        self.malformed_count += 1
        if len(self.malformed) < self.max_listed:
            self.malformed.append((line_no, reason))

    def note(self, name, amount=1):
        self.notes[name] = self.notes.get(name, 0) + amount

    def to_dict(self):
        out = OrderedDict()
        out["source"] = self.source
        out["lines"] = self.lines
        out["records"] = self.records
        out["malformed"] = self.malformed_count
        out["malformed_lines"] = [OrderedDict([("line", n), ("reason", r)]) for n, r in self.malformed]
        if self.events:
            out["events"] = OrderedDict(sorted(self.events.items()))
        out["notes"] = OrderedDict(self.notes)
        return out


class FileImporter:
    """What every importer shares: one or more files read in turn, one ImportReport for all of them.

    Subclasses implement ``feed(stream)`` (a binary stream in, ServiceRecords out).
    """

    def __init__(self, path, max_listed=1000):
        self.paths = [path] if isinstance(path, str) else list(path)
        self.report = ImportReport(", ".join(self.paths), max_listed)
        self._file = None  # the input being read, and the bytes of those already read (for progress)
        self._done = 0

    def __iter__(self):
        for f in self.files():
            for rec in self.feed(f):
                yield rec

    def files(self):
        """Each input opened in turn (binary), closed when the next is asked for."""
        for path in self.paths:
            with open(path, "rb") as f:
                self._file = f
                yield f
                self._done += f.tell()
            self._file = None

    def bytes_read(self):
        """Bytes consumed so far over all inputs (approximate inside a buffered read)."""
        f = self._file
        return self._done + (f.tell() if f is not None and not f.closed else 0)

    def _convert(self, fields, line_no):
        """``self._record(fields, line_no)``, or None with the line reported as malformed."""
        from lib12333.errors import DecodeError, ValidationError

        try:
            rec = self._record(fields, line_no)
        except DecodeError as exc:
            self.report.bad(line_no, str(exc))
            return None
        except ValidationError as exc:
            self.report.bad(line_no, "inconsistent: " + str(exc))
            return None
        self.report.records += 1
        return rec


def read_lines(stream, report):
    """Yield ``(line number, text)`` from a binary stream; overlong and non-UTF-8 lines are malformed."""
    line_no = 0
    readline = stream.readline
    while True:
        raw = readline(MAX_LINE)
        if not raw:
            return
        line_no += 1
        report.lines = line_no
        if not raw.endswith(b"\n") and len(raw) == MAX_LINE:
            while True:  # skip the rest of the overlong line
                more = readline(MAX_LINE)
                if not more or more.endswith(b"\n"):
                    break
            report.bad(line_no, "line longer than " + str(MAX_LINE) + " bytes")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            report.bad(line_no, "not UTF-8 at byte " + str(exc.start))
            continue
        yield line_no, text.rstrip("\r\n")


class QueueMap:
    """Queue name -> (service, region, category), from a CSV file ``queue,service,region,category``.

    Queue logs do not say which service number, region or category a queue serves;
    a centre keeps that mapping.  Unknown queues get the defaults.
    """

    def __init__(self, default_service=12333, default_region=0, default_category=""):
        self.default = (default_service, default_region, default_category)
        self.map = {}

    def get(self, queue):
        return self.map.get(queue, self.default)

    @classmethod
    def load(cls, path, default_service=12333, default_region=0):
        qm = cls(default_service, default_region)
        with open(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8").strip()
                except UnicodeDecodeError:
                    raise ConfigError("not UTF-8", source=path, line=n,
                                      expected="UTF-8 text (convert a GBK file with iconv -f GBK -t UTF-8)") from None
                if not line or line.startswith("#") or line.lower().startswith("queue,"):
                    continue
                parts = [p.strip() for p in line.split(",")]
                if len(parts) != 4:
                    raise ConfigError("expected queue,service,region,category", source=path, line=n)
                queue, service, region, category = parts
                if not service.isdecimal() or int(service) not in SERVICES:
                    raise ConfigError("service must be 12333 or 12370", source=path, line=n, item=queue)
                if not (region.isdecimal() and len(region) <= 6):
                    raise ConfigError("region must be a 6-digit code", source=path, line=n, item=queue)
                try:
                    check_category(category)
                except Exception:
                    raise ConfigError("category must be empty or 2/4 digits", source=path, line=n, item=queue) from None
                qm.map[queue] = (int(service), int(region), category)
        return qm


def mask_caller(text):
    """Masked caller number; names and anything that is not a number are dropped."""
    text = (text or "").strip()
    n = len(text)
    if n > 7 and n <= 64 and text.isdigit() and text.isascii():  # the usual case, as mask_phone would do it
        return text[:3] + "*" * (n - 7) + text[n - 4:]
    if "<" in text and text.endswith(">"):
        text = text[text.rfind("<") + 1:-1]
    keep = text if text.isdigit() else "".join(ch for ch in text if ch.isdigit() or ch in "+-")
    if not keep:
        return ""
    return mask_phone(keep)[:64]


def masked_caller(text):
    """A caller read from a record file, masked if it is not already: a '*' with at most 8 digits
    shown (what ``mask_caller`` leaves of a +86 number) passes as it is; anything else -- a number in
    clear from another tool, a half-masked one -- is masked (``mask_caller`` is not idempotent)."""
    if not text or ("*" in text and sum(1 for ch in text if ch.isdigit()) <= 8):
        return text
    return mask_caller(text)


def clip(text):
    """Text fit for a record field: control characters replaced, at most 64 UTF-8 bytes."""
    if text.isprintable() and (len(text) <= 16 or (len(text) <= 64 and text.isascii())):
        return text  # printable, and at most 64 UTF-8 bytes for sure
    text = "".join(ch if ch >= " " and ch != "\x7f" else "?" for ch in text)
    b = text.encode("utf-8")
    if len(b) <= 64:
        return text
    return b[:64].decode("utf-8", "ignore")


def open_importer(fmt, path, **options):
    """An importer for ``fmt`` reading ``path`` (opened in binary mode; closed at exhaustion)."""
    if fmt == "asterisk-queue-log":
        from lib12333.host.cdr.queue_log import QueueLogImporter as cls
    elif fmt == "asterisk-master":
        from lib12333.host.cdr.master import MasterCsvImporter as cls
    elif fmt == "freeswitch":
        from lib12333.host.cdr.freeswitch import FreeSwitchCsvImporter as cls
    elif fmt == "native":
        from lib12333.host.cdr.native import NativeImporter as cls
    else:
        raise ConfigError("unknown format", item=fmt)
    return cls(path, **options)


def parse_duration(text, name="duration"):
    """Seconds from ``30m``, ``1h``, ``90s``, ``1800`` (plain numbers are seconds)."""
    from lib12333.errors import ValidationError

    t = str(text).strip().lower()
    factor = 1
    if t.endswith("h"):
        factor, t = 3600, t[:-1]
    elif t.endswith("m"):
        factor, t = 60, t[:-1]
    elif t.endswith("s"):
        t = t[:-1]
    try:
        value = float(t) * factor
    except ValueError:
        raise ValidationError("not a duration", field=name, expected="e.g. 30m, 1h, 90s, 1800") from None
    if value != value or value < 0:
        raise ValidationError("not a duration", field=name, expected="a non-negative duration")
    return int(value) if value == int(value) else value


def parse_tz(text):
    """UTC offset in seconds from ``+08:00``, ``-05:30``, ``0``, ``UTC``."""
    from lib12333.errors import ValidationError

    t = str(text).strip().upper()
    if t in ("0", "UTC", "Z", "GMT"):
        return 0
    if len(t) == 6 and t[0] in "+-" and t[3] == ":" and t[1:3].isdecimal() and t[4:].isdecimal():
        seconds = int(t[1:3]) * 3600 + int(t[4:]) * 60
        if seconds <= 14 * 3600:
            return seconds if t[0] == "+" else -seconds
    raise ValidationError("not a UTC offset", field="tz", expected="+HH:MM, e.g. +08:00")
