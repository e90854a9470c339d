"""
The console's own tables, versioned apart from the gateway's schema.

They live in the gateway's database file (one file to back up) but are not in
``lib12333.host.gateway.db.MIGRATIONS``: the gateway runs without the console,
and the console's version is kept in its own ``console_meta`` row instead of
``PRAGMA user_version`` (which belongs to the gateway).  ``migrate(conn)`` applies
the missing steps, each in one transaction, like the gateway does.

    console_meta            key / value: ``schema`` (this module's version), ``secret`` (handle key)
    console_users           accounts: role, argon2 hash, disabled, failed-login count, locked-until
    console_sessions        sha256 of the session cookie, its CSRF token, idle and absolute expiry
    console_login_attempts  every login attempt (user name as typed, client address, ok or not)
    console_audit           who did or saw what, when, from where, and the reason they gave
    console_claims          which console user works on which request (the request store has no assignee)
"""

import os

from lib12333.errors import StorageError
from lib12333.host.gateway.db import Transaction

STEPS = (
    # 1: accounts, sessions, audit, claims; an index of the gateway's service_records by arrival time for the
    # figures page (an index only: the gateway's tables and their meaning stay the gateway's)
    """
    CREATE TABLE IF NOT EXISTS console_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS console_users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'technician', 'administrator')),
        pw_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS console_sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES console_users (username),
        csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS console_login_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL,
        client TEXT NOT NULL,
        at INTEGER NOT NULL,
        ok INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS console_attempts_client ON console_login_attempts (client, at);
    CREATE INDEX IF NOT EXISTS console_attempts_user ON console_login_attempts (username, at);
    CREATE TABLE IF NOT EXISTS console_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        username TEXT NOT NULL,
        client TEXT NOT NULL,
        action TEXT NOT NULL,
        object TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE IF NOT EXISTS console_claims (
        ref TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        claimed_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS console_service_arrival ON service_records (channel, arrival)
    """,
)
VERSION = len(STEPS)


def version(conn):
    row = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'console_meta'").fetchone()
    if row is None:
        return 0
    row = conn.execute("SELECT value FROM console_meta WHERE key = 'schema'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn):
    """Bring the console tables of ``conn`` (a gateway database connection) up to ``VERSION``."""
    current = version(conn)
    if current > VERSION:
        raise StorageError("console schema version %d is newer than this lib12333 (%d)" % (current, VERSION))
    for number in range(current + 1, VERSION + 1):
        with Transaction(conn):
            for statement in STEPS[number - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO console_meta (key, value) VALUES ('schema', ?)"
                         " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(number),))
            # The key that turns card numbers into opaque URL handles (store.card_handle).
            conn.execute("INSERT OR IGNORE INTO console_meta (key, value) VALUES ('secret', ?)",
                         (os.urandom(16).hex(),))
