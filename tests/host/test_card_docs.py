"""The `>>>` examples of docs/card.md run as doctests; the CLI lines it shows exist."""

import doctest
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_doc_examples():
    result = doctest.testfile(os.path.join(ROOT, "docs", "card.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 10
    assert result.failed == 0


def test_cli_help_lists_documented_options():
    out = subprocess.run([sys.executable, "-m", "lib12333", "card", "read", "--help"], capture_output=True,
                         text=True, timeout=60).stdout
    for option in ("--reader", "--port", "--emulator", "--json", "--show-pii", "--format", "--emulator-key"):
        assert option in out
    sim = subprocess.run([sys.executable, "-m", "lib12333", "card", "sim", "--help"], capture_output=True,
                         text=True, timeout=60).stdout
    assert "--vpcd" in sim and "--pty" in sim
