"""
Seat-sizing speed: lib12333.staffing beside pyworkforce (pip install pyworkforce; ErlangA needs >= 0.5.2).

    python bench/staffing.py [--timeout 120] [--repeat 20]

Cases (80 % within 20 s, AHT 180 s, 30-minute period; load in Erlangs):
  Erlang C staffing at 10, 100, 1000 and 2500 Erlangs;
  Erlang A staffing at 1000 Erlangs, patience 60 s, with and without caps
  (abandonment <= 5 %, occupancy <= 95 %).
pyworkforce runs in a child process with a wall-clock limit; a run that exceeds it
is reported as "> N s".  Each of our figures is the median of --repeat runs.
"""

import argparse
import multiprocessing as mp
import platform
import statistics
import sys
import time

sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])

from lib12333 import staffing  # noqa: E402


def _ours(kind, load, repeat, **kw):
    calls = load * 1800 / 180.0
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = staffing.staff(calls, 1800, 180, 0.8, 20, **kw)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result["agents"]


def _pw_child(kind, load, kw, queue):
    from pyworkforce.queuing import ErlangA, ErlangC

    calls = load * 1800 / 180.0
    t0 = time.perf_counter()
    if kind == "C":
        r = ErlangC(transactions=calls, aht=3, asa=20 / 60, interval=30).required_positions(
            service_level=0.8, max_occupancy=kw.get("max_occupancy", 1.0))
    else:
        r = ErlangA(transactions=calls, aht=3, asa=20 / 60, interval=30, patience=kw["patience_s"] / 60).required_positions(
            service_level=0.8, max_occupancy=kw.get("max_occupancy", 1.0), max_abandonment=kw.get("max_abandon", 1.0))
    queue.put((time.perf_counter() - t0, r["raw_positions"]))


def _pyworkforce(kind, load, kw, timeout):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_pw_child, args=(kind, load, kw, q))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.terminate()
        p.join()
        return None, None
    if q.empty():
        return "error", None
    return q.get()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--timeout", type=float, default=120.0, help="pyworkforce wall-clock limit per case, s")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    try:
        import pyworkforce

        pw_version = pyworkforce.__version__ if hasattr(pyworkforce, "__version__") else "?"
    except ImportError:
        pw_version = None
    print("python %s on %s; pyworkforce %s" % (platform.python_version(), platform.machine(), pw_version))
    cases = [("C", 10, {}), ("C", 100, {}), ("C", 1000, {}), ("C", 2500, {}),
             ("C", 1000, {"max_occupancy": 0.95}),
             ("A", 1000, {"patience_s": 60.0}),
             ("A", 1000, {"patience_s": 60.0, "max_abandon": 0.05}),
             ("A", 1000, {"patience_s": 60.0, "max_abandon": 0.05, "max_occupancy": 0.95})]
    print("%-6s %7s %-40s %12s %7s %14s %7s %9s" % ("model", "Erlangs", "caps", "ours", "agents", "pyworkforce",
                                                    "agents", "speed-up"))
    for kind, load, kw in cases:
        t, n = _ours(kind, load, args.repeat, **kw)
        if pw_version is None:
            pt, pn = None, None
        else:
            pt, pn = _pyworkforce(kind, load, kw, args.timeout)
        caps = ", ".join("%s=%g" % kv for kv in sorted(kw.items())) or "-"
        if pt is None:
            pws, speed = ("> %g s" % args.timeout) if pw_version else "n/a", "-"
        elif pt == "error":
            pws, speed = "error", "-"
        else:
            pws, speed = "%.4f s" % pt, "%.0fx" % (pt / t)
        print("%-6s %7d %-40s %10.3f ms %7s %14s %7s %9s" % ("erlang-" + kind.lower(), load, caps[:40], t * 1000, n,
                                                             pws, pn if pn is not None else "-", speed))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
