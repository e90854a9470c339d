// Run MicroPython jobs, each in a fresh VM of the official WebAssembly port (heap benchmarks).
// Usage: node tests/mp/run_jobs.mjs PLAN.json
// PLAN.json: { "root": staged folder (copied to /app),
//              "jobs": [ { "heap": bytes, "chunks": ["code", ...] }, ... ],
//              "keep": ["HEAPSTEP", "OK", ...] }     prefixes of the output lines to keep
// Each chunk is its own runPython call (so gc.collect() between chunks frees what earlier
// chunks left). Prints one line per job: its kept output lines joined by spaces, "ERROR ..."
// when the job raised, or "NOOUTPUT ..." with everything it printed.
import fs from "node:fs";
import { bootVM } from "./vm.mjs";

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const keep = plan.keep || ["HEAPSTEP"];
for (const job of plan.jobs) {
  const out = [];
  try {
    const mp = await bootVM({ root: plan.root, heapsize: job.heap || 1048576,
                              stdout: (l) => out.push(l), stderr: (l) => out.push(l) });
    for (const chunk of job.chunks) mp.runPython(chunk);
  } catch (e) {
    out.push("ERROR " + String(e).split("\n").slice(-2).join(" "));
  }
  const kept = out.filter((l) => l.startsWith("ERROR") || keep.some((k) => l.startsWith(k)));
  console.log(kept.join(" ") || "NOOUTPUT " + out.join(" "));
}
