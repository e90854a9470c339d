"""
``gateway backup`` / ``gateway restore`` of a PostgreSQL gateway database: the same safe
procedure as SQLite's (lib12333.host.gateway.backup, docs/gateway.md "Backups").

backup: ``pg_dump`` (one consistent snapshot, while the workers keep running) into an
owner-only SQL file, and at its end the backup mark: whoever loads the file by hand
(``psql -f``) gets a database the gateway refuses to run on, because its sealing
counters are old.

restore (every worker stopped): the file is loaded into a new database ``<name>_restoring``
on the same server, brought to the current schema, given the keys and revocations of the
database it replaces and every sealing counter moved past anything used (the very
functions SQLite's restore uses); then the databases are renamed: the replaced one to
``<name>_before_restore_<time>``, the new one to ``<name>``.  A failure before the renames
leaves the live database untouched.
"""

import os
import shutil
import subprocess
import time
from urllib.parse import urlsplit, urlunsplit

from lib12333.errors import StorageError
from lib12333.host.gateway import backup as sqlite_backup
from lib12333.host.gateway import db, pg


def _tool(name):
    found = shutil.which(name)
    if found is None:
        import glob

        found = (sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name)) or [None])[-1]
    if found is None:
        raise StorageError("%s not found: install the PostgreSQL client programs (Debian: postgresql-client)" % name)
    return found


def _run(argv, url, what):
    """Run a PostgreSQL client program on the database ``url``.  The password goes in the
    environment (PGPASSWORD), never on the command line, where every user's ``ps`` shows it."""
    secret = pg.password(url)
    env = dict(os.environ)
    if secret is not None:
        env["PGPASSWORD"] = secret
    done = subprocess.run(argv + [_without_password(url)], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise StorageError("%s failed: %s" % (what, pg._hide(done.stderr.strip(), url)[-400:]))


def _without_password(url):
    from urllib.parse import parse_qsl, urlencode

    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = user.split(":", 1)[0] + "@" + host
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _with_db(url, name):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _name(url):
    return urlsplit(url).path.strip("/") or "postgres"


def backup(url, to_path, now=None):
    now = int(now if now is not None else time.time())
    if os.path.exists(to_path):
        raise StorageError("%s exists: a backup never overwrites a file" % to_path)
    # First the database itself: a server that cannot be reached, or a database with no gateway tables, is
    # the same error (and exit status) as for every other command -- not a pg_dump failure.
    conn = db.connect(url, create=False)
    try:
        return _dump(conn, url, to_path, now)
    finally:
        conn.close()


def _dump(conn, url, to_path, now):
    os.makedirs(os.path.dirname(os.path.abspath(to_path)), mode=0o700, exist_ok=True)
    # Dumped under another name, renamed once complete and marked: a dump cut short (the server went
    # away, pg_dump killed) is never found where a backup is expected.
    partial = to_path + ".partial"
    sqlite_backup._remove(partial)
    db.owner_only(partial)  # the dump holds every device key
    try:
        _run([_tool("pg_dump"), "--format=plain", "--no-owner", "--no-privileges", "--file", partial], url, "pg_dump")
        with open(partial, "a", encoding="utf-8") as f:
            for name, value in ((sqlite_backup.MARK, pg.masked(url)), ("backup_at", str(now))):
                f.write("INSERT INTO public.meta (name, value) VALUES ('%s', '%s') ON CONFLICT (name) DO UPDATE SET "
                        "value = excluded.value;\n" % (name, value.replace("'", "''")))
            f.flush()
            os.fsync(f.fileno())
        os.link(partial, to_path)  # never over a file that appeared meanwhile (FileExistsError)
    finally:
        sqlite_backup._remove(partial)
    devices = conn.execute("SELECT COUNT(*) FROM devices").fetchone()[0]
    applied = conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0]
    # the citizen requests are tables of the same database: in the dump, restored with it
    return {"backup": to_path, "requests": None, "at": now, "devices": devices, "applied": applied}


def _refuse_if_in_use(admin, name):
    """StorageError while another session (a gateway worker, a console) is connected to ``name``."""
    row = admin.execute("SELECT COUNT(*), string_agg(DISTINCT coalesce(nullif(application_name, ''), client_addr::text,"
                        " 'local'), ', ') FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()",
                        (name,)).fetchone()
    if row[0]:
        raise StorageError("database %s is in use by %d session(s) (%s): stop every gateway worker first; "
                           "nothing was changed" % (name, row[0], row[1]))


def _load(backup_path, url, staging_url, admin, name, now):
    """Load the backup into the staging database and make it safe to run on: (devices, peers, live state)."""
    _run([_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", backup_path], staging_url, "loading the backup")
    conn = db.connect(staging_url)  # migrates a backup made by an older lib12333
    live, state = None, "missing"
    if admin.execute("SELECT 1 FROM pg_database WHERE datname = ?", (name,)).fetchone():
        try:
            live, state = db.connect(url, create=False), "read"
        except (pg.BackendError, StorageError) as exc:
            state = "unreadable: %s" % exc
    sources = [live] if live is not None else []
    try:
        sqlite_backup._same_centre(conn, sources)
        with db.Transaction(conn):
            for source in sources:
                sqlite_backup._carry_forward(source, conn)
            devices, peers = sqlite_backup._jump_counters(sources, conn)
            conn.execute("DELETE FROM meta WHERE name = ?", (sqlite_backup.MARK,))
            conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('restored_at', ?)", (str(now),))
    finally:
        conn.close()
        if live is not None:
            live.close()
    return devices, peers, state


def restore(backup_path, url, now=None):
    now = int(now if now is not None else time.time())
    if not os.path.isfile(backup_path):
        raise StorageError("no backup at %s" % backup_path)
    name = _name(url)
    staging, aside = name + "_restoring", "%s_before_restore_%d" % (name, now)
    admin = pg.PgConnection(_with_db(url, "postgres"))
    try:
        _refuse_if_in_use(admin, name)  # first: nothing is made while a worker can still write
        admin.execute('DROP DATABASE IF EXISTS "%s"' % staging)
        admin.execute('CREATE DATABASE "%s"' % staging)
        previous = None
        try:
            devices, peers, state = _load(backup_path, url, _with_db(url, staging), admin, name, now)
            if state != "missing":
                try:
                    admin.execute('ALTER DATABASE "%s" RENAME TO "%s"' % (name, aside))
                except pg.BackendError as exc:
                    raise StorageError("database %s is in use: stop every gateway worker first; nothing was "
                                       "changed (%s)" % (name, exc)) from exc
                previous = aside
        except BaseException:
            admin.execute('DROP DATABASE IF EXISTS "%s"' % staging)  # the live database was not touched
            raise
        admin.execute('ALTER DATABASE "%s" RENAME TO "%s"' % (staging, name))
    finally:
        admin.close()
    return {"restored_from": backup_path, "database": pg.masked(url), "previous": previous, "live_database": state,
            "devices": devices, "peers": peers}
