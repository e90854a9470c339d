"""
Findings of the console's security review, each kept as a test: hostile input that used to end in a 500
traceback (digits of other scripts, dates at the ends of the calendar, file uploads in place of text
fields), request bodies of any size, user names differing only in case, contact numbers no phone has.
"""

import os

import pytest

pytest.importorskip("starlette")
pytest.importorskip("argon2")

from starlette.testclient import TestClient  # noqa: E402

from lib12333.host.console import auth, web  # noqa: E402
from tests.host.console_support import (  # noqa: E402
    PASSWORD,
    USERS,
    Served,
    build,
    client,
    login,
    serve_demo,
    stop_process,
)


def lenient(console):
    """A client that gets the 500 page instead of the exception, to assert on the status."""
    return TestClient(console.app(), base_url="https://testserver", follow_redirects=False,
                      raise_server_exceptions=False)


def logged_in(console, role):
    c = lenient(console)
    return c, login(c, USERS[role])


@pytest.mark.parametrize("role, path, status", [
    ("technician", "/kiosks/²", 404),                      # "²".isdigit() is True, int("²") raises
    ("technician", "/kiosks/١٠٠١", 404),                    # Arabic-Indic digits are not kiosk 1001
    ("technician", "/kiosks/%EF%BC%91%EF%BC%90%EF%BC%90%EF%BC%91", 404),  # full-width １００１
    ("administrator", "/figures?until=0001-01-01", 200),   # 30 days before the first day of the calendar
    ("administrator", "/figures?until=0001-01-10&days=90", 200),
    ("administrator", "/figures/annual/0000.csv", 404),    # no year 0
    ("administrator", "/figures/annual/9999.csv", 404),    # its 1 January of the next year does not exist
    ("administrator", "/figures/annual/²²²².html", 404),
])
def test_odd_digits_and_calendar_ends_are_refused_not_tracebacks(console_db, role, path, status):
    console, _clock, _refs = build(console_db)
    c, _csrf = logged_in(console, role)
    r = c.get(path)
    assert r.status_code == status, (path, r.status_code)
    if status == 200:
        assert "服务数据" in r.text


def test_a_kiosk_frame_reference_in_other_digits_is_not_a_500(console_db):
    console, _clock, _refs = build(console_db)
    c, csrf = logged_in(console, "supervisor")
    r = c.post("/loss", data={"csrf": csrf, "q": "²-1"})
    assert r.status_code == 200 and "A386" not in r.text
    r = c.post("/loss", data={"csrf": csrf, "q": "1001-1"})  # the real frame reference still works
    assert r.status_code == 200


def test_file_uploads_in_place_of_text_fields_are_empty_fields(console_db):
    console, _clock, _refs = build(console_db)
    anonymous = lenient(console)
    r = anonymous.post("/login", files={"username": ("u.txt", USERS["agent"].encode()),
                                        "password": ("p.txt", PASSWORD.encode())})
    assert r.status_code == 401 and "__Host-console" not in r.headers.get("set-cookie", "")
    c, csrf = logged_in(console, "supervisor")
    r = c.post("/loss", data={"csrf": csrf}, files={"q": ("q.txt", b"A38612750")})
    assert r.status_code == 400  # as if nothing had been typed
    d, dcsrf = logged_in(console, "administrator")
    r = d.post("/users", data={"csrf": dcsrf, "username": "new1", "role": "agent"},
               files={"password": ("p.txt", PASSWORD.encode())})
    assert r.status_code == 400 and console.store.user("new1") is None


def test_request_bodies_over_the_limit_are_refused_before_parsing(console_db):
    console, _clock, _refs = build(console_db)
    c = lenient(console)
    big = b"username=x&password=" + b"a" * (web.MAX_BODY + 1)
    r = c.post("/login", content=big, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    # Without Content-Length (chunked): the body is counted as it arrives.
    r = c.post("/login", content=iter([b"username=x&password=", b"a" * web.MAX_BODY, b"a"]),
               headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert r.headers["x-frame-options"] == "DENY"  # the refusal carries the security headers too
    assert console.store.conn.execute("SELECT COUNT(*) FROM console_login_attempts").fetchone()[0] == 0
    # Up to the limit a form is read as before, also when sent in chunks.
    form = b"username=%s&password=%s" % (USERS["agent"].encode(), PASSWORD.replace(" ", "+").encode())
    r = c.post("/login", content=iter([form[:5], form[5:]]),
               headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 303


def test_user_names_are_one_account_whatever_the_case(console_db):
    console, clock, _refs = build(console_db, login_policy=auth.LoginPolicy(max_failures=3, lock_seconds=600))
    d = client(console)
    csrf = login(d, USERS["administrator"])
    r = d.post("/users", data={"csrf": csrf, "username": USERS["agent"].upper(), "role": "administrator",
                               "password": PASSWORD})
    assert r.status_code == 400 and console.store.user(USERS["agent"].upper()) is None
    # Wrong passwords typed as "AGE1 " count against age1: its lock-out is not escaped by a change of case.
    a = client(console)
    for _ in range(3):
        a.post("/login", data={"username": " " + USERS["agent"].upper() + " ", "password": "wrong password!"})
    assert console.store.user(USERS["agent"])["locked_until"] > clock.now
    assert a.post("/login", data={"username": USERS["agent"], "password": PASSWORD}).status_code == 401
    clock.now += 601
    r = a.post("/login", data={"username": USERS["agent"].capitalize(), "password": PASSWORD})
    assert r.status_code == 303


@pytest.mark.parametrize("typed, stored", [("+86 139 1234 5678", "13912345678"), ("", "")])
def test_a_telephone_request_keeps_a_mobile_number(console_db, typed, stored):
    console, _clock, _refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["agent"])
    r = c.post("/requests", data={"csrf": csrf, "idem": "p1", "kind": "consultation", "subject": "咨询",
                                  "contact": typed})
    assert r.status_code == 303
    ref = r.headers["location"].split("/")[2].split("?")[0]
    assert console.store.requests.get(ref).contact == stored


@pytest.mark.parametrize("typed", ["²²²²²²²²²²²", "12345", "0571-87654321", "电话"])
def test_a_telephone_request_refuses_a_number_no_phone_has(console_db, typed):
    console, _clock, _refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["agent"])
    before = console.store.rconn.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    r = c.post("/requests", data={"csrf": csrf, "idem": "p2", "kind": "consultation", "subject": "咨询",
                                  "contact": typed})
    assert r.status_code == 400 and "11 位手机号码" in r.text
    assert console.store.rconn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == before


def _demo_login(port, password):
    import time

    import httpx

    base = "http://127.0.0.1:%d" % port
    for _ in range(200):
        try:
            return httpx.post(base + "/login", data={"username": "demo", "password": password}).status_code
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the console never answered")


@pytest.mark.slow
def test_demo_console_run_again_on_its_kept_folder_serves_it_again(tmp_path):
    import re
    import socket

    folder = str(tmp_path / "hall")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, lines = serve_demo(folder, port)
    try:
        assert lines and lines[0].startswith("OK:"), lines
        password = re.search(r"password (\S+)", lines[-1]).group(1)
        assert _demo_login(port, password) == 303
        # A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) is not answered.
        import httpx

        r = httpx.post("http://127.0.0.1:%d/login" % port, data={"username": "demo", "password": password},
                       headers={"host": "rebound.example:%d" % port, "origin": "http://rebound.example:%d" % port})
        assert r.status_code == 400 and "set-cookie" not in r.headers
    finally:
        stop_process(proc)
    # Again on the same folder: the demo's kiosk is registered there already; the console opens on it
    # (it used to stop with "device 1001 is already registered") and the accounts keep their password.
    proc, lines = serve_demo(folder, port)
    try:
        text = "".join(lines)
        assert "holds an earlier demo" in text and "keep the password" in text, text
        assert _demo_login(port, password) == 303
    finally:
        stop_process(proc)


def test_the_taker_of_a_telephone_request_can_start_and_close_it(console_db):
    """A request accepted at the desk is claimed by its taker but still 受理: the page must offer to start it
    (it used to hide the button from the claimant, leaving only 退回 and 转办)."""
    from lib12333 import citizen_requests as R

    console, _clock, _refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["agent"])
    r = c.post("/requests", data={"csrf": csrf, "idem": "t1", "kind": "consultation", "subject": "咨询退休手续",
                                  "contact": "13912345678"})
    ref = r.headers["location"].split("/")[2].split("?")[0]
    page = c.get("/requests/" + ref).text
    assert 'id="claim">开始办理<' in page
    assert c.post("/requests/%s/claim" % ref, data={"csrf": csrf, "idem": "t2"}).status_code == 303
    assert console.store.requests.get(ref).state == R.IN_PROGRESS
    assert 'id="claim"' not in c.get("/requests/" + ref).text  # started and the user's: nothing to claim
    r = c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "t3", "action": "complete", "note": "已答复"})
    assert r.status_code == 303 and console.store.requests.get(ref).state == R.DONE
    sent = console.store.conn.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'notice' AND to_number = ?",
                                      ("13912345678",)).fetchone()[0]
    assert sent == 1


def test_a_burst_of_log_ins_checks_few_passwords_at_once(console_db, monkeypatch):
    """Each argon2 check takes 64 MiB: concurrent log-ins (sent before any failure is counted) must wait
    for each other instead of taking a thread of the server's pool -- and 64 MiB -- each."""
    import threading
    import time

    import httpx

    from lib12333.host.console import app as console_app

    console, _clock, _refs = build(console_db)
    running, peak, lock = [0], [0], threading.Lock()
    real = auth.verify_password

    def counted(pw_hash, password):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.05)  # widen the overlap; the real check follows
            return real(pw_hash, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(auth, "verify_password", counted)
    served = Served(console)  # uvicorn: one event loop, its thread pool for the checks
    codes = []

    def attempt(i):
        r = httpx.post(served.url + "/login", data={"username": USERS["agent"], "password": "wrong %d pass" % i})
        codes.append(r.status_code)

    try:
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        served.stop()
    assert len(codes) == 8 and set(codes) <= {401, 423}
    assert 1 <= peak[0] <= 2 == getattr(console_app, "HASHING_AT_ONCE", None)


def test_logging_in_again_in_one_browser_ends_the_session_it_replaces(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    login(c, USERS["agent"])
    old = c.cookies.get("__Host-console")
    c.post("/login", data={"username": USERS["supervisor"], "password": PASSWORD})  # no log-out in between
    assert c.cookies.get("__Host-console") != old
    sessions = console.store.conn.execute("SELECT username FROM console_sessions").fetchall()
    assert sessions == [(USERS["supervisor"],)]
    stale = client(console)
    stale.cookies.set("__Host-console", old)
    assert stale.get("/requests").status_code == 303  # the agent's cookie opens nothing any more


def test_the_audit_page_masks_personal_numbers_in_notes_and_reasons(console_db):
    """The request page masks a note's ID and phone numbers; the audit page showed the same note in clear."""
    from tests.host.console_support import HOLDER

    console, _clock, refs = build(console_db)
    a = client(console)
    csrf = login(a, USERS["agent"])
    note = "身份证%s 与来电号码13987654321不符，退回" % HOLDER[1]
    r = a.post("/requests/%s/act" % refs["mine"], data={"csrf": csrf, "idem": "m1", "action": "return",
                                                         "note": note})
    assert r.status_code == 303
    s = client(console)
    login(s, USERS["supervisor"])
    page = s.get("/audit").text
    assert "request.return" in page
    assert HOLDER[1] not in page and "13987654321" not in page
    assert HOLDER[1][:6] in page  # masked, not dropped: 330106********0048
    assert [e["reason"] for e in console.store.audit_log() if e["action"] == "request.return"] == [note]


def test_lock_outs_and_log_outs_are_in_the_audit_log(console_db):
    console, _clock, _refs = build(console_db, login_policy=auth.LoginPolicy(max_failures=3, lock_seconds=600))
    c = client(console)
    for _ in range(3):
        c.post("/login", data={"username": USERS["agent"], "password": "not the password"})
    entries = [(e["action"], e["object"]) for e in console.store.audit_log()]
    assert ("login.lock", USERS["agent"]) in entries
    csrf = login(c, USERS["supervisor"])
    assert c.post("/logout", data={"csrf": csrf}).status_code == 303
    assert console.store.audit_log()[0]["action"] == "logout" and console.store.audit_log()[0]["username"] == "sup1"


@pytest.mark.parametrize("host, status", [("127.0.0.1:8333", 303), ("localhost:8333", 303), ("[::1]:8333", 303),
                                          ("LOCALHOST", 303), ("console.centre.example", 303),
                                          ("rebound.example:8333", 400), ("127.0.0.1.rebound.example", 400),
                                          ("", 400)])
def test_only_the_consoles_own_host_names_are_answered(console_db, host, status):
    from lib12333.host.cli.cmd_console import allowed_hosts

    console, _clock, _refs = build(console_db)
    app = console.app(hosts=allowed_hosts("127.0.0.1", ["console.centre.example"]))
    c = TestClient(app, base_url="https://testserver", follow_redirects=False)
    r = c.post("/login", data={"username": USERS["agent"], "password": PASSWORD}, headers={"host": host})
    assert r.status_code == status
    assert r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("command", [["user", "list", "--db", "{db}"],
                                     ["user", "reset", "--db", "{db}", "--username", "admin"],
                                     ["import", "--db", "{db}", "--format", "native", "calls.csv"]])
def test_console_commands_on_a_mistyped_database_do_not_create_it(tmp_path, command):
    import subprocess
    import sys

    missing = str(tmp_path / "centre-typo.db")
    env = dict(os.environ, PYTHONPATH=os.getcwd(), LIB12333_CONSOLE_PASSWORD=PASSWORD)
    r = subprocess.run([sys.executable, "-m", "lib12333", "console"] + [a.format(db=missing) for a in command],
                       capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=60)
    assert r.returncode == 4 and "no such database" in r.stderr, (r.returncode, r.stderr)
    assert sorted(os.listdir(str(tmp_path))) == []


def test_user_add_says_when_it_starts_a_new_database(tmp_path):
    import subprocess
    import sys

    db = str(tmp_path / "centre.db")
    env = dict(os.environ, PYTHONPATH=os.getcwd(), LIB12333_CONSOLE_PASSWORD=PASSWORD)
    r = subprocess.run([sys.executable, "-m", "lib12333", "console", "user", "add", "--db", db, "--username",
                        "admin", "--role", "administrator", "--json"], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0 and "created an empty gateway database" in r.stderr
    assert '"created": true' in r.stdout


@pytest.mark.parametrize("base, warned", [("http://192.168.1.20:8333", True), ("http://127.0.0.1:8333", False),
                                          ("http://localhost:8333", False), ("https://console.centre.example", False)])
def test_the_log_in_page_says_why_plain_http_from_another_machine_cannot_log_in(console_db, base, warned):
    """The session cookie is Secure: over http to another address the browser drops it and every log-in
    silently lands back on the log-in page.  The page says so instead."""
    console, _clock, _refs = build(console_db)
    c = TestClient(console.app(), base_url=base, follow_redirects=False)
    assert ("浏览器不会保存登录凭据" in c.get("/login").text) == warned


def test_every_user_can_change_their_own_password(console_db):
    """The administrator sets an initial password (账号 page); there was no way for its owner to change it."""
    console, _clock, _refs = build(console_db)
    other = client(console)
    login(other, USERS["agent"])  # the same account in another browser
    c = client(console)
    csrf = login(c, USERS["agent"])
    assert 'href="/password"' in c.get("/requests").text
    new = "a new password 2026"
    form = {"csrf": csrf, "current": PASSWORD, "new": new, "again": new}
    assert c.post("/password", data=dict(form, current="not the password")).status_code == 400
    assert console.store.user(USERS["agent"])["failed"] == 1  # counted like a failed log-in
    assert c.post("/password", data=dict(form, again=new + "!")).status_code == 400
    assert c.post("/password", data=dict(form, new="short", again="short")).status_code == 400
    assert auth.verify_password(console.store.user(USERS["agent"])["pw_hash"], PASSWORD)
    r = c.post("/password", data=form)
    assert r.status_code == 303 and "密码已修改" in c.get(r.headers["location"]).text
    assert c.get("/requests").status_code == 200                   # this session goes on
    assert other.get("/requests").status_code == 303               # the other browser's session ended
    assert client(console).post("/login", data={"username": USERS["agent"], "password": PASSWORD}).status_code == 401
    login(client(console), USERS["agent"], new)
    assert ("user.password", USERS["agent"]) in [(e["action"], e["object"]) for e in console.store.audit_log()]


def test_user_list_shows_a_locked_account(console_db):
    import subprocess
    import sys

    console, clock, _refs = build(console_db, login_policy=auth.LoginPolicy(max_failures=2))
    clock.now = int(__import__("time").time())
    c = client(console)
    for _ in range(2):
        c.post("/login", data={"username": USERS["administrator"], "password": "not the password"})
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    r = subprocess.run([sys.executable, "-m", "lib12333", "console", "user", "list", "--db", console.store.path],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0
    states = {line.split()[0]: " ".join(line.split()[2:]) for line in r.stdout.splitlines()}
    assert states[USERS["administrator"]].startswith("locked until ") and states[USERS["agent"]] == "active"


def test_hostile_record_texts_do_not_reach_the_annual_csv_as_formulas(console_db):
    """Guard (held before the review too): queue, category, region, agent and caller texts of imported
    records never become CSV cells a spreadsheet would run (= + - @)."""
    import csv
    import io

    from tests.host.console_support import NOW

    console, _clock, _refs = build(console_db)
    evil = ["=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
    console.store.add_service_rows([("call", 12333, e, e, e, NOW - 86400 * 30 + i, NOW - 86400 * 30 + i + 5,
                                     NOW - 86400 * 30 + i + 60, "answered", e, e) for i, e in enumerate(evil)])
    c = client(console)
    login(c, USERS["supervisor"])
    r = c.get("/figures/annual/2026.csv")
    assert r.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(r.text)) for cell in row]
    assert "4" in cells  # the records are counted
    assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")] == []


def test_a_locked_account_answers_like_an_unknown_name(console_db):
    """Five wrong passwords lock an account; an unknown name never locks.  The answers used to differ
    from the fifth try on (a "locked" message, then HTTP 423), which told the accounts apart."""
    import re

    console, clock, _refs = build(console_db)
    c = client(console)

    def answers(name):
        out = []
        for _ in range(7):
            r = c.post("/login", data={"username": name, "password": "not the password"})
            out.append((r.status_code, re.search(r'class="err"[^>]*>(.*?)<', r.text).group(1)))
        return out

    real, unknown = answers(USERS["agent"]), answers("nobody")
    assert console.store.user(USERS["agent"])["locked_until"] > clock.now
    assert real == unknown and {status for status, _msg in real} == {401}


def test_expired_sessions_are_forgotten_not_kept_forever(console_db):
    from lib12333.host.console import app as console_app

    console, clock, _refs = build(console_db)
    login(client(console), USERS["agent"])        # a browser that never comes back
    clock.now += console_app.SESSION_IDLE + 1
    login(client(console), USERS["supervisor"])
    rows = console.store.conn.execute("SELECT username FROM console_sessions").fetchall()
    assert rows == [(USERS["supervisor"],)]


@pytest.mark.parametrize("typed, kept", [("A38612750", "A******50"), ("A38612750XYZ", "A*********YZ"),
                                         ("xA38612750", "x*******50"), ("A3", "**")])
def test_a_card_search_is_audited_masked_whatever_was_typed(console_db, typed, kept):
    console, _clock, _refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["agent"])
    assert c.post("/loss", data={"csrf": csrf, "q": typed}).status_code == 200
    assert [e["object"] for e in console.store.audit_log() if e["action"] == "card.search"] == [kept]
