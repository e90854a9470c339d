"""
Every ``lib12333`` sub-command answers ``--help``, and docs/cli.md lists exactly the commands that exist.

The command tree is read from ``lib12333.host.cli.build_parser()`` (the same
parser the program uses), so adding a ``cmd_<name>.py`` without documenting it
in docs/cli.md -- or documenting a command that is gone -- fails here.
"""

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys

import pytest

from lib12333.host.cli import build_parser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI_DOC = os.path.join(ROOT, "docs", "cli.md")
# A command row of the table in docs/cli.md: | `lib12333 gateway device add` | ... |
DOC_ROW = re.compile(r"^\| `lib12333((?: [a-z][a-z0-9-]*)*)` \|")


def command_paths(parser=None, prefix=()):
    """Canonical paths of every (sub-)command: ('gateway', 'device', 'add'), ... (aliases left out)."""
    parser = parser or build_parser()
    found = []
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        # _choices_actions has one entry per add_parser() call, named by the canonical name.
        for choice in action._choices_actions:
            path = prefix + (choice.dest,)
            found.append(path)
            found.extend(command_paths(action.choices[choice.dest], path))
    return found


def documented_paths():
    with open(CLI_DOC, encoding="utf-8") as f:
        rows = [DOC_ROW.match(line) for line in f]
    return [tuple(m.group(1).split()) for m in rows if m and m.group(1)]


PATHS = command_paths()


def test_the_tree_is_found():
    # The walk must see nested commands, or the checks below would pass vacuously.
    assert ("gateway", "device", "add") in PATHS
    assert ("deploy",) in PATHS
    assert len(PATHS) >= 40


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) for p in PATHS])
def test_every_command_answers_help(path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(list(path) + ["--help"])
    assert exit_info.value.code == 0
    text = out.getvalue()
    assert text.startswith("usage: lib12333 " + " ".join(path)), text[:200]


def test_top_level_help_through_the_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "lib12333", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for path in PATHS:
        if len(path) == 1:
            assert path[0] in result.stdout


def test_every_command_is_documented():
    missing = sorted(set(PATHS) - set(documented_paths()))
    assert not missing, "commands missing from docs/cli.md: " + ", ".join(" ".join(p) for p in missing)


def test_every_documented_command_exists():
    documented = documented_paths()
    assert len(documented) == len(set(documented)), "a command is listed twice in docs/cli.md"
    stale = sorted(set(documented) - set(PATHS))
    assert not stale, "docs/cli.md lists commands that do not exist: " + ", ".join(" ".join(p) for p in stale)


def _parser_for(path):
    parser = build_parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def test_the_json_and_show_pii_columns_match_the_options():
    with open(CLI_DOC, encoding="utf-8") as f:
        rows = [re.match(r"^\| `lib12333((?: [a-z][a-z0-9-]*)*)` \| (yes|) \| (yes|) \|", line) for line in f]
    columns = dict((tuple(m.group(1).split()), (m.group(2) == "yes", m.group(3) == "yes")) for m in rows if m)
    assert set(columns) == set(PATHS)
    wrong = []
    for path in PATHS:
        options = set(o for a in _parser_for(path)._actions for o in a.option_strings)
        if columns[path] != ("--json" in options, "--show-pii" in options):
            wrong.append(" ".join(path))
    assert not wrong, "docs/cli.md --json / --show-pii columns are wrong for: " + ", ".join(wrong)


def test_the_exit_code_table_matches_the_code():
    from lib12333.host import cli

    with open(CLI_DOC, encoding="utf-8") as f:
        text = f.read()
    table = dict(re.findall(r"^\| (\d) \| `(EXIT_[A-Z]+)` \|", text, re.M))
    constants = dict((str(getattr(cli, name)), name) for name in dir(cli) if name.startswith("EXIT_"))
    assert table == constants
