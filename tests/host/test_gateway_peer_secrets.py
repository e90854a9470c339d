"""
The pairwise peer key (review of issue 13): ``gateway peer add --key-out`` had finding 10's
faults that ``device add`` no longer has -- an existing 0644 file stayed 0644, a key that
could not be written left the peer registered with a key nobody has, and a generated key
without ``--key-out`` was registered and thrown away.
"""

import os
import stat

import pytest

from lib12333.host.cli import EXIT_DATA, EXIT_IO, EXIT_OK, main
from lib12333.host.gateway import db


@pytest.fixture(autouse=True)
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def peers(gw):
    conn = db.connect(gw)
    try:
        return conn.execute("SELECT code, key FROM peers").fetchall()
    finally:
        conn.close()


def add(gw, *extra):
    return main(["gateway", "peer", "add", "--db", gw, "--code", "320000", "--number", "+8610657112320"] + list(extra))


def test_peer_key_out_into_an_existing_0644_file_ends_0600(tmp_path, capsys):
    gw, out = str(tmp_path / "centre.db"), tmp_path / "peer.key"
    out.write_bytes(b"old")
    os.chmod(out, 0o644)
    assert add(gw, "--key-out", str(out)) == EXIT_OK
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert [bytes(k) for _c, k in peers(gw)] == [out.read_bytes()]


def test_an_unwritable_peer_key_file_leaves_no_peer_registered(tmp_path, capsys):
    gw = str(tmp_path / "centre.db")
    out = tmp_path / "no-such-folder" / "peer.key"
    assert add(gw, "--key-out", str(out)) == EXIT_IO
    assert peers(gw) == []


def test_a_generated_peer_key_needs_somewhere_to_go(tmp_path, capsys):
    gw = str(tmp_path / "centre.db")
    assert add(gw) == EXIT_DATA
    assert "--key-out" in capsys.readouterr().err
    assert peers(gw) == []


def test_a_key_file_is_never_written_through_a_planted_symlink(tmp_path):
    from lib12333.host.keyfile import write_key_file

    victim = tmp_path / "readable-by-all.txt"
    victim.write_bytes(b"")
    os.chmod(victim, 0o644)
    out = tmp_path / "kiosk.key"
    os.symlink(str(victim), str(out) + ".tmp")  # planted where the key's temporary file goes
    write_key_file(str(out), bytes(range(16)))
    assert victim.read_bytes() == b"" and out.read_bytes() == bytes(range(16))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
