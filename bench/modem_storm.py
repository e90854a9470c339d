"""
Modem engine under a +CMTI storm (issue 13 item 12).

    python bench/modem_storm.py [--rounds 5] [--sizes 2000,8000,32000] [--baseline 9b8de62]

A ready engine is fed N "+CMTI" notifications with N distinct storage indexes (a faulty
module or a flood of messages), 256 bytes per ``receive`` call as a UART loop would, and the
CPU time of those calls is measured with time.process_time.  The engine under test is this
checkout; the baseline is the engine of git revision ``--baseline`` (before the bound:
one queued read per index, inserted by a linear scan), extracted with ``git archive`` into a
temporary folder.  Each size runs in paired, interleaved rounds (ours, baseline, ours, ...),
each run in a fresh subprocess; the table shows the median CPU seconds, the median ratio
baseline/ours and the spread (min-max) of the ratio.  Sizes above ``--baseline-max`` are run
for ours only (the baseline takes minutes there).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def storm(n):
    """CPU seconds for ``n`` +CMTI notifications fed to a ready engine (run in a subprocess)."""
    import lib12333  # noqa: F401  the copy on PYTHONPATH, before bench/modem.py puts this checkout first

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from modem import ready_engine  # bench/modem.py

    eng = ready_engine()
    data = b"".join(b'\r\n+CMTI: "SM",' + str(i).encode() + b"\r\n" for i in range(n))
    t0 = time.process_time()
    for k in range(0, len(data), 256):
        eng.receive(data[k : k + 256], 1.0)
    spent = time.process_time() - t0
    return spent, len(eng._ops)


def run_one(path, n):
    env = dict(os.environ, PYTHONPATH=path)
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", str(n)], env=env,
                         capture_output=True, text=True, check=True, cwd=path).stdout.split()
    return float(out[0]), int(out[1])


def extract(rev, into):
    archive = os.path.join(into, "rev.tar")
    with open(archive, "wb") as f:
        subprocess.run(["git", "-C", ROOT, "archive", rev, "lib12333"], stdout=f, check=True)
    with tarfile.open(archive) as t:
        t.extractall(into, filter="data")
    return into


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sizes", default="2000,8000,32000")
    ap.add_argument("--baseline", default="9b8de62", help="git revision of the engine before the bound")
    ap.add_argument("--baseline-max", type=int, default=8000, help="largest size run on the baseline")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        spent, queued = storm(args.child)
        print(spent, queued)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        base = extract(args.baseline, tmp)
        print("| +CMTI notifications | ours: CPU s (queued ops) | baseline %s: CPU s (queued ops) | ratio "
              "(median, spread) |" % args.baseline)
        print("|---|---|---|---|")
        for n in sizes:
            run_one(ROOT, min(n, 1000))  # warm-up: file cache, bytecode
            ours, theirs, queued = [], [], [0, 0]
            for _ in range(args.rounds):
                t, queued[0] = run_one(ROOT, n)
                ours.append(t)
                if n <= args.baseline_max:
                    t, queued[1] = run_one(base, n)
                    theirs.append(t)
            cell = "%.3f (%d)" % (statistics.median(ours), queued[0])
            if theirs:
                ratios = [b / a for a, b in zip(ours, theirs)]
                print("| %d | %s | %.3f (%d) | %.0fx (%.0f-%.0f) |" % (
                    n, cell, statistics.median(theirs), queued[1], statistics.median(ratios), min(ratios),
                    max(ratios)))
            else:
                print("| %d | %s | not run (minutes) | |" % (n, cell))


if __name__ == "__main__":
    main()
