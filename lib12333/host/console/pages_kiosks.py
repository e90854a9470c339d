"""
Kiosk fleet for technicians: every device with hall, region, last contact, backlog, errors, revoked;
stale devices first and marked; key rotation and revocation.

What the gateway records per kiosk (docs/console.md lists what it does not):
last contact = the newest frame applied from it, errors = ERROR answers it was
sent, backlog = answer frames to its SIM number not yet sent, send failures =
answer frames given up.  Rotating a key stores a fresh random key and shows it
once, for ``lib12333 deploy --key-file``; the kiosk's frames under the old key are
refused from then on.  Revoking refuses every further frame (``admin.revoke_device``).
"""

import os

from starlette.routing import Route

from lib12333 import identifiers
from lib12333.errors import Lib12333Error
from lib12333.host.console.web import ascii_digits, number, page, redirect
from lib12333.host.gateway import admin

PAGE = 100


def _device_id(request):
    return number(request.path_params["device_id"])


@page("kiosks.view")
async def fleet(request, ctx):
    q = request.query_params
    show = q.get("show") if q.get("show") in ("all", "stale", "revoked") else "all"
    region = ascii_digits(q.get("region"), 6) or None
    try:
        page_no = max(1, min(int(q.get("page") or 1), 100000))
    except ValueError:
        page_no = 1
    rows, total, stale = ctx.store.fleet(ctx.now, ctx.console.stale_after, show, region, (page_no - 1) * PAGE, PAGE)
    for r in rows:
        r["phone"] = identifiers.mask_phone(r["phone"]) if r["phone"] else ""
    return ctx.render("kiosks.html", rows=rows, total=total, stale=stale, show=show, region=region or "",
                      page=page_no, pages=max(1, (total + PAGE - 1) // PAGE),
                      stale_hours=ctx.console.stale_after // 3600)


def _device_page(ctx, request, status=200, **extra):
    device_id = _device_id(request)
    d = ctx.store.device(device_id) if device_id is not None else None
    if d is None:
        return ctx.console.error(request, ctx.user, 404, "终端不存在。")
    d["phone"] = identifiers.mask_phone(d["phone"]) if d["phone"] else ""
    d["stale"] = d["status"] == "active" and ctx.now - (d["last"] or d["added_at"]) > ctx.console.stale_after
    return ctx.render("kiosk.html", status, d=d, **extra)


@page("kiosks.view")
async def device(request, ctx):
    done = {"revoked": "终端已吊销：此后其报文一律拒收。"}.get(request.query_params.get("done"))
    return _device_page(ctx, request, message=done)


def _confirmed(request, ctx, what):
    """(device id, None) when the device exists and the form was ticked, else (None, the refusal)."""
    device_id = _device_id(request)
    if device_id is None or ctx.store.device(device_id) is None:
        return None, ctx.console.error(request, ctx.user, 404, "终端不存在。")
    if ctx.field("confirm") != "yes":
        return None, _device_page(ctx, request, 400, error="请勾选确认后再%s。" % what)
    return device_id, None


@page("kiosks.manage")
async def revoke(request, ctx):
    device_id, refused = _confirmed(request, ctx, "吊销")
    if refused:
        return refused
    try:
        admin.revoke_device(ctx.store.conn, device_id)
    except Lib12333Error as exc:
        return _device_page(ctx, request, 409, error=str(exc))
    ctx.audit("kiosk.revoke", str(device_id), ctx.field("reason", 200))
    return redirect("/kiosks/%d?done=revoked" % device_id)


@page("kiosks.manage")
async def rotate(request, ctx):
    device_id, refused = _confirmed(request, ctx, "更换密钥")
    if refused:
        return refused
    key = os.urandom(16)
    if not ctx.store.rotate_key(device_id, key):
        return _device_page(ctx, request, 409, error="已吊销的终端不能更换密钥。")
    ctx.audit("kiosk.rotate-key", str(device_id), ctx.field("reason", 200))
    # Shown once, in the answer to this POST (never stored elsewhere, never cached: Cache-Control no-store).
    return _device_page(ctx, request, new_key=key.hex())


ROUTES = [
    Route("/kiosks", fleet, methods=["GET"]),
    Route("/kiosks/{device_id}", device, methods=["GET"]),
    Route("/kiosks/{device_id}/revoke", revoke, methods=["POST"]),
    Route("/kiosks/{device_id}/rotate", rotate, methods=["POST"]),
]
