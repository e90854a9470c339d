"""
queue_log at scale: ``lib12333 cdr stats`` (streaming and columnar engines) beside pandas, polars and DuckDB.

    python bench/cdr.py [--sizes 100000,1000000,3000000,10000000] [--rounds 1] [--keep DIR]
                        [--before DIR] [--tools python,duckdb,pandas,polars,duckdb-bare]

1. Generates a synthetic Asterisk queue_log per size (seeded), streamed to disk:
   Poisson arrivals over 4 queues, 85 % answered (CONNECT + COMPLETECALLER/COMPLETEAGENT/
   BLINDTRANSFER/ATTENDEDTRANSFER), the rest ABANDON / EXITWITHTIMEOUT / EXITWITHKEY /
   EXITEMPTY, RINGNOANSWER retries, and agent PAUSE/UNPAUSE noise, lines in time order.
   Asterisk call ids pass 17 characters once the sequence passes 100,000, as in real logs.
2. Each tool runs in its own child process, started by a small wrapper that reads the
   child's CPU time (user + system, all threads) and peak RSS from
   ``resource.getrusage(RUSAGE_CHILDREN)``; wall time is also kept.  The tools take turns
   within a round (the order rotates every round: paired, interleaved), so a burst of load
   from other users of the machine hits all of them alike.
3. ours: ``python -m lib12333 cdr stats FILE --format asterisk-queue-log --json --engine E``
   (E = python, the streaming engine; duckdb, the columnar engine) -- the full report: per
   queue, interval and category, every variant, the GB/T 33358 check, malformed lines.
   Peers compute only offered, answered, abandoned, SL (20 s) and ASA per queue plus the
   per-interval attribution of answered calls (a join of CONNECT to ENTERQUEUE):
   pandas and polars with ``read_csv`` + filters + group-by + join, DuckDB in SQL
   ("duckdb-bare": the same aggregation, no validation, no call reconstruction).
   Every tool's per-queue figures are checked equal to ours.
4. ``--before DIR``: also runs ``cdr stats`` from another checkout (the code before a change)
   with ``--engine`` left out, for before/after ratios.
"""

import argparse
import heapq
import json
import os
import platform
import random
import statistics
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


WRAP = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
if p.returncode:
    sys.exit(p.stderr[-2000:])
print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_kib": ru.ru_maxrss, "out": p.stdout}))
"""

PANDAS = r"""
import json, sys
import pandas as pd
names = ["time", "callid", "queue", "agent", "event", "d1", "d2", "d3", "d4", "d5"]
df = pd.read_csv(sys.argv[1], sep="|", header=None, names=names, dtype=str, engine="c", na_filter=False)
df["time"] = df["time"].astype("int64")
enter = df[df.event == "ENTERQUEUE"][["callid", "queue", "time"]]
connect = df[df.event == "CONNECT"][["callid", "queue", "d1"]].assign(hold=lambda x: x.d1.astype("int64"))
ab = df[df.event == "ABANDON"][["callid", "queue"]]
g_enter = enter.groupby("queue").size()
g_conn = connect.groupby("queue").agg(answered=("hold", "size"), wait=("hold", "sum"),
                                      within=("hold", lambda s: int((s <= 20).sum())))
g_ab = ab.groupby("queue").size()
joined = connect.merge(enter[["callid", "time"]], on="callid", how="left")
joined["interval"] = (joined["time"] + 28800) // 1800
per_interval = joined.groupby(["queue", "interval"]).size()
out = {}
for q in g_enter.index:
    off = int(g_enter[q]); ans = int(g_conn.loc[q, "answered"]); abn = int(g_ab.get(q, 0))
    out[q] = {"offered": off, "answered": ans, "abandoned": abn, "service_level": int(g_conn.loc[q, "within"]) / off,
              "asa_s": float(g_conn.loc[q, "wait"]) / ans}
print(json.dumps({"by_queue": out, "intervals": int(len(per_interval)), "version": pd.__version__}))
"""

POLARS = r"""
import json, sys
import polars as pl
names = ["time", "callid", "queue", "agent", "event", "d1", "d2", "d3", "d4", "d5"]
df = pl.read_csv(sys.argv[1], separator="|", has_header=False, schema={n: pl.String for n in names},
                 truncate_ragged_lines=True, quote_char=None, missing_columns="insert")
enter = df.filter(pl.col("event") == "ENTERQUEUE").select("callid", "queue", pl.col("time").cast(pl.Int64))
connect = df.filter(pl.col("event") == "CONNECT").select("callid", "queue", pl.col("d1").cast(pl.Int64).alias("hold"))
g_enter = dict(enter.group_by("queue").len().iter_rows())
g_ab = dict(df.filter(pl.col("event") == "ABANDON").group_by("queue").len().iter_rows())
g_conn = {r[0]: r[1:] for r in connect.group_by("queue").agg(pl.len(), pl.col("hold").sum().alias("wait"),
                                                              (pl.col("hold") <= 20).sum().alias("within")).iter_rows()}
joined = connect.join(enter.select("callid", "time"), on="callid", how="left")
per_interval = joined.group_by("queue", ((pl.col("time") + 28800) // 1800).alias("interval")).len()
out = {}
for q, off in g_enter.items():
    ans, wait, within = g_conn[q]
    out[q] = {"offered": off, "answered": ans, "abandoned": g_ab.get(q, 0), "service_level": within / off,
              "asa_s": wait / ans}
print(json.dumps({"by_queue": out, "intervals": per_interval.height, "version": pl.__version__}))
"""

DUCKDB = r"""
import json, sys
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # it would print to stdout
cols = "{" + ", ".join("'%s': 'VARCHAR'" % n for n in ("time", "callid", "queue", "agent", "event", "d1", "d2", "d3",
                                                       "d4", "d5")) + "}"
con.execute("CREATE TEMP VIEW t AS SELECT * FROM read_csv('" + sys.argv[1].replace("'", "''") + "', delim = '|', "
            "header = false, columns = " + cols + ", null_padding = true, auto_detect = false, quote = '', escape = '')")
rows = con.execute(
    "SELECT queue, count(*) FILTER (WHERE event = 'ENTERQUEUE'), count(*) FILTER (WHERE event = 'CONNECT'), "
    "count(*) FILTER (WHERE event = 'ABANDON'), "
    "count(*) FILTER (WHERE event = 'CONNECT' AND TRY_CAST(d1 AS BIGINT) <= 20), "
    "sum(TRY_CAST(d1 AS BIGINT)) FILTER (WHERE event = 'CONNECT') FROM t GROUP BY queue "
    "HAVING count(*) FILTER (WHERE event = 'ENTERQUEUE') > 0").fetchall()
intervals = con.execute(
    "SELECT count(*) FROM (SELECT c.queue, (TRY_CAST(e.time AS BIGINT) + 28800) // 1800 FROM "
    "(SELECT callid, queue FROM t WHERE event = 'CONNECT') c LEFT JOIN "
    "(SELECT callid, time FROM t WHERE event = 'ENTERQUEUE') e USING (callid) GROUP BY ALL)").fetchone()[0]
out = {q: {"offered": off, "answered": ans, "abandoned": abn, "service_level": within / off, "asa_s": int(wait) / ans}
       for q, off, ans, abn, within, wait in rows}
print(json.dumps({"by_queue": out, "intervals": intervals, "version": duckdb.__version__}))
"""


def command(tool, path, before=None):
    """(argv, extra environment) of one tool on one file."""
    if tool in ("python", "duckdb", "before"):
        argv = [sys.executable, "-m", "lib12333", "cdr", "stats", path, "--format", "asterisk-queue-log", "--json"]
        if tool != "before":
            argv += ["--engine", tool, "--quiet"]
        env = {"PYTHONPATH": before if tool == "before" else ROOT}
        return argv, env
    code = {"pandas": PANDAS, "polars": POLARS, "duckdb-bare": DUCKDB}[tool]
    return [sys.executable, "-c", code, path], {}


def run(tool, path, before=None):
    argv, env = command(tool, path, before)
    # python -m puts the working directory first on sys.path: run "before" inside its own checkout
    p = subprocess.run([sys.executable, "-c", WRAP] + argv, capture_output=True, text=True,
                       cwd=before if tool == "before" else ROOT, env=dict(os.environ, **env))
    if p.returncode:
        raise SystemExit("%s failed: %s" % (tool, p.stderr))
    result = json.loads(p.stdout)
    out = json.loads(result.pop("out"))
    if tool in ("python", "duckdb", "before"):
        out = {"by_queue": {q: {k: f[k] for k in ("offered", "answered", "abandoned", "service_level", "asa_s")}
                            for q, f in out["by_queue"].items()}, "lines": out["import"]["lines"]}
    result.update(out)
    return result


def compare(ours, theirs):
    bad = []
    for q, f in theirs["by_queue"].items():
        o = ours["by_queue"][q]
        for k in ("offered", "answered", "abandoned"):
            if o[k] != f[k]:
                bad.append((q, k, o[k], f[k]))
        for k in ("service_level", "asa_s"):
            if abs(o[k] - f[k]) > 1e-9:
                bad.append((q, k, o[k], f[k]))
    return bad


def main():
    ap = argparse.ArgumentParser(description="queue_log at scale: lib12333 beside pandas, polars and DuckDB")
    ap.add_argument("--sizes", default="100000,1000000,3000000,10000000", help="lines per generated file")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds per size")
    ap.add_argument("--tools", default="python,duckdb,pandas,polars,duckdb-bare")
    ap.add_argument("--before", metavar="DIR", help="a lib12333 checkout to compare with (tool 'before')")
    ap.add_argument("--keep", metavar="DIR", help="keep (and reuse) the generated files in this directory")
    args = ap.parse_args()
    tools = args.tools.split(",") + (["before"] if args.before else [])
    tmp = args.keep or tempfile.mkdtemp(prefix="bench-cdr-")
    os.makedirs(tmp, exist_ok=True)
    print("python %s, %s, %d cores, load average %s" % (platform.python_version(), platform.machine(),
                                                          os.cpu_count(), " ".join("%.1f" % x for x in os.getloadavg())))
    made = []
    try:
        for size in [int(x) for x in args.sizes.split(",")]:
            path = os.path.join(tmp, "q%d.log" % size)
            if not os.path.exists(path):
                t0 = time.perf_counter()
                generate(path, size)
                made.append(path)
                print("generated %s (%.0f MB) in %.0f s" % (path, os.path.getsize(path) / 1e6, time.perf_counter() - t0))
            results = {t: [] for t in tools}
            for r in range(args.rounds):
                order = tools[r % len(tools):] + tools[:r % len(tools)]
                for tool in order:
                    results[tool].append(run(tool, path, args.before))
            ref = results[tools[0]][0]
            for tool in tools:
                rs = results[tool]
                cpu = statistics.median(x["cpu"] for x in rs)
                wall = statistics.median(x["wall"] for x in rs)
                rss = max(x["rss_kib"] for x in rs) / 1024
                bad = compare(ref, rs[0])
                spread = (max(x["cpu"] for x in rs) - min(x["cpu"] for x in rs)) / cpu if len(rs) > 1 else 0.0
                print("%10d lines  %-12s cpu %7.2f s  wall %7.2f s  %6.2f us/line  peak RSS %6.0f MB  spread %3.0f%%  "
                      "same figures: %s" % (size, tool, cpu, wall, cpu / size * 1e6, rss, spread * 100,
                                            "yes" if not bad else bad[:3]))
            for a, b in (("duckdb", "duckdb-bare"), ("python", "before"), ("python", "duckdb")):
                if a in results and b in results:
                    ratios = [x["cpu"] / y["cpu"] for x, y in zip(results[a], results[b])]
                    print("%10d lines  cpu %s / %s: median %.2f (min %.2f, max %.2f)" % (
                        size, a, b, statistics.median(ratios), min(ratios), max(ratios)))
            sys.stdout.flush()
    finally:
        if not args.keep:
            for p in made:
                os.remove(p)
            os.rmdir(tmp)


if __name__ == "__main__":
    main()
