"""
queue_log throughput and memory: ``lib12333 cdr stats`` beside a pandas computation of the same figures.

    python bench/cdr.py [--lines 10000000] [--pandas-lines 2000000] [--keep DIR]

1. Generates a synthetic Asterisk queue_log (seeded) to a temporary file, streamed to disk:
   Poisson arrivals over 4 queues, 85 % answered (CONNECT + COMPLETECALLER/COMPLETEAGENT/
   BLINDTRANSFER/ATTENDEDTRANSFER), the rest ABANDON / EXITWITHTIMEOUT / EXITWITHKEY /
   EXITEMPTY, RINGNOANSWER retries, and agent PAUSE/UNPAUSE noise, lines in time order.
2. Runs ``python -m lib12333 cdr stats FILE --format asterisk-queue-log --json`` in a child
   process and takes its peak RSS from ``resource.getrusage(RUSAGE_CHILDREN)``.
3. Runs pandas (``read_csv`` + groupby/merge) on a smaller file of ``--pandas-lines`` lines
   (pandas holds the whole table in memory), in its own child process, and ours on the same
   file; checks that both give the same offered / answered / abandoned / SL / ASA per queue.
"""

import argparse
import heapq
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUEUES = ("yiliao", "yanglao", "jiuye", "shebaoka")
START = 1735660800  # 2025-01-01 00:00 Beijing


def generate(path, lines, seed=12333):
    rng = random.Random(seed)
    heap = []
    seq = 0
    written = 0
    t = float(START)
    call = 0
    buf = []
    with open(path, "w") as f:
        f.write("%d|NONE|NONE|NONE|QUEUESTART|\n" % START)
        written = 1
        while written < lines:
            t += rng.expovariate(1 / 8.0)
            ts = int(t)
            while heap and heap[0][0] <= ts and written < lines:
                buf.append(heapq.heappop(heap)[2])
                written += 1
            if written >= lines:
                break
            call += 1
            cid = "%d.%d" % (ts, call)
            q = QUEUES[call % 4] if rng.random() < 0.7 else QUEUES[0]
            buf.append("%d|%s|%s|NONE|ENTERQUEUE||1380013%04d|1\n" % (ts, cid, q, call % 10000))
            written += 1
            wait = int(rng.expovariate(1 / 15.0))
            agent = "PJSIP/%d" % (1000 + rng.randrange(60))
            u = rng.random()
            if u < 0.85:
                if rng.random() < 0.2:
                    seq += 1
                    heapq.heappush(heap, (ts + wait // 2, seq, "%d|%s|%s|%s|RINGNOANSWER|15000\n"
                                          % (ts + wait // 2, cid, q, agent)))
                talk = int(rng.expovariate(1 / 180.0))
                seq += 1
                heapq.heappush(heap, (ts + wait, seq, "%d|%s|%s|%s|CONNECT|%d|%s.9|2\n"
                                      % (ts + wait, cid, q, agent, wait, cid)))
                v = rng.random()
                end = ts + wait + talk
                if v < 0.5:
                    line = "%d|%s|%s|%s|COMPLETECALLER|%d|%d|1\n" % (end, cid, q, agent, wait, talk)
                elif v < 0.9:
                    line = "%d|%s|%s|%s|COMPLETEAGENT|%d|%d|1\n" % (end, cid, q, agent, wait, talk)
                elif v < 0.95:
                    line = "%d|%s|%s|%s|BLINDTRANSFER|8001|from-internal|%d|%d|1\n" % (end, cid, q, agent, wait, talk)
                else:
                    line = "%d|%s|%s|%s|ATTENDEDTRANSFER|BRIDGE|%s.7|%d|%d|1\n" % (end, cid, q, agent, cid, wait, talk)
                seq += 1
                heapq.heappush(heap, (end, seq, line))
            else:
                if u < 0.95:
                    line = "%d|%s|%s|NONE|ABANDON|1|1|%d\n" % (ts + wait, cid, q, wait)
                elif u < 0.98:
                    wait = 300
                    line = "%d|%s|%s|NONE|EXITWITHTIMEOUT|1|1|%d\n" % (ts + wait, cid, q, wait)
                elif u < 0.995:
                    line = "%d|%s|%s|NONE|EXITWITHKEY|0|1|1|%d\n" % (ts + wait, cid, q, wait)
                else:
                    wait = 0
                    line = "%d|%s|%s|NONE|EXITEMPTY|1|1|0\n" % (ts, cid, q)
                seq += 1
                heapq.heappush(heap, (ts + wait, seq, line))
            if rng.random() < 0.02:
                seq += 1
                heapq.heappush(heap, (ts + 1, seq, "%d|NONE|%s|%s|PAUSE|break\n" % (ts + 1, q, agent)))
            if len(buf) > 4096:
                f.write("".join(buf))
                buf = []
        # drain: only whole calls, so that every ENTERQUEUE has its end
        while heap:
            buf.append(heapq.heappop(heap)[2])
            written += 1
        f.write("".join(buf))
    return written


OURS = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.run([sys.executable, "-m", "lib12333", "cdr", "stats", sys.argv[1], "--format",
                    "asterisk-queue-log", "--json"], capture_output=True, text=True)
dt = time.perf_counter() - t0
assert p.returncode == 0, p.stderr
d = json.loads(p.stdout)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": dt, "rss_kib": rss, "lines": d["import"]["lines"], "malformed": d["import"]["malformed"],
                  "overall": d["overall"], "by_queue": d["by_queue"]}))
"""

PANDAS = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import pandas as pd
names = ["time", "callid", "queue", "agent", "event", "d1", "d2", "d3", "d4", "d5"]
df = pd.read_csv(sys.argv[1], sep="|", header=None, names=names, dtype=str, engine="c", na_filter=False)
df["time"] = df["time"].astype("int64")
enter = df[df.event == "ENTERQUEUE"][["callid", "queue", "time"]]
connect = df[df.event == "CONNECT"][["callid", "queue", "d1"]].assign(hold=lambda x: x.d1.astype("int64"))
ab = df[df.event == "ABANDON"][["callid", "queue"]]
out = {}
g_enter = enter.groupby("queue").size()
g_conn = connect.groupby("queue").agg(answered=("hold", "size"), wait=("hold", "sum"),
                                      within=("hold", lambda s: int((s <= 20).sum())))
g_ab = ab.groupby("queue").size()
# per interval of the ENTERQUEUE (30 min, Beijing time), as lib12333 does
joined = connect.merge(enter[["callid", "time"]], on="callid", how="left")
joined["interval"] = (joined["time"] + 28800) // 1800
per_interval = joined.groupby(["queue", "interval"]).size()
for q in g_enter.index:
    off = int(g_enter[q]); ans = int(g_conn.loc[q, "answered"]); abn = int(g_ab.get(q, 0))
    out[q] = {"offered": off, "answered": ans, "abandoned": abn, "answer_rate": ans / off,
              "abandon_rate": abn / off, "service_level": int(g_conn.loc[q, "within"]) / off,
              "asa_s": float(g_conn.loc[q, "wait"]) / ans}
dt = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "rss_kib": rss, "lines": len(df), "by_queue": out,
                  "intervals": int(len(per_interval)), "pandas": pd.__version__}))
"""


def child(code, path):
    p = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        raise SystemExit(p.stderr)
    return json.loads(p.stdout)


def compare(ours, theirs):
    bad = []
    for q, f in theirs["by_queue"].items():
        o = ours["by_queue"][q]
        for k in ("offered", "answered", "abandoned"):
            if o[k] != f[k]:
                bad.append((q, k, o[k], f[k]))
        for k in ("answer_rate", "abandon_rate", "service_level", "asa_s"):
            if abs(o[k] - f[k]) > 1e-9:
                bad.append((q, k, o[k], f[k]))
    return bad


def main():
    ap = argparse.ArgumentParser(description="queue_log throughput and memory beside pandas")
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--pandas-lines", type=int, default=2_000_000)
    ap.add_argument("--keep", help="keep the generated files in this directory")
    args = ap.parse_args()
    tmp = args.keep or tempfile.mkdtemp(prefix="bench-cdr-")
    os.makedirs(tmp, exist_ok=True)
    big = os.path.join(tmp, "queue_log.big")
    small = os.path.join(tmp, "queue_log.small")
    print("python %s, %s, %d cores" % (platform.python_version(), platform.machine(), os.cpu_count()))
    try:
        t0 = time.perf_counter()
        n_big = generate(big, args.lines)
        n_small = generate(small, args.pandas_lines, seed=2)
        print("generated %d + %d lines in %.0f s (%.0f MB + %.0f MB)" % (
            n_big, n_small, time.perf_counter() - t0, os.path.getsize(big) / 1e6, os.path.getsize(small) / 1e6))
        ours_big = child(OURS, big)
        print("lib12333 cdr stats, %d lines: %.1f s, %.0f lines/s, peak RSS %.0f MB, malformed %d, offered %d, "
              "SL %.4f" % (ours_big["lines"], ours_big["seconds"], ours_big["lines"] / ours_big["seconds"],
                           ours_big["rss_kib"] / 1024, ours_big["malformed"], ours_big["overall"]["offered"],
                           ours_big["overall"]["service_level"]))
        ours_small = child(OURS, small)
        theirs = child(PANDAS, small)
        print("on %d lines: lib12333 %.1f s (%.0f lines/s, %.0f MB) | pandas %s %.1f s (%.0f lines/s, %.0f MB)" % (
            theirs["lines"], ours_small["seconds"], ours_small["lines"] / ours_small["seconds"],
            ours_small["rss_kib"] / 1024, theirs["pandas"], theirs["seconds"], theirs["lines"] / theirs["seconds"],
            theirs["rss_kib"] / 1024))
        bad = compare(ours_small, theirs)
        print("same figures per queue (offered, answered, abandoned, rates, SL, ASA): %s" % ("yes" if not bad else bad))
    finally:
        if not args.keep:
            for p in (big, small):
                if os.path.exists(p):
                    os.remove(p)
            os.rmdir(tmp)


if __name__ == "__main__":
    main()
