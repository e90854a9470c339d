"""
The columnar engine of ``cdr stats``: an Asterisk queue_log aggregated by DuckDB, same figures as the stream.

The streaming engine (``QueueLogImporter`` + ``Metrics``) is the definition; this engine
only takes the common case off its hands and hands everything else back to it:

1. DuckDB reads the file as one text column, numbers the lines, splits them on ``|`` and
   classifies each line exactly as ``QueueLogImporter.feed`` does: the same malformed
   reasons, the same event counts, the same expiry checkpoints (every ``expire_every``
   counted lines, cutoff = newest time stamp - ``max_open_s``).
2. A *simple* call -- ENTERQUEUE, at most one CONNECT, one final event, in that order, with
   no clock adjustment and no expiry checkpoint that would close it early -- is turned into
   its record's contribution in SQL and summed per metrics cell (time unit, queue).
3. The state lines of every other call id (orphans, re-entries, missing CONNECT, calls
   open at the end...) are fed, in file order and with the same checkpoints, to a real
   ``QueueLogImporter``; its records go through ``Metrics.add``.

The cells of 2 and the records of 3 land in one ``Metrics``, whose ``report()`` and
``gbt33358()`` then give the figures.  Inputs this engine cannot classify exactly in SQL
-- bytes that are not UTF-8, carriage returns, a byte-order mark, lines of 64 KiB or more, non-ASCII
characters in a time stamp or a data field used as a number, a queue map that gives an
invalid record field, several files -- make ``aggregate`` return None, and the caller runs
the streaming engine instead.  DuckDB is an optional dependency (``pip install lib12333[columnar]``).
"""

from lib12333.errors import ValidationError
from lib12333.host.cdr import MAX_LINE, ImportReport
from lib12333.host.cdr.queue_log import KNOWN_OTHER, QueueLogImporter
from lib12333.records.metrics import _COUNTS, Bucket

_ANSWERED = ("COMPLETECALLER", "COMPLETEAGENT")
_TRANSFERRED = ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
# final events that are not a completion: the outcome counter each one feeds
_LEFT = {"ABANDON": "abandoned", "EXITWITHTIMEOUT": "timeouts", "EXITEMPTY": "exit_empty",
         "EXITWITHKEY": "exit_key", "WITHDRAW": "withdrawn"}
_LEFT_EVENTS = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW")
# a state line's kind, as a small integer so that a call's lines aggregate with integer arithmetic
# (string aggregates cost DuckDB most of the call grouping): ENTERQUEUE 1, CONNECT 2, a final event
# after CONNECT 3..7, a final event without CONNECT 8..12; NULL for every other line
_CODE = dict((event, i + 1) for i, event in enumerate(("ENTERQUEUE", "CONNECT") + _ANSWERED + _TRANSFERRED
                                                         + _LEFT_EVENTS))
_FIRST_LEFT = _CODE["ABANDON"]


def available():
    """True when DuckDB can be imported."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


def _sql_list(names):
    return "(" + ", ".join("'" + n + "'" for n in names) + ")"


def _digits_error(field_sql, number):
    """SQL: the ValueError text of ``queue_log._int`` for a data field, or NULL when it is a number or blank."""
    return ("CASE WHEN coalesce(%s, '') <> '' AND NOT regexp_full_match(%s, '[0-9]+') THEN 'data%d is not a "
            "non-negative integer' END" % (field_sql, field_sql, number))


def _codes(names):
    """SQL: the list of the kind codes of ``names``."""
    return "(" + ", ".join(str(_CODE[n]) for n in names) + ")"


def _blank(field_sql):
    return "coalesce(%s, '') = ''" % field_sql


def _classify_sql(ascii_only):
    """One row per line: number, text, time stamp, call id, queue, event, kind, errors (NULL when none)."""
    d = ["p[%d]" % (6 + i) for i in range(4)]  # data1..data4
    # branches on the integer kind code: comparing the event text with a dozen names once per
    # line, not once per branch, saves DuckDB a third of its classification time
    connect, answered, transferred = "code = %d" % _CODE["CONNECT"], "code IN " + _codes(_ANSWERED), \
        "code IN " + _codes(_TRANSFERRED)
    exit_key, left = "code = %d" % _CODE["EXITWITHKEY"], "code IN " + _codes(("ABANDON", "EXITWITHTIMEOUT",
                                                                             "EXITEMPTY", "WITHDRAW"))
    data_error = (
        "CASE "
        "WHEN " + connect + " THEN coalesce(" + _digits_error(d[0], 1) + ", CASE WHEN " + _blank(d[0])
        + " THEN 'missing holdtime' END) "
        "WHEN " + answered + " THEN coalesce(" + _digits_error(d[0], 1) + ", "
        + _digits_error(d[1], 2) + ", CASE WHEN " + _blank(d[0]) + " OR " + _blank(d[1])
        + " THEN 'missing holdtime or calltime' END) "
        "WHEN " + transferred + " THEN coalesce(" + _digits_error(d[2], 3) + ", "
        + _digits_error(d[3], 4) + ", CASE WHEN " + _blank(d[2]) + " OR " + _blank(d[3])
        + " THEN 'missing holdtime or calltime' END) "
        "WHEN " + exit_key + " THEN " + _digits_error(d[3], 4) + " "
        "WHEN " + left + " THEN " + _digits_error(d[2], 3) + " "
        "END")
    # the time stamp and the data fields this event reads as numbers: non-ASCII there (a digit
    # str.isdecimal() knows and the SQL pattern does not) leaves the file to the stream engine
    used = ("p[1] || CASE WHEN %s THEN coalesce(%s, '') "
            "WHEN %s THEN coalesce(%s, '') || coalesce(%s, '') "
            "WHEN %s THEN coalesce(%s, '') || coalesce(%s, '') "
            "WHEN %s THEN coalesce(%s, '') "
            "WHEN %s THEN coalesce(%s, '') "
            "ELSE '' END") % (connect, d[0], answered, d[0], d[1], transferred, d[2], d[3], exit_key, d[3],
                              left, d[2])
    code = "CASE p[5] " + " ".join("WHEN '%s' THEN %d" % (e, c) for e, c in sorted(_CODE.items())) + " END"
    return (
        "SELECT n, line, ts, line_error, p[2] AS callid, p[3] AS queue, event, "
        "CASE WHEN line_error IS NULL THEN " + data_error + " END AS data_error, "
        "CASE WHEN line_error IS NULL THEN code END AS kind, "
        + ("false AS odd " if ascii_only else
           "coalesce(len(p) >= 5 AND regexp_matches(" + used + ", '[^\\x00-\\x7F]'), false) AS odd ")
        +
        "FROM (SELECT n, line, p, p[5] AS event, " + code + " AS code, "
        "  CASE WHEN p IS NULL THEN 'empty line' "
        "       WHEN len(p) < 5 THEN 'fewer than 5 ''|''-separated fields' "
        "       WHEN NOT regexp_full_match(p[1], '[0-9]{1,10}') THEN 'time stamp is not an integer epoch' "
        "       WHEN TRY_CAST(p[1] AS BIGINT) > 4294967294 THEN 'time stamp after 2106' END AS line_error, "
        "  CASE WHEN len(p) >= 5 THEN TRY_CAST(p[1] AS BIGINT) END AS ts "
        "  FROM (SELECT n, line, string_split(line, '|') AS p FROM ("
        "    SELECT row_number() OVER () AS n, line FROM read_csv(?, columns = {'line': 'VARCHAR'}, "
        "    delim = chr(1), quote = '', escape = '', header = false, auto_detect = false, "
        "    max_line_size = 4194304))))")


def _scan_bytes(path):
    """(readable, ASCII only): not readable when the file holds a byte the SQL path does not read like
    ``read_lines`` (CR, SOH, a UTF-8 byte-order mark at the start, which DuckDB drops and the stream
    engine reads as part of the first time stamp); ASCII only spares the SQL its search for non-ASCII digits."""
    ascii_only = True
    with open(path, "rb") as f:
        if f.read(3) == b"\xef\xbb\xbf":
            return False, False
        f.seek(0)
        while True:
            block = f.read(1 << 24)
            if not block:
                return True, ascii_only
            if b"\r" in block or b"\x01" in block:
                return False, False
            ascii_only = ascii_only and block.isascii()


class _NotedReport(ImportReport):
    """An ImportReport that remembers where each note first appeared, to merge two reports in order."""

    def __init__(self, source, max_listed):
        ImportReport.__init__(self, source, max_listed)
        self.at = (0, 0)
        self.first = {}

    def note(self, name, amount=1):
        if name not in self.first:
            self.first[name] = (self.at, len(self.first))
        ImportReport.note(self, name, amount)


def aggregate(path, metrics, queue_map=None, max_listed=1000, max_open_s=86400, expire_every=65536, say=None):
    """Fill ``metrics`` from the queue_log at ``path``; the ImportReport, or None (use the streaming engine).

    ``say(text)`` is called with a short description of each phase (for progress output).
    """
    import duckdb

    say = say or (lambda text: None)
    for limit in (metrics.answer_within, metrics.short_abandon):
        if not (limit == limit and limit < float("inf")):  # NaN sorts last in SQL, compares false in Python
            return None
    readable, ascii_only = _scan_bytes(path)
    if not readable:
        return None
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")  # its bar would go to stdout, into --json
        return _aggregate(con, path, ascii_only, metrics, queue_map, max_listed, max_open_s, expire_every, say)
    finally:
        con.close()


def _aggregate(con, path, ascii_only, metrics, queue_map, max_listed, max_open_s, expire_every, say):
    import duckdb

    say("reading and classifying lines")
    try:
        con.execute("CREATE TEMP TABLE cls AS " + _classify_sql(ascii_only), [path])
    except duckdb.Error:
        return None  # not UTF-8, or a line DuckDB will not read: the stream engine reports it
    total, longest, odd = con.execute("SELECT count(*), coalesce(max(strlen(line)), 0), count(*) FILTER (WHERE odd) "
                                      "FROM cls").fetchone()
    if longest >= MAX_LINE or odd:
        return None
    report = ImportReport(path, max_listed)
    report.lines = total
    report.malformed_count = con.execute(
        "SELECT count(*) FROM cls WHERE line_error IS NOT NULL OR data_error IS NOT NULL").fetchone()[0]
    report.malformed = [(n, reason) for n, reason in con.execute(
        "SELECT n, coalesce(line_error, event || ': ' || data_error) FROM cls "
        "WHERE line_error IS NOT NULL OR data_error IS NOT NULL ORDER BY n LIMIT ?", [max_listed]).fetchall()]
    known = set(KNOWN_OTHER + ("ENTERQUEUE", "CONNECT") + _ANSWERED + _TRANSFERRED + tuple(_LEFT))
    unknown = [0, None]
    for event, count, counted, first in con.execute(
            "SELECT event, count(*), count(*) FILTER (WHERE data_error IS NULL), "
            "min(n) FILTER (WHERE data_error IS NULL) FROM cls WHERE line_error IS NULL GROUP BY event").fetchall():
        report.events[event] = count
        if event not in known and counted:
            unknown[0] += counted
            unknown[1] = first if unknown[1] is None else min(unknown[1], first)
    checkpoints = _checkpoints(con, max_open_s, expire_every)
    say("reconstructing calls")
    # per call id, its state lines (ENTERQUEUE, CONNECT, the final event); a simple call is
    # ENTERQUEUE first, at most one CONNECT, one final event last, and no clock adjustment.
    # Integer aggregates only (but the queue): line number * 16 + kind orders the lines and tells
    # the kind of the first and the last; the kinds weighted 1 / 16 / 256 and summed count them
    # (k <= 3 in a simple call); the CONNECT time of a 3-line call is the sum of its times less
    # the first and the last
    con.execute(
        "CREATE TEMP TABLE calls AS SELECT callid, k, e_n, t_n, arrival, queue, end_ts, end_code, connect_ts, "
        "coalesce(first_code = 1 AND ((k = 2 AND weight = 257 AND end_code >= %d) "
        "OR (k = 3 AND weight = 273 AND end_code BETWEEN 3 AND %d)) "
        "AND end_ts >= CASE WHEN k = 3 THEN greatest(connect_ts, arrival) ELSE arrival END, false) AS simple "
        "FROM (SELECT *, first_v // 16 AS e_n, last_v // 16 AS t_n, first_v %% 16 AS first_code, "
        "last_v %% 16 AS end_code, CAST(CASE WHEN k = 3 THEN ts_sum - arrival - end_ts END AS BIGINT) AS connect_ts "
        "FROM (SELECT callid, count(*) AS k, min(n * 16 + kind) AS first_v, max(n * 16 + kind) AS last_v, "
        "sum(CASE WHEN kind = 1 THEN 1 WHEN kind = 2 THEN 16 ELSE 256 END) AS weight, sum(ts) AS ts_sum, "
        "arg_min(ts, n) AS arrival, arg_max(ts, n) AS end_ts, arg_min(queue, n) AS queue "
        "FROM cls WHERE line_error IS NULL AND data_error IS NULL AND kind IS NOT NULL GROUP BY callid))"
        % (_FIRST_LEFT, _FIRST_LEFT - 1))
    if checkpoints:
        _drop_expired(con, checkpoints)
    # the stream engine takes every other call, line by line, with the same checkpoints
    rest = con.execute(
        "SELECT n, line FROM cls WHERE line_error IS NULL AND data_error IS NULL AND kind IS NOT NULL "
        "AND callid IN (SELECT callid FROM calls WHERE NOT simple) ORDER BY n").fetchall()
    sub = QueueLogImporter(path, queue_map=queue_map, max_open_s=max_open_s, max_listed=max_listed,
                           expire_every=float("inf"))
    sub.report = _NotedReport(path, max_listed)
    records = _stream_rest(sub, rest, checkpoints, metrics)
    if sub.report.malformed_count:  # a queue map value no record may hold: reported per line by the stream
        return None
    say("aggregating")
    try:
        simple_records = _add_simple_cells(con, sub, metrics)
    except ValidationError:  # a queue map value no record may hold: the stream engine reports it per line
        return None
    report.records = simple_records + records
    notes = [(pos, name, sub.report.notes[name]) for name, pos in sub.report.first.items()]
    if unknown[0]:
        notes.append((((unknown[1], 0), -1), "unknown_events", unknown[0]))
    for _, name, count in sorted(notes):
        report.notes[name] = count
    return report


def _checkpoints(con, max_open_s, expire_every):
    """(line, cutoff) where ``QueueLogImporter.feed`` expires old calls: after every ``expire_every``-th
    counted line (valid time stamp, no data error), cutoff = newest time stamp so far - ``max_open_s``."""
    # cls keeps file order (as the line numbers themselves do): number the counted lines in it
    at = [n for (n,) in con.execute(
        "SELECT n FROM (SELECT n, row_number() OVER () AS k FROM cls WHERE line_error IS NULL "
        "AND data_error IS NULL) WHERE k % ? = 0", [expire_every]).fetchall()]
    if not at:
        return []
    # newest time stamp and counted lines up to each checkpoint, by blocks of line numbers: whole
    # blocks before it, and the lines of its own block up to it (a join on the block: no sort, no
    # fetch of a column per line); the counts prove the numbering above followed the line numbers
    block = 65536
    whole = dict((b, (newest, counted)) for b, newest, counted in con.execute(
        "SELECT n // ?, max(ts), count(*) FILTER (WHERE data_error IS NULL) FROM cls WHERE line_error IS NULL "
        "GROUP BY ALL", [block]).fetchall())
    part = dict((c, (newest, counted)) for c, newest, counted in con.execute(
        "SELECT c, max(ts), count(*) FILTER (WHERE data_error IS NULL) FROM cls JOIN (SELECT unnest(?::BIGINT[]) "
        "AS c) ON n // ? = c // ? AND n <= c WHERE line_error IS NULL GROUP BY c", [at, block, block]).fetchall())
    out = []
    newest, counted, next_block = 0, 0, 0  # the stream engine's newest time stamp starts at 0
    for i, c in enumerate(at):
        while next_block < c // block:
            b_newest, b_counted = whole.get(next_block, (0, 0))
            newest, counted, next_block = max(newest, b_newest), counted + b_counted, next_block + 1
        p_newest, p_counted = part[c]
        if counted + p_counted != (i + 1) * expire_every:
            raise RuntimeError("DuckDB did not keep the file order")  # never silently wrong
        out.append((c, max(newest, p_newest) - max_open_s))
    return out


def _drop_expired(con, checkpoints):
    """Leave to the stream engine the simple calls a checkpoint between their first and last line expires."""
    import numpy as np

    cols = con.execute("SELECT e_n, t_n, arrival FROM calls WHERE simple").fetchnumpy()  # numbers: cheap to fetch
    cp_n = np.array([c[0] for c in checkpoints], dtype=np.int64)
    cutoff = np.array([c[1] for c in checkpoints], dtype=np.int64)
    e_n = np.asarray(cols["e_n"], dtype=np.int64)
    last = np.searchsorted(cp_n, np.asarray(cols["t_n"], dtype=np.int64), side="left") - 1  # last before t_n
    safe = np.maximum(last, 0)
    hit = (last >= 0) & (cp_n[safe] >= e_n) & (cutoff[safe] > np.asarray(cols["arrival"], dtype=np.int64))
    if hit.any():  # a call's first line number identifies it
        con.execute("CREATE TEMP TABLE expired (e_n BIGINT)")
        con.executemany("INSERT INTO expired VALUES (?)", [[int(x)] for x in e_n[hit]])
        con.execute("UPDATE calls SET simple = false WHERE e_n IN (SELECT e_n FROM expired)")


def _stream_rest(sub, rest, checkpoints, metrics):
    """Feed the left-over lines to ``sub`` with the checkpoints injected; their records into ``metrics``."""
    pending = list(checkpoints)
    pending.reverse()
    expired = []

    def expire_before(limit):
        while pending and pending[-1][0] < limit:
            n, cutoff = pending.pop()
            sub.report.at = (n, 1)  # after line n's own notes
            expired.extend(sub._expire(cutoff))

    def lines():
        for n, line in rest:
            expire_before(n)
            sub.report.at = (n, 0)
            yield n, line
        expire_before(float("inf"))
        sub.report.at = (float("inf"), 0)

    for rec in sub.feed_lines(lines()):
        metrics.add(rec)
    for rec in sub.finish():
        metrics.add(rec)
    for rec in expired:
        metrics.add(rec)
    # _expire counts its own records in sub.report.records; feed_lines counts the others
    return sub.report.records


def _add_simple_cells(con, sub, metrics):
    """Sum the simple calls per (time unit, queue) in SQL and merge the sums into ``metrics`` cells."""
    unit = metrics.time_unit
    aw = float(metrics.answer_within)  # finite: checked by aggregate()
    sa = float(metrics.short_abandon)
    answered = "end_code IN " + _codes(_ANSWERED)
    transferred = "end_code IN " + _codes(_TRANSFERRED)
    answer_like = "k = 3"
    wait = "(CASE WHEN k = 3 THEN greatest(connect_ts, arrival) ELSE end_ts END - arrival)"
    talk = "(end_ts - greatest(connect_ts, arrival))"
    counters = {
        "records": "count(*)", "offered": "count(*)",
        "answered": "count(*) FILTER (WHERE %s)" % answered,
        "transferred": "count(*) FILTER (WHERE %s)" % transferred,
        "short_abandoned": "count(*) FILTER (WHERE end_code = %d AND %s <= %r)" % (_CODE["ABANDON"], wait, sa),
        "answered_within": "count(*) FILTER (WHERE %s AND %s <= %r)" % (answer_like, wait, aw),
        "abandoned_within": "count(*) FILTER (WHERE end_code = %d AND %s <= %r)" % (_CODE["ABANDON"], wait, aw),
        "answered_within_15": "count(*) FILTER (WHERE %s AND %s <= 15)" % (answer_like, wait),
        "talk_count": "count(*) FILTER (WHERE %s)" % answer_like,
    }
    for event, counter in _LEFT.items():
        counters[counter] = "count(*) FILTER (WHERE end_code = %d)" % _CODE[event]
    columns = [counters.get(name, "0") for name in _COUNTS]
    unit_sql = ("CAST(floor((arrival + %d) / %d) AS BIGINT)" % (metrics.tz_offset, unit)) if unit else "0"
    rows = con.execute(
        "SELECT u, queue, " + ", ".join(columns) + ", "
        "coalesce(sum(%s) FILTER (WHERE %s), 0), coalesce(sum(%s) FILTER (WHERE %s), 0), max(%s) "
        "FROM (SELECT *, %s AS u FROM calls WHERE simple) GROUP BY u, queue" % (wait, answer_like, talk, answer_like, wait,
                                                                    unit_sql)).fetchall()
    n = len(_COUNTS)
    total = 0
    for row in rows:
        service, region, category, name = sub._queues.get(row[1]) or sub._queue_fields(row[1])
        b = Bucket()
        b.c = [int(x) for x in row[2:2 + n]]
        b.wait_answered = int(row[2 + n])
        b.talk = int(row[3 + n])
        b.longest_wait = int(row[4 + n])
        metrics.add_cell((row[0], name, category, region, "call", service), b)
        total += b.c[0]
    return total
