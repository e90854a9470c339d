"""
SMS codec benchmark: lib12333.sms against python-gsmmodem-new, python-gammu and
smspdudecoder, side by side in one process.

    python bench/sms.py [--repeat 40] [--number 500] [--wall] [--markdown]

Cases (all Chinese, UCS2):
  encode-1   a 70-character notice -> SMS-SUBMIT PDU hex (what AT+CMGS sends)
  decode-1   its SMS-DELIVER PDU hex (with SMSC, as +CMGR prints it) -> text
  encode-4   a 260-character notice -> 4 SMS-SUBMIT PDU hex strings (concatenated)
  decode-4   the 4 SMS-DELIVER PDU hex strings -> the text of each part
  join-4     decode-4 plus putting the message back together (where the library can)

Timing (the method of bench/paired.py): every implementation warm, then --repeat paired
rounds of --number calls, every case and library once per round and the order reversed
every other round, in CPU time of this process (time.process_time) because the benchmark
machine is shared; --wall uses time.perf_counter instead.  The table gives the median per
operation and the ratio of the fastest peer to lib12333 *in the same round*, its median and
range.  Every implementation is checked to give the same text before it is timed.  A peer that is not installed is reported as
"not installed".
"""

import argparse
import statistics
import sys
import time
import timeit

sys.path.insert(0, ".")

from bench.paired import format_ratio, markdown_table  # noqa: E402
from lib12333.sms import encode, pdu  # noqa: E402
from lib12333.sms.reassembly import Reassembler  # noqa: E402
from lib12333.sms.scts import Timestamp  # noqa: E402

NOTICE = (
    "【杭州市人力资源社会保障电话咨询服务中心】您的社会保障卡挂失申请已受理，受理编号二〇二六一一二九〇〇〇一七。"
    "请于七个工作日后携带本人有效身份证件到社保经办机构或合作银行网点领取补办的新卡。"
    "补卡期间医保结算可使用电子社保卡。如有疑问请拨打一二三三三咨询，感谢您的理解与支持。"
    "温馨提示：请勿将社保卡借给他人使用，谨防诈骗。"
)
TEXT70 = NOTICE[:70]
TEXT260 = (NOTICE * 2)[:260]
NUMBER = "+8613800571500"
SMSC = "+8613800571500"
TS = Timestamp(2026, 11, 29, 11, 5, 0, 480)

DELIVER1 = [p.hex for p in encode.encode_deliver(NUMBER, TS, TEXT70, smsc=SMSC)]
DELIVER4 = [p.hex for p in encode.encode_deliver(NUMBER, TS, TEXT260, smsc=SMSC, ref=42)]
assert len(DELIVER1) == 1 and len(DELIVER4) == 4


def ours():
    def enc(text):
        return [p.hex for p in encode.encode_submit(NUMBER, text, ref=42)]

    def dec(hexes):
        return [pdu.decode_hex(h).text for h in hexes]

    def join(hexes):
        r = Reassembler()
        out = None
        for i, h in enumerate(hexes):
            out = r.add(pdu.decode_hex(h), i)
        return out.text

    return {"encode": enc, "decode": dec, "join": join}


def gsmmodem():
    from gsmmodem import pdu as gp

    def enc(text):
        return [str(p) for p in gp.encodeSmsSubmitPdu(NUMBER, text, reference=42, requestStatusReport=False)]

    def dec(hexes):
        return [gp.decodeSmsPdu(h)["text"] for h in hexes]

    return {"encode": enc, "decode": dec, "join": None}


def gammu_():
    import gammu

    def enc(text):
        multi = gammu.EncodeSMS({"Class": -1, "Unicode": True, "Entries": [{"ID": "ConcatenatedTextLong", "Buffer": text}]})
        out = []
        for m in multi:
            m["Number"] = NUMBER
            m["SMSC"] = {"Location": 0, "Number": ""}
            out.append(gammu.EncodePDU(m, "Submit").hex().upper())
        return out

    def dec(hexes):
        return [gammu.DecodePDU(bytes.fromhex(h), SMSC=True)["Text"] for h in hexes]

    def join(hexes):
        msgs = [[gammu.DecodePDU(bytes.fromhex(h), SMSC=True)] for h in hexes]
        info = gammu.DecodeSMS(gammu.LinkSMS(msgs)[0])
        return "".join(e["Buffer"] for e in info["Entries"] if e["Buffer"])

    return {"encode": enc, "decode": dec, "join": join}


def smspdudecoder():
    from smspdudecoder.easy import read_incoming_sms

    def dec(hexes):
        return [read_incoming_sms(h)["content"] for h in hexes]

    return {"encode": None, "decode": dec, "join": None}


PEERS = (("python-gsmmodem-new", gsmmodem), ("python-gammu", gammu_), ("smspdudecoder", smspdudecoder))


def check(name, impl):
    """Every implementation must produce the same text / parts before it is timed."""
    if impl["decode"]:
        got = impl["decode"](DELIVER1)
        assert got == [TEXT70], (name, got)
        got = "".join(impl["decode"](DELIVER4))
        assert got == TEXT260, (name, got)
    if impl["encode"]:
        assert len(impl["encode"](TEXT70)) == 1, name
        assert len(impl["encode"](TEXT260)) == 4, name
    if impl["join"]:
        assert impl["join"](DELIVER4) == TEXT260, name


def measure(fn, arg, number, repeat, timer):
    best = min(timeit.repeat(lambda: fn(arg), number=number, repeat=repeat, timer=timer))
    return best / number * 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=40, help="paired rounds (median kept)")
    ap.add_argument("--number", type=int, default=500, help="calls per run")
    ap.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    ap.add_argument("--markdown", action="store_true", help="print the table of docs/benchmarks.md")
    args = ap.parse_args(argv)
    timer = time.perf_counter if args.wall else time.process_time

    impls = [("lib12333", ours())]
    missing = []
    for name, make in PEERS:
        try:
            impl = make()
            check(name, impl)
        except ImportError as exc:
            missing.append((name, str(exc)))
            continue
        impls.append((name, impl))
    check("lib12333", impls[0][1])

    cases = (
        ("encode-1", "encode", TEXT70),
        ("decode-1", "decode", DELIVER1),
        ("encode-4", "encode", TEXT260),
        ("decode-4", "decode", DELIVER4),
        ("join-4", "join", DELIVER4),
    )
    # paired interleaved rounds (bench/paired.py's method): every implementation runs each case
    # once per round, the order reversed every other round; medians and same-round ratios
    samples = {}
    jobs = []
    for case, kind, arg in cases:
        for name, impl in impls:
            fn = impl[kind]
            samples[(case, name)] = []
            if fn is not None:
                fn(arg)  # warm up (lazy tables, imports)
                jobs.append((case, name, fn, arg))
    for r in range(args.repeat):
        for case, name, fn, arg in (jobs if r % 2 == 0 else reversed(jobs)):
            samples[(case, name)].append(measure(fn, arg, args.number, 1, timer))

    names = [n for n, _ in impls]
    rows = []
    for case, _, _ in cases:
        mine = samples[(case, "lib12333")]
        cells = ["%.2f" % statistics.median(samples[(case, n)]) if samples[(case, n)] else "n/a" for n in names]
        peers = [samples[(case, n)] for n in names[1:] if samples[(case, n)]]
        if peers and mine:
            fastest = [min(vals) for vals in zip(*peers)]  # the fastest peer of each round
            ratios = [f / m for f, m in zip(fastest, mine)]
            verdict = format_ratio((statistics.median(ratios), min(ratios), max(ratios)))
        else:
            verdict = "–"
        rows.append([case] + cells + [verdict])
    header = ["case (µs per operation)"] + names + ["fastest peer / lib12333: median (range)"]
    if args.markdown:
        print(markdown_table(header, rows))
    else:
        print("SMS codec, microseconds per operation (%s time, median of %d paired rounds x %d calls), Python %s"
              % ("wall" if args.wall else "CPU", args.repeat, args.number, sys.version.split()[0]))
        for row in [header] + rows:
            print("  ".join("%-22s" % c for c in row))
    for name, why in missing:
        print("%s: not installed (%s)" % (name, why), file=sys.stderr)


if __name__ == "__main__":
    main()
