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


# ---------------------------------------------------------------- one vocabulary (issue 20)

def _help_text(path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        build_parser().parse_args(list(path) + ["--help"])
    return out.getvalue()


HELP = dict((path, _help_text(path)) for path in PATHS)
# Leaf commands whose output is not data: a transcript, a running emulator, a file written.
# demo and card sim run until stopped, cdr convert writes files, console user reset only confirms a change
NO_JSON = {("demo",), ("card", "sim"), ("cdr", "convert"), ("console", "user", "reset")}


def _arguments(path):
    return [a for a in _parser_for(path)._actions
            if not isinstance(a, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction))]


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) for p in PATHS])
def test_every_command_has_a_description(path):
    # usage, blank line, then the description before the first argument section
    text = HELP[path]
    body = text.split("\n\n", 1)[1] if "\n\n" in text else ""
    assert body and not body.startswith(("positional arguments:", "options:")), text[:400]


def test_every_argument_has_help():
    missing = ["%s %s" % (" ".join(path), (a.option_strings or [a.dest])[0])
               for path in PATHS for a in _arguments(path) if not a.help]
    assert not missing, "arguments without help: " + ", ".join(missing)


def test_every_level_of_sub_commands_is_called_COMMAND():
    for path in [()] + PATHS:
        parser = _parser_for(path)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                assert action.metavar == "COMMAND", path
                usage = parser.format_usage()
                assert " COMMAND ..." in usage, usage


def test_an_option_has_one_placeholder_everywhere():
    # read from the rendered usage lines, as a user sees them ({choices} lists are the choices themselves)
    seen = {}
    for path, text in HELP.items():
        usage = text.split("\n\n", 1)[0]
        for option, placeholder in re.findall(r"(--[a-z][a-z0-9-]*) ([A-Z][A-Z_|.]*)", usage):
            seen.setdefault(option, {}).setdefault(placeholder, []).append(" ".join(path))
    # --time is Unix seconds in frame seal and a local date and time in route explain;
    # --out is a FILE or a DIR, as the command writes one file or several;
    # --to is where a message goes (NUMBER) and where `gateway backup` writes its copy (FILE)
    mixed = dict((o, p) for o, p in seen.items() if len(p) > 1 and o not in ("--time", "--out", "--to"))
    assert not mixed, mixed
    for option, placeholder in (("--db", "FILE"), ("--key-file", "FILE"), ("--port", "PORT"),
                                ("--device-id", "ID"), ("--card", "CARD"), ("--timeout", "SECONDS")):
        assert list(seen[option]) == [placeholder], (option, seen[option])
    assert "sms encode" in seen["--to"]["NUMBER"], seen["--to"]
    assert seen["--to"]["FILE"] == ["gateway backup"], seen["--to"]


def test_one_name_for_one_thing():
    # a device is --device-id and a card number --card in every command; the old spellings still work
    for text in HELP.values():
        assert not re.search(r"--device\b(?!-)", text) and "--card-number" not in text
    parser = build_parser()
    args = parser.parse_args(["frame", "seal", "--type", "ack", "--device", "1001", "--seq", "1", "--time", "0",
                              "--fields", "{}"])
    assert args.device == 1001
    assert parser.parse_args(["card", "sim", "--pty", "--card-number", "A12345678"]).card_number == "A12345678"
    assert parser.parse_args(["card", "sim", "--pty", "--card", "A12345678"]).card_number == "A12345678"


def test_defaults_are_shown():
    hidden = []
    for path in PATHS:
        for a in _arguments(path):
            if a.nargs == 0 or a.default in (None, "", [], argparse.SUPPRESS):
                continue
            if "default" not in (a.help or ""):
                hidden.append("%s %s" % (" ".join(path), a.option_strings[0] if a.option_strings else a.dest))
    assert not hidden, "defaults not shown: " + ", ".join(hidden)
    assert "(default: 60.0)" in HELP[("demo",)] and "(default:\n" not in HELP[("demo",)]
    assert re.search(r"\(default:\s+10\.0\)", HELP[("deploy",)])


def test_commands_whose_output_is_data_have_json():
    leaves = [p for p in PATHS if not any(isinstance(a, argparse._SubParsersAction) for a in _parser_for(p)._actions)]
    without = set(p for p in leaves if "--json" not in HELP[p])
    assert without == NO_JSON, sorted(without ^ NO_JSON)


def test_hand_wrapped_descriptions_do_not_break_mid_phrase():
    # a line much shorter than its neighbours inside a paragraph is a wrap gone wrong
    for path, text in HELP.items():
        paragraphs = text.split("\n\n")
        for paragraph in paragraphs[1:]:
            lines = paragraph.split("\n")
            if len(lines) < 3 or any(line.startswith(" ") for line in lines):
                continue  # examples, option lists
            for line in lines[:-1]:
                assert len(line) >= 50, (" ".join(path), line)
