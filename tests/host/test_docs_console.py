"""
The `lib12333` sessions shown in docs/cli.md (and the self-contained ones of other guides) behave as shown.

Each ```console block is read as a session: ``$ lib12333 ...`` runs the command
(as ``python -m lib12333``, stdout and stderr together), the lines after it are
its expected output (``...`` stands for any text, as in doctest), and
``$ echo $?`` checks the exit status of the command before.  Other ``$`` lines
(``pip install``) are not run.
"""

import doctest
import os
import re
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# page -> the commands of its sessions that need nothing but this checkout (others need ports or files)
PAGES = {
    "cli.md": ("lib12333 ",),
    "gateway.md": ("lib12333 sms ",),
    "technician.md": ("lib12333 modem errors",),
}


def sessions(page):
    with open(os.path.join(ROOT, "docs", page), encoding="utf-8") as f:
        text = f.read()
    steps = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        current = None
        for line in block.split("\n"):
            if line.startswith("$ "):
                current = [line[2:], []]
                steps.append(current)
            elif current is not None:
                current[1].append(line)
    return steps


def cases(page):
    """(command, expected output, expected exit status or None) for every lib12333 command."""
    out = []
    for i, (command, lines) in enumerate(sessions(page)):
        if not command.startswith(PAGES[page]):
            continue
        status = None
        rest = sessions(page)[i + 1 :]
        if rest and rest[0][0] == "echo $?":
            status = int(rest[0][1][0])
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        out.append((command, "\n".join(lines) + "\n" if lines else "", status))
    return out


CASES = [(page, c) for page in PAGES for c in cases(page)]


def test_the_sessions_are_found():
    commands = [c[0] for _p, c in CASES]
    assert len(commands) >= 10
    assert any(c.startswith("lib12333 id check") for c in commands)


@pytest.mark.parametrize("page,case", CASES, ids=["%s: %s" % (p, c[0][:60]) for p, c in CASES])
def test_session(page, case):
    command, want, status = case
    argv = [sys.executable, "-m", "lib12333"] + shlex.split(command)[1:]
    proc = subprocess.run(
        argv,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        env=dict(os.environ, COLUMNS="80"),
    )
    got = proc.stdout
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert checker.check_output(want, got, flags), "%s\n--- documented ---\n%s--- actual ---\n%s" % (
        command,
        want,
        got,
    )
    if status is not None:
        assert proc.returncode == status, command
    else:
        assert proc.returncode in (0, 1), command
