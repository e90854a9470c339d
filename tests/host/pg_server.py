"""
A real PostgreSQL server for the tests: Debian's initdb / pg_ctl in a temporary folder,
listening on 127.0.0.1 and a free port, run as an unprivileged user when the tests run as
root (PostgreSQL refuses to run as root).

    server = PgServer(); server.start()   # its own folder under /tmp (reachable by the server's user)
    url = server.new_database()        # a fresh empty database per test
    server.restart(); server.stop(); server.remove()
"""

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess


def _bindir():
    for name in ("pg_ctl", "initdb"):
        found = shutil.which(name)
        if found:
            return os.path.dirname(os.path.realpath(found))
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not dirs:
        raise RuntimeError("PostgreSQL server programs not found: apt-get install postgresql (scripts/apt-packages.txt)")
    return dirs[-1]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, durable=False):
        import tempfile

        self.durable = durable  # False (tests): fsync=off, nothing survives a machine crash, much faster
        # Not under pytest's tmp_path: its parents are private to root, the server's user could not enter.
        self.folder = tempfile.mkdtemp(prefix="lib12333-pg-")
        self.data = os.path.join(self.folder, "data")
        self.bindir = _bindir()
        self.port = _free_port()
        self.user = "nobody" if os.geteuid() == 0 else None
        self._names = itertools.count(1)

    def _run(self, *argv, check=True):
        cmd = [os.path.join(self.bindir, argv[0])] + list(argv[1:])
        if self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self):
        os.makedirs(self.folder, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chmod(self.folder, 0o755)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        if not os.path.isdir(self.data):
            self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self):
        opts = "-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=200" % (self.port, self.folder)
        if not self.durable:
            opts += " -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "log"), "-o", opts, "-w", "start")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def restart(self, mode="fast"):
        self.stop(mode)
        self._pg_ctl_start()

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, dbname="postgres"):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port, dbname)

    def new_database(self):
        import psycopg

        name = "t%d" % next(self._names)
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE %s" % name)
        return self.url(name)

