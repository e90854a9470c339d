"""
Heap of the kiosk on the REAL firmware images: qemu-mps2 (Cortex-M3 under qemu-system-arm) and
rp2040-ec800n (RP2040 on rp2040js), both MicroPython v1.28.0 with the core and firmware frozen.

    python bench/firmware_images.py [--board qemu-mps2|rp2040-ec800n|both] [--json]

The flow is the one of bench/firmware_frozen.py (its FLOW script, sent through the raw REPL):
the real ``KioskApp`` on the simulated hardware of tests/core/kiosk_sim.py -- boot, then a
complete loss report.  On qemu-mps2 that simulation is frozen into the image (the machine
has no kiosk peripherals); on the RP2040 image it is uploaded as source to the file system,
so its own bytecode is in RAM and counted ("simulation" below) -- the firmware's is not.
The simulation's modem is the core's AT emulator (lib12333.modem.emulator), which kiosk
images leave out: on the RP2040 it is uploaded too and imported by the flow (see
``SIM_EMULATOR``) after the baseline, so its bytecode counts as "simulation"; the core
modules it shares with the firmware (errors, modem.at) count as the firmware's on both images.

Figures (bytes):
- heap: the whole GC heap (``mem_free() + mem_alloc()`` at start-up);
- free after boot: ``gc.mem_free()`` after boot and a collection;
- lowest free during the loss report: heap - (start-up + allocated-since-collect peak), the
  least the board had free at any step without forcing collections;
- live after boot / live peak: as bench/firmware_frozen.py (collect after every step);
- smallest free heap that completes: a ballast ``bytearray`` takes all but N bytes of the free
  heap before the flow starts; N found by bisection (1 KiB steps), the collector running by
  itself -- fragmentation included.
"""

import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from firmware_frozen import FLOW  # noqa: E402

KEYS = ("start", "sim", "after_boot", "boot_live_peak", "boot_alloc_peak", "tx_live_peak", "tx_alloc_peak",
        "after_tx", "pending_after", "centre_frames", "state_after", "app_file", "version", "status_reports",
        "sim_preloaded")


# lib12333.modem is frozen into the kiosk image without its emulator sub-package, and MicroPython
# looks for a frozen package's sub-modules only under its own (frozen) __path__: point it at the
# uploaded copy while the emulator is imported, then back.  FLOW calls it after its baseline and
# after importing the frozen core modules the emulator shares with the firmware, so the emulator's
# bytecode counts as simulation and those modules as firmware (not both as start-up).
SIM_EMULATOR = """
def import_sim():
    import lib12333.errors, lib12333.modem.at  # frozen, before the path points at the copy
    import lib12333.modem as _pkg
    _frozen = _pkg.__path__
    _pkg.__path__ = "/sim/lib12333/modem"
    try:
        import lib12333.modem.emulator
    finally:
        _pkg.__path__ = _frozen
"""


def _prelude(root, mode, ballast_left=None, extra=""):
    lines = ["import sys, gc", "FLOW_MODE = %r" % mode, "ROOT = %s" % root, extra]
    if ballast_left is not None:
        if extra:
            lines.append("import_sim()")  # compiled before the ballast: the board's heap is the firmware's
        lines += ["gc.collect()", "_ballast = bytearray(max(0, gc.mem_free() - %d))" % ballast_left]
    return "\n".join(lines) + "\n"


class QemuTarget:
    name = "qemu-mps2"
    root = "'/app'"

    def __init__(self, report):
        self.report = report

    def run(self, mode, ballast_left=None):
        from lib12333.host.firmware_image.qemu import QemuBoard

        with QemuBoard(self.report["files"]["elf"], timeout=300) as board:
            board.device.exec("import board\nboard.mount_data()")
            heap = board.device.eval("__import__('gc').mem_free() + __import__('gc').mem_alloc()")
            try:
                out = board.device.exec(_prelude(self.root, mode, ballast_left) + FLOW)
            except Exception as exc:  # MemoryError on the board comes back as DeviceError
                out = "ERROR %s" % exc
        return heap, out


class PicoTarget:
    name = "rp2040-ec800n"
    root = "'/apps/' + open('/active').read().strip()"  # where the fs image keeps lib12333/data/gbk.bin

    def __init__(self, report):
        self.report = report
        self.tmp = tempfile.mkdtemp(prefix="lib12333-bench-pico-")
        self.fs = self._fs_image()

    def _fs_image(self):
        from lib12333.host.firmware_image import fsimage

        folder = os.path.join(self.tmp, "fs")
        fsimage.stage(folder, "rp2040-ec800n")
        with open(os.path.join(folder, "maintenance"), "w") as f:
            f.write("bench: the kiosk is not started\n")
        emulator = ["lib12333/modem/emulator/" + f for f in sorted(os.listdir(os.path.join(ROOT, "lib12333", "modem",
                                                                                            "emulator")))
                    if f.endswith(".py")]
        for rel in ["tests/__init__.py", "tests/core/__init__.py", "tests/core/kiosk_sim.py",
                    "tests/core/support.py"] + emulator:
            target = os.path.join(folder, "sim", rel) if rel.startswith("lib12333/") else os.path.join(folder, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(os.path.join(ROOT, rel), "rb") as src, open(target, "wb") as dst:
                dst.write(src.read())
        path = os.path.join(self.tmp, "fs.img")
        fsimage.pack(folder, path, 1408 * 1024)
        return path

    def run(self, mode, ballast_left=None):
        from lib12333.host.deploy.device import SerialDevice
        from lib12333.host.firmware_image.rp2040 import EmulatedPico

        with EmulatedPico(self.report["files"]["bin"], self.fs) as pico:
            device = SerialDevice.reconnect(pico.cdc_url, timeout=600, wait=60)
            try:
                heap = device.eval("__import__('gc').mem_free() + __import__('gc').mem_alloc()")
                try:
                    out = device.exec(_prelude(self.root, mode, ballast_left, SIM_EMULATOR) + FLOW)
                except Exception as exc:
                    out = "ERROR %s" % exc
            finally:
                device.close()
        return heap, out


def measure(target, bisect=True):
    heap, out = target.run("measure")
    line = [x for x in out.splitlines() if x.startswith("RESULT ")]
    if not line:
        raise RuntimeError("%s: no result: %s" % (target.name, out[-800:]))
    r = dict(zip(KEYS, json.loads(line[0][7:])))
    r["heap"] = heap
    r["free_after_boot"] = heap - r["start"] - r["after_boot"]
    r["lowest_free_in_loss_report"] = heap - r["start"] - r["tx_alloc_peak"]
    r["smallest_free_heap"] = smallest_free(target, high=heap - r["start"]) if bisect else None
    return r


def completes_with(target, free_bytes):
    """True when boot + loss report complete with only ``free_bytes`` of the heap free."""
    return "FIT ok" in target.run("fit", free_bytes)[1]


def smallest_free(target, low=8 * 1024, high=160 * 1024):
    """Smallest free heap (1 KiB steps) with which boot + loss report complete."""
    high = min(high, 160 * 1024)
    if "FIT ok" not in target.run("fit", high)[1]:
        return None
    while high - low > 1024:
        mid = (low + high) // 2 // 1024 * 1024
        if "FIT ok" in target.run("fit", mid)[1]:
            high = mid
        else:
            low = mid
    return high


def targets(which):
    from lib12333.host.firmware_image import build

    out = []
    for name, cls in (("qemu-mps2", QemuTarget), ("rp2040-ec800n", PicoTarget)):
        if which in (name, "both"):
            out.append(cls(build.build(name)))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description="Kiosk heap on the real qemu-mps2 and rp2040-ec800n firmware images.")
    p.add_argument("--board", default="both", choices=("qemu-mps2", "rp2040-ec800n", "both"))
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = p.parse_args(argv)
    results = {}
    for target in targets(a.board):
        results[target.name] = r = measure(target)
        r["image_bytes"] = target.report["image_bytes"]
        r["flash_left"] = target.report["flash_left"]
    if a.json:
        print(json.dumps(results, indent=1))
        return 0
    for name, r in results.items():
        print("%s (MicroPython %s): image %d bytes, %d left in the code area"
              % (name, ".".join(map(str, r["version"])), r["image_bytes"], r["flash_left"]))
        print("  heap %d; interpreter at start-up %d; simulation (counted) %d" % (r["heap"], r["start"], r["sim"]))
        print("  free after boot %d; lowest free during the loss report %d" % (r["free_after_boot"],
                                                                             r["lowest_free_in_loss_report"]))
        print("  live after boot %d; loss report live peak %d, allocated peak %d"
              % (r["after_boot"], r["tx_live_peak"], r["tx_alloc_peak"]))
        print("  smallest free heap that completes boot + loss report: %s" % r["smallest_free_heap"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
