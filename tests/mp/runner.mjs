// Runs lib12333's core tests on real MicroPython: the official WebAssembly port
// (@micropython/micropython-webassembly-pyscript, pinned in package-lock.json) on Node.
//
// Usage: node tests/mp/runner.mjs PLAN.json
//
// PLAN.json (written by tests/mp/run.py):
//   { "root": "/tmp/staging",            host folder copied to /app in the VM
//     "tests": ["tests.core.test_x"],     test modules to run with the frozen unittest
//     "heap_modules": ["lib12333.sms"],   modules whose import cost is measured, each in a fresh VM
//     "heapsize": 1048576,
//     "report": "/tmp/report.json" }     where the machine-readable results go
//
// Prints each test's outcome, the heap figures, and last a line "N passed, N failed".
// Exit code 0 only when every test module imported and every test passed.

import fs from "node:fs";
import { bootVM } from "./vm.mjs";

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function freshVM(out) {
  return bootVM({
    root: plan.root,
    heapsize: plan.heapsize || 1048576,
    stdout: (line) => out.push(line),
    stderr: (line) => out.push(line),
  });
}

const report = { tests: [], heap: [], passed: 0, failed: 0, errors: [] };

// 1. Heap cost of importing each module, each in its own VM so that shared
//    dependencies are counted in full for every module.
for (const name of plan.heap_modules || []) {
  const out = [];
  const mp = await freshVM(out);
  try {
    // Separate runPython calls: the wasm port scans the C stack conservatively, so
    // garbage made earlier in the same call survives gc.collect() and would be counted.
    mp.runPython("import gc\ngc.collect()\n_b = gc.mem_alloc()\n");
    mp.runPython("import " + name + "\n");
    mp.runPython("gc.collect()\n");
    mp.runPython("_a = gc.mem_alloc()\nprint('HEAP', _a - _b)\n");
    const line = out.find((l) => l.startsWith("HEAP "));
    const bytes = parseInt(line.slice(5), 10);
    report.heap.push({ module: name, bytes });
    console.log(`[heap] import ${name}: ${bytes} bytes`);
  } catch (e) {
    report.heap.push({ module: name, bytes: null, error: String(e.message || e) });
    report.errors.push(`import ${name}: ${e.message || e}`);
    console.log(`[heap] import ${name}: FAILED\n${e.message || e}`);
  }
}

// 2. The tests, all in one VM, like a device running its self-test.
if ((plan.tests || []).length) {
  const out = [];
  const mp = await freshVM(out);
  const flush = () => { while (out.length) console.log(out.shift()); };
  for (const name of plan.tests) {
    const code = `
import gc, unittest
gc.collect()
_before = gc.mem_alloc()
import ${name} as _mod
gc.collect()
_imported = gc.mem_alloc()
_suite = unittest.TestSuite("${name}")
_suite._load_module(_mod)
_result = unittest.TestRunner().run(_suite)
gc.collect()
print("RESULT", "${name}", _result.testsRun, _result.failuresNum + _result.errorsNum, _result.skippedNum, _imported - _before, gc.mem_alloc())
del _mod, _suite, _result
`;
    try {
      mp.runPython(code);
      const line = out.find((l) => l.startsWith("RESULT "));
      flush();
      const [, mod, run, bad, skipped, importBytes, live] = line.split(" ");
      const entry = {
        module: mod, run: +run, failed: +bad, skipped: +skipped,
        import_bytes: +importBytes, live_after: +live,
      };
      report.tests.push(entry);
      report.passed += entry.run - entry.failed - entry.skipped;
      report.failed += entry.failed;
    } catch (e) {
      flush();
      console.log(`ERROR importing or running ${name}:\n${e.message || e}`);
      report.errors.push(`${name}: ${e.message || e}`);
      report.failed += 1;
    }
  }
}

const skipped = report.tests.reduce((n, t) => n + t.skipped, 0);
if (plan.report) fs.writeFileSync(plan.report, JSON.stringify(report, null, 2));
console.log(`${report.passed} passed, ${report.failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
process.exit(report.failed === 0 && report.errors.length === 0 ? 0 : 1);
