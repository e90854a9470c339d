"""
Workers behind pgbouncer in transaction mode (a real pgbouncer in front of the test's PostgreSQL):
psycopg's server-side prepared statements break there (the next transaction may run on another
server connection); with LIB12333_PG_PREPARE=0 every frame is applied once.
"""

import os
import shutil
import socket
import subprocess
import time

import pytest

from lib12333.errors import StorageError
from lib12333.host.gateway import db
from lib12333.host.gateway.centre import Centre
from tests.host import gateway_fleet as F

pytestmark = pytest.mark.slow  # starts pgbouncer in front of PostgreSQL


@pytest.fixture()
def bouncer(pg_server):
    """(URL through pgbouncer in transaction mode, URL of the database itself)."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        raise RuntimeError("pgbouncer not found: apt-get install pgbouncer (scripts/apt-packages.txt)")
    url = pg_server.new_database()
    name = url.rsplit("/", 1)[1]
    folder = os.path.join(pg_server.folder, "bouncer-" + name)
    os.makedirs(folder)
    os.chmod(folder, 0o777)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(os.path.join(folder, "pgbouncer.ini"), "w") as f:
        f.write("[databases]\n%s = host=127.0.0.1 port=%d dbname=%s user=postgres\n[pgbouncer]\n"
                "listen_addr = 127.0.0.1\nlisten_port = %d\nauth_type = trust\nauth_file = %s/users.txt\n"
                "pool_mode = transaction\ndefault_pool_size = 2\nlogfile = %s/pgbouncer.log\n"
                % (name, pg_server.port, name, port, folder, folder))
    with open(os.path.join(folder, "users.txt"), "w") as f:
        f.write('"postgres" ""\n')
    cmd = [binary, os.path.join(folder, "pgbouncer.ini")]
    if pg_server.user:
        cmd = ["runuser", "-u", pg_server.user, "--"] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield "postgresql://postgres@127.0.0.1:%d/%s" % (port, name), url
    proc.terminate()
    proc.wait(10)


def _run(url, frames):
    workers = [Centre(db.connect(url), F.UNIT, centre_code="330100") for _ in range(3)]
    outcomes = []
    for i, (sender, data) in enumerate(frames):
        try:
            outcomes.append(workers[i % 3].handle(sender, data, F.NOW).split(":")[0])
        except StorageError as exc:
            outcomes.append(str(exc))
    for w in workers:
        w.conn.close()
    return outcomes


def test_workers_behind_a_transaction_pooler_need_prepared_statements_off(bouncer, monkeypatch):
    through, direct = bouncer
    F.setup(direct, 4)
    frames = F.frames(4, per_kiosk=8, replay_share=0)
    half = len(frames) // 2
    broken = _run(through, frames[:half])  # prepared statements on (psycopg's default after 5 runs)
    assert any("prepared statement" in o for o in broken), broken
    monkeypatch.setenv("LIB12333_PG_PREPARE", "0")
    retried = [f for f, o in zip(frames[:half], broken) if o not in ("applied", "duplicate")]
    outcomes = _run(through, retried + frames[half:])
    assert set(outcomes) == {"applied"}, outcomes
    check = db.connect(direct)
    assert check.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == len(frames)
