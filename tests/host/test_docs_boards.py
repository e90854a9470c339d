"""
The wiring tables of docs/boards/*.md agree with board/<folder>/board.py.

Each wiring row names the pin constant of board.py in backticks (`MODEM_TX`,
`KEY_ROWS`...); its GPIO cell must hold exactly the pin number(s) of that
constant, a "UART<n>" in the row must be the constant's UART, and a "<baud> 8N1"
must be its baud rate.  Every pin constant of board.py must have a row.
"""

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARDS = [("esp32s3_a7670c", "esp32s3-a7670c.md"), ("rp2040_ec800n", "rp2040-ec800n.md")]
PIN_NAME = re.compile(r"^(?:[A-Z]+_(?:TX|RX|PWRKEY|RESET)|KEY_ROWS|KEY_COLS)$")


def constants(folder):
    """Module-level integer and tuple-of-integer constants of board.py, unpacking tuple assignments."""
    with open(os.path.join(ROOT, "board", folder, "board.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    found = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            pairs = zip(target.elts, value.elts)
        else:
            pairs = [(target, value)]
        for t, v in pairs:
            if isinstance(t, ast.Name):
                try:
                    found[t.id] = ast.literal_eval(v)
                except ValueError:
                    pass
    return found


def pins_in_cell(cell):
    """GPIO numbers of a table cell: '17', '6, 7, 8, 9', 'GP0 (1)', 'GP10–GP13 (14–17)'."""
    cell = re.sub(r"\([^)]*\)", "", cell)  # physical pin numbers of the Pico
    pins = set()
    for a, b in re.findall(r"GP(\d+)\s*[–-]\s*GP(\d+)", cell):
        pins.update(range(int(a), int(b) + 1))
    cell = re.sub(r"GP\d+\s*[–-]\s*GP\d+", "", cell)
    pins.update(int(n) for n in re.findall(r"\d+", cell))
    return pins


def wiring_rows(doc):
    with open(os.path.join(ROOT, "docs", "boards", doc), encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Wiring", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.split("\n"):
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append(cells)
    return rows[1:]  # without the header


@pytest.mark.parametrize("folder,doc", BOARDS)
def test_wiring_table_matches_board_py(folder, doc):
    consts = constants(folder)
    pin_consts = dict((k, v) for k, v in consts.items() if PIN_NAME.match(k))
    assert len(pin_consts) >= 9, sorted(consts)  # the parse found the pins
    seen = set()
    for cells in wiring_rows(doc):
        row = " | ".join(cells)
        names = [n for n in re.findall(r"`([A-Z_]+)`", row) if n in pin_consts]
        if not names:
            continue  # GND, VSYS...
        assert len(names) == 1, row
        name = names[0]
        seen.add(name)
        value = pin_consts[name]
        expected = set(value) if isinstance(value, tuple) else {value}
        assert pins_in_cell(cells[0]) == expected, "%s: %s is %s in board.py" % (doc, name, value)
        prefix = name.split("_")[0]
        uart = re.search(r"\bUART(\d)\b", row)
        if uart and prefix + "_UART" in consts:
            assert int(uart.group(1)) == consts[prefix + "_UART"], row
        baud = re.search(r"(\d{4,6}) 8N1", row)
        if baud:
            assert int(baud.group(1)) == consts[prefix + "_BAUD"], row
    assert seen == set(pin_consts), "pins without a row: %s" % sorted(set(pin_consts) - seen)


@pytest.mark.parametrize("folder,doc", BOARDS)
def test_board_page_names_the_board_json(folder, doc):
    import json

    with open(os.path.join(ROOT, "board", folder, "board.json"), encoding="utf-8") as f:
        config = json.load(f)
    with open(os.path.join(ROOT, "docs", "boards", doc), encoding="utf-8") as f:
        text = f.read()
    assert "`%s`" % config["name"] in text and "`%s`" % config["arch"] in text
    assert "`%s`" % config["modem_profile"] in text
    assert "WATCHDOG_MS" in text or "%d s" % (constants(folder)["WATCHDOG_MS"] // 1000) in text


def test_pins_in_cell():
    assert pins_in_cell("6, 7, 8, 9") == {6, 7, 8, 9}
    assert pins_in_cell("GP10–GP13 (14–17)") == {10, 11, 12, 13}
    assert pins_in_cell("GP0 (1)") == {0}


def test_hmi_setup_matches_the_driver():
    from firmware.drivers import hmi

    with open(os.path.join(ROOT, "docs", "boards", "esp32s3-a7670c.md"), encoding="utf-8") as f:
        text = f.read()
    assert "`t0` … `t%d`" % (hmi.LINES - 1) in text
    ids = re.search(r"^\s*\| id \|(.+)\|$", text, re.M).group(1).split("|")
    keys = re.search(r"^\s*\| key \|(.+)\|$", text, re.M).group(1).split("|")
    names = {"确认 (ok)": "ok", "返回 (back)": "back"}
    documented = dict((int(i), names.get(k.strip(), k.strip())) for i, k in zip(ids, keys))
    assert documented == hmi.BUTTONS


@pytest.mark.parametrize("folder,doc", BOARDS)
def test_the_documented_type_check_passes(folder, doc, tmp_path):
    """The mypy.ini and command shown on the board page work as shown (stubs as in test_boards)."""
    import subprocess
    import sys

    from tests.host.test_boards import stubs_for

    with open(os.path.join(ROOT, "docs", "boards", doc), encoding="utf-8") as f:
        text = f.read()
    ini = re.search(r"<<'EOF'\n(\[mypy\].*?)EOF\n", text, re.S).group(1)
    command = re.search(r"^\$ python -m mypy --config-file \S+ (.+)$", text, re.M).group(1).split()
    port = re.search(r"custom_typeshed_dir = \.cache/typings-(\w+)", ini).group(1)
    stubs_for(port)
    (tmp_path / "mypy.ini").write_text(ini)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
        + command,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout
