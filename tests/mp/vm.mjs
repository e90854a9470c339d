// Shared by the MicroPython tools: boot the official WebAssembly port with a host folder at /app.
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import fs from "node:fs";
import path from "node:path";

export function copyTree(mp, hostDir, vmDir) {
  try { mp.FS.mkdir(vmDir); } catch (e) { /* exists */ }
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    const h = path.join(hostDir, entry.name);
    const v = vmDir + "/" + entry.name;
    if (entry.isDirectory()) copyTree(mp, h, v);
    else mp.FS.writeFile(v, fs.readFileSync(h));
  }
}

// A fresh VM with `root` copied to /app and /app first on sys.path.
export async function bootVM({ root, heapsize = 1048576, stdout, stderr }) {
  const mp = await loadMicroPython({ heapsize, stdout, stderr });
  copyTree(mp, root, "/app");
  mp.runPython("import sys\nsys.path.insert(0, '/app')\n");
  return mp;
}
