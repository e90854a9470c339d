"""
Run lib12333's core test suite on real MicroPython.

    python tests/mp/run.py                 # every tests/core module, core imported as .py
    python tests/mp/run.py --mpy           # the same, everything compiled with mpy-cross first
    python tests/mp/run.py tests.core.test_identifiers --mpy
    python tests/mp/run.py --heap-only     # only the per-module import cost

The runtime is the official MicroPython WebAssembly port from npm (pinned in
package-lock.json), run by Node through ``tests/mp/runner.mjs``.  The core is
staged into a temporary folder -- ``lib12333`` without ``host/``, the kiosk
``firmware/``, the core tests, and the data files under ``protocols/`` -- which the runner copies into
the VM's file system at ``/app``.

The last line printed is ``N passed, N failed``; the exit status is non-zero
when anything failed.  ``--report FILE`` keeps the JSON results (heap per
module, tests per module).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, "tests", "mp", "runner.mjs")
RUNTIME = os.path.join(ROOT, "node_modules", "@micropython", "micropython-webassembly-pyscript")
CPYTHON_ONLY = ("host", "__main__.py", "__pycache__")
DATA_SUFFIXES = (".json", ".bin", ".hex", ".txt", ".csv", ".idx", ".dat")


def core_modules():
    """Dotted names of every core module (lib12333 minus host/ and __main__) and firmware module."""
    names = []
    for top in ("lib12333", "firmware"):
        base = os.path.join(ROOT, top)
        if os.path.isdir(base):
            names.extend(_modules_under(base))
    return names


def _modules_under(base):
    names = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in CPYTHON_ONLY)
        rel = os.path.relpath(folder, ROOT).replace(os.sep, ".")
        for f in sorted(files):
            if not f.endswith(".py") or f in CPYTHON_ONLY:
                continue
            if f == "__init__.py":
                names.append(rel)
            else:
                names.append(rel + "." + f[:-3])
    return names


def core_test_modules():
    folder = os.path.join(ROOT, "tests", "core")
    return sorted(
        "tests.core." + f[:-3] for f in os.listdir(folder) if f.startswith("test_") and f.endswith(".py")
    )


def _copy_tree(src, dst, keep):
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d not in CPYTHON_ONLY and not d.startswith("."))
        rel = os.path.relpath(folder, src)
        for f in files:
            if f in CPYTHON_ONLY or not keep(f):
                continue
            target_dir = os.path.join(dst, rel)
            os.makedirs(target_dir, exist_ok=True)
            shutil.copy2(os.path.join(folder, f), os.path.join(target_dir, f))


def stage(target):
    """Copy what a device would hold (plus the core tests and vectors) into ``target``."""

    def is_code_or_data(name):
        return name.endswith(".py") or name.endswith(DATA_SUFFIXES)

    _copy_tree(os.path.join(ROOT, "lib12333"), os.path.join(target, "lib12333"), is_code_or_data)
    if os.path.isdir(os.path.join(ROOT, "firmware")):
        _copy_tree(os.path.join(ROOT, "firmware"), os.path.join(target, "firmware"), is_code_or_data)
    os.makedirs(os.path.join(target, "tests"), exist_ok=True)
    shutil.copy2(os.path.join(ROOT, "tests", "__init__.py"), os.path.join(target, "tests", "__init__.py"))
    _copy_tree(os.path.join(ROOT, "tests", "core"), os.path.join(target, "tests", "core"), is_code_or_data)
    protocols = os.path.join(ROOT, "protocols")
    if os.path.isdir(protocols):
        _copy_tree(protocols, os.path.join(target, "protocols"), lambda n: n.endswith(DATA_SUFFIXES))


def mpy_cross_command():
    exe = shutil.which("mpy-cross")
    if exe:
        return [exe]
    return [sys.executable, "-m", "mpy_cross"]


def compile_to_mpy(target):
    """Replace every .py under ``target`` by its mpy-cross compiled .mpy."""
    sources = []
    for folder, _dirs, files in os.walk(target):
        for f in files:
            if f.endswith(".py"):
                sources.append(os.path.join(folder, f))
    command = mpy_cross_command()
    for src in sources:
        out = src[:-3] + ".mpy"
        result = subprocess.run(command + ["-o", out, src], capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit("mpy-cross failed on %s:\n%s" % (os.path.relpath(src, target), result.stderr))
        os.remove(src)
    return len(sources)


def run(tests, heap_modules, use_mpy, report_path=None, heapsize=4 * 1024 * 1024):
    if not os.path.isdir(RUNTIME):
        raise SystemExit(
            "MicroPython runtime missing: run `npm ci` in %s (scripts/test does this)" % ROOT
        )
    with tempfile.TemporaryDirectory(prefix="lib12333-mp-") as tmp:
        staging = os.path.join(tmp, "app")
        stage(staging)
        if use_mpy:
            count = compile_to_mpy(staging)
            print("[mpy] compiled %d modules with %s" % (count, " ".join(mpy_cross_command())))
        plan_path = os.path.join(tmp, "plan.json")
        own_report = os.path.join(tmp, "report.json")
        with open(plan_path, "w") as f:
            json.dump(
                {
                    "root": staging,
                    "tests": tests,
                    "heap_modules": heap_modules,
                    "heapsize": heapsize,
                    "report": own_report,
                },
                f,
            )
        proc = subprocess.run(["node", RUNNER, plan_path], cwd=ROOT)
        report = {}
        if os.path.exists(own_report):
            with open(own_report) as f:
                report = json.load(f)
        report["mode"] = "mpy" if use_mpy else "py"
        if report_path:
            with open(report_path, "w") as f:
                json.dump(report, f, indent=2, ensure_ascii=False)
        return proc.returncode, report


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the core tests on real MicroPython (wasm port on Node).")
    parser.add_argument("modules", nargs="*", help="test modules (default: every tests.core.test_*)")
    parser.add_argument("--mpy", action="store_true", help="compile everything with mpy-cross first")
    parser.add_argument("--heap-only", action="store_true", help="measure import cost only, run no tests")
    parser.add_argument("--no-heap", action="store_true", help="skip the per-module import cost")
    parser.add_argument("--report", help="write the JSON results here")
    args = parser.parse_args(argv)
    tests = [] if args.heap_only else (args.modules or core_test_modules())
    heap = [] if args.no_heap else core_modules()
    code, _report = run(tests, heap, args.mpy, args.report)
    return code


if __name__ == "__main__":
    sys.exit(main())
