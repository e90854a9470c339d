"""
PostgreSQL backups and restores attacked as an operations team would run them (review of issue 16):
the same safe rules as SQLite's (tests/host/test_gateway_restore_review.py) and no password in a
process list, a log or an error message.
"""

import subprocess

import psycopg
import pytest

from lib12333.errors import StorageError
from lib12333.host.gateway import backup, db, pg

from .test_gateway_restore import NOW, setup

PASSWORD = "Hz-12333-s3cret"


def _databases(server):
    with psycopg.connect(server.url(), autocommit=True) as conn:
        return sorted(r[0] for r in conn.execute("SELECT datname FROM pg_database"))


def test_a_restore_while_a_worker_holds_the_database_is_refused_before_anything_is_made(pg_server, tmp_path):
    live = pg_server.new_database()
    setup(live)
    saved = str(tmp_path / "backup.sql")
    backup.backup(live, saved, now=NOW)
    worker = db.connect(live)  # a gateway worker, idle between two frames
    before = _databases(pg_server)
    with pytest.raises(StorageError, match="stop every gateway worker"):
        backup.restore(saved, live, now=NOW + 10)
    assert _databases(pg_server) == before  # no half-made <name>_restoring left behind
    worker.close()
    assert backup.restore(saved, live, now=NOW + 20)["live_database"] == "read"


@pytest.fixture()
def password_url(pg_server):
    """A database owned by a role that must give its password (scram), as in production."""
    name = pg_server.new_database().rsplit("/", 1)[1]
    role = "ops_" + name
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute("CREATE ROLE %s LOGIN CREATEDB PASSWORD '%s'" % (role, PASSWORD))
        conn.execute("ALTER DATABASE %s OWNER TO %s" % (name, role))
    hba = pg_server.data + "/pg_hba.conf"
    with open(hba) as f:
        lines = f.read()
    with open(hba, "w") as f:
        f.write("host all %s 127.0.0.1/32 scram-sha-256\n" % role + lines)
    pg_server._run("pg_ctl", "-D", pg_server.data, "reload")
    return "postgresql://%s:%s@127.0.0.1:%d/%s" % (role, PASSWORD, pg_server.port, name)


def test_no_password_in_the_client_programs_arguments(password_url, tmp_path, monkeypatch):
    with pytest.raises(psycopg.OperationalError, match="password"):  # the server really asks for it
        psycopg.connect(password_url.replace(PASSWORD, "wrong")).close()
    setup(password_url)
    seen = []
    real_run = subprocess.run

    def recording_run(argv, *a, **kw):
        seen.append(list(argv))  # what `ps` would show while it runs
        return real_run(argv, *a, **kw)

    monkeypatch.setattr(subprocess, "run", recording_run)
    saved = str(tmp_path / "backup.sql")
    report = backup.backup(password_url, saved, now=NOW)
    restored = backup.restore(saved, password_url, now=NOW + 10)
    assert report["devices"] == 1 and restored["live_database"] == "read"
    names = [argv[0].rsplit("/", 1)[-1] for argv in seen]
    assert "pg_dump" in names and "psql" in names
    assert not [argv for argv in seen if any(PASSWORD in str(a) for a in argv)], seen
    assert PASSWORD not in open(saved).read() and PASSWORD not in repr(restored)


def test_a_malformed_url_never_shows_its_password():
    url = "postgresql://ops:%s with space@127.0.0.1:1/centre" % PASSWORD
    with pytest.raises(pg.BackendError) as caught:
        db.connect(url)
    assert PASSWORD not in str(caught.value)


def test_backup_and_restore_commands_never_print_the_password(password_url, tmp_path):
    from tests.host.test_gateway import cli

    setup(password_url)
    saved = str(tmp_path / "backup.sql")
    for argv in (("backup", "--db", password_url, "--to", saved), ("restore", "--db", password_url, "--from", saved)):
        r = cli("gateway", *argv)
        assert r.returncode == 0, r.stderr
        assert PASSWORD not in r.stdout + r.stderr, r.stderr
    r = cli("gateway", "restore", "--db", password_url.replace(PASSWORD, "wrong-" + PASSWORD), "--from", saved)
    assert r.returncode == 4 and "password authentication failed" in r.stderr
    assert PASSWORD not in r.stdout + r.stderr, r.stderr


def test_a_backup_cut_by_the_server_going_away_leaves_no_file(pg_server, tmp_path, monkeypatch):
    """pg_dump fails (the server stopped, the connection cut): no truncated, unmarked dump is left
    where the next `gateway restore` -- or a `psql -f` by hand -- would take it for a backup."""
    from lib12333.host.gateway import pg, pg_backup

    saved = str(tmp_path / "backup.sql")
    gone = "postgresql://postgres@127.0.0.1:1/centre"  # nothing listens there
    with pytest.raises(pg.ConnectionLost, match="PostgreSQL"):  # found before pg_dump runs
        backup.backup(gone, saved, now=NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    live = pg_server.new_database()
    setup(live)
    # the server reachable, pg_dump failing on the way (a real program that writes and exits 1)
    failing = tmp_path / "pg_dump"
    failing.write_text("#!/bin/sh\nwhile [ \"$1\" != --file ]; do shift; done\necho 'CREATE TABLE half' > \"$2\"\n"
                       "echo 'pg_dump: error: connection lost' >&2\nexit 1\n")
    failing.chmod(0o755)
    monkeypatch.setattr(pg_backup, "_tool", lambda name: str(failing))
    with pytest.raises(StorageError, match="pg_dump failed: pg_dump: error: connection lost"):
        backup.backup(live, saved, now=NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pg_dump"]  # its half-written dump removed
    monkeypatch.undo()
    assert backup.backup(live, saved, now=NOW)["devices"] == 1  # the same name can be used once it works
    with open(saved) as f:
        assert sqlite_mark() in f.read()


def sqlite_mark():
    from lib12333.host.gateway import backup as sqlite_backup

    return sqlite_backup.MARK


@pytest.mark.slow  # a restore raced by a worker process
def test_a_worker_starting_during_the_restore_leaves_the_live_database_and_no_staging_copy(pg_server, tmp_path,
                                                                                            monkeypatch):
    from lib12333.host.gateway import pg_backup

    live = pg_server.new_database()
    setup(live)
    saved = str(tmp_path / "backup.sql")
    backup.backup(live, saved, now=NOW)
    before = _databases(pg_server)
    started = []
    real_check = pg_backup._refuse_if_in_use

    def check_then_a_worker_starts(admin_conn, name):
        real_check(admin_conn, name)
        started.append(db.connect(live))  # a worker (re)started by its supervisor just after the check

    monkeypatch.setattr(pg_backup, "_refuse_if_in_use", check_then_a_worker_starts)
    with pytest.raises(StorageError, match="stop every gateway worker"):
        backup.restore(saved, live, now=NOW + 10)
    assert _databases(pg_server) == before
    started[0].close()


def test_a_password_given_as_a_url_parameter_is_masked_and_kept_off_command_lines(password_url, tmp_path,
                                                                                    monkeypatch):
    user_host, name = password_url.split("@", 1)
    user = user_host.split("://", 1)[1].split(":", 1)[0]
    url = "postgresql://%s@%s?password=%s&application_name=gw1" % (user, name, PASSWORD)  # libpq's other spelling
    assert PASSWORD not in pg.masked(url)
    setup(url)
    seen = []
    real_run = subprocess.run

    def recording_run(argv, *a, **kw):
        seen.append(list(argv))
        return real_run(argv, *a, **kw)

    monkeypatch.setattr(subprocess, "run", recording_run)
    saved = str(tmp_path / "backup.sql")
    backup.backup(url, saved, now=NOW)
    assert backup.restore(saved, url, now=NOW + 10)["live_database"] == "read"
    assert seen and not [argv for argv in seen if any(PASSWORD in str(a) for a in argv)], seen
    assert PASSWORD not in open(saved).read()
