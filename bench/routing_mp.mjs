// Run one MicroPython script in the official WebAssembly port (the runtime of tests/mp) for bench/routing.py.
// Usage: node bench/routing_mp.mjs STAGED_ROOT SCRIPT.py   (STAGED_ROOT is copied to /app in the VM)
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import fs from "node:fs";
import path from "node:path";

function copyTree(mp, hostDir, vmDir) {
  try { mp.FS.mkdir(vmDir); } catch (e) { /* exists */ }
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    const h = path.join(hostDir, entry.name);
    const v = vmDir + "/" + entry.name;
    if (entry.isDirectory()) copyTree(mp, h, v);
    else mp.FS.writeFile(v, fs.readFileSync(h));
  }
}

const mp = await loadMicroPython({
  heapsize: 8 * 1024 * 1024,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});
copyTree(mp, process.argv[2], "/app");
mp.runPython("import sys\nsys.path.insert(0, '/app')\n");
// Parts separated by a line "#---" run as separate runPython calls: the wasm port's GC only
// frees what nothing on the native stack still points to, so heap figures are read between calls.
for (const part of fs.readFileSync(process.argv[3], "utf8").split("\n#---\n")) mp.runPython(part);
