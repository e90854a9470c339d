"""
Heap of the kiosk firmware on real MicroPython (issue #7): boot and a complete loss report.

    python bench/firmware_heap.py            # firmware + core compiled with mpy-cross (.mpy)
    python bench/firmware_heap.py --py       # imported from source instead
    python bench/firmware_heap.py --json     # the raw figures

The real ``firmware/app.py`` ``KioskApp`` runs on the simulated hardware of
``tests/core/kiosk_sim.py`` (scripted card, the core's AT emulator as an A7670C on a fake UART, the
centre's sealed ACK in an SMS-DELIVER, journal in RAM) inside the MicroPython
WebAssembly port that tests/mp/run.py uses (bench/firmware_heap.mjs; one VM per
experiment).  Each figure is gc.collect() then gc.mem_alloc(), with the work, the
collect and the reading in three separate runPython calls (on this port a collect
frees nothing the same call created: the C stack is scanned conservatively).

Experiments:

- ``run``: a natural run, modules load when the firmware asks for them.  Live heap
  after boot (modem ready, welcome screen); during the loss report the live heap
  after every step (collect between steps) and the highest mem_alloc seen after
  every app.step and every kiosk event without a collect inside the step.
- ``run --preload``: the same after importing every module the run needs before the
  baseline: the data alone (the frozen-firmware equivalent, minus module objects).
- ``imports``: the code alone: each module the run loads, imported one after the
  other, nothing constructed.

A "does it run in N KB" trial is not possible on this port: it ignores the requested
``heapsize`` and grows its GC heap on demand (mem_alloc + mem_free is 128 MiB even
when 32 KiB is asked for), so the figures are gc.mem_alloc readings.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from mp_heap import staged_core  # noqa: E402 -- bench/ is on sys.path when run as a script

NODE = os.path.join(ROOT, "bench", "firmware_heap.mjs")
SCAFFOLD = ("tests", "lib12333.modem.emulator")  # the simulation and its modem (not on a kiosk)
# firmware/app.py drops these after each card read on MicroPython; a frozen firmware would
# keep them in flash, so the data-only run preloads them (and the app then keeps them).
CARD_MODULES = ("lib12333.card.apdu", "lib12333.card.tlv", "lib12333.card.ssse")  # the simulation's own modules (tests.core.kiosk_sim, card_fixture, support)
HEAP = 4 * 1024 * 1024


def _scaffold(module):
    return any(module == s or module.startswith(s + ".") for s in SCAFFOLD)


def experiment(tmp, staging, name, heapsize=HEAP, **extra):
    plan = dict(extra, root=staging, experiment=name, heapsize=heapsize)
    path = os.path.join(tmp, "plan.json")
    with open(path, "w") as f:
        json.dump(plan, f)
    proc = subprocess.run(["node", NODE, path], cwd=ROOT, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit("firmware_heap.mjs failed:\n" + proc.stdout[-2000:] + proc.stderr[-2000:])


def measure(use_mpy):
    with tempfile.TemporaryDirectory(prefix="lib12333-fwheap-") as tmp:
        staging = staged_core(tmp, use_mpy)
        out = {"mode": "mpy" if use_mpy else "py"}
        natural = experiment(tmp, staging, "run")
        out["run"] = natural
        out["run_direct"] = experiment(tmp, staging, "run", direct=True)
        mods = natural.get("modules_after_tx") or []
        product = [m for m in mods if not _scaffold(m)]
        scaffold = [m for m in mods if _scaffold(m)]
        boot_mods = [m for m in natural.get("modules_after_boot") or [] if not _scaffold(m)]
        out["code_boot"] = experiment(tmp, staging, "imports", modules=_ordered(boot_mods))
        out["code_all"] = experiment(tmp, staging, "imports", modules=_ordered(product))
        out["code_scaffold"] = experiment(tmp, staging, "imports", modules=_ordered(scaffold),
                                          preload=_ordered(product))
        card = [m for m in CARD_MODULES if m not in product]
        out["code_card"] = experiment(tmp, staging, "imports", modules=_ordered(card), preload=_ordered(product))
        out["run_preloaded"] = experiment(tmp, staging, "run", preload=_ordered(product + card + scaffold))
        out["calibration"] = experiment(tmp, staging, "script", code=CALIBRATE)
        out["frozen_boot"] = experiment(tmp, staging, "script", preload=_ordered(boot_mods), code=FROZEN_ESTIMATE)
        out["frozen_all"] = experiment(tmp, staging, "script", preload=_ordered(product + card),
                                       code=FROZEN_ESTIMATE)
        return out


# What a frozen build would still keep in RAM for the imported modules, estimated by
# counting objects in the VM (32-bit port, 16-byte GC blocks): the module object and its
# globals dict, a function object per function, a type object and locals dict per class,
# and the dicts / lists / sets built at import time (constant tuples, str, bytes and
# bytecode stay in flash when frozen).  Sizes: module 16, dict 16 + table (8 bytes an
# entry, the table grown through MicroPython's prime sizes), function 32, class 80,
# list 16 + 4 bytes an item; rounded up to 16-byte blocks.
FROZEN_ESTIMATE = """
import sys
_PRIMES = (0, 2, 4, 7, 11, 17, 23, 29, 37, 47, 59, 73, 97, 127, 167, 223, 293, 389, 521, 691, 919, 1223)
def _blk(n):
    return (n + 15) // 16 * 16
def _table(n):
    for p in _PRIMES:
        if p >= n:
            return _blk(p * 8)
    return _blk(n * 8)
_seen = {}
def _data(v):
    if id(v) in _seen:
        return 0
    t = type(v)
    if t is dict:
        _seen[id(v)] = 1
        return 16 + _table(len(v)) + sum(_data(k) + _data(v[k]) for k in v)
    if t is list or t is set:
        _seen[id(v)] = 1
        return 16 + _blk(4 * len(v)) + sum(_data(x) for x in v)
    if t is tuple:
        inner = sum(_data(x) for x in v)
        return inner + (_blk(8 + 4 * len(v)) if inner else 0)
    return 0
def _fn(v):
    return type(v).__name__ in ('function', 'generator', 'closure', 'bound_method')
rows = []
for name in sorted(sys.modules):
    if name.split('.')[0] not in ('lib12333', 'firmware'):
        continue
    g = sys.modules[name].__dict__
    n = 16 + 16 + _table(len(g))
    for k in g:
        v = g[k]
        if _fn(v):
            n += 32
        elif type(v) is type:
            if getattr(v, '__module__', name) != name and hasattr(v, '__module__'):
                continue
            d = v.__dict__
            n += 80 + 16 + _table(len(d))
            n += 32 * len([1 for a in d if _fn(d[a])])
        else:
            n += _data(v)
    rows.append((name, n))
print('V', json.dumps({'rows': rows, 'total': sum(r[1] for r in rows)}))
"""


# Checks the sizes above on the port: objects made N times, mem_alloc before and after.
CALIBRATE = """
import gc, json
def mkf():
    def inner(a, b):
        return a + b
    return inner
def mkfd():
    def inner(a, b=1, c=2):
        return a + b
    return inner
def mkc():
    class C:
        def m(self):
            return 1
        def n(self):
            return 2
    return C
def mkexc():
    class E(Exception):
        pass
    return E
N = 100
keep = [None] * N
res = {}
for name, fn in (("function", mkf), ("function+2 defaults", mkfd), ("class with 2 methods", mkc), ("exception class", mkexc)):
    for i in range(N):
        keep[i] = None
    gc.collect()
    a = gc.mem_alloc()
    for i in range(N):
        keep[i] = fn()
    res[name] = (gc.mem_alloc() - a) / N
for n in (5, 10, 20, 40):
    gc.collect()
    a = gc.mem_alloc()
    d = {}
    for i in range(n):
        d["k%d" % i] = None
    b = gc.mem_alloc()
    ks = ["k%d" % i for i in range(n)]
    gc.collect()
    a = gc.mem_alloc()
    d2 = {}
    for k in ks:
        d2[k] = None
    res["dict %d entries" % n] = gc.mem_alloc() - a
print('V', json.dumps(res))
"""


def _top_level_imports(name, known):
    """Modules of ``known`` that ``name`` imports at module level (lazy imports in functions excluded)."""
    import ast

    base = os.path.join(ROOT, *name.split("."))
    path = os.path.join(base, "__init__.py") if os.path.isdir(base) else base + ".py"
    deps = set()
    if "." in name:
        deps.add(name.rsplit(".", 1)[0])  # a package's __init__ runs first
    body = []
    if os.path.exists(path):  # a folder without __init__.py is a namespace package
        with open(path, encoding="utf-8") as f:
            body = ast.parse(f.read()).body
    for node in body:
        if isinstance(node, ast.Import):
            deps.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                full = node.module + "." + a.name
                deps.add(full if full in known else node.module)
    out = set()
    for d in deps:
        while d and d not in known:
            d = d.rsplit(".", 1)[0] if "." in d else ""
        if d and d != name:
            out.add(d)
    return out


def _ordered(mods):
    """Dependencies first (a topological order of the module-level imports), so that each
    row of the ``imports`` experiment is the cost of that module alone."""
    known = set(mods)
    deps = {m: _top_level_imports(m, known) for m in mods}
    order, done = [], set()

    def visit(m, stack):
        if m in done or m in stack:
            return
        for d in sorted(deps[m]):
            visit(d, stack + (m,))
        done.add(m)
        order.append(m)

    for m in sorted(mods):
        visit(m, ())
    return order


def kb(n):
    return "%.1f KB" % (n / 1024.0) if isinstance(n, (int, float)) else str(n)


def report(r):
    run, pre = r["run"], r["run_preloaded"]
    lines = ["mode: %s (MicroPython wasm port); figures relative to the VM after start-up (%s in use)"
             % (r["mode"], kb(run.get("vm_start")))]
    for label, res in (("natural run (+CMTI / AT+CMGR)", run), ("natural run (+CMT direct)", r["run_direct"]),
                       ("data only (all modules preloaded)", pre)):
        if "error" in res:
            lines.append("%s: ERROR %s" % (label, res["error"]))
            continue
        lines.append(label)
        lines.append("  sim module + hardware (scaffolding)      %s" % kb(res["sim_hardware"]))
        lines.append("  live after boot                          %s  (%d steps)" % (kb(res["after_boot"]),
                                                                                       res["boot_steps"]))
        lines.append("  loss report: live peak                   %s" % kb(res["tx_live_peak"]))
        lines.append("  loss report: allocated-since-collect peak %s  (%d steps)" % (kb(res["tx_alloc_peak"]),
                                                                                       res["tx_steps"]))
        lines.append("  live after the transaction               %s" % kb(res["after_tx"]))
        lines.append("  of which interned strings (qstr pool)    %s after boot, %s after the transaction"
                     % (kb(res["qstr_after_boot"]), kb(res["qstr_after_tx"])))
        lines.append("  outbox pending after ACK: %d; frames at the centre: %d" % (res["pending_after"],
                                                                                  res["centre_got"]))
    for key, label in (("code_boot", "code loaded by boot"), ("code_all", "code loaded by boot + loss report"),
                       ("code_card", "code of the card read (dropped after the read)"),
                       ("code_scaffold", "code of the simulation (tests.core.*, lib12333.modem.emulator)")):
        res = r[key]
        lines.append("%s: %s (qstr pool %s)" % (label, kb(res.get("total", res.get("error"))), kb(res.get("qstr"))))
        for name, n in sorted(res.get("rows", []), key=lambda x: -x[1]):
            lines.append("    %-32s %s" % (name, kb(n)))
    for key, label in (("frozen_boot", "boot"), ("frozen_all", "boot + loss report + card")):
        v = r[key].get("value")
        if isinstance(v, dict):
            lines.append("estimated RAM of the %s modules if frozen (module/class dicts, functions, "
                         "import-time containers): %s" % (label, kb(v["total"])))
            for name, n in sorted(v["rows"], key=lambda x: -x[1])[:8]:
                lines.append("    %-32s %s" % (name, kb(n)))
        else:
            lines.append("frozen estimate (%s) failed: %s" % (label, r[key].get("error") or v))
    cal = r.get("calibration", {}).get("value")
    if isinstance(cal, dict):
        lines.append("object sizes measured on the port (bytes): " + ", ".join(
            "%s %s" % (k, int(cal[k])) for k in sorted(cal)))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description="Kiosk firmware heap on MicroPython (boot + loss report).")
    p.add_argument("--py", action="store_true", help="import from source instead of mpy-cross .mpy")
    p.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    a = p.parse_args(argv)
    r = measure(not a.py)
    print(json.dumps(r, indent=1, ensure_ascii=False) if a.json else report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
