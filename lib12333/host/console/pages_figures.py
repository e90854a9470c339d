"""
Service figures: call metrics of the records in the gateway database per day and per interval,
SMS usage, and the annual 12333 / 12370 report as HTML and CSV.

The figures are ``lib12333.records.metrics.Metrics`` and the annual report is
``lib12333.host.cdr.report`` -- the same code as ``lib12333 cdr stats`` and
``lib12333 report annual`` -- fed from the ``service_records`` table (kiosk
transactions the gateway writes, call records imported with ``lib12333 console
import``).  Charts are that module's server-side SVG.
"""

import datetime

from starlette.routing import Route

from lib12333.host.cdr import report as annual
from lib12333.host.console.figures import TZ, merged, records
from lib12333.host.console.web import number, page, text_response
from lib12333.host.gateway import db


def _day_number(day):
    return (datetime.date(*day) - datetime.date(1970, 1, 1)).days


def _day_start(day):
    return _day_number(day) * 86400 - TZ


# Years the figures page and the annual report accept: a range of days ending on 0001-01-01 or a
# report of year 9999 would step outside what ``datetime`` can count.
YEARS = range(2000, 2100)


def _parse_day(text, default):
    try:
        d = datetime.date.fromisoformat(text or "")
    except ValueError:
        return default
    return (d.year, d.month, d.day) if d.year in YEARS else default


def col(name, keys, table):
    return [table.get(k, {}).get(name) for k in keys]


@page("figures.view")
async def figures(request, ctx):
    q = request.query_params
    today = datetime.datetime.utcfromtimestamp(ctx.now + TZ).date()
    days = {"7": 7, "30": 30, "90": 90}.get(q.get("days"), 30)
    end_day = _parse_day(q.get("until"), (today.year, today.month, today.day))
    end = _day_start(end_day) + 86400
    start = end - days * 86400
    last = _day_number(end_day)
    day = _parse_day(q.get("day"), end_day)
    per_day = ctx.console.day_figures.days(ctx.store, last - days + 1, last)
    detail = per_day.get(_day_number(day)) or ctx.console.day_figures.days(
        ctx.store, _day_number(day), _day_number(day)).get(_day_number(day))
    overall = merged(m.overall for m in per_day.values()).figures()
    labels = [(datetime.date(*end_day) - datetime.timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    by_day = {}
    for n, m in per_day.items():
        by_day[(datetime.date(1970, 1, 1) + datetime.timedelta(days=n)).isoformat()] = m.overall.figures()
    charts = [
        annual.bar_chart("来电量（按日）offered / answered", [x[5:] for x in labels],
                         [("呼入 offered", [v or 0 for v in col("offered", labels, by_day)], "#1f5fa8"),
                          ("接通 answered", [v or 0 for v in col("answered", labels, by_day)], "#3a9a5b")]),
        annual.bar_chart("放弃率与服务水平（按日）", [x[5:] for x in labels],
                         [("放弃率 abandon", col("abandon_rate", labels, by_day), "#c33"),
                          ("服务水平 service level", col("service_level", labels, by_day), "#3a9a5b")],
                         percent=True),
    ]
    by_interval = {}
    if detail is not None:
        by_interval = {k: b.figures() for k, b in detail.groups["interval"].items()}
    slots = ["%02d:00" % h for h in range(24)]
    keys = sorted(by_interval)
    slot_of = {k[-5:]: k for k in keys}
    charts.append(annual.bar_chart("%04d-%02d-%02d 各时段来电量" % day, slots,
                                   [("呼入 offered", [by_interval.get(slot_of.get(s), {}).get("offered", 0)
                                                      for s in slots], "#1f5fa8")]))
    sms = {}  # (date, kind) -> (queued, sent, failed)
    for d, kind, n, sent, failed in ctx.store.sms_by_day(start, end, TZ):
        sms[(datetime.date.fromordinal(719163 + d).isoformat(), kind)] = (n, sent, failed)

    def sent(kind, x):
        return sms.get((x, kind), (0, 0, 0))[1]

    charts.append(annual.bar_chart("短信用量（按日，已发送）", [x[5:] for x in labels],
                                   [("群众短信 notices", [sent("notice", x) for x in labels], "#d9822b"),
                                    ("终端报文 kiosk frames", [sent("frame", x) for x in labels], "#8a56ac"),
                                    ("失败 failed", [sum(sms.get((x, k), (0, 0, 0))[2] for k in ("notice", "frame"))
                                                   for x in labels], "#c33")]))
    table = [(x, by_day[x]) for x in labels if x in by_day]
    return ctx.render("figures.html", charts=charts, overall=overall, table=table, days=days,
                      until="%04d-%02d-%02d" % end_day, day="%04d-%02d-%02d" % day, year=today.year - 1,
                      intervals=[(k[-5:], by_interval[k]) for k in keys],
                      sms_notices=sum(v[0] for (_x, k), v in sms.items() if k == "notice"),
                      sms_frames=sum(v[0] for (_x, k), v in sms.items() if k == "frame"))


def _annual_figures(ctx, year):
    rep = annual.AnnualReport(year, tz_offset=TZ)
    start = _day_start((year, 1, 1)) - 86400  # a day of margin: the report itself keeps only the local year
    n = 0
    for r in records(ctx.store.service_rows(start, _day_start((year + 1, 1, 1)) + 86400)):
        rep.add(r)
        n += 1
    backend = "postgresql" if db.is_postgresql(ctx.store.conn) else "sqlite"
    return rep.figures([{"source": "gateway database (service_records)", "format": backend, "lines": n,
                         "records": n, "malformed": 0}])


@page("figures.view")
async def annual_report(request, ctx):
    name = request.path_params["name"]
    stem, _, ext = name.partition(".")
    year = number(stem, 4)
    if year is None or year not in YEARS or ext not in ("html", "csv"):
        return ctx.console.error(request, ctx.user, 404, "没有这个报表。")
    fig = _annual_figures(ctx, year)
    ctx.audit("report.annual", name)
    if ext == "csv":
        return text_response(annual.to_csv(fig), "text/csv; charset=utf-8", "annual-%d.csv" % year)
    # The report is one self-contained page with its own inline styles (no script).
    return text_response(annual.to_html(fig), "text/html; charset=utf-8", "annual-%d.html" % year,
                         csp="default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")


ROUTES = [
    Route("/figures", figures, methods=["GET"]),
    Route("/figures/annual/{name}", annual_report, methods=["GET"]),
]
