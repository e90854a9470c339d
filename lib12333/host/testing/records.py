"""
Hypothesis strategies for service records and call-centre logs (lib12333.records, lib12333.host.cdr).

    texts(max_bytes=64)        record text fields (UTF-8, no control characters)
    service_records()          valid lib12333.records.ServiceRecord values
    mutations(data)            byte strings derived from ``data`` by flips, cuts, splices, insertions
    queue_log_lines()          queue_log lines, valid and broken, as text
    queue_log_calls(start)     lists of lines for complete calls with their expected outcome

Every generated value is synthetic; nothing here is personal data.
"""

from hypothesis import strategies as st

from lib12333.records import CHANNELS, OUTCOMES, SERVICES, ServiceRecord

_MAX_T = 0xFFFFFFFE


def texts(max_bytes=64):
    alphabet = st.characters(blacklist_categories=("Cs", "Cc"))
    return st.text(alphabet=alphabet, max_size=max_bytes).filter(lambda s: len(s.encode("utf-8")) <= max_bytes)


@st.composite
def service_records(draw):
    arrival = draw(st.integers(0, _MAX_T))
    answer = draw(st.one_of(st.none(), st.integers(arrival, _MAX_T)))
    low = arrival if answer is None else answer
    end = draw(st.one_of(st.none(), st.integers(low, _MAX_T)))
    category = draw(st.sampled_from(("", "01", "0101", "27", "2701", "9999")))
    return ServiceRecord(
        channel=draw(st.sampled_from(CHANNELS)),
        service=draw(st.sampled_from(SERVICES)),
        region=draw(st.integers(0, 999999)),
        category=category,
        queue=draw(texts()),
        arrival=arrival,
        answer=answer,
        end=end,
        outcome=draw(st.sampled_from(OUTCOMES)),
        agent=draw(texts()),
        caller=draw(st.sampled_from(("", "138****5678", "0571****1234"))),
        ref=draw(texts()),
    )


@st.composite
def mutations(draw, data):
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("flip", "cut", "insert", "splice", "set")))
        if kind == "cut" and data:
            i = draw(st.integers(0, len(data)))
            data = data[:i]
        elif kind == "insert":
            i = draw(st.integers(0, len(data)))
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "splice" and data:
            i = draw(st.integers(0, len(data) - 1))
            j = draw(st.integers(i, len(data)))
            data[i:j] = b""
        elif kind == "set" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.sampled_from((0, 0xFF, 0x7F, 0x80, 0x22, 0x2C, 0x0A, 0x7C)))
        elif data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


_EVENTS = ("ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "ABANDON", "EXITWITHTIMEOUT", "EXITWITHKEY",
           "EXITEMPTY", "WITHDRAW", "BLINDTRANSFER", "ATTENDEDTRANSFER", "TRANSFER", "RINGNOANSWER", "PAUSE",
           "ADDMEMBER", "QUEUESTART", "BOGUS")


@st.composite
def queue_log_lines(draw):
    ts = draw(st.one_of(st.integers(0, 2 ** 33).map(str), st.text(max_size=12)))
    callid = draw(st.sampled_from(("c1", "c2", "c3", "NONE", "MANAGER", "")))
    queue = draw(st.sampled_from(("yiliao", "yanglao", "NONE", "")))
    agent = draw(st.sampled_from(("PJSIP/1001", "NONE", "")))
    event = draw(st.sampled_from(_EVENTS))
    data = draw(st.lists(st.one_of(st.integers(0, 10 ** 6).map(str), st.text(max_size=6)), max_size=6))
    fields = [ts, callid, queue, agent, event] + data
    cut = draw(st.integers(0, len(fields)))
    line = "|".join(fields[: max(cut, draw(st.integers(0, len(fields))))])
    return line.replace("\n", " ").replace("\r", " ")


@st.composite
def queue_log_calls(draw, start=1772409600):
    """(lines, outcome, wait) of one complete call entering at ``start`` + offset."""
    cid = "c" + str(draw(st.integers(0, 10 ** 9)))
    t0 = start + draw(st.integers(0, 86400))
    wait = draw(st.integers(0, 600))
    queue = draw(st.sampled_from(("yiliao", "yanglao")))
    kind = draw(st.sampled_from(("answered", "transferred", "abandoned", "timeout", "exit_key", "exit_empty")))
    lines = ["%d|%s|%s|NONE|ENTERQUEUE||13800000000|1" % (t0, cid, queue)]
    t1 = t0 + wait
    if kind in ("answered", "transferred"):
        talk = draw(st.integers(0, 3600))
        lines.append("%d|%s|%s|PJSIP/1001|CONNECT|%d|x|1" % (t1, cid, queue, wait))
        if kind == "answered":
            lines.append("%d|%s|%s|PJSIP/1001|COMPLETECALLER|%d|%d|1" % (t1 + talk, cid, queue, wait, talk))
        else:
            lines.append("%d|%s|%s|PJSIP/1001|BLINDTRANSFER|8001|ctx|%d|%d|1" % (t1 + talk, cid, queue, wait, talk))
    elif kind == "exit_key":
        lines.append("%d|%s|%s|NONE|EXITWITHKEY|1|1|1|%d" % (t1, cid, queue, wait))
    else:
        event = {"abandoned": "ABANDON", "timeout": "EXITWITHTIMEOUT", "exit_empty": "EXITEMPTY"}[kind]
        lines.append("%d|%s|%s|NONE|%s|1|1|%d" % (t1, cid, queue, event, wait))
    return lines, kind, wait
