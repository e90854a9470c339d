"""
``lib12333 gateway migrate|status --db URL`` attacked as a provincial centre's operations team
would meet it (review of issue 16): several workers migrating a fresh database at the same
moment, a read-only command pointed at the wrong (empty) database, a URL of another kind of
database, a database migrated by a newer lib12333.  Exit codes as docs/cli.md says.
"""

import json
import os

import psycopg
import pytest

from lib12333.host.gateway import db, pg
from tests.host.polling import run_at_once
from tests.host.test_gateway import cli


def _tables(url):
    with psycopg.connect(url) as conn:
        return sorted(r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))


def at_once(conns, work):
    """``work(conn)`` in one thread per connection, all released at the same moment: the failures' texts."""
    failures = []

    def run(conn):
        try:
            work(conn)
        except Exception as exc:  # noqa: BLE001 -- any failure is the finding
            failures.append(str(exc))

    run_at_once(run, [(c,) for c in conns])
    return failures


def test_workers_migrating_a_fresh_database_at_the_same_moment_all_succeed(pg_server):
    for _ in range(4):
        url = pg_server.new_database()
        conns = [pg.PgConnection(url) for _ in range(6)]
        assert at_once(conns, lambda conn: pg.migrate(conn, db.MIGRATIONS)) == []
        assert conns[0].execute("SELECT COUNT(*), MAX(version) FROM schema_version").fetchone() == (1, db.VERSION)
        for c in conns:
            c.close()


def test_status_on_an_empty_database_says_so_and_creates_nothing(pg_server):
    url = pg_server.new_database()  # e.g. a typo in the database name that hit another, empty one
    r = cli("gateway", "status", "--db", url, "--json")
    assert r.returncode == 4, (r.returncode, r.stderr)
    assert "gateway migrate" in r.stderr and r.stdout == ""
    assert _tables(url) == []  # a read-only command wrote nothing
    assert cli("gateway", "migrate", "--db", url, "--json").returncode == 0
    r = cli("gateway", "status", "--db", url, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["workers"] == [] and report["kiosks"] == [] and report["oldest_unanswered"] is None


def test_a_url_of_another_kind_of_database_is_refused_as_bad_input(tmp_path):
    for url in ("mysql://ops:Hz-s3cret@127.0.0.1:3306/centre", "postgresql+psycopg://ops:Hz-s3cret@127.0.0.1/centre",
                "PostgreSQL://ops:Hz-s3cret@127.0.0.1/centre"):
        r = cli("gateway", "migrate", "--db", url, "--json")
        assert r.returncode == 3, (url, r.returncode, r.stderr)
        assert "postgresql://" in r.stderr and "Hz-s3cret" not in r.stderr + r.stdout, r.stderr
    assert not [n for n in os.listdir(tmp_path)]


def test_a_database_migrated_by_a_newer_lib12333_is_refused(pg_server):
    url = pg_server.new_database()
    conn = db.connect(url)
    conn.execute("UPDATE schema_version SET version = ?", (db.VERSION + 1,))
    conn.close()
    for command in ("migrate", "status"):
        r = cli("gateway", command, "--db", url, "--json")
        assert r.returncode == 5, (command, r.returncode, r.stderr)
        assert "newer than this lib12333" in r.stderr
    with psycopg.connect(url) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchone()[0] == db.VERSION + 1


def test_a_full_server_while_reconnecting_is_retried_not_fatal(pg_server):
    """After a PostgreSQL restart every worker reconnects at once; "too many connections" (SQLSTATE 53300)
    or "the database system is starting up" (57P03) must be retried like the outage itself, not stop the
    gateway (lib12333.host.gateway.service retries ConnectionLost only)."""
    url = pg_server.new_database()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(pg_server.url(), autocommit=True) as admin_conn:
        admin_conn.execute("CREATE ROLE busy_%s LOGIN CONNECTION LIMIT 1" % name)
    busy = url.replace("postgres@", "busy_%s@" % name)
    first = pg.PgConnection(busy)
    try:
        with pytest.raises(pg.ConnectionLost, match="too many connections"):
            pg.PgConnection(busy)
    finally:
        first.close()  # (the server frees the slot a moment later: not tried again here)


def test_backup_of_an_unreachable_server_or_an_empty_database_fails_like_every_other_command(pg_server, tmp_path):
    from tests.host.pg_server import _free_port

    nobody = "postgresql://ops:Hz-s3cret@127.0.0.1:%d/centre" % _free_port()  # nothing listens there
    for url in (nobody, pg_server.new_database()):  # the second: a database with no gateway tables
        to = str(tmp_path / "centre.backup")
        r = cli("gateway", "backup", "--db", url, "--to", to, "--json")
        assert r.returncode == 4, (url, r.returncode, r.stderr)  # as `gateway status` (docs/cli.md: 4)
        assert "PostgreSQL" in r.stderr and "Hz-s3cret" not in r.stderr + r.stdout, r.stderr
        assert not os.path.exists(to) and not os.path.exists(to + ".partial")
