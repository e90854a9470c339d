"""
Loss registry: find a card by its masked (or full) number or by the kiosk frame that reported it;
see its state and history masked; lift a temporary loss; see personal data in clear with a reason.

Cards are named in URLs by an opaque handle (``store.card_handle``), never by
number.  Lifting goes through ``lossreport.CardRecord.apply`` with the counter
channel -- the staff member checked the holder's identity card in person -- so
the state machine decides (only a temporary loss can be lifted, and only before
it lapsed).  Every lift and every unmasked view is written to the audit log
with the reason given.
"""

from starlette.routing import Route

from lib12333 import identifiers, lossreport
from lib12333.host.console.web import number, page, redirect


def _policy(ctx):
    return lossreport.Policy(ctx.console.temp_days)


def _view(ctx, card_no, unmasked=False):
    rec = ctx.store.card_record(card_no, _policy(ctx))
    if rec is None:
        return None
    from lib12333.host.gateway import admin

    view = admin.card_view(ctx.store.conn, card_no, show_pii=unmasked, now=ctx.now)
    view["handle"] = ctx.store.card_handle(card_no)
    view["may_lift"] = lossreport.RELEASE_TEMPORARY in rec.allowed(lossreport.COUNTER, ctx.now)
    return view


@page("loss.view")
async def search_form(request, ctx):
    return ctx.render("loss.html", results=None, q="")


def _parse_frame_ref(q):
    """``1001-5`` / ``1001/5``: kiosk 1001's frame 5 (what the kiosk's receipt shows), or None."""
    for sep in ("-", "/"):
        a, s, b = q.partition(sep)
        if s and number(a) is not None and number(b) is not None:
            return number(a), number(b)
    return None


def _masked_query(q):
    """What the audit log keeps of a typed search: the first and the last two characters, like a masked card
    number (``mask_card`` keeps six and four of a longer text, most of a card number typed with extras)."""
    if len(q) <= 3:
        return "*" * len(q)
    return q[0] + "*" * (len(q) - 3) + q[-2:]


@page("loss.view")
async def search(request, ctx):
    q = ctx.field("q", 40).replace(" ", "")
    if not q:
        return ctx.render("loss.html", 400, results=None, q="", error="请输入卡号（可带 * 掩码）或终端流水号。")
    frame = _parse_frame_ref(q)
    cards = ctx.store.cards_of_frame(*frame) if frame else ctx.store.find_cards(q)
    results = [_view(ctx, c) for c in cards]
    ctx.audit("card.search", q if frame else _masked_query(q))
    return ctx.render("loss.html", results=[r for r in results if r], q=q)


def _card(request, ctx):
    return ctx.store.card_of_handle(request.path_params["handle"])


@page("loss.view")
async def card(request, ctx):
    card_no = _card(request, ctx)
    view = _view(ctx, card_no) if card_no else None
    if view is None:
        return ctx.console.error(request, ctx.user, 404, "卡片不存在。")
    done = {"lifted": "临时挂失已解除。"}.get(request.query_params.get("done"))
    return ctx.render("card.html", card=view, message=done)


def _reasoned(request, ctx, refusal, ok=lambda ctx: True):
    """(card number, masked view, reason, None) for a POST on a card that gives a reason, or (..., response)."""
    card_no = _card(request, ctx)
    view = _view(ctx, card_no) if card_no else None
    if view is None:
        return None, None, None, ctx.console.error(request, ctx.user, 404, "卡片不存在。")
    reason = ctx.field("reason", 200)
    if len(reason) < 4 or not ok(ctx):
        return card_no, view, None, ctx.render("card.html", 400, card=view, error=refusal)
    return card_no, view, reason, None


@page("loss.unmask")
async def reveal(request, ctx):
    card_no, _view_masked, reason, refused = _reasoned(request, ctx, "查看完整个人信息须填写理由（至少 4 个字）。")
    if refused:
        return refused
    ctx.audit("card.unmask", identifiers.mask_card(card_no), reason)
    return ctx.render("card.html", card=_view(ctx, card_no, unmasked=True), unmasked=True, reason=reason)


@page("loss.lift")
async def lift(request, ctx):
    card_no, view, reason, refused = _reasoned(request, ctx, "解除临时挂失须当面核验持卡人身份证件，并填写理由（至少 4 个字）。",
                                               lambda ctx: ctx.field("identity_checked") == "yes")
    if refused:
        return refused
    # A temporary loss that lapsed on the way is kept (a real change); one the state machine refuses is a 409.
    refusal = ctx.store.change_card(card_no, _policy(ctx), lossreport.RELEASE_TEMPORARY, lossreport.COUNTER, ctx.now)
    if refusal is not None:
        return ctx.render("card.html", 409, card=_view(ctx, card_no), error="不能解除：%s" % refusal)
    ctx.audit("card.lift", identifiers.mask_card(card_no), reason)
    return redirect("/loss/card/%s?done=lifted" % view["handle"])


ROUTES = [
    Route("/loss", search_form, methods=["GET"]),
    Route("/loss", search, methods=["POST"]),
    Route("/loss/card/{handle}", card, methods=["GET"]),
    Route("/loss/card/{handle}/reveal", reveal, methods=["POST"]),
    Route("/loss/card/{handle}/lift", lift, methods=["POST"]),
]
