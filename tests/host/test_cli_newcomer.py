"""
A newcomer's mistakes get one clear line and a documented exit code, never a traceback (issue 20 review):
commands whose optional extra is not installed, a `demo --keep` folder used twice, a timeout that is no
time at all.  The missing extra is simulated by blocking its module in a fresh interpreter.
"""

import os
import subprocess
import sys

import pytest

from lib12333.host.cli import EXIT_IO, EXIT_USAGE, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BLOCK_AND_RUN = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    sys.modules[name] = None  # import of it raises ModuleNotFoundError, as when it is not installed\n"
    "from lib12333.host.cli import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def run_without(modules, *argv):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", BLOCK_AND_RUN, ",".join(modules)] + list(argv),
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


@pytest.mark.parametrize("modules, argv, extra", [
    (["jinja2"], ["console", "--db", "centre.db"], "console"),
    (["jinja2"], ["demo", "--console", "--quiet", "--keep", "{tmp}"], "console"),
    (["mpremote", "mpremote.transport"], ["deploy", "--port", "/dev/null", "--board", "host", "--dry-run"],
     "deploy"),
])
def test_a_missing_extra_is_named_not_a_traceback(tmp_path, modules, argv, extra):
    argv = [a.replace("{tmp}", str(tmp_path / "hall")) for a in argv]
    if argv[0] == "console":
        (tmp_path / "centre.db").write_bytes(b"")  # it must exist; the web stack is imported next
        argv[2] = str(tmp_path / "centre.db")
    result = run_without(modules, *argv)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == EXIT_USAGE, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "scripts/install %s" % extra in lines[0]
    assert modules[0] in lines[0]


def test_demo_keep_folder_of_an_earlier_demo_is_refused_clearly(tmp_path, capsys):
    hall = tmp_path / "hall"
    hall.mkdir()
    (hall / "centre.db").write_bytes(b"")
    code = main(["demo", "--quiet", "--keep", str(hall)])
    _out, err = capsys.readouterr()
    assert code == EXIT_USAGE
    assert "earlier demo" in err and str(hall) in err
    assert "device 1001" not in err  # not the gateway's error about a replacement board


@pytest.mark.parametrize("value", ["0", "-1"])
def test_demo_timeout_must_be_positive(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--quiet", "--timeout", value])
    assert exit_info.value.code == EXIT_USAGE
    assert "--timeout" in capsys.readouterr().err


def test_gateway_backup_names_files_not_numbers(capsys):
    with pytest.raises(SystemExit):
        main(["gateway", "backup", "--help"])
    text = capsys.readouterr().out
    assert "--to FILE" in text and "--to NUMBER" not in text
    with pytest.raises(SystemExit):
        main(["gateway", "restore", "--help"])
    assert "--from FILE" in capsys.readouterr().out


@pytest.mark.parametrize("script", ["scripts/install", "scripts/test"])
def test_scripts_answer_help_without_installing_anything(tmp_path, script):
    venv = tmp_path / "venv"
    env = dict(os.environ, VENV=str(venv), PYTHON="/nonexistent/python")  # any install step would fail
    result = subprocess.run(["bash", os.path.join(ROOT, script), "--help"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "venv" in result.stdout and not result.stdout.startswith("#")
    assert not venv.exists() and "==" not in result.stderr


def test_restore_from_a_backup_that_is_not_there_is_a_file_error(tmp_path, capsys):
    code = main(["gateway", "restore", "--db", str(tmp_path / "centre.db"), "--from", str(tmp_path / "nope.bak")])
    _out, err = capsys.readouterr()
    assert code == EXIT_IO, err  # a file that cannot be used (docs/cli.md), not a failed operation
    assert "no backup at %s" % (tmp_path / "nope.bak") in err and "Traceback" not in err


def test_cdr_convert_into_a_missing_folder_names_the_output(tmp_path, capsys):
    out = tmp_path / "no-such-folder" / "calls.csv"
    source = os.path.join(ROOT, "tests", "host", "data", "cdr", "queue_log")
    code = main(["cdr", "convert", "--format", "asterisk-queue-log", "--to", "csv", "--out", str(out), source])
    err = capsys.readouterr().err
    assert code == EXIT_IO, err
    assert "cannot write %s" % out in err and ".partial-" not in err


def test_a_list_default_is_shown_as_typed(capsys):
    with pytest.raises(SystemExit):
        main(["ismg-sim", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: +8613800571001 +8613912345678)" in text and "['" not in text


@pytest.mark.parametrize("argv, named", [
    (["--link-faults", "drop=0.1"], "--link-faults needs --link"),
    (["--interactive", "--link", "cmpp3"], "--interactive"),
    (["--interactive", "--console"], "--interactive"),
    (["--console", "--link", "smpp"], "--console"),
])
def test_demo_options_that_would_be_ignored_are_refused(argv, named, capsys):
    code = main(["demo", "--quiet"] + argv)
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and named in err, err
