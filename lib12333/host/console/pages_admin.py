"""
The home redirect, one's own password (everyone), accounts (administrators) and the audit log
(supervisors, administrators).

Accounts are also created from the command line (``lib12333 console user add``),
which is how the first administrator gets in.  A disabled account loses its
sessions at once; unlocking clears a lock-out after failed logins.
"""

from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from lib12333.errors import Lib12333Error
from lib12333.host.console import auth
from lib12333.host.console.web import COOKIE, client_of, form_secret, page, redirect


@page("self")
async def home(request, ctx):
    return redirect(auth.home_of(ctx.user["role"]))


def valid_username(name):
    # Lower case only: the log-in folds what is typed to lower case, so "Admin" and "admin" are one account.
    return 2 <= len(name) <= 32 and all("a" <= ch <= "z" or "0" <= ch <= "9" or ch in "._-" for ch in name)


def add_user(store, username, role, password, now):
    """Create an account (shared with ``lib12333 console user add``); ValidationError on bad input."""
    from lib12333.errors import ValidationError

    if not valid_username(username):
        raise ValidationError("user names are 2-32 characters a-z 0-9 . _ -", field="username")
    if role not in auth.ROLES:
        raise ValidationError("unknown role", field="role", expected=" | ".join(auth.ROLES))
    if store.user(username) is not None:
        raise ValidationError("user %s exists already" % username, field="username")
    store.add_user(username, role, auth.hash_password(password), now)


def _users_page(ctx, status=200, **extra):
    return ctx.render("users.html", status, users=ctx.store.users(), roles=auth.ROLES, **extra)


@page("users.manage")
async def users(request, ctx):
    return _users_page(ctx, message={"added": "账号已创建。", "changed": "账号已更新。"}.get(
        request.query_params.get("done")))


@page("users.manage")
async def users_add(request, ctx):
    username = ctx.field("username", 40)
    try:
        add_user(ctx.store, username, ctx.field("role", 20), form_secret(ctx.form, "password"), ctx.now)
    except Lib12333Error as exc:
        return _users_page(ctx, 400, error="未能创建账号：%s" % exc)
    ctx.audit("user.add", username, ctx.field("role", 20))
    return redirect("/users?done=added")


@page("users.manage")
async def users_change(request, ctx):
    username = request.path_params["username"]
    if ctx.store.user(username) is None:
        return ctx.console.error(request, ctx.user, 404, "账号不存在。")
    what = ctx.field("change", 20)
    if what == "unlock":
        ctx.store.set_user(username, unlock=True)
    elif what in ("disable", "enable") and username != ctx.user["username"]:
        ctx.store.set_user(username, disabled=(what == "disable"))
    else:
        return _users_page(ctx, 400, error="不能进行此操作（不能停用自己的账号）。")
    ctx.audit("user." + what, username)
    return redirect("/users?done=changed")


@page("self")
async def password_form(request, ctx):
    return ctx.render("password.html", message={"changed": "密码已修改。"}.get(request.query_params.get("done")))


@page("self")
async def password_change(request, ctx):
    """One's own password: the current one first (a session left open is not enough), then the new one twice."""
    name = ctx.user["username"]
    current, new = form_secret(ctx.form, "current"), form_secret(ctx.form, "new")
    ok = await run_in_threadpool(ctx.console._verify, ctx.store.user(name)["pw_hash"], current)
    if not ok:  # counts like a failed log-in: the form is no way round the lock-out
        ctx.store.record_attempt(name, client_of(request), False, ctx.now, ctx.console.login_policy)
        return ctx.render("password.html", 400, error="当前密码不对。")
    if new != form_secret(ctx.form, "again"):
        return ctx.render("password.html", 400, error="两次输入的新密码不一致。")
    try:
        pw_hash = await run_in_threadpool(ctx.console._hash, new)  # 64 MiB, off the event loop
    except Lib12333Error:
        return ctx.render("password.html", 400, error="新密码至少 10 位。")
    ctx.store.set_user(name, pw_hash=pw_hash)
    ctx.store.end_other_sessions(name, auth.token_hash(request.cookies.get(COOKIE)))
    ctx.audit("user.password", name)
    return redirect("/password?done=changed")


@page("audit.view")
async def audit(request, ctx):
    return ctx.render("audit.html", rows=ctx.store.audit_log())


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/users", users, methods=["GET"]),
    Route("/users", users_add, methods=["POST"]),
    Route("/users/{username}", users_change, methods=["POST"]),
    Route("/audit", audit, methods=["GET"]),
    Route("/password", password_form, methods=["GET"]),
    Route("/password", password_change, methods=["POST"]),
]
