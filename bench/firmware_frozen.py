"""
Heap of the kiosk firmware when it is FROZEN, measured on a MicroPython unix-port binary.

    python bench/firmware_frozen.py --micropython /path/to/ports/unix/build-32/micropython

On a board the firmware and the core are frozen into flash (board/*/manifest.py), so
their bytecode, qstrs and constant tables cost no heap; the npm WebAssembly port of
tests/mp cannot run frozen code (bench/firmware_heap.py measures .mpy in RAM there).
This benchmark uses a unix-port binary built with bench/firmware_frozen_manifest.py
(the core, firmware/ and tests/core/kiosk_sim.py frozen; -m32 for 4-byte words as on
the ESP32 / RP2040; the build commands are in that file) and runs the real
``KioskApp`` on the simulated hardware: boot, then the complete loss report.

Figures (``gc.mem_alloc()``, one process, bytes):

- relative to the interpreter after start-up, before anything is imported, so the
  frozen modules' RAM (module and class dicts, function objects, import-time tables)
  is included: live after boot; live peak of the loss report (collect after every
  step); allocated-since-collect peak (highest ``mem_alloc()`` after every
  ``app.step()`` and every kiosk event, collect only between steps);
- the smallest ``-X heapsize`` (1 KiB steps) in which boot and the loss report complete
  with the collector running by itself -- the whole heap, interpreter start-up and
  fragmentation included.

The unix port's collector scans the C stack conservatively, so a stale pointer can
keep some garbage alive: the live figures err high, never low.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FLOW = r"""
import gc, sys
import tests.core.support as support

support.project_root = lambda: ROOT  # the frozen simulation reads lib12333/data/gbk.bin here
# the mode: set by a prelude (bench/firmware_images.py, ports without sys.argv) or the command line
MODE = globals().get("FLOW_MODE") or (sys.argv[1] if len(getattr(sys, "argv", ())) > 1 else "measure")
peak = [0]
STATUS = {"status_interval": 86400}  # the daily status report of a real kiosk (firmware/main.py SITE_DEFAULTS)


def probe():
    a = gc.mem_alloc()
    if a > peak[0]:
        peak[0] = a


def drive(gen, base, out):
    for _ in gen:
        if peak[0] - base > out[1]:
            out[1] = peak[0] - base
        gc.collect()
        live = gc.mem_alloc() - base
        if live > out[0]:
            out[0] = live
        peak[0] = gc.mem_alloc()


if MODE == "fit":
    globals().get("import_sim", lambda: None)()
    from tests.core import kiosk_sim as S

    sim = S.KioskSim(record=False, config=STATUS)
    S.run(S.boot(sim))
    S.run(S.loss_report(sim))
    ok = sim.app.outbox.pending() == [] and len(sim.hw.centre.received) == 1 and sim.app.kiosk.state == "welcome"
    ok = ok and len(sim.hw.centre.status_reports) == 1
    print("FIT", "ok" if ok else "bad")
else:
    gc.collect()
    base = gc.mem_alloc()
    # core modules the firmware imports too (the simulation's modem needs them first): the
    # firmware's RAM, counted in every figure and not in the simulation's
    import lib12333.errors, lib12333.modem.at  # noqa: E401

    gc.collect()
    shared = gc.mem_alloc() - base
    globals().get("import_sim", lambda: None)()  # a port's way to load the simulation's modem
    gc.collect()
    preloaded = gc.mem_alloc() - base - shared  # what "fit" mode loads before its ballast
    from tests.core import kiosk_sim as S

    sim = S.KioskSim(record=False, probe=probe, config=STATUS)
    gc.collect()
    sim_bytes = gc.mem_alloc() - base - shared
    boot = [0, 0]
    peak[0] = gc.mem_alloc()
    drive(S.boot(sim), base, boot)
    gc.collect()
    after_boot = gc.mem_alloc() - base
    tx = [0, 0]
    peak[0] = gc.mem_alloc()
    drive(S.loss_report(sim), base, tx)
    gc.collect()
    after_tx = gc.mem_alloc() - base
    import json

    print("RESULT " + json.dumps([base, sim_bytes, after_boot, boot[0], boot[1], tx[0], tx[1], after_tx,
                            len(sim.app.outbox.pending()), len(sim.hw.centre.received), sim.app.kiosk.state,
                            sys.modules["firmware.app"].__file__, list(sys.implementation.version[:3]),
                            len(sim.hw.centre.status_reports), preloaded]))
"""


def run(binary, mode, heap=None):
    with tempfile.TemporaryDirectory(prefix="lib12333-frozen-") as tmp:  # no .py of the project on sys.path
        script = os.path.join(tmp, "flow.py")
        with open(script, "w") as f:
            f.write("ROOT = %r\n" % ROOT + FLOW)
        cmd = [binary] + (["-X", "heapsize=%d" % heap] if heap else []) + [script, mode]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    return proc.stdout + proc.stderr


def smallest_heap(binary, low=8 * 1024, high=256 * 1024):
    """Smallest heapsize (bytes, 1 KiB steps) in which boot + loss report complete."""
    if "FIT ok" not in run(binary, "fit", high):
        return None
    while high - low > 1024:
        mid = (low + high) // 2 // 1024 * 1024
        if "FIT ok" in run(binary, "fit", mid):
            high = mid
        else:
            low = mid
    return high


def main(argv=None):
    p = argparse.ArgumentParser(description="Frozen kiosk firmware heap on a MicroPython unix-port binary.")
    p.add_argument("--micropython", required=True, help="unix-port binary built with bench/firmware_frozen_manifest.py")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = p.parse_args(argv)
    out = run(a.micropython, "measure")
    line = [x for x in out.splitlines() if x.startswith("RESULT ")]
    if not line:
        print(out)
        return 1
    v = json.loads(line[0][7:])
    keys = ("start", "sim", "after_boot", "boot_live_peak", "boot_alloc_peak", "tx_live_peak", "tx_alloc_peak",
            "after_tx", "pending_after", "centre_frames", "state_after", "app_file", "version", "status_reports")
    r = dict(zip(keys, v))
    r["smallest_heap"] = smallest_heap(a.micropython)
    if a.json:
        print(json.dumps(r, indent=1))
        return 0
    print("MicroPython %s unix port, frozen firmware (firmware.app from %s)" % (".".join(map(str, r["version"])),
                                                                              r["app_file"]))
    print("interpreter after start-up (not counted below): %d bytes" % r["start"])
    print("simulation module + hardware objects (counted):  %d" % r["sim"])
    print("live after boot:                                 %d" % r["after_boot"])
    print("boot: live peak / allocated-since-collect peak:  %d / %d" % (r["boot_live_peak"], r["boot_alloc_peak"]))
    print("loss report: live peak:                          %d" % r["tx_live_peak"])
    print("loss report: allocated-since-collect peak:       %d" % r["tx_alloc_peak"])
    print("live after the transaction:                      %d" % r["after_tx"])
    print("outbox pending after the ACK: %d; frames at the centre: %d; state %s"
          % (r["pending_after"], r["centre_frames"], r["state_after"]))
    print("smallest -X heapsize that completes boot + loss report: %s bytes" % r["smallest_heap"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
