"""docs/firmware.md's screen table is the one tools/kiosk_screens.py generates from the kiosk's TABLE."""

import os
import subprocess
import sys

from firmware.kiosk_table import TABLE, row_items

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_screen_table_in_the_doc_is_generated_from_the_kiosk_table():
    generated = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "kiosk_screens.py")],
                               capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(ROOT, "docs", "firmware.md"), encoding="utf-8") as f:
        doc = f.read()
    # the header and one row per state of the table (not a fixed number: a new screen adds a row)
    states = [state for state, _row in row_items(TABLE)]
    assert generated.count("\n| ") == len(states) + 1 > 20
    for state in states:
        assert "| " + state + " |" in generated or "`" + state + "`" in generated, state
    assert generated in doc, "run: python tools/kiosk_screens.py --write"
