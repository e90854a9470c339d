"""The typed public API: stubs match the code (stubtest), an integrator's program passes mypy --strict.

The program is docs/examples/typed_integrator.py; it also runs here and its output is compared, so the
example stays true.  mypy reads lib12333 from this checkout (MYPYPATH) with its py.typed and .pyi stubs.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "docs", "examples", "typed_integrator.py")
# Every module that ships a stub; a new .pyi must be listed here so stubtest checks it against the code.
# (stubtest reaches lib12333.records.metrics through lib12333.records: naming both makes it see a duplicate.)
STUBBED = [
    "lib12333.errors", "lib12333.masking", "lib12333.identifiers", "lib12333.categories", "lib12333.staffing",
    "lib12333.sms.pdu", "lib12333.sms.encode", "lib12333.records",
    "lib12333.routing.engine", "lib12333.secure.aes", "lib12333.secure.frame",
]

pytest.importorskip("mypy")


def _run(args, cwd, mypypath=True):
    env = dict(os.environ, PYTHONPATH=ROOT)
    if mypypath:
        env["MYPYPATH"] = ROOT
    return subprocess.run([sys.executable, "-m"] + args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_every_stub_is_checked_and_has_py_typed():
    found = []
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "lib12333")):
        for name in files:
            if name.endswith(".pyi"):
                rel = os.path.relpath(os.path.join(folder, name), ROOT)[:-4].replace(os.sep, ".")
                found.append(rel[: -len(".__init__")] if rel.endswith(".__init__") else rel)
    assert sorted(found) == sorted(STUBBED + ["lib12333.records.metrics"])
    assert os.path.isfile(os.path.join(ROOT, "lib12333", "py.typed"))


def test_stubs_match_the_code():
    r = _run(["mypy.stubtest"] + STUBBED, ROOT, mypypath=False)  # from ROOT, lib12333 is found as a folder
    assert r.returncode == 0, r.stdout + r.stderr


def test_all_matches_the_stub_and_names_exist():
    import importlib

    for name in STUBBED + ["lib12333.records.metrics"]:
        module = importlib.import_module(name)
        assert module.__all__, name
        for public in module.__all__:
            assert hasattr(module, public), (name, public)


def test_integrator_program_passes_mypy_strict(tmp_path):
    r = _run(["mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), EXAMPLE],
             str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success: no issues found in 1 source file" in r.stdout


def test_decoder_types_are_precise_and_mistakes_are_caught(tmp_path):
    """reveal_type sees Message (not Any), and a wrong use of a decoded field fails --strict."""
    program = tmp_path / "wrong.py"
    program.write_text(
        "from lib12333.sms import pdu\n"
        "m = pdu.decode_hex('00')\n"
        "reveal_type(m)\n"
        "reveal_type(m.scts)\n"
        "n: int = m.text\n"
    )
    r = _run(["mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(program)],
             str(tmp_path))
    assert r.returncode == 1, r.stdout + r.stderr
    assert 'Revealed type is "lib12333.sms.pdu.Message"' in r.stdout
    assert 'Revealed type is "lib12333.sms.scts.Timestamp | None"' in r.stdout
    assert "Incompatible types in assignment" in r.stdout and "wrong.py:5" in r.stdout


def test_integrator_program_output():
    r = subprocess.run([sys.executable, EXAMPLE], env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "SMS-SUBMIT +861******1500 您的社保卡已挂失",
        "DecodeError at TP-MR",
        "citizen_id True 110105********002X",
        "agents 35",
        "service level 1.00",
        "综合 > 综合性政策法规",
        "request 12333 600",
        "frame 7 b'hi'",
        "rejected: ValidationError",
    ]
