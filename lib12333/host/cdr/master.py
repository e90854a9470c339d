"""
Asterisk ``cdr_csv`` importer (``/var/log/asterisk/cdr-csv/Master.csv``), 16, 18 or 21 columns.

Columns (cdr/cdr_csv.c): accountcode, src, dst, dcontext, clid, channel,
dstchannel, lastapp, lastdata, start, answer, end, duration, billsec,
disposition, amaflags [, uniqueid, userfield] [, peeraccount, linkedid, sequence].
18 columns need ``loguniqueid`` + ``loguserfield``, 21 also ``newcdrcolumns``.
The width is taken from ``columns`` or from the first line, and every later line
must have the same width.  Time stamps are ``YYYY-MM-DD HH:MM:SS`` in local time
(``tz_offset`` seconds east of UTC; 0 for ``usegmtime=yes``).

**Trap**: Asterisk marks a CDR ``ANSWERED`` as soon as anything answered it, the
IVR included.  So: ANSWERED with a ``dstchannel`` is answered by an agent;
ANSWERED without one whose last application was ``Queue`` was answered by the IVR
and left the queue unanswered (outcome ``abandoned``); otherwise ``ivr``.  The
answer time of a CDR is the IVR's answer, so waits and service levels from
Master.csv are not queue waits: use queue_log for those (the CLI warns).
"""

import csv

from lib12333.errors import DecodeError, ValidationError
from lib12333.host.cdr import FileImporter, QueueMap, clip, mask_caller, read_lines
from lib12333.records import ServiceRecord
from lib12333.records.text import parse_time

WIDTHS = (16, 18, 21)
_DISPOSITION = {"ANSWERED": "answered", "NO ANSWER": "abandoned", "CANCEL": "abandoned", "BUSY": "busy",
                "FAILED": "failed", "CONGESTION": "failed"}


class MasterCsvImporter(FileImporter):
    def __init__(self, path, columns=None, tz_offset=28800, queue_map=None, max_listed=1000):
        if columns is not None and columns not in WIDTHS:
            raise ValidationError("unsupported column count", field="columns", expected="16, 18 or 21")
        FileImporter.__init__(self, path, max_listed)
        self.columns = columns
        self.tz_offset = tz_offset
        self.queue_map = queue_map or QueueMap()

    def feed(self, stream):
        report = self.report
        for line_no, line in read_lines(stream, report):
            try:
                rows = list(csv.reader([line], strict=True))
            except csv.Error as exc:
                report.bad(line_no, "CSV: " + str(exc))
                continue
            if not rows:
                report.bad(line_no, "empty line")
                continue
            row = rows[0]
            if self.columns is None:
                if len(row) not in WIDTHS:
                    report.bad(line_no, str(len(row)) + " columns; expected 16, 18 or 21")
                    continue
                self.columns = len(row)
                report.notes["columns"] = self.columns
            if len(row) != self.columns:
                report.bad(line_no, str(len(row)) + " columns; expected " + str(self.columns))
                continue
            rec = self._convert(row, line_no)
            if rec is not None:
                yield rec

    def _record(self, row, line_no):
        start = parse_time(row[9], "start", line_no, self.tz_offset, " ", False)
        answer = parse_time(row[10], "answer", line_no, self.tz_offset, " ", False) if row[10] else None
        end = parse_time(row[11], "end", line_no, self.tz_offset, " ", False)
        for i, name in ((12, "duration"), (13, "billsec")):
            if not row[i].isdigit():
                raise DecodeError("not an integer", field=name, position=line_no, expected="seconds")
        disposition = row[14]
        outcome = _DISPOSITION.get(disposition)
        if outcome is None:
            raise DecodeError("unknown disposition", field="disposition", position=line_no,
                              expected="|".join(sorted(_DISPOSITION)))
        lastapp = row[7]
        dstchannel = row[6]
        queue = row[8].split(",")[0] if lastapp.lower() == "queue" else ""
        if outcome == "answered" and not dstchannel:
            outcome = "abandoned" if queue else "ivr"
            self.report.note("answered_by_ivr_only")
        if outcome != "answered":
            agent_answer = None
        else:
            agent_answer = answer
        if answer is not None and outcome == "answered" and answer < start:
            raise ValidationError("answer before start", field="answer")
        service, region, category = self.queue_map.get(queue)
        dst = row[2]
        if dst.endswith("12370"):
            service = 12370
        ref = row[16] if self.columns >= 18 else ""
        return ServiceRecord(channel="call", service=service, region=region, category=category,
                             queue=clip(queue), arrival=start, answer=agent_answer, end=end, outcome=outcome,
                             agent=clip(dstchannel), caller=mask_caller(row[1]), ref=clip(ref))
