"""
The annual report of 12333 / 12370 use: figures (JSON, CSV) and a printable HTML page with SVG charts.

The notices in the seed (人社信息函[2009]35号 on the 12333/12370 numbers, 人社信息函[2010]43号 on their
SMS numbers) require each province to report the previous year's use of 12333 and 12370, and of their SMS numbers, to the
Ministry in writing by 20 March.  ``build(records, year)`` aggregates one year (by the local date of
each record's arrival) per service number and channel: volumes by month, hour, category and region,
and for calls the answer rate, abandon rate, service level and ASA.  The page needs no network access:
styles and charts are inline.
"""

import csv
import html
import io
import json

from lib12333.compat import OrderedDict
from lib12333.records import CHANNELS, SERVICES
from lib12333.records.metrics import Metrics

DIMS = ("month", "hour", "category", "region")
CSV_COLUMNS = ("service", "channel", "dimension", "key", "records", "offered", "answered", "abandoned",
               "answer_rate", "abandon_rate", "service_level", "asa_s")
COLORS = {"call": "#1f5fa8", "sms": "#d9822b", "kiosk": "#3a9a5b", "web": "#8a56ac"}
CHANNEL_NAMES = {"call": "calls 电话", "sms": "SMS 短信", "kiosk": "kiosk 自助终端", "web": "web 网站"}


def _year_of(local_days):
    from lib12333.dates import civil_from_days

    return civil_from_days(local_days)[0]


class AnnualReport:
    def __init__(self, year, answer_within=20, short_abandon=5, tz_offset=28800):
        self.year = year
        self.tz = tz_offset
        self.params = dict(answer_within=answer_within, short_abandon=short_abandon, tz_offset=tz_offset)
        self.metrics = {}  # (service, channel) -> Metrics
        self.outside_year = 0
        self._year_cache = {}

    def add(self, r):
        day = (r.arrival + self.tz) // 86400
        y = self._year_cache.get(day)
        if y is None:
            y = self._year_cache[day] = _year_of(day)
        if y != self.year:
            self.outside_year += 1
            return
        key = (r.service, r.channel)
        m = self.metrics.get(key)
        if m is None:
            m = self.metrics[key] = Metrics(dimensions=DIMS + ("day",), **self.params)
        m.add(r)

    def figures(self, imports=()):
        from lib12333.records.metrics import gbt33358

        out = OrderedDict()
        out["year"] = self.year
        out["report_due"] = "%d-03-20" % (self.year + 1)
        out["parameters"] = OrderedDict(sorted(self.params.items()))
        out["records_outside_year"] = self.outside_year
        services = OrderedDict()
        for s in SERVICES:
            channels = OrderedDict()
            for ch in CHANNELS:
                m = self.metrics.get((s, ch))
                if m is None:
                    continue
                rep = m.report()
                del rep["by_day"]
                rep.pop("parameters")
                if ch == "call":
                    rep["gbt_33358_2016"] = gbt33358(m)
                channels[ch] = rep
            services[str(s)] = channels
        out["services"] = services
        out["inputs"] = list(imports)
        return out


def to_csv(fig):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for s, channels in fig["services"].items():
        for ch, rep in channels.items():
            rows = [("overall", "", rep["overall"])]
            for d in DIMS:
                rows.extend((d, k, f) for k, f in rep["by_" + d].items())
            for dim, key, f in rows:
                w.writerow([s, ch, dim, key, f["records"], f["offered"], f["answered"], f["abandoned"],
                            _num(f["answer_rate"]), _num(f["abandon_rate"]), _num(f["service_level"]),
                            _num(f["asa_s"])])
    return buf.getvalue()


def _num(x):
    return "" if x is None else ("%.6g" % x)


# ------------------------------------------------------------------ SVG


def bar_chart(title, labels, series, percent=False, width=760, height=250):
    """Grouped bar chart as an inline SVG string. ``series`` = [(name, values, colour)]."""
    left, right, top, bottom = 56, 12, 28, 46
    pw, ph = width - left - right, height - top - bottom
    vmax = max([v for _, vals, _ in series for v in vals if v is not None] + [0])
    if percent:
        vmax = 1.0
    elif vmax <= 0:
        vmax = 1
    else:
        mag = 10 ** (len(str(int(vmax))) - 1)
        vmax = ((int(vmax / mag) + 1) * mag) if vmax > mag else mag
    out = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d">'
           % (width, height, width, height),
           '<title>%s</title>' % html.escape(title),
           '<text x="%d" y="16" font-size="13" font-weight="bold">%s</text>' % (left, html.escape(title))]
    for i in range(6):
        v = vmax * i / 5
        y = top + ph - ph * i / 5
        label = ("%d%%" % round(v * 100)) if percent else ("%g" % v)
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, left + pw, y, y))
        out.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end">%s</text>' % (left - 4, y + 3, label))
    n = max(1, len(labels))
    group = pw / n
    k = max(1, len(series))
    bw = max(1.0, group * 0.8 / k)
    for gi, lab in enumerate(labels):
        x0 = left + gi * group + group * 0.1
        for si, (name, vals, colour) in enumerate(series):
            v = vals[gi]
            if v is None:
                continue
            h = ph * min(v, vmax) / vmax
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>'
                       % (x0 + si * bw, top + ph - h, bw, h, colour, html.escape(name), html.escape(str(lab)),
                          ("%.1f%%" % (v * 100)) if percent else v))
        if n <= 24 or gi % 2 == 0:
            out.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>'
                       % (x0 + group * 0.4, top + ph + 14, html.escape(str(lab)[:10])))
    lx = left
    for name, _, colour in series:
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' % (lx, height - 16, colour))
        out.append('<text x="%d" y="%d" font-size="11">%s</text>' % (lx + 14, height - 7, html.escape(name)))
        lx += 14 + 8 * len(name) + 20
    out.append("</svg>")
    return "".join(out)


# ------------------------------------------------------------------ HTML


def _pct(x):
    return "–" if x is None else "%.1f%%" % (100 * x)


def _category_name(code):
    if not code:
        return "(none)"
    try:
        from lib12333 import categories

        return code + " " + str(categories.lookup(code))
    except Exception:
        return code


def to_html(fig, province=""):
    y = fig["year"]
    months = ["%d-%02d" % (y, m) for m in range(1, 13)]
    hours = ["%02d" % h for h in range(24)]
    parts = []
    parts.append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                 "<title>%s 12333/12370 年度使用情况 %d</title>" % (html.escape(province), y))
    parts.append("<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;"
                 "margin:8px 0 16px}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
                 "th{background:#eef}td:first-child,th:first-child{text-align:left}.due{border:2px solid #c33;"
                 "padding:8px;background:#fff6f6}section{page-break-inside:avoid}svg{display:block;margin:6px 0}"
                 "@media print{body{margin:8mm}h2{page-break-before:always}h2:first-of-type{page-break-before:auto}}"
                 "</style></head><body>")
    parts.append("<h1>%s12333 / 12370 号码年度使用情况 — %d 年</h1>" % (html.escape(province + " ") if province else "", y))
    parts.append("<p class=\"due\">报送要求：各省须于每年 3 月 20 日前将上年度本省 12333 和 12370 号码及其短消息号码的"
                 "使用情况书面报人力资源社会保障部（由部汇总后报工业和信息化部；人社信息函[2009]35号、[2010]43号）。本报告为 %d 年度，"
                 "<b>应于 %s 前报送</b>。<br>Due: the previous year's use of 12333 and 12370 (numbers and SMS) "
                 "must reach the Ministry in writing by 20 March — for %d, by <b>%s</b>.</p>"
                 % (y, fig["report_due"], y, fig["report_due"]))
    p = fig["parameters"]
    parts.append("<p>Service level = calls answered within %g s ÷ calls offered to a queue; answer rate (接通率) = "
                 "answered ÷ offered; abandon rate (放弃率) = abandoned ÷ offered; times in UTC%+g h. "
                 "Definitions: docs/cdr.md.</p>" % (p["answer_within"], p["tz_offset"] / 3600.0))
    for s, channels in fig["services"].items():
        parts.append("<h2>%s</h2>" % s)
        if not channels:
            parts.append("<p>No records for %s in %d.</p>" % (s, y))
            continue
        parts.append("<table><tr><th>channel</th><th>records</th><th>offered</th><th>answered</th>"
                     "<th>answer rate</th><th>abandon rate</th><th>service level</th><th>ASA</th></tr>")
        for ch, rep in channels.items():
            o = rep["overall"]
            parts.append("<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td>"
                         "<td>%s</td></tr>" % (CHANNEL_NAMES.get(ch, ch), o["records"], o["offered"], o["answered"],
                                               _pct(o["answer_rate"]), _pct(o["abandon_rate"]),
                                               _pct(o["service_level"]),
                                               "–" if o["asa_s"] is None else "%.1f s" % o["asa_s"]))
        parts.append("</table>")
        series = [(CHANNEL_NAMES.get(ch, ch), [rep["by_month"].get(m, {}).get("records", 0) for m in months],
                   COLORS.get(ch, "#555")) for ch, rep in channels.items()]
        parts.append("<section>" + bar_chart(s + " — records by month 按月", [m[5:] for m in months], series)
                     + "</section>")
        call = channels.get("call")
        if call:
            rates = [("answer rate 接通率", [call["by_month"].get(m, {}).get("answer_rate") for m in months], "#1f5fa8"),
                     ("abandon rate 放弃率", [call["by_month"].get(m, {}).get("abandon_rate") for m in months], "#c33"),
                     ("service level", [call["by_month"].get(m, {}).get("service_level") for m in months], "#3a9a5b")]
            parts.append("<section>" + bar_chart(s + " — calls: rates by month", [m[5:] for m in months], rates,
                                                 percent=True) + "</section>")
            g = call["gbt_33358_2016"]
            parts.append("<p>GB/T 33358-2016: answered within 15 s: %s of answered calls; lowest daily connection "
                         "rate %s (target ≥ 95%%); %s.</p>" % (_pct(g["answer_within_15s"]["share"]),
                                                               _pct(g["daily_connection_rate"]["lowest_rate"]),
                                                               {"pass": "pass", "fail": "not met"}.get(
                                                                   g["status"], "no data")))
        series = [(CHANNEL_NAMES.get(ch, ch), [rep["by_hour"].get(h, {}).get("records", 0) for h in hours],
                   COLORS.get(ch, "#555")) for ch, rep in channels.items()]
        parts.append("<section>" + bar_chart(s + " — records by hour of day 按时段", hours, series) + "</section>")
        cats = {}
        regions = {}
        for rep in channels.values():
            for k, f in rep["by_category"].items():
                cats[k] = cats.get(k, 0) + f["records"]
            for k, f in rep["by_region"].items():
                regions[k] = regions.get(k, 0) + f["records"]
        top = sorted(cats.items(), key=lambda kv: -kv[1])[:15]
        parts.append("<section>" + bar_chart(s + " — records by category 按类别 (top 15)", [k or "-" for k, _ in top],
                                             [("records", [v for _, v in top], "#1f5fa8")]) + "</section>")
        parts.append("<table><tr><th>category 类别</th><th>records</th></tr>" + "".join(
            "<tr><td>%s</td><td>%d</td></tr>" % (html.escape(_category_name(k)), v) for k, v in top) + "</table>")
        topr = sorted(regions.items(), key=lambda kv: -kv[1])[:20]
        parts.append("<section>" + bar_chart(s + " — records by region 按地区", [k for k, _ in topr],
                                             [("records", [v for _, v in topr], "#3a9a5b")]) + "</section>")
    parts.append("<h2>Inputs</h2><table><tr><th>source</th><th>format</th><th>lines</th><th>records</th>"
                 "<th>malformed</th></tr>")
    for i in fig["inputs"]:
        parts.append("<tr><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%d</td></tr>"
                     % (html.escape(i["source"]), html.escape(i["format"]), i["lines"], i["records"], i["malformed"]))
    parts.append("</table><p>Records outside %d: %d.</p></body></html>" % (y, fig["records_outside_year"]))
    return "".join(parts)


def write(fig, out_dir, province=""):
    import os

    os.makedirs(out_dir, exist_ok=True)
    y = fig["year"]
    paths = []
    for name, content in (("annual-%d.html" % y, to_html(fig, province)),
                          ("annual-%d.json" % y, json.dumps(fig, ensure_ascii=False, indent=1)),
                          ("annual-%d.csv" % y, to_csv(fig))):
        path = os.path.join(out_dir, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(content)
        paths.append(path)
    return paths
