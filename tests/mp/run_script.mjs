// Run one MicroPython script in the official WebAssembly port (the runtime of tests/mp).
// Usage: node tests/mp/run_script.mjs STAGED_ROOT SCRIPT.py [HEAPSIZE]
// STAGED_ROOT (as tests/mp/run.py stages it) is copied to /app; the script's output is printed.
// Parts of the script separated by a line "#---" run as separate runPython calls: the wasm
// port's GC only frees what nothing on the native stack still points to, so heap figures
// are read between calls.
import fs from "node:fs";
import { bootVM } from "./vm.mjs";

const mp = await bootVM({
  root: process.argv[2],
  heapsize: process.argv[4] ? parseInt(process.argv[4], 10) : 8 * 1024 * 1024,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});
for (const part of fs.readFileSync(process.argv[3], "utf8").split("\n#---\n")) mp.runPython(part);
