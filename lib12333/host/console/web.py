"""
The console's web plumbing: security headers, sessions, the permission check, CSRF, rendering.

Every page is an ``async def handler(request, ctx)`` wrapped by ``page(permission)``;
the wrapper is the only place that reads the session cookie, checks the role
against ``auth.PERMISSIONS`` and, for every POST, the CSRF token.  Database
calls are synchronous and run on the event loop thread, one at a time, so the
store's SQLite connections are never used by two requests at once.
"""

import functools
import os
import time

from starlette.responses import HTMLResponse, RedirectResponse, Response

from lib12333.host.console import auth

COOKIE = "__Host-console"
HERE = os.path.dirname(__file__)

# No inline script or style anywhere; SVG charts use presentation attributes only.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # "no-referrer" makes browsers send "Origin: null"
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


# The largest request body read: the biggest form (a request's subject, 2,000 characters, percent-encoded)
# is far below it.  Starlette and uvicorn would otherwise hold a body of any size in memory (or on disk).
MAX_BODY = 64 * 1024


class SecureHeaders:
    """ASGI wrapper adding the security headers to every response (a handler may set its own CSP) and
    refusing request bodies over ``MAX_BODY`` bytes (413) before any page reads them."""

    def __init__(self, app, hsts=False, max_body=MAX_BODY, hosts=None):
        self.app = app
        self.hsts = hsts
        self.max_body = max_body
        # Host names the console answers to (None: any).  A page of another site whose name was made to
        # resolve to 127.0.0.1 (DNS rebinding) reaches the console under its own name, so the Origin
        # check passes and it could try passwords and read the answers; a fixed list refuses it.
        self.hosts = None if hosts is None else {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                if b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                if self.hsts:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        if self.hosts is not None and host_name(dict(scope.get("headers") or ()).get(b"host", b"")) not in self.hosts:
            await HTMLResponse("unknown host name: start the console with --allowed-host NAME for it",
                               status_code=400)(scope, receive, send_with_headers)
            return
        receive = await self._bounded_body(scope, receive, send_with_headers)
        if receive is not None:
            await self.app(scope, receive, send_with_headers)

    async def _bounded_body(self, scope, receive, send):
        """A ``receive`` replaying the whole body, read here up to the limit; None once a 413 was sent."""
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"0")
        too_big = not declared.isdigit() or int(declared) > self.max_body
        chunks, size, more = [], 0, not too_big
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nobody to answer
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            too_big = size > self.max_body
            if too_big:
                break
        if too_big:
            await HTMLResponse("request body too large", status_code=413,
                               headers={"connection": "close"})(scope, receive, send)
            return None
        body = b"".join(chunks)
        sent = []

        async def replay():
            if not sent:
                sent.append(True)
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the server would tell

        return replay


def host_name(header):
    """The name part of a Host header (bytes), lower case, without port or IPv6 brackets."""
    text = header.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def client_of(request):
    return request.client.host if request.client else "-"


class Ctx:
    """What a handler gets besides the request: the console, the user, the form (POST) and a renderer."""

    def __init__(self, console, user, form, request):
        self.console = console
        self.store = console.store
        self.user = user
        self.form = form
        self.request = request
        self.now = int(console.clock())

    def render(self, template, status=200, **values):
        return self.console.render(self.request, template, status, user=self.user, **values)

    def can(self, permission):
        return auth.allowed(self.user["role"], permission)

    def audit(self, action, obj, reason=""):
        self.store.audit(self.now, self.user["username"], client_of(self.request), action, obj, reason)

    def field(self, name, limit=500):
        return form_text(self.form, name, limit)


def form_text(form, name, limit=500):
    """The text field ``name`` of a parsed form, stripped and cut to ``limit``; "" when absent or when the
    client sent a file upload in its place (a multipart form may).  NUL characters are left out: PostgreSQL
    text cannot hold them (a NUL typed into the log-in form was a 500 there), and no field needs one."""
    value = form.get(name) if form is not None else None
    return value.replace("\x00", "").strip()[:limit] if isinstance(value, str) else ""


def form_secret(form, name):
    """A password field as typed (not stripped); "" when absent or a file upload."""
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


def number(text, max_digits=10):
    """``text`` as an int when it is 1..max_digits ASCII digits, else None.  (``str.isdigit`` alone lets
    "²" or "٣" through, which ``int`` then refuses or reads as another script's digit.)"""
    text = text or ""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def ascii_digits(text, limit):
    """Only the ASCII digits of the first ``limit`` characters of ``text`` (filters, phone numbers)."""
    return "".join(ch for ch in (text or "")[:limit] if "0" <= ch <= "9")


def redirect(path):
    return RedirectResponse(path, status_code=303)


def page(permission):
    """Decorator: the session must be valid, its role must have ``permission``, a POST must carry its CSRF token."""

    def wrap(handler):
        @functools.wraps(handler)
        async def endpoint(request):
            console = request.app.state.console
            user = console.current_user(request)
            if user is None:
                if request.method == "GET":
                    return redirect("/login")
                return console.error(request, None, 401, "请先登录。")
            if not auth.allowed(user["role"], permission):
                return console.error(request, user, 403, "您的角色无权访问此页面。")
            form = None
            if request.method == "POST":
                form = await request.form()
                if not auth.same_token(form.get("csrf"), user["csrf"]) or not same_origin(request):
                    return console.error(request, user, 403, "表单已过期或来源不符（CSRF 校验失败），请刷新页面后重试。")
            return await handler(request, Ctx(console, user, form, request))

        return endpoint

    return wrap


def same_origin(request):
    """A browser's Origin header, when sent, must be this console's own."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def cst(seconds):
    if not seconds:
        return "—"
    t = time.gmtime(int(seconds) + 8 * 3600)
    return "%04d-%02d-%02d %02d:%02d" % t[:5]


def duration(seconds):
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return "%d天%d小时" % (days, hours)
    if hours:
        return "%d小时%d分" % (hours, rest // 60)
    return "%d分" % (rest // 60)


def text_response(body, media_type, filename=None, csp=None):
    headers = {}
    if filename:
        headers["content-disposition"] = 'attachment; filename="%s"' % filename
    if csp:
        headers["content-security-policy"] = csp
    return Response(body, media_type=media_type, headers=headers)


def html(body, status=200):
    return HTMLResponse(body, status_code=status)
