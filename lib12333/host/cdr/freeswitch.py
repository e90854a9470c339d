"""
FreeSWITCH ``mod_cdr_csv`` importer for the shipped ``example`` template (15 fields) and
the compiled-in ``default`` template (its first 13).

    "${caller_id_name}","${caller_id_number}","${destination_number}","${context}",
    "${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}",
    "${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}","${read_codec}","${write_codec}"

mod_cdr_csv substitutes values verbatim inside the quotes, so a ``"`` in a caller
name is not escaped.  The line is therefore split on the ``","`` separators, which
works whenever the field count is right; anything else is reported malformed.
Stamps are ``YYYY-MM-DD HH:MM:SS`` local time (``tz_offset``); an empty
``answer_stamp`` means never answered.  The caller's name is never kept.

Outcome: answered with a B-leg (bridged to an agent) -> ``answered``; answered with
no B-leg -> ``ivr`` (the IVR answered, no agent); not answered: hang-up causes
ORIGINATOR_CANCEL / NO_ANSWER / NO_USER_RESPONSE / ALLOTTED_TIMEOUT -> ``abandoned``,
USER_BUSY -> ``busy``, anything else -> ``failed``.  The example template has no
queue column, so the dialplan ``context`` stands in for the queue.
"""

from lib12333.errors import DecodeError
from lib12333.host.cdr import FileImporter, QueueMap, clip, mask_caller, read_lines
from lib12333.records import ServiceRecord
from lib12333.records.text import parse_time

WIDTHS = (13, 15)
_ABANDON = ("ORIGINATOR_CANCEL", "NO_ANSWER", "NO_USER_RESPONSE", "ALLOTTED_TIMEOUT")


def split_fields(line):
    if len(line) < 2 or line[0] != '"' or line[-1] != '"':
        return None
    return line[1:-1].split('","')


class FreeSwitchCsvImporter(FileImporter):
    def __init__(self, path, tz_offset=28800, queue_map=None, max_listed=1000):
        FileImporter.__init__(self, path, max_listed)
        self.tz_offset = tz_offset
        self.queue_map = queue_map or QueueMap()

    def feed(self, stream):
        report = self.report
        for line_no, line in read_lines(stream, report):
            fields = split_fields(line)
            if fields is None:
                report.bad(line_no, "not a line of quoted fields")
                continue
            if len(fields) not in WIDTHS:
                report.bad(line_no, str(len(fields)) + " fields; expected 13 or 15")
                continue
            rec = self._convert(fields, line_no)
            if rec is not None:
                yield rec

    def _record(self, f, line_no):
        tz = self.tz_offset
        start = parse_time(f[4], "start_stamp", line_no, tz, " ", False)
        answer = parse_time(f[5], "answer_stamp", line_no, tz, " ", False) if f[5] else None
        end = parse_time(f[6], "end_stamp", line_no, tz, " ", False)
        for i, name in ((7, "duration"), (8, "billsec")):
            if not f[i].isdigit():
                raise DecodeError("not an integer", field=name, position=line_no, expected="seconds")
        cause = f[9]
        bleg = f[11]
        if answer is not None:
            outcome = "answered" if bleg else "ivr"
        elif cause in _ABANDON:
            outcome = "abandoned"
        elif cause == "USER_BUSY":
            outcome = "busy"
        else:
            outcome = "failed"
        queue = clip(f[3])
        service, region, category = self.queue_map.get(queue)
        if f[2].endswith("12370"):
            service = 12370
        if outcome != "answered":
            answer = None
        return ServiceRecord(channel="call", service=service, region=region, category=category, queue=queue,
                             arrival=start, answer=answer, end=end, outcome=outcome, agent=clip(bleg),
                             caller=mask_caller(f[1]), ref=clip(f[10]))
