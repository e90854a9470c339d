"""
The centre console: a web application for back-office staff and technicians on the gateway's database.

    console = Console("centre.db", centre_code="330100", unit="【…】")
    app = console.app()          # an ASGI application (Starlette); ``lib12333 console`` serves it with uvicorn

Pages (Chinese UI, server-rendered, no script): the requests desk
(``pages_requests``), the loss registry (``pages_loss``), the kiosk fleet
(``pages_kiosks``), service figures (``pages_figures``) and accounts / audit
(``pages_admin``).  Authorisation, CSRF and headers: ``web`` and ``auth``; every
SQL statement: ``store``.  Guide: docs/console.md.
"""

import asyncio
import os
import threading
import time

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lib12333 import citizen_requests as R
from lib12333.host.console import auth, web
from lib12333.host.console.figures import DayFigures
from lib12333.host.console.store import ConsoleStore
from lib12333.masking import mask_text

# Chinese names of the steps shown in histories (requests and cards) and of the loss-report channels.
LABELS = {"start": "开始办理", "complete": "办结", "return": "退回", "transfer": "转办", "accept_transfer": "接收转办",
          "reject_transfer": "拒收转办", "withdraw_transfer": "撤回转办", "activate": "启用",
          "report_temporary": "临时挂失", "release_temporary": "解除临时挂失", "expire_temporary": "临时挂失到期",
          "report_formal": "正式挂失", "release": "解挂", "apply_replacement": "申请补领",
          "complete_replacement": "补领完成", "cancel": "注销", "kiosk": "自助终端", "phone": "12333 电话",
          "online": "网上平台", "bank": "合作银行", "counter": "柜台", "system": "系统"}
SESSION_IDLE = 30 * 60
SESSION_LIFETIME = 12 * 3600
# Password checks running at once: each takes argon2's 64 MiB, and the server's thread pool (40 threads)
# would otherwise let a burst of log-ins -- before any failure is counted -- take 2.5 GiB.
HASHING_AT_ONCE = 2


class Console:
    def __init__(self, db_path, centre_code="000000", unit="【人力资源社会保障电话咨询服务中心】", temp_days=7,
                 stale_after=24 * 3600, due_days=5, login_policy=None, clock=time.time, secure_cookie=True):
        from lib12333.sms.policy import Policy

        self.store = ConsoleStore(db_path)
        self.centre = centre_code
        self.unit = unit
        self.sms_policy = Policy(unit, one_part_notices=True)
        self.temp_days = temp_days
        self.stale_after = stale_after
        self.due_seconds = due_days * 86400
        self.login_policy = login_policy or auth.LoginPolicy()
        self.clock = clock
        self.secure_cookie = secure_cookie
        self.hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)  # waited for in the worker thread
        self.day_figures = DayFigures()
        self.env = Environment(loader=FileSystemLoader(os.path.join(web.HERE, "templates")),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        self.env.filters["cst"] = web.cst
        self.env.filters["duration"] = web.duration
        self.env.filters["masked"] = lambda text: mask_text(text or "")  # personal numbers in free text
        self.env.globals.update(state_label=R.state_label, kind_label=lambda k: R.KIND_LABELS[R.KINDS.index(k)],
                                role_label=auth.ROLE_LABELS, label=lambda k: LABELS.get(k, k), can=auth.allowed, STATES=R.STATES, KINDS=R.KINDS)

    def warm(self, days=90):
        """Compute the call figures of the last ``days`` days now, so the first figures page is fast."""
        today = (int(self.clock()) + self.day_figures.tz) // 86400
        return len(self.day_figures.days(self.store, today - days + 1, today))

    # ------------------------------------------------------------ rendering

    def render(self, request, template, status=200, **values):
        values.setdefault("user", None)
        values["csrf"] = values["user"]["csrf"] if values["user"] else ""
        values["path"] = request.url.path
        values["centre"] = self.centre
        values["now"] = int(self.clock())
        return HTMLResponse(self.env.get_template(template).render(**values), status_code=status)

    def error(self, request, user, status, message):
        return self.render(request, "error.html", status, user=user, message=message, code=status)

    # ------------------------------------------------------------ sessions

    def current_user(self, request):
        token = request.cookies.get(web.COOKIE)
        if not token:
            return None
        return self.store.session(auth.token_hash(token), int(self.clock()), SESSION_IDLE, SESSION_LIFETIME)

    async def login_form(self, request):
        if self.current_user(request) is not None:
            return web.redirect("/")
        return self.render(request, "login.html", error=self._cookie_warning(request))

    def _cookie_warning(self, request):
        """Why a log-in will not stick, when it will not: the Secure cookie over plain http to another machine
        (browsers keep it only for https and localhost), so every log-in would land back here in silence."""
        host = web.host_name(request.headers.get("host", "").encode("latin-1", "replace"))
        if self.secure_cookie and request.url.scheme == "http" and host not in ("127.0.0.1", "localhost", "::1"):
            return ("此地址为 http：浏览器不会保存登录凭据，登录后会回到本页。请经 HTTPS（TLS 代理）访问控制台，"
                    "或在网关主机上打开 http://127.0.0.1:端口/（见 docs/console.md）。")
        return None

    async def login(self, request):
        if not web.same_origin(request):  # no log-in forced from another site (login CSRF)
            return self.error(request, None, 403, "登录请求来源不符。")
        form = await request.form()
        # User names are lower case (pages_admin.valid_username): "Admin " is the account admin, so
        # neither a typing slip nor a change of case makes a second name that escapes admin's lock-out.
        username = web.form_text(form, "username", 64).lower()
        password = web.form_secret(form, "password")
        client = web.client_of(request)
        now = int(self.clock())
        p = self.login_policy
        if self.store.client_failures(client, now - p.window) >= p.client_failures:
            return self.render(request, "login.html", 429, error="登录失败次数过多，请稍后再试。")
        user = self.store.user(username)
        ok = await run_in_threadpool(self._verify, user["pw_hash"] if user else None, password)
        locked_now = user is not None and user["locked_until"] > now
        if locked_now or not ok or user is None or user["disabled"]:
            # Unknown names count towards the client's limit too (the UPDATE of the account matches nothing).
            locked = self.store.record_attempt(username, client, False, now, p)
            if locked and not locked_now:  # an administrator should see who is being guessed at
                self.store.audit(now, username, client, "login.lock", username, "%d failed log-ins" % p.max_failures)
            await asyncio.sleep(0.2)
            # One answer for a wrong password, an unknown name, a disabled and a locked account: a distinct
            # "locked" answer after a few tries would tell which names are accounts.
            return self.render(request, "login.html", 401, error=(
                "用户名或密码错误，或账号因连续 %d 次密码错误已被暂时锁定（%d 分钟）。请稍后再试或联系管理员。"
                % (p.max_failures, p.lock_seconds // 60)))
        self.store.record_attempt(username, client, True, now, p)
        previous = request.cookies.get(web.COOKIE)
        if previous:  # a new log-in in this browser replaces its session rather than leaving it open behind
            self.store.end_session(auth.token_hash(previous))
        token, csrf = auth.new_token(), auth.new_token()
        self.store.add_session(auth.token_hash(token), username, csrf, now, SESSION_IDLE, SESSION_LIFETIME)
        self.store.audit(now, username, client, "login", "-")
        resp = web.redirect(auth.home_of(user["role"]))
        resp.set_cookie(web.COOKIE, token, max_age=SESSION_LIFETIME, path="/", secure=self.secure_cookie,
                        httponly=True, samesite="strict")
        return resp

    def _verify(self, pw_hash, password):
        with self.hashing:
            return auth.verify_password(pw_hash, password)

    def _hash(self, password):
        with self.hashing:
            return auth.hash_password(password)

    async def logout(self, request):
        user = self.current_user(request)
        if user is None:
            return web.redirect("/login")
        form = await request.form()
        if not auth.same_token(form.get("csrf"), user["csrf"]):
            return self.error(request, user, 403, "CSRF 校验失败。")
        self.store.end_session(auth.token_hash(request.cookies.get(web.COOKIE)))
        self.store.audit(int(self.clock()), user["username"], web.client_of(request), "logout", "-")
        resp = web.redirect("/login")
        resp.delete_cookie(web.COOKIE, path="/", secure=self.secure_cookie, httponly=True, samesite="strict")
        return resp

    # ------------------------------------------------------------ the application

    def routes(self):
        from lib12333.host.console import pages_admin, pages_figures, pages_kiosks, pages_loss, pages_requests

        routes = [
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Mount("/static", StaticFiles(directory=os.path.join(web.HERE, "static")), name="static"),
        ]
        for module in (pages_admin, pages_requests, pages_loss, pages_kiosks, pages_figures):
            routes.extend(module.ROUTES)
        return routes

    def app(self, hsts=False, hosts=None):
        async def not_found(request, exc):
            return self.error(request, self.current_user(request), exc.status_code,
                              "页面不存在或您无权查看。" if exc.status_code == 404 else "请求有误。")

        app = Starlette(routes=self.routes(), exception_handlers={404: not_found, 405: not_found})
        app.state.console = self
        return web.SecureHeaders(app, hsts=hsts, hosts=hosts)
