"""
Console security: every route against anonymous and every role, CSRF, login throttling and lock-out,
session cookies and security headers.
"""

import ast
import os
import re

import pytest

pytest.importorskip("starlette")
pytest.importorskip("argon2")

from lib12333.host.console import auth  # noqa: E402
from tests.host.console_support import PASSWORD, USERS, build, client, csrf_of, login  # noqa: E402

ROLES = ("agent", "supervisor", "technician", "administrator")
A, S, T, D = ROLES
# (method, path, form, roles allowed) -- written out here, not derived from auth.PERMISSIONS, so that a
# change of the permission table has to be confirmed in this test.
MATRIX = [
    ("GET", "/", None, {A, S, T, D}),
    ("GET", "/requests", None, {A, S}),
    ("POST", "/requests", {"idem": "n1", "kind": "consultation", "subject": "来电咨询退休手续", "contact": "13912345678"},
     {A, S}),
    ("GET", "/requests/{mine}", None, {A, S}),
    ("POST", "/requests/{mine}/claim", {"idem": "m1"}, {A, S}),
    ("POST", "/requests/{mine}/act", {"idem": "m2", "action": "return", "note": "不属于本中心受理范围"}, {A, S}),
    ("GET", "/loss", None, {A, S}),
    ("POST", "/loss", {"q": "A******50"}, {A, S}),
    ("GET", "/loss/card/{handle}", None, {A, S}),
    ("POST", "/loss/card/{handle}/reveal", {"reason": "持卡人来电核实身份"}, {S}),
    ("POST", "/loss/card/{handle}/lift", {"reason": "本人持证到柜台", "identity_checked": "yes"}, {S}),
    ("GET", "/kiosks", None, {T, S, D}),
    ("GET", "/kiosks/1001", None, {T, S, D}),
    ("POST", "/kiosks/1002/rotate", {"confirm": "yes"}, {T, D}),
    ("POST", "/kiosks/1002/revoke", {"confirm": "yes"}, {T, D}),
    ("GET", "/figures", None, {S, D}),
    ("GET", "/figures/annual/{name}", None, {S, D}),
    ("GET", "/users", None, {D}),
    ("POST", "/users", {"username": "new1", "role": "agent", "password": PASSWORD}, {D}),
    ("POST", "/users/{username}", {"change": "unlock"}, {D}),
    ("GET", "/audit", None, {S, D}),
    ("GET", "/password", None, {A, S, T, D}),
    ("POST", "/password", {"current": "not it", "new": "x" * 12, "again": "x" * 12}, {A, S, T, D}),
]
PUBLIC = [("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/static")]


def test_the_matrix_covers_every_route(console_db):
    console, _clock, _refs = build(console_db)
    app = console.app().app
    routes = set()
    for r in app.routes:
        for m in getattr(r, "methods", None) or {"GET"}:
            if m != "HEAD":
                routes.add((m, r.path))
    covered = {(m, re.sub(r"\{mine\}", "{ref}", re.sub(r"\{handle\}", "{handle}", p)))
               for m, p, _f, _r in MATRIX}
    covered = {(m, p.replace("/1001", "/{device_id}").replace("/1002", "/{device_id}")) for m, p in covered}
    assert routes == covered | set(PUBLIC)


def test_public_routes_answer_anonymous_users(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    assert c.get("/login").status_code == 200
    css = c.get("/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert c.post("/logout", data={}).status_code == 303  # nothing to end: back to the log-in
    assert c.get("/static/../app.py").status_code == 404


def _fill(path, console, refs):
    return path.format(mine=refs["mine"], handle=console.store.card_handle("A38612750"), name="2025.csv",
                       username=USERS["agent2"])


@pytest.mark.parametrize("role", (None,) + ROLES)
def test_every_route_for_anonymous_and_every_role(console_db, role):
    console, _clock, refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS[role]) if role else "x"
    wrong = []
    for method, path, form, allowed in MATRIX:
        url = _fill(path, console, refs)
        if method == "GET":
            r = c.get(url)
        else:
            r = c.post(url, data=dict(form, csrf=csrf))
        if role is None:
            ok = r.status_code == (303 if method == "GET" else 401)
            if method == "GET" and ok:
                ok = r.headers["location"] == "/login"
        elif role in allowed:
            ok = r.status_code < 500 and r.status_code not in (401, 403)
        else:
            ok = r.status_code == 403 and "无权" in r.text
        if not ok:
            wrong.append((method, path, r.status_code))
    assert wrong == []


def test_post_without_or_with_a_wrong_csrf_token_changes_nothing(console_db):
    console, _clock, refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["supervisor"])
    for token in (None, "", csrf[:-1] + ("A" if csrf[-1] != "A" else "B")):
        data = {"idem": "z1"} if token is None else {"idem": "z1", "csrf": token}
        r = c.post("/requests/%s/claim" % refs["mine"], data=data)
        assert r.status_code == 403 and "CSRF" in r.text
    assert console.store.requests.get(refs["mine"]).state == "accepted"
    # A form posted from another site carries its Origin: refused even with the token.
    r = c.post("/requests/%s/claim" % refs["mine"], data={"idem": "z1", "csrf": csrf},
               headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert console.store.requests.get(refs["mine"]).state == "accepted"
    r = c.post("/requests/%s/claim" % refs["mine"], data={"idem": "z1", "csrf": csrf},
               headers={"origin": "https://testserver"})
    assert r.status_code == 303
    assert console.store.requests.get(refs["mine"]).state == "in_progress"


def test_a_login_posted_from_another_site_is_refused(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    r = c.post("/login", data={"username": USERS["agent"], "password": PASSWORD},
               headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and "set-cookie" not in r.headers


def test_csrf_token_of_one_session_does_not_work_in_another(console_db):
    console, _clock, refs = build(console_db)
    a, b = client(console), client(console)
    csrf_a = login(a, USERS["agent"])
    login(b, USERS["agent2"])
    r = b.post("/requests/%s/claim" % refs["mine"], data={"idem": "z2", "csrf": csrf_a})
    assert r.status_code == 403


def test_session_cookie_is_secure_httponly_samesite_strict(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    r = c.post("/login", data={"username": USERS["agent"], "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-console=")
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= attrs and "domain" not in attrs
    assert "samesite=strict" in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]
    # The database keeps only a hash of the cookie.
    stored = [row[0] for row in console.store.conn.execute("SELECT token_hash FROM console_sessions")]
    assert token not in stored and auth.token_hash(token) in stored


def test_logout_ends_the_session_on_the_server(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["agent"])
    cookie = c.cookies.get("__Host-console")
    assert c.post("/logout", data={"csrf": csrf}).status_code == 303
    c.cookies.set("__Host-console", cookie, domain="testserver")  # a copy of the old cookie opens nothing
    assert c.get("/requests").status_code == 303


def test_idle_session_expires(console_db):
    console, clock, _refs = build(console_db)
    c = client(console)
    login(c, USERS["agent"])
    clock.now += 29 * 60
    assert c.get("/requests").status_code == 200
    clock.now += 31 * 60
    assert c.get("/requests").status_code == 303


def test_wrong_passwords_lock_the_account_then_unlock_after_the_lock_time(console_db):
    console, clock, _refs = build(console_db, login_policy=auth.LoginPolicy(max_failures=3, lock_seconds=600))
    c = client(console)
    name = USERS["agent"]
    for _ in range(3):
        r = c.post("/login", data={"username": name, "password": "wrong password!"})
        assert r.status_code == 401
    r = c.post("/login", data={"username": name, "password": PASSWORD})
    # Locked: the same 401 as a wrong password (which says it may be a lock), no session.
    assert r.status_code == 401 and "锁定" in r.text and "set-cookie" not in r.headers
    clock.now += 601
    assert c.post("/login", data={"username": name, "password": PASSWORD}).status_code == 303


def test_one_client_guessing_many_names_is_throttled(console_db):
    console, _clock, _refs = build(console_db, login_policy=auth.LoginPolicy(client_failures=4))
    c = client(console)
    for i in range(4):
        assert c.post("/login", data={"username": "nobody%d" % i, "password": "x" * 12}).status_code == 401
    r = c.post("/login", data={"username": USERS["agent"], "password": PASSWORD})
    assert r.status_code == 429 and "set-cookie" not in r.headers


def test_unknown_user_and_wrong_password_get_the_same_answer(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    a = c.post("/login", data={"username": "nobody", "password": "x" * 12})
    b = c.post("/login", data={"username": USERS["agent"], "password": "x" * 12})
    assert a.status_code == b.status_code == 401
    assert re.search(r'class="err"[^>]*>(.*?)<', a.text).group(1) == re.search(r'class="err"[^>]*>(.*?)<', b.text).group(1)


def test_disabled_account_cannot_log_in_and_loses_its_sessions(console_db):
    console, _clock, _refs = build(console_db)
    agent, adm = client(console), client(console)
    login(agent, USERS["agent2"])
    csrf = login(adm, USERS["administrator"])
    assert adm.post("/users/" + USERS["agent2"], data={"csrf": csrf, "change": "disable"}).status_code == 303
    assert agent.get("/requests").status_code == 303
    assert client(console).post("/login", data={"username": USERS["agent2"], "password": PASSWORD}).status_code == 401


def test_passwords_are_argon2id_hashes(console_db):
    console, _clock, _refs = build(console_db)
    h = console.store.user(USERS["agent"])["pw_hash"]
    assert h.startswith("$argon2id$") and PASSWORD not in h


@pytest.mark.parametrize("path", ["/login", "/requests", "/loss", "/kiosks", "/figures", "/users", "/audit",
                                  "/no-such-page"])
def test_security_headers_and_no_inline_script_or_style(console_db, path):
    console, _clock, _refs = build(console_db)
    c = client(console)
    login(c, USERS["supervisor"] if path not in ("/users",) else USERS["administrator"])
    r = c.get(path)
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp and "script-src" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"
    assert "<script" not in r.text.lower() and " style=" not in r.text.lower() and "<style" not in r.text.lower()
    assert re.search(r"\son[a-z]+=", r.text) is None  # no event-handler attributes
    if r.status_code != 303:  # /login redirects a logged-in user
        title = re.search(r"<title>(.*?)</title>", r.text, re.S).group(1)
        assert "<" not in title and len(title) < 60


def test_every_form_posts_a_csrf_token(console_db):
    console, _clock, refs = build(console_db)
    c = client(console)
    pages = {USERS["supervisor"]: ["/requests/" + refs["mine"], "/loss",
                                   "/loss/card/" + console.store.card_handle("A38612750"), "/kiosks/1001"],
             USERS["administrator"]: ["/users", "/kiosks/1001"]}
    seen = 0
    for user, paths in pages.items():
        c = client(console)
        login(c, user)
        for p in paths:
            html = c.get(p).text
            for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
                if 'method="post"' in form:
                    assert 'name="csrf"' in form, (p, form[:80])
                    seen += 1
    assert seen >= 8


def test_store_sql_is_parameterised():
    """No statement of the console is built with %-formatting, .format or f-strings (values go as parameters)."""
    path = os.path.join(os.path.dirname(auth.__file__), "store.py")
    tree = ast.parse(open(path, encoding="utf-8").read())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") in
             ("execute", "executemany")]
    assert len(calls) > 20
    for call in calls:
        for node in ast.walk(call.args[0]):
            assert not isinstance(node, ast.JoinedStr), ast.dump(call.args[0])[:80]
            assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)), call.lineno
            assert not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "format"), call.lineno


def test_csrf_helper_finds_tokens():
    assert csrf_of('<input type="hidden" name="csrf" value="abc">') == "abc"
