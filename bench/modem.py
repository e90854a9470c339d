"""
Modem engine benchmarks.

    python bench/modem.py [--rounds 7] [--markdown]

1. CPU cost of the sans-IO engine alone (no port): a scripted session of N received
   messages (+CMTI -> AT+CMGR -> message event -> confirm -> AT+CMGD) and N sends
   (AT+CMGS -> prompt -> PDU -> +CMGS), measured with time.process_time.
2. Wall time over a real pty against the emulator (no faults), ours vs python-gsmmodem-new
   0.13 (if installed): open + initialise, send a 1-part and a 2-part Chinese SMS.
   These are dominated by the round trips of the AT dialogue, not by CPU.
Both warm (a first round is not counted), paired rounds in alternating order; medians, and
the ratio of the same round with its range (bench/paired.py's method).
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.paired import format_ratio, markdown_table  # noqa: E402
from lib12333.modem import events, profiles  # noqa: E402
from lib12333.modem.engine import Engine  # noqa: E402
from lib12333.sms.encode import encode_deliver  # noqa: E402
from lib12333.sms.scts import Timestamp  # noqa: E402

INIT = [b"\r\nOK\r\n", b"\r\nOK\r\n", b"\r\nOK\r\n", b"\r\n+CPIN: READY\r\n\r\nOK\r\n", b"\r\nOK\r\n",
        b"\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n", b"\r\nOK\r\n", b"\r\nOK\r\n", b"\r\nOK\r\n",
        b'\r\n+CSCA: "+8613800571500",145\r\n\r\nOK\r\n', b"\r\nOK\r\n"]
TEXT1 = "您好，您的社保卡挂失申请已受理，请于三个工作日内到服务大厅办理补卡。"
TEXT2 = TEXT1 * 3  # 102 characters: 2 UCS2 parts


def ready_engine():
    """An engine that has gone through the whole init exchange (events drained)."""
    eng = Engine(now=0.0, profile=profiles.get("SIM7600CE"), scan_interval=None)
    eng.start(0.0)
    for a in INIT:
        eng.data_to_send()
        eng.receive(a, 0.0)
    eng.events()
    assert eng.ready
    return eng


def engine_cpu(n):
    eng = ready_engine()
    ts = Timestamp(2026, 11, 29, 10, 0, 0, 480)
    pdus = [encode_deliver("+8613800000002", ts, text=TEXT1 + str(i))[0] for i in range(n)]
    t0 = time.process_time()
    for i, p in enumerate(pdus):
        eng.receive(b'\r\n+CMTI: "SM",' + str(i % 30).encode() + b"\r\n", 1.0)
        eng.data_to_send()
        eng.receive(b"\r\n+CMGR: 0,," + str(p.tpdu_length).encode() + b"\r\n" + p.hex.encode() + b"\r\n\r\nOK\r\n",
                    1.0)
        for ev in eng.events():
            eng.confirm(ev.token)
        eng.data_to_send()
        eng.receive(b"\r\nOK\r\n", 1.0)
    t_recv = (time.process_time() - t0) / n
    t0 = time.process_time()
    for i in range(n):
        eng.send_sms("+8613800000002", TEXT1, report=False)
        eng.data_to_send()
        eng.receive(b"\r\n> ", 2.0)
        eng.data_to_send()
        eng.receive(b"\r\n+CMGS: " + str(i % 256).encode() + b"\r\n\r\nOK\r\n", 2.0)
        eng.events()
    t_send = (time.process_time() - t0) / n
    return t_recv, t_send


def ours_pty(sim):
    from lib12333.host.modem.transport import SerialModem

    out = {}
    t0 = time.monotonic()
    m = SerialModem(sim.modems[0].path)
    m.init(30)
    out["open + init"] = time.monotonic() - t0
    for name, text in (("send 1 part", TEXT1), ("send 2 parts", TEXT2)):
        t0 = time.monotonic()
        ev, _ = m.send(sim.modems[1].number, text, timeout=30)
        assert ev.kind == events.SENT
        out[name] = time.monotonic() - t0
    m.close()
    return out


def gsmmodem_pty(sim):
    from gsmmodem.modem import GsmModem

    out = {}
    t0 = time.monotonic()
    m = GsmModem(sim.modems[0].path, 115200)
    m.connect()
    out["open + init"] = time.monotonic() - t0
    for name, text in (("send 1 part", TEXT1), ("send 2 parts", TEXT2)):
        t0 = time.monotonic()
        m.sendSms(sim.modems[1].number, text)
        out[name] = time.monotonic() - t0
    m.close()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--rounds", type=int, default=7, help="rounds (default: 7)")
    ap.add_argument("--number", type=int, default=300, help="messages per engine run (default: 300)")
    ap.add_argument("--markdown", action="store_true", help="print the table of docs/benchmarks.md")
    args = ap.parse_args()
    engine_cpu(20)  # warm: lazy imports, codec tables
    runs = [engine_cpu(args.number) for _ in range(args.rounds)]
    engine = [statistics.median(x) for x in zip(*runs)]

    from lib12333.host.modem.network import Simulator

    peers = [("lib12333", ours_pty)]
    try:
        import gsmmodem  # noqa: F401

        peers.append(("python-gsmmodem-new", gsmmodem_pty))
    except ImportError:
        pass
    results = {}
    # paired rounds (bench/paired.py's method): both sides each round, order reversed every other
    # round; one warm-up round first (imports, the peer's first connect)
    for r in range(args.rounds + 1):
        for name, fn in (peers if r % 2 == 0 else list(reversed(peers))):
            with Simulator(2) as sim:
                time.sleep(0.4)  # boot messages
                figures = fn(sim)
            if r == 0:
                continue
            for k, v in figures.items():
                results.setdefault(name, {}).setdefault(k, []).append(v)
    cases = ["open + init", "send 1 part", "send 2 parts"]
    header = ["case", "lib12333"] + [n for n, _ in peers[1:]] + ["peer / lib12333: median (range)"]
    rows = [["engine alone, receive cycle (`+CMTI`, `AT+CMGR`, decode, confirm, `AT+CMGD`), CPU",
             "%.0f µs" % (engine[0] * 1e6)] + ["–"] * (len(peers) - 1) + ["–"],
            ["engine alone, send cycle (encode, `AT+CMGS`, prompt, PDU, `+CMGS`), CPU",
             "%.0f µs" % (engine[1] * 1e6)] + ["–"] * (len(peers) - 1) + ["–"]]
    for c in cases:
        ours = results["lib12333"][c]
        row = ["over a pty: " + c + ", wall", "%.1f ms" % (statistics.median(ours) * 1000)]
        for n, _ in peers[1:]:
            row.append("%.1f ms" % (statistics.median(results[n][c]) * 1000))
        if len(peers) > 1:
            ratios = [p / o for p, o in zip(results[peers[1][0]][c], ours)]
            row.append(format_ratio((statistics.median(ratios), min(ratios), max(ratios))))
        else:
            row.append("–")
        rows.append(row)
    if args.markdown:
        print(markdown_table(header, rows))
    else:
        print("median of %d rounds, %d messages per engine run" % (args.rounds, args.number))
        for row in [header] + rows:
            print("  ".join(row))


if __name__ == "__main__":
    main()
