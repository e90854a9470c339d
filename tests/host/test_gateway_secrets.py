"""
Secrets on disk (issue 13, finding 10): the gateway database holds every device key in
clear, so it and its WAL/SHM files are created readable by the owner only; a key file
written by ``--key-out`` ends 0600 even when it existed before; and a key that cannot be
written leaves no device registered with a key nobody has.
"""

import os
import stat

import pytest

from lib12333.host.cli import EXIT_IO, EXIT_OK, main
from lib12333.host.gateway import admin, db


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def loose_umask():
    old = os.umask(0o022)  # what most shells have: files 0644 unless the program says otherwise
    yield
    os.umask(old)


def test_a_new_gateway_database_and_its_wal_and_shm_are_owner_only(tmp_path):
    path = str(tmp_path / "centre.db")
    conn = db.connect(path)
    admin.add_device(conn, 1001, os.urandom(16), now=1)
    for name in (path, path + "-wal", path + "-shm"):
        assert os.path.exists(name), name
        assert mode(name) == 0o600, (name, oct(mode(name)))
    conn.close()


def test_an_existing_readable_database_is_tightened_on_open(tmp_path):
    path = str(tmp_path / "centre.db")
    db.connect(path).close()
    os.chmod(path, 0o644)
    conn = db.connect(path)
    assert mode(path) == 0o600
    conn.close()


def test_the_request_store_beside_it_is_owner_only(tmp_path):
    from lib12333.host.requests_store import RequestStore

    path = str(tmp_path / "centre.db.requests")
    store = RequestStore(path)
    assert mode(path) == 0o600
    store.close()


def test_key_out_into_an_existing_0644_file_ends_0600(tmp_path, capsys):
    gw, out = str(tmp_path / "centre.db"), tmp_path / "kiosk.key"
    out.write_bytes(b"old")
    os.chmod(out, 0o644)
    assert main(["gateway", "device", "add", "--db", gw, "--device-id", "1001", "--key-out", str(out)]) == EXIT_OK
    assert mode(out) == 0o600
    key = out.read_bytes()
    assert len(key) == 16
    conn = db.connect(gw)
    assert bytes(conn.execute("SELECT key FROM devices WHERE device_id = 1001").fetchone()[0]) == key


def test_an_unwritable_key_file_leaves_no_device_registered(tmp_path, capsys):
    gw = str(tmp_path / "centre.db")
    out = tmp_path / "no-such-folder" / "kiosk.key"
    assert main(["gateway", "device", "add", "--db", gw, "--device-id", "1001", "--key-out", str(out)]) == EXIT_IO
    assert "kiosk.key" in capsys.readouterr().err
    conn = db.connect(gw)
    assert conn.execute("SELECT COUNT(*) FROM devices").fetchone()[0] == 0
    # ... so the same id can be added once the folder exists.
    out.parent.mkdir()
    assert main(["gateway", "device", "add", "--db", gw, "--device-id", "1001", "--key-out", str(out)]) == EXIT_OK
    assert len(out.read_bytes()) == 16
    assert not [p for p in os.listdir(out.parent) if p != "kiosk.key"]  # no temporary file left behind
