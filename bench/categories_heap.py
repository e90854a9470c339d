"""
Heap used by lib12333.categories / category_ext / identifiers / masking on real MicroPython.

    python bench/categories_heap.py          # source (.py) and mpy-cross (.mpy)

Stages the core like tests/mp/run.py does and runs, in a fresh MicroPython VM
(the wasm port from npm, 1 MiB heap) per line: gc.collect(); mem_alloc before;
the step; gc.collect(); mem_alloc after, each in its own runPython call so
that the step's garbage is really collected.  "retained" is what stays
allocated after the step; "peak" is the highest mem_alloc seen inside the step
(sampled after each operation; a lower bound of the transient need).
"""

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
import run as mp_run  # noqa: E402

STEPS = [
    ("(baseline: empty step)", "import lib12333.errors", ""),
    ("import lib12333.errors", "", "import lib12333.errors"),
    ("import lib12333.categories", "import lib12333.errors", "import lib12333.categories"),
    ("import lib12333.category_ext", "import lib12333.categories", "import lib12333.category_ext"),
    ("import lib12333.identifiers", "import lib12333.errors", "import lib12333.identifiers"),
    ("import lib12333.masking", "", "import lib12333.masking"),
    (
        "lookup of all 173 codes",
        "from lib12333 import categories as C\ncodes=[c for c, _ in C.items()]",
        "for c in codes:\n    C.lookup(c)\n    _p(gc.mem_alloc())",
    ),
    (
        "search('养老') (results kept)",
        "from lib12333 import categories as C",
        "r = C.search('养老')\n_p(gc.mem_alloc())",
    ),
    (
        "children('14') (result kept)",
        "from lib12333 import categories as C",
        "r = C.children('14')\n_p(gc.mem_alloc())",
    ),
    (
        "identify() of a citizen ID",
        "from lib12333 import identifiers as I",
        "r = I.identify('11010519491231002X')\n_p(gc.mem_alloc())",
    ),
]

# Three separate runPython calls: on the wasm port gc.collect() frees nothing
# that the running script could still reach through the (conservatively scanned)
# stack, so garbage is only reclaimed once the call that made it has returned.
SETUP = """
import gc
_peak = [0]
def _p(v):
    if v > _peak[0]:
        _peak[0] = v
{setup}
"""
BEFORE = """
gc.collect()
_b = gc.mem_alloc()
_peak[0] = _b
"""
STEP = """
{step}
_p(gc.mem_alloc())
"""
AFTER = """
gc.collect()
print('HEAPSTEP', gc.mem_alloc() - _b, _peak[0] - _b)
"""

def measure(use_mpy):
    with tempfile.TemporaryDirectory(prefix="lib12333-heap-") as tmp:
        staging = os.path.join(tmp, "app")
        mp_run.stage(staging)
        if use_mpy:
            mp_run.compile_to_mpy(staging)
        scripts = [
            [SETUP.format(setup=setup), BEFORE, STEP.format(step=step or "pass"), AFTER]
            for _, setup, step in STEPS
        ]
        plan = os.path.join(tmp, "plan.json")
        with open(plan, "w") as f:
            json.dump({"root": staging, "jobs": [{"heap": 1048576, "chunks": c} for c in scripts]}, f)
        runner = os.path.join(ROOT, "tests", "mp", "run_jobs.mjs")
        out = subprocess.run(["node", runner, plan], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.strip().splitlines():
        parts = line.split()
        rows.append((int(parts[1]), int(parts[2])) if parts[0] == "HEAPSTEP" else (None, None))
    return rows


def main():
    py = measure(False)
    mpy = measure(True)
    print("%-32s %12s %12s %12s %12s" % ("step", ".py retained", ".py peak", ".mpy retained", ".mpy peak"))
    for (name, _, _), a, b in zip(STEPS, py, mpy):
        print("%-32s %12s %12s %12s %12s" % (name, a[0], a[1], b[0], b[1]))


if __name__ == "__main__":
    main()
