"""
The console on both back ends of the gateway store (issue 17): its tables are a gateway migration
(``gateway migrate`` creates them on SQLite and PostgreSQL), a SQLite file the console used before that
migration keeps its accounts, and two consoles claiming one request at once leave exactly one claimer.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading

import pytest

pytest.importorskip("starlette")
pytest.importorskip("argon2")

from lib12333 import citizen_requests as R  # noqa: E402
from lib12333.host.console.app import Console  # noqa: E402
from lib12333.host.gateway import db  # noqa: E402
from tests.host.console_support import CENTRE, NOW, PASSWORD, PHONE, USERS, build, client, login  # noqa: E402
from tests.host.polling import run_at_once  # noqa: E402

CONSOLE_TABLES = {"console_meta", "console_users", "console_sessions", "console_login_attempts", "console_audit",
                  "console_claims"}


def _tables(conn):
    if db.is_postgresql(conn):
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    else:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


def _lib12333(*args):
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    return subprocess.run([sys.executable, "-m", "lib12333"] + list(args), capture_output=True, text=True, env=env,
                          timeout=120)


def test_gateway_migrate_creates_the_console_tables(gateway_db, tmp_path):
    where = gateway_db()
    r = _lib12333("gateway", "migrate", "--db", where, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["version"] == db.VERSION
    conn = db.connect(where)
    try:
        assert CONSOLE_TABLES <= _tables(conn)
    finally:
        conn.close()
    # The console then starts on that database and its accounts are made with the CLI.
    pw_file = str(tmp_path / "pw")
    with open(pw_file, "w") as f:
        f.write(PASSWORD + "\n")
    r = _lib12333("console", "user", "add", "--db", where, "--username", "chief", "--role", "supervisor",
                  "--password-file", pw_file, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["created"] is True, r.stderr
    r = _lib12333("console", "user", "list", "--db", where, "--json")
    assert [u["username"] for u in json.loads(r.stdout)] == ["chief"]
    c = client(Console(where))
    assert c.post("/login", data={"username": "chief", "password": PASSWORD}).status_code == 303


# The console's own tables as the console created them before they were gateway migration 5.
_OLD_CONSOLE_SCHEMA = """
CREATE TABLE console_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE console_users (username TEXT PRIMARY KEY, role TEXT NOT NULL, pw_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL);
CREATE TABLE console_sessions (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);
CREATE TABLE console_login_attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT NOT NULL,
    client TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL);
CREATE TABLE console_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, username TEXT NOT NULL,
    client TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '');
CREATE TABLE console_claims (ref TEXT PRIMARY KEY, username TEXT NOT NULL, claimed_at INTEGER NOT NULL);
INSERT INTO console_meta VALUES ('schema', '1');
INSERT INTO console_meta VALUES ('secret', '00112233445566778899aabbccddeeff');
"""


def test_a_sqlite_file_of_an_earlier_console_keeps_its_accounts_and_handle_key(tmp_path):
    path = str(tmp_path / "centre.db")
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(db.MIGRATIONS[:4], 1):
        conn.executescript(script)
        conn.execute("PRAGMA user_version = %d" % number)
    conn.executescript(_OLD_CONSOLE_SCHEMA)
    conn.execute("INSERT INTO console_users (username, role, pw_hash, created_at) VALUES ('old', 'agent', 'x', 1)")
    conn.close()
    console = Console(path)
    assert db.version(console.store.conn) == db.VERSION
    assert [u["username"] for u in console.store.users()] == ["old"]
    assert console.store._handle_key == bytes.fromhex("00112233445566778899aabbccddeeff")


def _claim_at_once(consoles, ref, names):
    """Both agents post the claim of ``ref`` at the same moment, each through their own console process."""
    clients = [client(c) for c in consoles]
    tokens = [login(c, name) for c, name in zip(clients, names)]
    codes = [None] * len(clients)

    def post(i):
        codes[i] = clients[i].post("/requests/%s/claim" % ref, data={"csrf": tokens[i]}).status_code

    run_at_once(post, [(i,) for i in range(len(clients))])
    return codes


def test_two_consoles_claiming_one_request_at_once_leave_one_claimer(console_db):
    first, clock, _refs = build(console_db)
    # A second console process on the same database (several consoles behind one proxy, or two machines).
    second = Console(console_db, centre_code=CENTRE, clock=clock)
    names = [USERS["agent"], USERS["agent2"]]
    for n in range(8):
        ref = first.store.requests.create("complaint", CENTRE, "K05", (2026, 11, 29), NOW - 60, "并发认领 %d" % n,
                                          PHONE, idem="race-%d" % n).ref
        if n % 2:  # started elsewhere (the CLI) and unclaimed: only the claim itself decides
            first.store.requests.apply(ref, "start", CENTRE, NOW - 30, idem="cli-%d" % n)
        codes = _claim_at_once([first, second], ref, names)
        assert sorted(codes) == [303, 409], codes
        winner = names[codes.index(303)]
        assert first.store.claims([ref]) == {ref: winner}
        req = first.store.requests.get(ref)
        assert req.state == R.IN_PROGRESS and [e.action for e in req.history] == ["start"]  # started once
    second.store.close()


def test_a_supervisor_takes_over_a_claim_an_agent_cannot(console_db):
    console, _clock, refs = build(console_db)
    s = console.store
    assert s.claim(refs["mine"], "age1", NOW) == "age1"
    assert s.claim(refs["mine"], "age2", NOW) == "age1"
    assert s.claim(refs["mine"], "sup1", NOW, take_over=True) == "sup1"
    assert s.claims([refs["mine"]]) == {refs["mine"]: "sup1"}



def test_a_write_postgresql_aborts_for_a_concurrent_change_is_run_again(pg_server, tmp_path, monkeypatch):
    from lib12333.host.console import auth
    from lib12333.host.gateway import pg

    console, _clock, _refs = build(pg_server.new_database())
    other = pg.PgConnection(console.store.path)  # a second console (or a worker) changing the same account
    other.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
    other.execute("UPDATE console_users SET failed = failed + 1 WHERE username = 'age1'")
    done = []
    # This log-in failure waits for the other's row lock; when the other commits, PostgreSQL aborts it
    # (could not serialize access due to concurrent update) and the store runs it again.
    worker = threading.Thread(target=lambda: done.append(console.store.record_attempt(
        "age1", "10.0.0.9", False, NOW, auth.LoginPolicy(max_failures=5))))
    worker.start()
    worker.join(0.5)
    assert worker.is_alive()  # blocked behind the other transaction
    other.execute("COMMIT")
    worker.join(30)
    assert done == [0]
    assert console.store.user("age1")["failed"] == 2  # both increments, none lost
    other.close()


def test_two_consoles_closing_one_request_at_once_close_it_once_with_one_sms(console_db):
    """A supervisor on each of two console processes closes the same started request at the same moment,
    one as 办结 and one as 退回: one of them wins, the other is refused; one final step, one notice."""
    first, clock, _refs = build(console_db)
    second = Console(console_db, centre_code=CENTRE, clock=clock)
    consoles = [first, second]
    clients = [client(c) for c in consoles]
    tokens = [login(c, USERS["supervisor"]) for c in clients]
    actions = ["complete", "return"]
    for n in range(4):
        ref = first.store.requests.create("complaint", CENTRE, "K05", (2026, 11, 29), NOW - 60, "并发办结 %d" % n,
                                          PHONE, idem="close-race-%d" % n).ref
        first.store.requests.apply(ref, "start", CENTRE, NOW - 30, idem="cli-start-%d" % n)
        codes = [None, None]

        def post(i, ref=ref, codes=codes, n=n):
            codes[i] = clients[i].post("/requests/%s/act" % ref, data={
                "csrf": tokens[i], "idem": "race-%d-%d" % (n, i), "action": actions[i], "note": "并发"}).status_code

        run_at_once(post, [(0,), (1,)])
        assert sorted(codes) == [303, 409], codes
        req = first.store.requests.get(ref)
        assert [e.action for e in req.history] == ["start", actions[codes.index(303)]]
        notices = [text for text in (bytes(b).decode() for (b,) in first.store.conn.execute(
            "SELECT body FROM outgoing WHERE kind = 'notice'")) if ref in text]
        assert notices == [R.notice_text(req, first.sms_policy)[0]], notices
    second.store.close()


def test_a_completion_whose_notice_postgresql_aborts_is_run_again_not_a_500_and_one_sms(pg_server, monkeypatch):
    """Another console process queues the same completion notice (the same form sent to both behind a proxy)
    while this one is between reading and writing ``outgoing``: PostgreSQL aborts this one's notice
    transaction (serialization failure).  The request is already 办结 then: the step must be run again (the
    same idempotency key: the recorded step, the notice found), not answered with a 500 and no notice."""
    from lib12333.host.gateway import pg

    console, clock, _refs = build(pg_server.new_database())
    store = console.store
    ref = store.requests.create("complaint", CENTRE, "K05", (2026, 11, 29), NOW - 60, "冲突", PHONE, idem="c-1").ref
    store.requests.apply(ref, "start", CENTRE, NOW - 30, idem="cli-start-c")
    c = client(console)
    csrf = login(c, USERS["supervisor"])
    other = pg.PgConnection(store.path)
    real = store.conn.execute
    state = {"fired": False}

    def interleaved(sql, params=()):
        if not state["fired"] and sql.startswith("INSERT INTO outgoing"):
            state["fired"] = True
            # The other process: read the same predicate and queue the same text, committed first.
            text = R.notice_text(store.requests.get(ref), console.sms_policy)[0].encode("utf-8")
            other.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            other.execute("SELECT 1 FROM outgoing WHERE kind = 'notice' AND to_number = ? AND body = ?", (PHONE, text))
            other.execute("INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('notice', ?, ?, ?)",
                          (PHONE, text, NOW))
            other.execute("COMMIT")
        return real(sql, params)

    monkeypatch.setattr(store.conn, "execute", interleaved)
    r = c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "once", "action": "complete", "note": "好"})
    monkeypatch.undo()
    other.close()
    assert state["fired"]
    assert r.status_code == 303, r.text[:300]
    assert store.requests.get(ref).state == R.DONE
    notices = [bytes(b).decode() for (b,) in store.conn.execute("SELECT body FROM outgoing WHERE kind = 'notice'")]
    assert notices == [R.notice_text(store.requests.get(ref), console.sms_policy)[0]]


def test_lifting_a_temporary_loss_never_undoes_a_formal_loss_made_meanwhile(pg_server, monkeypatch):
    """A supervisor lifts a card's temporary loss while another counter (a second console process, the
    gateway CLI) reports the same card formally lost.  The lift read the card before the other change and
    wrote after it: it must not write 'normal' over the formal loss (a lost update)."""
    from lib12333 import lossreport
    from lib12333.host.console.store import ConsoleStore
    from tests.host.console_support import HOLDER

    console, _clock, _refs = build(pg_server.new_database())
    store = console.store
    other = ConsoleStore(store.path)
    c = client(console)
    csrf = login(c, USERS["supervisor"])
    handle = store.card_handle(HOLDER[0])
    real = store.conn.execute
    state = {"fired": False}

    def interleaved(sql, params=()):
        if not state["fired"] and sql.startswith("UPDATE cards SET state"):
            state["fired"] = True
            rec = other.card_record(HOLDER[0], lossreport.Policy(7))
            before = len(rec.history)
            rec.apply(lossreport.REPORT_FORMAL, lossreport.COUNTER, NOW)
            other.save_card(rec, before, NOW)
        return real(sql, params)

    monkeypatch.setattr(store.conn, "execute", interleaved)
    r = c.post("/loss/card/%s/lift" % handle, data={"csrf": csrf, "reason": "本人持证到柜台", "identity_checked": "yes"})
    monkeypatch.undo()
    assert state["fired"]
    assert store.card_record(HOLDER[0], lossreport.Policy(7)).state == lossreport.LOST
    assert r.status_code == 409
    actions = [a for (a,) in store.conn.execute("SELECT action FROM card_events WHERE card_no = ? ORDER BY id",
                                                 (HOLDER[0],))]
    assert actions == ["report_temporary", "report_formal"]
    other.close()


@pytest.mark.parametrize("role, path, data", [
    (None, "/login", {"username": "age1\x00", "password": "wrong password"}),
    ("supervisor", "/requests", {"kind": "complaint", "subject": "补办\x00进度", "contact": ""}),
    ("supervisor", "/loss", {"q": "A\x00******50"}),
    ("administrator", "/users/age1%00/change", {"change": "unlock"}),
    ("administrator", "/users", {"username": "new\x00user", "role": "agent", "password": "a long password 1"}),
])
def test_a_nul_character_in_a_form_or_path_is_refused_or_dropped_not_a_500(console_db, role, path, data):
    """PostgreSQL text cannot hold NUL (SQLite's can): a NUL typed into a form (or %00 in a path) was a 500 on
    PostgreSQL -- on the log-in form, before anyone logged in."""
    console, _clock, _refs = build(console_db)
    c = client(console)
    if role is not None:
        data = dict(data, csrf=login(c, USERS[role]))
    r = c.post(path, data=data)
    assert r.status_code < 500, r.text[:200]
    texts = [v for row in console.store.conn.execute("SELECT username, object, reason FROM console_audit")
             for v in row if v]
    assert not [t for t in texts if "\x00" in t]
