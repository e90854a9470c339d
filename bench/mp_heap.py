"""
The harness of the MicroPython heap benches (card_heap, categories_heap, library_heap, firmware_heap).

Each step runs in a fresh VM of the npm MicroPython wasm port (tests/mp/run_jobs.mjs), as
three runPython calls: setup; gc.collect() and mem_alloc before; the step; then
gc.collect() and mem_alloc after.  Separate calls because on the wasm port gc.collect()
frees nothing the running script could still reach through the (conservatively scanned)
stack: garbage is only reclaimed once the call that made it has returned.

* retained: what stays allocated after the step;
* peak: the highest mem_alloc sampled inside the step (``_p(gc.mem_alloc())`` after each
  operation, and at its end) minus before: a lower bound of the transient need.
"""

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
import run as mp_run  # noqa: E402

SETUP = "import gc\n_peak = [0]\ndef _p(v):\n    if v > _peak[0]:\n        _peak[0] = v\n{setup}"
BEFORE = "gc.collect()\n_b = gc.mem_alloc()\n_peak[0] = _b\n"
STEP = "{step}\n_p(gc.mem_alloc())\n"
AFTER = "gc.collect()\nprint('HEAPSTEP', gc.mem_alloc() - _b, _peak[0] - _b)\n"


def staged_core(tmp, use_mpy):
    """The core staged as tests/mp/run.py does, in ``tmp``/app, compiled with mpy-cross if asked; its path."""
    staging = os.path.join(tmp, "app")
    mp_run.stage(staging)
    if use_mpy:
        mp_run.compile_to_mpy(staging)
    return staging


def run_jobs(staging, jobs):
    """Each job in a fresh MicroPython VM (tests/mp/run_jobs.mjs); one output line per job."""
    with tempfile.TemporaryDirectory(prefix="lib12333-heap-") as tmp:
        plan = os.path.join(tmp, "plan.json")
        with open(plan, "w") as f:
            json.dump({"root": staging, "jobs": jobs, "keep": ["HEAPSTEP", "OK"]}, f)
        runner = os.path.join(ROOT, "tests", "mp", "run_jobs.mjs")
        out = subprocess.run(["node", runner, plan], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()


def heap_rows(staging, steps, heap):
    """``(retained, peak)`` for each ``(name, setup, step)`` in a VM of ``heap`` bytes; ``(output, "")`` if it failed."""
    jobs = [{"heap": heap, "chunks": [SETUP.format(setup=setup), BEFORE, STEP.format(step=step), AFTER]}
            for _, setup, step in steps]
    rows = []
    for line in run_jobs(staging, jobs):
        parts = line.split()
        rows.append((int(parts[1]), int(parts[2])) if parts[0] == "HEAPSTEP" else (line, ""))
    return rows


def print_table(steps, py, mpy, width=40):
    """The step table bench/regenerate.py reads: step, then .py and .mpy retained and peak."""
    row = "%-" + str(width) + "s %12s %10s %13s %10s"
    print(row % ("step", ".py retained", ".py peak", ".mpy retained", ".mpy peak"))
    for (name, _, _), a, b in zip(steps, py, mpy):
        print(row % (name, a[0], a[1], b[0], b[1]))
