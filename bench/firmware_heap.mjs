// Heap of the kiosk firmware (firmware/app.py KioskApp on tests/core/kiosk_sim.py) on real MicroPython:
// the official WebAssembly port (@micropython/micropython-webassembly-pyscript), run by Node.
//
// Usage: node bench/firmware_heap.mjs PLAN.json       (written by bench/firmware_heap.py)
//
// PLAN.json: { "root": staged folder (copied to /app), "heapsize": bytes, "experiment": name, ... }
// Prints one line "RESULT <json>".
//
// Every phase runs in its own runPython call: on this port gc.collect() does not free
// what the same runPython call created (the C stack is scanned conservatively, so stale
// pointers from the running call keep objects alive).  So a figure is always taken as
// call 1: do the work; call 2: gc.collect(); call 3: read gc.mem_alloc().

import fs from "node:fs";
import { bootVM } from "../tests/mp/vm.mjs";

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

const out = [];
const mp = await bootVM({
  root: plan.root,
  heapsize: plan.heapsize,
  stdout: (line) => out.push(line),
  stderr: (line) => out.push(line),
});
const py = (code) => mp.runPython(code);

function value(expr) {
  out.length = 0;
  py("print('V', json.dumps(" + expr + "))");
  const line = out.find((l) => l.startsWith("V "));
  return JSON.parse(line.slice(2));
}

function qstrBytes() {
  out.length = 0;
  py("micropython.qstr_info()");
  const line = out.find((l) => l.includes("n_total_bytes="));
  return line ? parseInt(line.split("n_total_bytes=")[1], 10) : null;
}

function live() {
  py("gc.collect()");
  return value("gc.mem_alloc()");
}

py("import sys, gc, json, micropython\nsys.path.insert(0, '/app')\n");
py(`
_peak = [0]
def _probe():
    a = gc.mem_alloc()
    if a > _peak[0]:
        _peak[0] = a
def _mods(prefixes):
    return sorted(m for m in sys.modules if m.split('.')[0] in prefixes)
`);
const result = { experiment: plan.experiment, heapsize: plan.heapsize };
result.vm_start = live();

// Drive a generator of tests/core/kiosk_sim.py one step per runPython call; returns
// the highest live heap (after collect) and the highest mem_alloc seen by the probe
// (after every app.step and every kiosk event, no collect inside the step).
function drive(genExpr, label) {
  py("_g = " + genExpr);
  let steps = 0, livePeak = 0, allocPeak = 0;
  const trace = [];
  for (;;) {
    py("gc.collect()");
    py("_peak[0] = gc.mem_alloc()\ntry:\n    next(_g)\n    _done = False\nexcept StopIteration:\n    _done = True\n_probe()");
    const done = value("_done");
    allocPeak = Math.max(allocPeak, value("_peak[0]"));
    const now = live();
    livePeak = Math.max(livePeak, now);
    trace.push([value("sim.app.kiosk.state"), now]);
    if (done) break;
    steps++;
  }
  py("_g = None");
  return { steps, live_peak: livePeak, alloc_peak: allocPeak, live_end: live(), trace };
}

try {
  if (plan.experiment === "imports") {
    // Code only: import the given modules, construct nothing (after plan.preload, not counted).
    for (const name of plan.preload || []) py("import " + name);
    const base = live();
    const qbase = qstrBytes();
    const rows = [];
    let prev = base;
    for (const name of plan.modules) {
      py("import " + name);
      const now = live();
      rows.push([name, now - prev]);
      prev = now;
    }
    result.rows = rows;
    result.total = prev - base;
    result.qstr = qstrBytes() - qbase;
  } else if (plan.experiment === "script") {
    // plan.preload imported, then plan.code run; it prints one line "V <json>".
    for (const name of plan.preload || []) py("import " + name);
    out.length = 0;
    py(plan.code);
    const line = out.find((l) => l.startsWith("V "));
    result.value = line ? JSON.parse(line.slice(2)) : out.join(" | ");
  } else if (plan.experiment === "run") {
    // A natural run: modules load as the firmware asks for them (lazy imports included).
    // With plan.preload, the listed modules are imported before the baseline: the figures
    // are then the data only (what a frozen firmware keeps in RAM, minus module dicts).
    for (const name of plan.preload || []) py("import " + name);
    const base = live();
    const qbase = qstrBytes();
    result.base = base - result.vm_start;
    // core modules the simulation's modem emulator shares with the firmware: the firmware's RAM,
    // counted in every figure, not in the simulation's (as bench/firmware_frozen.py's FLOW)
    py("import lib12333.errors, lib12333.modem.at");
    const shared = live() - base;
    py("from tests.core import kiosk_sim as S");
    result.sim_module = live() - base - shared;
    py("sim = S.KioskSim(record=False, direct=" + (plan.direct ? "True" : "False") + ", probe=_probe)");
    result.sim_hardware = live() - base - shared;
    const boot = drive("S.boot(sim)", "boot");
    result.boot_steps = boot.steps;
    result.after_boot = live() - base;
    result.qstr_after_boot = qstrBytes() - qbase;
    result.boot_live_peak = boot.live_peak - base;
    result.boot_alloc_peak = boot.alloc_peak - base;
    result.modules_after_boot = value("_mods(('lib12333', 'firmware', 'tests'))");
    const tx = drive("S.loss_report(sim)", "loss_report");
    result.tx_steps = tx.steps;
    result.tx_trace = tx.trace.map(([state, n]) => [state, n - base]);
    result.tx_live_peak = tx.live_peak - base;
    result.tx_alloc_peak = tx.alloc_peak - base;
    result.after_tx = live() - base;
    result.qstr_after_tx = qstrBytes() - qbase;
    result.state_after = value("sim.app.kiosk.state");
    result.pending_after = value("len(sim.app.outbox.pending())");
    result.centre_got = value("len(sim.hw.centre.received)");
    result.modules_after_tx = value("_mods(('lib12333', 'firmware', 'tests'))");
  }
} catch (e) {
  result.error = String(e.message || e).split("\n").slice(-3).join(" | ");
}
console.log("RESULT " + JSON.stringify(result));
