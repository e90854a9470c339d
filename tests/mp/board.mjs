// A virtual MicroPython board: the real MicroPython (official WebAssembly port)
// behind the REPL protocol that mpremote and every MicroPython tool speak,
// on stdin/stdout.  tests/mp/virtual_board.py puts it behind a pty.
//
// Usage: node tests/mp/board.mjs --flash DIR
//
// DIR is the board's flash: loaded into the VM's file system at power-on and
// written back (atomically, as one image file) after every command, so killing
// this process is a power cut: the flash keeps what was written up to the last
// completed command, including half-written files.
//
// Protocol (what a real board does, as far as tools use it):
//   friendly REPL  banner + ">>> "; Ctrl-A enters the raw REPL; Ctrl-C interrupts
//   raw REPL       "raw REPL; CTRL-B to exit\r\n>"; code then Ctrl-D -> "OK",
//                  stdout, "\x04", stderr, "\x04", ">"; Ctrl-D on empty input is a
//                  soft reset ("soft reboot\r\n", then boot.py runs, then the raw
//                  prompt again); Ctrl-B back to the friendly REPL; raw-paste
//                  (Ctrl-E A Ctrl-A) -> "R\x01" + window size, flow control with
//                  "\x01" per window, Ctrl-D ends the code and is acknowledged.
// Not emulated: main.py (a soft reset from the raw REPL skips it on real boards
// too), hard reset lines, `mpremote mount`.

import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import fs from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const flashDir = args[args.indexOf("--flash") + 1];
const IMAGE = path.join(flashDir, "flash.json");
const SYSTEM_DIRS = new Set(["dev", "proc", "tmp", "home"]);
// The wasm VFS raises Emscripten errno numbers; real boards and mpremote use MicroPython's.
const ERRNO = { 44: 2, 20: 17, 55: 39, 54: 20, 31: 21, 28: 22, 2: 13, 8: 9 };

let mp;
let out = [];
const write = (s) => process.stdout.write(typeof s === "string" ? Buffer.from(s, "latin1") : s);

function loadFlash() {
  if (!fs.existsSync(IMAGE)) return;
  const image = JSON.parse(fs.readFileSync(IMAGE, "utf8"));
  for (const [p, entry] of Object.entries(image).sort()) {
    if (entry === null) { try { mp.FS.mkdir(p); } catch (e) { /* exists */ } }
  }
  for (const [p, entry] of Object.entries(image)) {
    if (entry !== null) mp.FS.writeFile(p, Buffer.from(entry, "base64"));
  }
}

function saveFlash() {
  const image = {};
  const walk = (dir) => {
    for (const name of mp.FS.readdir(dir)) {
      if (name === "." || name === "..") continue;
      const p = (dir === "/" ? "" : dir) + "/" + name;
      if (dir === "/" && SYSTEM_DIRS.has(name)) continue;
      const st = mp.FS.stat(p);
      if (mp.FS.isDir(st.mode)) { image[p] = null; walk(p); }
      else image[p] = Buffer.from(mp.FS.readFile(p)).toString("base64");
    }
  };
  walk("/");
  const tmp = IMAGE + ".tmp";
  const fd = fs.openSync(tmp, "w");
  fs.writeSync(fd, JSON.stringify(image));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, IMAGE);
}

function fixErrno(text) {
  return text.replace(/OSError: (\d+)/g, (m, n) => "OSError: " + (ERRNO[n] ?? n))
             .replace(/\[Errno (\d+)\]/g, (m, n) => "[Errno " + (ERRNO[n] ?? n) + "]");
}

function run(code) {
  out = [];
  let err = "";
  try {
    mp.runPython(code);
  } catch (e) {
    err = fixErrno(String(e.message || e));
    if (!err.endsWith("\n")) err += "\n";
  }
  const stdout = out.join("");
  out = [];
  return [stdout, err];
}

async function boot() {
  mp = await loadMicroPython({
    heapsize: 256 * 1024,
    linebuffer: false,
    stdout: (s) => out.push(typeof s === "string" ? s : Buffer.from(s).toString("utf8")),
    stderr: (s) => out.push(typeof s === "string" ? s : Buffer.from(s).toString("utf8")),
  });
  loadFlash();
  mp.runPython("import sys\nsys.path.insert(0, '/')\n");
  try { mp.FS.stat("/boot.py"); } catch (e) { return ""; }
  const [o, e] = run("exec(open('/boot.py').read())");
  return (o + e).replace(/\n/g, "\r\n");
}

const BANNER = "MicroPython v1.27.0 on 2025-12-10; lib12333 virtual board (webassembly)\r\n" +
  "Type \"help()\" for more information.\r\n";
let mode = "friendly";
let buffer = [];
let friendlyLine = "";
let pendingPaste = 0;
let pasting = false;
let pasteCount = 0;
const PASTE_WINDOW = 2048;

async function softReset() {
  write("soft reboot\r\n");
  const bootOut = await boot();
  write(bootOut);
}

// Code sent in raw or raw-paste mode: run it, save the flash, answer stdout ^D stderr ^D >.
function runRaw(code) {
  const [o, e] = run(code);
  saveFlash();
  write(Buffer.from(o, "utf8")); write("\x04");
  write(Buffer.from(e, "utf8")); write("\x04>");
}

async function handle(byte) {
  if (pendingPaste) {
    // Ctrl-E 'A' Ctrl-A: the raw-paste request.
    pendingPaste += 1;
    if (pendingPaste === 3) {
      pendingPaste = 0;
      pasting = true;
      pasteCount = 0;
      write(Buffer.from([0x52, 0x01, PASTE_WINDOW & 0xff, PASTE_WINDOW >> 8]));
    }
    return;
  }
  if (pasting) {
    if (byte === 0x04) {
      pasting = false;
      write("\x04");
      const code = Buffer.from(buffer).toString("utf8");
      buffer = [];
      runRaw(code);
      return;
    }
    buffer.push(byte);
    pasteCount += 1;
    if (pasteCount === PASTE_WINDOW) { pasteCount = 0; write("\x01"); }
    return;
  }
  if (mode === "friendly") {
    if (byte === 0x01) { mode = "raw"; buffer = []; write("raw REPL; CTRL-B to exit\r\n>"); }
    else if (byte === 0x03) { friendlyLine = ""; write("\r\n>>> "); }
    else if (byte === 0x04) { await softReset(); write(BANNER + ">>> "); }
    else if (byte === 0x0d) {
      const line = friendlyLine; friendlyLine = "";
      write("\r\n");
      if (line.trim()) {
        const [o, e] = run(line);
        write((o + e).replace(/\n/g, "\r\n"));
      }
      write(">>> ");
    } else if (byte >= 0x20) { friendlyLine += String.fromCharCode(byte); write(Buffer.from([byte])); }
    return;
  }
  // raw REPL
  if (byte === 0x02) { mode = "friendly"; write("\r\n" + BANNER + ">>> "); return; }
  if (byte === 0x03) { buffer = []; return; }
  if (byte === 0x01) { buffer = []; write("raw REPL; CTRL-B to exit\r\n>"); return; }
  if (byte === 0x05 && buffer.length === 0) { pendingPaste = 1; return; }
  if (byte === 0x04) {
    if (buffer.length === 0) {
      await softReset();
      write("raw REPL; CTRL-B to exit\r\n>");
      return;
    }
    const code = Buffer.from(buffer).toString("utf8");
    buffer = [];
    write("OK");
    runRaw(code);
    return;
  }
  buffer.push(byte);
}

fs.mkdirSync(flashDir, { recursive: true });
const bootOut = await boot();
write(bootOut + BANNER + ">>> ");

let chain = Promise.resolve();
process.stdin.on("data", (chunk) => {
  for (const b of chunk) chain = chain.then(() => handle(b));
});
process.stdin.on("end", () => chain.then(() => process.exit(0)));
