"""
Routing benchmark: decisions per second for a 500-rule set, on CPython and on MicroPython.

    python bench/routing.py            # CPython figures
    python bench/routing.py --mp       # plus the MicroPython WebAssembly port (Node), .py and .mpy

What is measured (one process, same rule set and the same 20,000 requests):

* compile: JSON text -> checked, indexed RuleSet (all load-time checks included);
* evaluate: ``RuleSet.evaluate`` on pre-built ``Request`` objects (the indexed path);
* request+evaluate: building the ``Request`` (time parsing) and evaluating it;
* explain: the rule-by-rule path with reasons;
* linear scan: a plain first-match loop over the compiled rules, the approach without an index;
* number normalisation: ``lib12333.routing.numbers.normalise`` next to ``phonenumbers.parse``
  (+ ``is_valid_number``), the library people would otherwise use.

The 500 rules: per-city card-service and pension rules for 240 cities, plus the
out-of-hours, transfer, civil-service and overflow rules of the presets and a default.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.paired import format_ratio, median, paired, ratio  # noqa: E402
from lib12333.host.regions import default_table as default_region_table  # noqa: E402
from lib12333.routing import engine, loader, numbers  # noqa: E402

N_REQUESTS = 20000


def make_rules(table):
    cities = [r.code for r in table.regions() if r.kind == "C"][:240]
    rules = []
    with open(os.path.join(ROOT, "lib12333", "data", "route-province.json")) as f:
        preset = json.load(f)
    for rule in preset["rules"][:-1]:
        rules.append(rule)
    for code in cities:
        rules.append({"name": "card-" + code, "priority": 50, "when": {"reached": code, "category": ["2505"]},
                      "then": {"action": "queue", "centre": "city", "queue": "card-" + code}})
        rules.append({"name": "pension-" + code, "priority": 40,
                      "when": {"reached": code, "category": ["14"], "channel": ["voice", "kiosk"]},
                      "then": {"action": "queue", "centre": "city", "queue": "pension-" + code}})
    extra = 499 - len(rules)
    for i in range(extra):
        code = cities[i % len(cities)]
        rules.append({"name": "sms-%d" % i, "priority": 30, "when": {"reached": code, "channel": ["sms"], "category": ["1%d" % (i % 8)]},
                      "then": {"action": "callback", "centre": "city", "queue": "sms-%d" % i}})
    rules.append({"name": "default", "priority": 0, "then": {"action": "queue", "centre": "province", "queue": "seats-{city}"}})
    return {"schema": "lib12333-routing/1", "name": "bench-500", "rules": rules}


def make_requests(table, n, seed=12333):
    rnd = random.Random(seed)
    cities = [r.code for r in table.regions() if r.kind in "CM"]
    counties = list(table.counties())
    cats = ["2505", "1401", "1402", "24", "2403", "1001", "1601", "100101", None]
    out = []
    for _ in range(n):
        reached = rnd.choice(cities)
        out.append({
            "number": rnd.choice(["12333", "12333", "12333", "12370"]),
            "channel": rnd.choice(["voice", "voice", "sms", "kiosk", "web"]),
            "reached": reached,
            "caller_region": reached,
            "card_region": rnd.choice([None, reached, rnd.choice(counties)]),
            "category": rnd.choice(cats),
            "time": "2026-11-%02dT%02d:%02d" % (rnd.randint(1, 30), rnd.randint(0, 23), rnd.choice([0, 15, 30, 45])),
            "waiting": rnd.randint(0, 15),
            "agents": rnd.randint(0, 3),
        })
    return out


def linear(rs, request):
    """First match by scanning every rule (no index): the baseline."""
    keys = engine._input_keys(request, rs._day(request, None))
    for index in range(len(rs.rules)):
        conds = rs.rules[index].conds
        ok = True
        for d in range(len(engine._INDEXED)):
            cond = conds.get(engine._INDEXED[d])
            if cond is not None:
                hit = False
                for k in keys[d]:
                    if k in cond:
                        hit = True
                        break
                if not hit:
                    ok = False
                    break
        if ok and rs._residual_ok(index, request):
            return rs._decide(rs.rules[index], request)
    return None


def rate(fn, items, repeat=3):
    """Items per second of CPU time (process time: the machine is shared), warm, median of ``repeat``."""
    for x in items[:200]:
        fn(x)
    return 1 / median(paired([("fn", fn)], items, rounds=repeat)["fn"])


def cpython(table, doc, reqs):
    text = json.dumps(doc, indent=1)
    t0 = time.process_time()
    rs = loader.loads(text, "bench-500", table)
    compile_s = time.process_time() - t0
    built = [engine.Request(**r) for r in reqs]
    for req in built[:2000]:
        assert rs.evaluate(req).key() == linear(rs, req).key()
    rows = [
        ("compile 500 rules (s)", "%.3f" % compile_s),
        ("evaluate (decisions/s)", "%.0f" % rate(rs.evaluate, built)),
        ("request+evaluate (decisions/s)", "%.0f" % rate(lambda r: rs.evaluate(engine.Request(**r)), reqs)),
        ("explain (decisions/s)", "%.0f" % rate(rs.explain, built[:5000], 1)),
        ("linear scan, no index (decisions/s)", "%.0f" % rate(lambda r: linear(rs, r), built[:5000], 1)),
    ]
    written = []
    rnd = random.Random(7)
    areas = [a for a, _ in table.areas()]
    for _ in range(N_REQUESTS):
        kind = rnd.randrange(3)
        if kind == 0:
            written.append("+86 1%d%09d" % (rnd.randint(3, 9), rnd.randrange(10**9)))
        elif kind == 1:
            written.append(rnd.choice(areas) + "-12333")
        else:
            written.append(rnd.choice(areas) + "-6%07d" % rnd.randrange(10**7))
    try:
        import phonenumbers

        def pn(text):
            n = phonenumbers.parse(text, "CN")
            phonenumbers.is_valid_number(n)

        # the one comparison with a peer: both warm, paired interleaved rounds (bench/paired.py)
        times = paired([("ours", numbers.normalise), ("phonenumbers", pn)], written, rounds=5)
        rows.append(("normalise: lib12333 (numbers/s)", "%.0f" % (1 / median(times["ours"]))))
        rows.append(("normalise: phonenumbers %s parse+is_valid (numbers/s)" % phonenumbers.__version__,
                     "%.0f (lib12333 %s faster)" % (1 / median(times["phonenumbers"]),
                                                     format_ratio(ratio(times, "phonenumbers", "ours")))))
    except ImportError:
        rows.append(("normalise: lib12333 (numbers/s)", "%.0f" % rate(numbers.normalise, written)))
        rows.append(("normalise: phonenumbers", "not installed"))
    return rows


MP_SCRIPT = r"""
import json, time, gc
from lib12333.routing import loader, engine
from lib12333.routing.regions import RegionTable
table = RegionTable(open('/app/regions.txt', 'rb'))  # reads rows from the file on demand
loader.category_check()
gc.collect()
h0 = gc.mem_alloc()
#---
f = open('/app/bench_rules.json', 'rb'); text = f.read(); f.close()
t0 = time.ticks_ms()
rs = loader.loads(text, 'bench-500', table)
t1 = time.ticks_ms()
del text
print('RESULT compile_s', time.ticks_diff(t1, t0) / 1000)
#---
gc.collect()
print('RESULT heap_500_rules_bytes', gc.mem_alloc() - h0)
f = open('/app/bench_requests.json'); reqs = json.load(f); f.close()
def make(r):
    return engine.Request(r['number'], r['channel'], r['reached'], r['caller_region'], r['card_region'],
                          r['category'], r['time'], r['waiting'], r['agents'])
built = [make(r) for r in reqs]
t0 = time.ticks_ms()
for q in built:
    rs.evaluate(q)
t1 = time.ticks_ms()
print('RESULT evaluate_per_s', len(built) * 1000 // max(1, time.ticks_diff(t1, t0)))
t0 = time.ticks_ms()
for r in reqs:
    rs.evaluate(make(r))
t1 = time.ticks_ms()
print('RESULT request_evaluate_per_s', len(reqs) * 1000 // max(1, time.ticks_diff(t1, t0)))
del rs, built, reqs
#---
gc.collect()
h0 = gc.mem_alloc()
#---
f = open('/app/lib12333/data/route-province.json', 'rb'); p = loader.loads(f.read(), 'p', table); f.close()
#---
gc.collect()
print('RESULT heap_province_preset_bytes', gc.mem_alloc() - h0)
"""


def micropython(doc, reqs, use_mpy):
    sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
    import run as mp_run

    with tempfile.TemporaryDirectory(prefix="lib12333-bench-") as tmp:
        app = os.path.join(tmp, "app")
        mp_run.stage(app)
        if use_mpy:
            mp_run.compile_to_mpy(app)
        with open(os.path.join(ROOT, "lib12333", "data", "regions.txt"), "rb") as f:
            data = f.read()
        with open(os.path.join(app, "regions.txt"), "wb") as f:
            f.write(data)
        with open(os.path.join(app, "bench_rules.json"), "w") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
        with open(os.path.join(app, "bench_requests.json"), "w") as f:
            json.dump(reqs, f)
        script = os.path.join(tmp, "bench.py")
        with open(script, "w") as f:
            f.write(MP_SCRIPT)
        out = subprocess.run(["node", os.path.join(ROOT, "tests", "mp", "run_script.mjs"), app, script], cwd=ROOT,
                             capture_output=True, text=True, timeout=1200)
        if out.returncode != 0:
            raise SystemExit(out.stdout + out.stderr)
        result = {}
        for line in out.stdout.splitlines():
            if line.startswith("RESULT "):
                _, k, v = line.split()
                result[k] = v
        return result


MP_ROWS = (("compile 500 rules (s)", "compile_s"), ("evaluate (decisions/s)", "evaluate_per_s"),
           ("request+evaluate (decisions/s)", "request_evaluate_per_s"),
           ("heap held by the compiled 500-rule set (bytes)", "heap_500_rules_bytes"),
           ("heap held by the `province` preset (bytes)", "heap_province_preset_bytes"))


def markdown(table, doc, reqs, args):
    cp = cpython(table, doc, reqs)
    mp = [micropython(doc, reqs[: args.mp_requests], m) for m in (False, True)] if args.mp else []
    print("| measurement | CPython %s (CPU time, median of 3) | MicroPython wasm `.py` | `.mpy` |" % sys.version.split()[0])
    print("|---|---:|---:|---:|")
    mp_keys = dict(MP_ROWS)
    for name, value in cp:
        key = mp_keys.get(name)
        cells = [res.get(key, "") for res in mp] if key else ["", ""][: len(mp)]
        print("| %s | %s | %s |" % (name, value, " | ".join(cells) if mp else " | "))
    for name, key in MP_ROWS[3:]:
        print("| %s | | %s |" % (name, " | ".join(res.get(key, "") for res in mp) if mp else " | "))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mp", action="store_true", help="also run on the MicroPython WebAssembly port (.py and .mpy)")
    parser.add_argument("--mp-requests", type=int, default=5000, help="requests for the MicroPython run (default 5000)")
    parser.add_argument("--markdown", action="store_true", help="print the table of docs/benchmarks.md")
    args = parser.parse_args(argv)
    table = default_region_table()
    doc = make_rules(table)
    assert len(doc["rules"]) == 500
    reqs = make_requests(table, N_REQUESTS)
    if args.markdown:
        return markdown(table, doc, reqs, args)
    print("CPython %s, %d rules, %d requests" % (sys.version.split()[0], len(doc["rules"]), len(reqs)))
    for name, value in cpython(table, doc, reqs):
        print("  %-58s %s" % (name, value))
    if args.mp:
        for use_mpy in (False, True):
            res = micropython(doc, reqs[: args.mp_requests], use_mpy)
            print("MicroPython wasm (%s), %d requests" % (".mpy" if use_mpy else ".py", args.mp_requests))
            for k in sorted(res):
                print("  %-58s %s" % (k, res[k]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
