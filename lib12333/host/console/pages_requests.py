"""
Requests desk (受理 / 处理中 / 办结 / 退回 / 转办): the queue, one request, claim and the back-office steps.

Object rules (no request reachable by guessing its reference): a request is
shown only to the centre that owns it or is offered it by a transfer; a step on
a request someone claimed is taken by that person or a supervisor.  Steps go
through ``request_desk.update`` -- the same rules and the same completion SMS as
``lib12333 gateway request update`` -- with an idempotency key from the form, so
a form sent twice is applied once.
"""

import secrets

from starlette.routing import Route

from lib12333 import citizen_requests as R
from lib12333 import identifiers
from lib12333.errors import Lib12333Error, StorageError
from lib12333.host.console.store import AGES
from lib12333.host.console.web import ascii_digits, page, redirect
from lib12333.host.gateway import request_desk

PAGE = 50
# What the form's buttons may ask; accept/reject are for requests offered to this centre.
STEPS = {"complete": "办结", "return": "退回", "transfer": "转办", "withdraw_transfer": "撤回转办",
         "accept_transfer": "接收转办", "reject_transfer": "拒收转办"}
DONE_MESSAGES = {"created": "已受理，请把受理编号告知群众。", "claimed": "已认领，办件进入处理中。", "complete": "已办结，办结短信已排入发送队列。",
                 "return": "已退回，退回短信已排入发送队列。", "transfer": "已发起转办，等待对方中心接收。",
                 "withdraw_transfer": "已撤回转办。", "accept_transfer": "已接收转办。", "reject_transfer": "已拒收转办。"}


def _filters(q):
    state = q.get("state") if q.get("state") in R.STATES else None
    kind = q.get("kind") if q.get("kind") in R.KINDS else None
    region = ascii_digits(q.get("region"), 6) or None
    age = q.get("age") if q.get("age") in AGES else None
    return state, kind, region, age


@page("requests.view")
async def queue(request, ctx):
    return await _queue_page(request, ctx)


async def _queue_page(request, ctx, status=200, error=None):
    q = request.query_params
    state, kind, region, age = _filters(q)
    try:
        page_no = max(1, min(int(q.get("page") or 1), 100000))
    except ValueError:
        page_no = 1
    rows, total = ctx.store.queue(ctx.console.centre, ctx.now, state, kind, region, age, (page_no - 1) * PAGE, PAGE)
    for r in rows:
        r["subject_masked"] = _mask(r["subject"])[:60]
        r["overdue"] = r["state"] not in R.FINAL and ctx.now - r["created_at"] > ctx.console.due_seconds
    return ctx.render("requests.html", status, error=error, message=DONE_MESSAGES.get(q.get("done")), rows=rows, total=total, counts=ctx.store.state_counts(ctx.console.centre),
                      state=state, kind=kind, region=region or "", age=age, page=page_no,
                      pages=max(1, (total + PAGE - 1) // PAGE), ages=AGES, idem=secrets.token_hex(12))


def _mask(text):
    from lib12333.masking import mask_text

    return mask_text(text or "")


def _load(ctx, ref):
    """The request ``ref`` if this centre may see it, else None (the same 404 whether it exists or not)."""
    try:
        req = ctx.store.requests.get(R.parse_ref(ref)["ref"])
    except (Lib12333Error, StorageError):
        return None
    if ctx.console.centre not in (req.owner, req.pending_owner):
        return None
    return req


def _detail(ctx, req, status=200, error=None, message=None):
    claimed_by = ctx.store.claims([req.ref]).get(req.ref)
    mine = req.owner == ctx.console.centre
    may_act = ctx.can("requests.work") and (claimed_by in (None, ctx.user["username"]) or ctx.can("requests.reassign"))
    steps = []
    if may_act:
        for action in STEPS:
            row = R.find_transition(action, req.state)
            if row is not None and (row[3] == "owner") == mine:
                steps.append(action)
    notices = [(c, s, f, t) for c, s, f, t in ctx.store.sent_notices(req.contact)
               if req.ref in t] if req.contact else []
    return ctx.render("request.html", status, req=req, subject=_mask(req.subject),
                      contact=identifiers.mask_phone(req.contact) if req.contact else "",
                      claimed_by=claimed_by, steps=steps, step_names=STEPS, may_claim=may_act and mine and (
                          # A request one accepted by telephone is claimed already, but still has to be started.
                          req.state == R.ACCEPTED or (req.state == R.IN_PROGRESS
                                                      and claimed_by != ctx.user["username"])),
                      claim_label="开始办理" if claimed_by == ctx.user["username"] else "认领并开始办理",
                      overdue=req.state not in R.FINAL and ctx.now - req.created_at > ctx.console.due_seconds,
                      notices=notices, idem=secrets.token_hex(12), error=error, message=message,
                      history=[(e, _mask(e.note or "")) for e in req.history],
                      peers=ctx.store.peer_codes())


@page("requests.view")
async def detail(request, ctx):
    req = _load(ctx, request.path_params["ref"])
    if req is None:
        return ctx.console.error(request, ctx.user, 404, "办件不存在或不属于本中心。")
    return _detail(ctx, req, message=DONE_MESSAGES.get(request.query_params.get("done")))


def _guard(ctx, req):
    """None when the user may act on ``req``, else the refusal message."""
    claimed_by = ctx.store.claims([req.ref]).get(req.ref)
    if claimed_by not in (None, ctx.user["username"]) and not ctx.can("requests.reassign"):
        return "该办件已由 %s 认领，只有认领人或班长可以操作。" % claimed_by
    return None


def _idem(ctx):
    token = ctx.field("idem", 40)
    return "console-" + ("".join(ch for ch in token if ch.isalnum()) or secrets.token_hex(12))


@page("requests.work")
async def claim(request, ctx):
    req = _load(ctx, request.path_params["ref"])
    if req is None:
        return ctx.console.error(request, ctx.user, 404, "办件不存在或不属于本中心。")
    refusal = _guard(ctx, req)
    if refusal is None and (req.owner != ctx.console.centre or req.state not in (R.ACCEPTED, R.IN_PROGRESS)):
        refusal = "此状态的办件不能认领。"
    if refusal:
        return _detail(ctx, req, 409, error=refusal)
    # The claim first, in one statement: of two users (or two console processes) claiming at once, one wins.
    before = ctx.store.claims([req.ref]).get(req.ref)
    holder = ctx.store.claim(req.ref, ctx.user["username"], ctx.now, take_over=ctx.can("requests.reassign"))
    if holder != ctx.user["username"]:
        return _detail(ctx, req, 409, error="该办件已由 %s 认领，只有认领人或班长可以操作。" % holder)
    if req.state == R.ACCEPTED:
        try:
            ctx.store.update_request(ctx.console.sms_policy, req.ref, "start", ctx.now, ctx.console.centre, _idem(ctx))
        except Lib12333Error as exc:
            if before is None:
                ctx.store.release_claim(req.ref)
            return _detail(ctx, req, 409, error="未能认领：%s" % exc)
    ctx.audit("request.claim", req.ref)
    return redirect("/requests/%s?done=claimed" % req.ref)


@page("requests.work")
async def act(request, ctx):
    req = _load(ctx, request.path_params["ref"])
    if req is None:
        return ctx.console.error(request, ctx.user, 404, "办件不存在或不属于本中心。")
    action = ctx.field("action", 30)
    refusal = _guard(ctx, req) if action not in ("accept_transfer", "reject_transfer") else None
    if action not in STEPS:
        refusal = "未知操作。"
    if refusal:
        return _detail(ctx, req, 409, error=refusal)
    note = ctx.field("note", 1000) or None
    target = ctx.field("target", 6) if action == "transfer" else None
    try:
        req2, _event, notice = ctx.store.update_request(ctx.console.sms_policy, req.ref, action, ctx.now,
                                                        ctx.console.centre, _idem(ctx), note=note, target=target)
    except Lib12333Error as exc:
        return _detail(ctx, req, 409, error="操作未完成：%s" % exc)
    if action == "accept_transfer":
        ctx.store.release_claim(req.ref)
    ctx.audit("request." + action, req.ref, note or target or "")
    if action == "reject_transfer":  # the request stays with the other centre: no longer ours to see
        return redirect("/requests?done=%s" % action)
    return redirect("/requests/%s?done=%s" % (req2.ref, action))


@page("requests.work")
async def create(request, ctx):
    """受理 at the desk: a request taken by telephone (device part ``TEL`` of the reference), claimed by its taker."""
    import time

    kind = ctx.field("kind", 20)
    typed = ctx.field("contact", 20)
    contact = request_desk.normalize_phone(ascii_digits(typed, 20))
    if (typed or contact) and not (len(contact) == 11 and contact[0] == "1"):
        # The completion SMS goes to this number: refuse what no phone could receive rather than queue it.
        return await _queue_page(request, ctx, 400, error="未能受理：联系电话须为 11 位手机号码（可留空）。")
    day = time.gmtime(ctx.now + 8 * 3600)[:3]
    try:
        req = ctx.store.requests.create(kind, ctx.console.centre, "TEL", day, ctx.now, ctx.field("subject", 2000),
                                        contact, idem=_idem(ctx))
    except Lib12333Error as exc:
        return await _queue_page(request, ctx, 400, error="未能受理：%s" % exc)
    ctx.store.claim(req.ref, ctx.user["username"], ctx.now)
    ctx.audit("request.create", req.ref)
    return redirect("/requests/%s?done=created" % req.ref)


ROUTES = [
    Route("/requests", queue, methods=["GET"]),
    Route("/requests", create, methods=["POST"]),
    Route("/requests/{ref}", detail, methods=["GET"]),
    Route("/requests/{ref}/claim", claim, methods=["POST"]),
    Route("/requests/{ref}/act", act, methods=["POST"]),
]
