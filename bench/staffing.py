"""
Seat-sizing speed: lib12333.staffing beside pyworkforce (pip install pyworkforce; ErlangA needs >= 0.5.2).

    python bench/staffing.py [--rounds 15] [--a-rounds 3] [--timeout 30] [--markdown]

Cases (80 % within 20 s, AHT 180 s, 30-minute period; load in Erlangs):
  Erlang C staffing at 10, 100, 1000 and 2500 Erlangs, and at 1000 with occupancy <= 95 %;
  Erlang A staffing at 1000 Erlangs, patience 60 s, with and without caps
  (abandonment <= 5 %, occupancy <= 95 %).

Method (bench/paired.py): Erlang C runs in this process, both libraries warm, in paired
interleaved rounds of 20 calls, CPU time; the table gives the median time per call and the
median ratio of the same round with its range.  pyworkforce's Erlang A takes seconds to
minutes per call, so each of its rounds runs in a child process with a wall-clock limit
(--timeout; "> N s" when exceeded), warmed first by a small Erlang A call, next to the same
number of rounds of ours.
"""


import argparse
import multiprocessing as mp
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.paired import format_ratio, markdown_table, median, paired, ratio  # noqa: E402
from lib12333 import staffing  # noqa: E402

CASES = [("C", 10, {}), ("C", 100, {}), ("C", 1000, {}), ("C", 2500, {}),
         ("C", 1000, {"max_occupancy": 0.95}),
         ("A", 1000, {"patience_s": 60.0}),
         ("A", 1000, {"patience_s": 60.0, "max_abandon": 0.05}),
         ("A", 1000, {"patience_s": 60.0, "max_abandon": 0.05, "max_occupancy": 0.95})]
CAP_NAMES = {"max_occupancy": "occupancy ≤ %g %%", "max_abandon": "abandonment ≤ %g %%"}


def _ours(load, **kw):
    return staffing.staff(load * 1800 / 180.0, 1800, 180, 0.8, 20, **kw)["agents"]


def _theirs(kind, load, kw):
    from pyworkforce.queuing import ErlangA, ErlangC

    calls = load * 1800 / 180.0
    if kind == "C":
        r = ErlangC(transactions=calls, aht=3, asa=20 / 60, interval=30).required_positions(
            service_level=0.8, max_occupancy=kw.get("max_occupancy", 1.0))
    else:
        r = ErlangA(transactions=calls, aht=3, asa=20 / 60, interval=30, patience=kw["patience_s"] / 60
                    ).required_positions(service_level=0.8, max_occupancy=kw.get("max_occupancy", 1.0),
                                         max_abandonment=kw.get("max_abandon", 1.0))
    return r["raw_positions"]


def _pw_child(kind, load, kw, queue):
    _theirs("A", 10, {"patience_s": 60.0})  # warm: imports and first-call set-up
    t0 = time.process_time()
    n = _theirs(kind, load, kw)
    queue.put((time.process_time() - t0, n))


def _pyworkforce_round(kind, load, kw, timeout):
    """(CPU seconds, agents) of one warm pyworkforce call in a child, or (None, None) past ``timeout``."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_pw_child, args=(kind, load, kw, q))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.terminate()
        p.join()
        return None, None
    return q.get() if not q.empty() else (None, None)


def _caps(kw):
    caps = [CAP_NAMES[k] % (v * 100) for k, v in sorted(kw.items()) if k in CAP_NAMES]
    return ", ".join(caps) or "–"


def _ms(seconds):
    return "%.3f ms" % (seconds * 1000) if seconds < 1 else "%.2f s" % seconds


def measure(rounds, a_rounds, timeout, have_peer):
    rows = []
    for kind, load, kw in CASES:
        caps = _caps(kw)
        model = "Erlang C" if kind == "C" else "Erlang A, patience %g s" % kw["patience_s"]
        ours_kw = dict((k, v) for k, v in kw.items())
        agents = _ours(load, **ours_kw)
        if kind == "C":
            contenders = [("lib12333", lambda _v, load=load, kw=ours_kw: _ours(load, **kw))]
            if have_peer:
                contenders.append(("pyworkforce", lambda _v, load=load, kw=kw: _theirs("C", load, kw)))
            times = paired(contenders, [0] * 20, rounds)
            ours_t = median(times["lib12333"])
            if have_peer:
                rows.append((model, "%d E" % load, caps, _ms(ours_t), agents, _ms(median(times["pyworkforce"])),
                             _theirs(kind, load, kw), format_ratio(ratio(times, "pyworkforce", "lib12333"))))
            else:
                rows.append((model, "%d E" % load, caps, _ms(ours_t), agents, "n/a", "–", "–"))
            continue
        ours_times, theirs_times, their_agents = [], [], "–"
        for _ in range(a_rounds):
            t0 = time.process_time()
            _ours(load, **ours_kw)
            ours_times.append(time.process_time() - t0)
            if have_peer:
                pt, pn = _pyworkforce_round(kind, load, kw, timeout)
                theirs_times.append(pt)
                their_agents = pn if pn is not None else their_agents
        ours_t = median(ours_times)
        if not have_peer:
            peer, verdict = "n/a", "–"
        elif None in theirs_times:
            peer, verdict = "> %g s" % timeout, "> %.0fx" % (timeout / ours_t)
        else:
            peer = _ms(median(theirs_times))
            verdict = format_ratio(ratio({"a": theirs_times, "b": ours_times}, "a", "b"))
        rows.append((model, "%d E" % load, caps, _ms(ours_t), agents, peer, their_agents, verdict))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--rounds", type=int, default=15, help="paired rounds for Erlang C (default: 15)")
    ap.add_argument("--a-rounds", type=int, default=3, help="rounds for Erlang A (default: 3)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="pyworkforce CPU limit per Erlang A round, wall-clock seconds (default: 30)")
    ap.add_argument("--markdown", action="store_true", help="print the table of docs/benchmarks.md")
    args = ap.parse_args()
    try:
        import pyworkforce

        pw_version = getattr(pyworkforce, "__version__", "?")
    except ImportError:
        pw_version = None
    rows = measure(args.rounds, args.a_rounds, args.timeout, pw_version is not None)
    header = ("model", "load", "caps", "lib12333", "agents", "pyworkforce %s" % pw_version, "agents",
              "pyworkforce / lib12333: median (range)")
    if args.markdown:
        print(markdown_table(header, rows))
    else:
        for row in [header] + rows:
            print(" | ".join(str(c) for c in row))
    print("python %s on %s; pyworkforce %s; %d paired rounds (Erlang C), %d rounds (Erlang A), CPU time"
          % (platform.python_version(), platform.machine(), pw_version, args.rounds, args.a_rounds), file=sys.stderr)


if __name__ == "__main__":
    main()
