"""
Importer and writers for lib12333's own record files: CSV, JSON Lines or binary.

The form is recognised from the first bytes: the CSV header row
(``ref,channel,...``), ``{`` for JSON Lines, anything else is binary.  Binary
files are read record by record; a malformed binary record stops the import
(there is no line to resynchronise on) and is reported with its byte offset.
Callers another tool wrote in clear are masked as they are read (``masked_caller``), so no
output of ``cdr convert`` shows them.
"""

from lib12333.errors import DecodeError
from lib12333.host.cdr import FileImporter, masked_caller, read_lines
from lib12333.records import binary, text


def detect(head):
    if head.startswith(text.HEADER.encode("ascii")):
        return "csv"
    if head.lstrip(b" \t\r\n").startswith(b"{"):
        return "jsonl"
    return "binary"


class NativeImporter(FileImporter):
    # __iter__ is its own: the form (CSV, JSON Lines, binary) is detected per file.

    def __iter__(self):
        for f in self.files():
            kind = detect(f.peek(len(text.HEADER))[: len(text.HEADER)] if hasattr(f, "peek") else b"")
            self.report.notes["form"] = kind
            for rec in self.feed(f, kind):
                yield rec

    def feed(self, stream, kind):
        report = self.report
        if kind == "binary":
            try:
                for rec in binary.read_records(stream):
                    rec.caller = masked_caller(rec.caller)
                    report.records += 1
                    yield rec
            except DecodeError as exc:
                report.bad(exc.position, "binary: " + str(exc))
            return
        first = True
        for line_no, line in read_lines(stream, report):
            if kind == "csv" and first:
                first = False
                if line != text.HEADER:
                    report.bad(line_no, "CSV header differs from " + text.HEADER)
                continue
            if not line.strip():
                continue
            try:
                rec = text.from_csv_line(line, line_no) if kind == "csv" else text.from_json_line(line, line_no)
            except DecodeError as exc:
                report.bad(line_no, str(exc))
                continue
            rec.caller = masked_caller(rec.caller)
            report.records += 1
            yield rec


class Writer:
    """Write records as ``csv``, ``jsonl`` or ``binary`` to a binary stream."""

    def __init__(self, stream, form):
        if form not in ("csv", "jsonl", "binary"):
            raise ValueError("form must be csv, jsonl or binary")
        self.stream = stream
        self.form = form
        if form == "csv":
            stream.write((text.HEADER + "\n").encode("ascii"))

    def write(self, record):
        if self.form == "csv":
            self.stream.write((text.to_csv_line(record) + "\n").encode("utf-8"))
        elif self.form == "jsonl":
            self.stream.write((text.to_json_line(record) + "\n").encode("utf-8"))
        else:
            self.stream.write(binary.encode(record))
