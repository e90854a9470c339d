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

from lib12333.errors import Lib12333Error
from lib12333.host.cdr import report as annual
from lib12333.host.console.web import page, text_response
from lib12333.records import OUTCOMES, ServiceRecord
from lib12333.records.metrics import Metrics

TZ = 8 * 3600
# The gateway's own outcome words for kiosk transactions -> lib12333.records outcomes.
KIOSK_OUTCOMES = {"completed": "delivered", "queued": "delivered", "refused": "failed"}


def records(rows):
    """ServiceRecords from ``store.service_rows``; rows the record rules refuse are skipped."""
    for channel, service, region, category, queue, arrival, answer, end, outcome, agent, caller in rows:
        outcome = KIOSK_OUTCOMES.get(outcome, outcome if outcome in OUTCOMES else "unknown")
        try:
            yield ServiceRecord(channel=channel, service=int(service), region=int(region) if region.isdigit() else 0,
                                category=category if category.isdigit() else "", queue=queue[:64], arrival=arrival,
                                answer=answer, end=end, outcome=outcome, agent=agent[:64], caller=caller[:64])
        except (Lib12333Error, ValueError):
            continue


def _day_start(day):
    return int((datetime.datetime(*day) - datetime.datetime(1970, 1, 1)).total_seconds()) - TZ


def _parse_day(text, default):
    try:
        d = datetime.date.fromisoformat(text or "")
        return d.year, d.month, d.day
    except ValueError:
        return default


def _pct(values):
    return [None if v is None else v for v in values]


@page("figures.view")
async def figures(request, ctx):
    q = request.query_params
    today = datetime.datetime.utcfromtimestamp(ctx.now + TZ).date()
    days = {"7": 7, "30": 30, "90": 90}.get(q.get("days"), 30)
    end_day = _parse_day(q.get("until"), (today.year, today.month, today.day))
    end = _day_start(end_day) + 86400
    start = end - days * 86400
    m = Metrics(dimensions=("day", "interval"), interval=3600, tz_offset=TZ)
    for r in records(ctx.store.service_rows(start, end, "call")):
        m.add(r)
    rep = m.report()
    labels = [(datetime.date(*end_day) - datetime.timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    by_day = rep["by_day"]

    def col(name, keys, table):
        return [table.get(k, {}).get(name) for k in keys]

    charts = [
        annual.bar_chart("来电量（按日）offered / answered", [x[5:] for x in labels],
                         [("呼入 offered", [v or 0 for v in col("offered", labels, by_day)], "#1f5fa8"),
                          ("接通 answered", [v or 0 for v in col("answered", labels, by_day)], "#3a9a5b")]),
        annual.bar_chart("放弃率与服务水平（按日）", [x[5:] for x in labels],
                         [("放弃率 abandon", _pct(col("abandon_rate", labels, by_day)), "#c33"),
                          ("服务水平 service level", _pct(col("service_level", labels, by_day)), "#3a9a5b")],
                         percent=True),
    ]
    day = _parse_day(q.get("day"), end_day)
    mi = Metrics(dimensions=("interval",), interval=3600, tz_offset=TZ)
    for r in records(ctx.store.service_rows(_day_start(day), _day_start(day) + 86400, "call")):
        mi.add(r)
    by_interval = mi.report()["by_interval"]
    slots = ["%02d:00" % h for h in range(24)]
    keys = sorted(by_interval)
    slot_of = {k[-5:]: k for k in keys}
    charts.append(annual.bar_chart("%04d-%02d-%02d 各时段来电量" % day, slots,
                                   [("呼入 offered", [by_interval.get(slot_of.get(s), {}).get("offered", 0)
                                                      for s in slots], "#1f5fa8")]))
    sms = ctx.store.sms_by_day(start, end, TZ)
    sms_days = {datetime.date.fromordinal(719163 + d).isoformat(): (n, s, f) for d, n, s, f in sms}
    charts.append(annual.bar_chart("短信用量（按日）", [x[5:] for x in labels],
                                   [("已发送 sent", [sms_days.get(x, (0, 0, 0))[1] for x in labels], "#d9822b"),
                                    ("失败 failed", [sms_days.get(x, (0, 0, 0))[2] for x in labels], "#c33")]))
    table = [(x, by_day[x]) for x in labels if x in by_day]
    return ctx.render("figures.html", charts=charts, overall=rep["overall"], table=table, days=days,
                      until="%04d-%02d-%02d" % end_day, day="%04d-%02d-%02d" % day, year=today.year - 1,
                      intervals=[(k[-5:], by_interval[k]) for k in keys],
                      sms_total=sum(n for _d, n, _s, _f in sms))


def _annual_figures(ctx, year):
    rep = annual.AnnualReport(year, tz_offset=TZ)
    start = _day_start((year, 1, 1)) - 86400  # a day of margin: the report itself keeps only the local year
    n = 0
    for r in records(ctx.store.service_rows(start, _day_start((year + 1, 1, 1)) + 86400)):
        rep.add(r)
        n += 1
    return rep.figures([{"source": "gateway database (service_records)", "format": "sqlite", "lines": n,
                         "records": n, "malformed": 0}])


@page("figures.view")
async def annual_report(request, ctx):
    name = request.path_params["name"]
    stem, _, ext = name.partition(".")
    if not stem.isdigit() or len(stem) != 4 or ext not in ("html", "csv"):
        return ctx.console.error(request, ctx.user, 404, "没有这个报表。")
    year = int(stem)
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
