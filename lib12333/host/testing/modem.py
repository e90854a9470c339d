"""
Hypothesis strategies for the AT modem layer (lib12333.modem).

    final_lines()      OK / ERROR / +CME ERROR / +CMS ERROR lines, numeric and verbose
    urc_lines()        unsolicited lines a module prints (+CMTI, +CREG, RING, RDY, boot messages...)
    answer_lines()     ordinary answer lines (identity, +CSQ, +CPMS, +CMGR headers, hex PDUs)
    modem_streams()    bytes a modem could send: any mix of the above with CR/LF variants,
                       "> " prompts and noise, cut into random chunks (a list of bytes)
    mutations(data)    byte strings derived from ``data`` by flips, cuts, insertions and splices

Integrators use them to check their own loop around ``Engine`` never raises on
what a real module (or line noise) produces.
"""

from hypothesis import strategies as st

_FINALS = ["OK", "ERROR", "+CME ERROR: 10", "+CME ERROR: SIM busy", "+CMS ERROR: 500", "+CMS ERROR: 330",
           "+CMS ERROR: 304", "+CMS ERROR: Invalid PDU mode parameter", "NO CARRIER", "+CMS ERROR:", "+CME ERROR"]
_URCS = ['+CMTI: "SM",3', '+CMTI: "ME",0', "+CMTI: ,", '+CDSI: "SR",1', "RING", "+CREG: 1", "+CREG: 5,\"1A2B\",\"00C3\"",
         "+CEREG: 2", "+CPIN: READY", "+CPIN: NOT READY", "RDY", "SMS DONE", "PB DONE", "*ATREADY: 1",
         "+QIND: SMS DONE", "+CFUN: 1", "Call Ready", "SMS Ready", '+CIEV: "SMSFULL",1', "+CMTI: \"SM\",-1",
         "+CMTI: \"SM"]
_ANSWERS = ["SIMCOM_SIM7600CE-T", "864500000000017", "+CSQ: 21,99", "+CSQ: x", "+CPMS: 0,30,0,30,0,30",
            '+CPMS: "SM",1,30', "+CMGS: 12", "+CMGS:", "+CMGR: 0,,24", "+CMGL: 0,1,,24", '+CSCA: "+8613800571500",145',
            '+CSCA: "',
            "0891683108501705F0040D91683108000000F20008621192917172230A60A8597DFF0C4E16754C"]


def final_lines():
    return st.sampled_from(_FINALS)


def urc_lines():
    return st.sampled_from(_URCS)


def answer_lines():
    hexpdu = st.text(alphabet="0123456789ABCDEF", min_size=0, max_size=80)
    return st.one_of(st.sampled_from(_ANSWERS), hexpdu)


def _token():
    line = st.one_of(final_lines(), urc_lines(), answer_lines()).map(lambda s: s.encode("latin-1"))
    ending = st.sampled_from([b"\r\n", b"\r", b"\n", b"\n\r", b""])
    framed = st.tuples(st.sampled_from([b"\r\n", b""]), line, ending).map(lambda t: t[0] + t[1] + t[2])
    prompt = st.just(b"\r\n> ")
    noise = st.binary(min_size=1, max_size=12)
    return st.one_of(framed, framed, framed, prompt, noise)


def modem_streams(max_tokens=30):
    """A list of byte chunks: the stream a modem sends, cut at random places."""

    def cut(data_and_points):
        data, points = data_and_points
        points = sorted(set(p % (len(data) + 1) for p in points))
        out = []
        prev = 0
        for p in points:
            out.append(data[prev:p])
            prev = p
        out.append(data[prev:])
        return [c for c in out if c]

    stream = st.lists(_token(), max_size=max_tokens).map(b"".join)
    return st.tuples(stream, st.lists(st.integers(0, 10000), max_size=8)).map(cut)


def mutations(data):
    """Byte strings derived from ``data``: bit flips, truncation, insertion, splicing."""
    n = len(data)

    def flip(args):
        i, bit = args
        if not n:
            return data
        b = bytearray(data)
        b[i % n] ^= 1 << bit
        return bytes(b)

    def insert(args):
        i, extra = args
        i = i % (n + 1)
        return data[:i] + extra + data[i:]

    def cut(args):
        i, j = args
        i, j = sorted((i % (n + 1), j % (n + 1)))
        return data[:i] + data[j:]

    return st.one_of(
        st.tuples(st.integers(0, 10000), st.integers(0, 7)).map(flip),
        st.tuples(st.integers(0, 10000), st.binary(min_size=1, max_size=8)).map(insert),
        st.tuples(st.integers(0, 10000), st.integers(0, 10000)).map(cut),
        st.integers(0, 10000).map(lambda i: data[: i % (n + 1)]),
    )
