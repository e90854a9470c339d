"""
Console page render time at the server with 100,000 requests and 2,000 kiosks in the database.

    python bench/console.py                   # seeds a temporary database, prints the table
    python bench/console.py --requests 20000 --kiosks 500 --rounds 20
    python bench/console.py --db postgresql   # the gateway database on a PostgreSQL server started for it
    python bench/console.py --db both         # the two side by side: each page on both in turn, every round

The database is seeded with real rows (references made by ``lib12333.citizen_requests.make_ref``,
every non-new request with its events and the creation key of the kiosk that took it, 100 applied
frames per kiosk, 10 % of kiosks silent, answer frames waiting, 100,000 cards, a month of call
records).  ``--db postgresql`` starts a durable PostgreSQL server in a temporary folder
(tests/host/pg_server.py) and seeds the same rows there (the request file stays SQLite, as with a
PostgreSQL gateway), then runs ANALYZE, as autovacuum would on a database in use.
``--db both`` seeds both and requests each page on one back end then the other in every round (the
load of the moment is shared); the last columns are the median of the per-round ratios
PostgreSQL / SQLite and their spread (90th / 10th percentile).  Each page is requested
through the ASGI application in-process; the time measured is the application's, from the
request entering the ASGI app until the last body byte is handed to the server (what a
``Server-Timing`` header would report), so no network or client parsing is counted.
Pages are warmed up, then measured in interleaved rounds (page A, B, C... per round);
the table gives the median, the 90th percentile and the spread (max / min) per page.  The figures
page keeps each day's Metrics until that day's records change; its first render is printed apart.

There is no peer web console for this gateway; the row "CLI: request list" is the existing
``RequestStore.list(state=...)`` (what ``lib12333 gateway request list`` calls, 100 rows with
their histories) on the same database, for scale.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from lib12333 import citizen_requests as R  # noqa: E402

CENTRE = "330100"
NOW = 1_796_000_000


def seed(path, n_requests, n_kiosks, rnd):
    from lib12333.host.console.app import Console
    from lib12333.host.console.pages_admin import add_user

    console = Console(path, centre_code=CENTRE, clock=lambda: NOW)
    s = console.store
    add_user(s, "bench", "administrator", "bench password 1", NOW)
    add_user(s, "sup", "supervisor", "bench password 1", NOW)
    add_user(s, "tec", "technician", "bench password 1", NOW)
    rc = s.rconn
    rc.execute("BEGIN")
    counters = {}
    refs = []
    for i in range(n_requests):
        created = NOW - rnd.randint(0, 60 * 86400)
        t = time.gmtime(created + 8 * 3600)
        day = t[:3]
        kiosk = rnd.randint(1, n_kiosks)  # the kiosk that took it: its creation key names it (region filter)
        device = "K%02d" % (kiosk % 100)
        key = (device, day)
        counters[key] = seq = counters.get(key, 0) + 1
        kind = rnd.choice(R.KINDS)
        centre = CENTRE if rnd.random() < 0.8 else rnd.choice(("320000", "330200", "110000"))
        ref = R.make_ref(kind, centre, device, day, seq)
        state = rnd.choice((R.ACCEPTED, R.IN_PROGRESS, R.IN_PROGRESS, R.DONE, R.DONE, R.DONE, R.RETURNED,
                            R.TRANSFERRING))
        path_states = {R.ACCEPTED: [], R.IN_PROGRESS: [("start", R.ACCEPTED, R.IN_PROGRESS)],
                       R.DONE: [("start", R.ACCEPTED, R.IN_PROGRESS), ("complete", R.IN_PROGRESS, R.DONE)],
                       R.RETURNED: [("return", R.ACCEPTED, R.RETURNED)],
                       R.TRANSFERRING: [("transfer", R.ACCEPTED, R.TRANSFERRING)]}[state]
        pending = "320000" if state == R.TRANSFERRING else None
        rc.execute("INSERT INTO requests (ref, kind, centre, owner, pending_owner, state, created_at, updated_at,"
                   " subject, contact, create_idem, events) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   (ref, kind, centre, centre, pending, state, created, created + 60 * len(path_states),
                    "群众反映社保卡补办进度问题，请尽快回复 %d" % i, "139%08d" % i, "kiosk/%s/%d/%d" % (centre, kiosk, i), len(path_states)))
        for n, (action, a, b) in enumerate(path_states, 1):
            rc.execute("INSERT INTO events (ref, seq, action, from_state, to_state, actor, at, idem, note, target)"
                       " VALUES (?,?,?,?,?,?,?,?,?,?)", (ref, n, action, a, b, centre, created + 60 * n, "b%d" % n,
                                                         "已答复" if action in ("complete", "return") else None,
                                                         pending if action == "transfer" else None))
        if centre == CENTRE:
            refs.append(ref)
    rc.execute("COMMIT")
    c = s.conn
    c.execute("BEGIN")
    for d in range(1, n_kiosks + 1):
        c.execute("INSERT INTO devices (device_id, key, name, region, phone, added_at) VALUES (?,?,?,?,?,?)",
                  (d, os.urandom(16), "服务大厅 %d" % d, "3301%02d" % (d % 20), "+86138%08d" % d, NOW - 90 * 86400))
        silent = d % 10 == 0
        last = NOW - (5 * 86400 if silent else rnd.randint(0, 3600))
        c.executemany("INSERT INTO applied (device_id, seq, msg_type, applied_at, reply_type, reply_payload)"
                      " VALUES (?,?,?,?,?,?)",
                      [(d, q, 1, last - (100 - q) * 600, 8 if q % 37 == 0 else 7, b"\0") for q in range(1, 101)])
        c.executemany("INSERT INTO outgoing (kind, to_number, body, created_at, sent_at) VALUES ('frame',?,?,?,?)",
                      [("+86138%08d" % d, b"\0", last, None if q < 2 and silent else last + 5) for q in range(10)])
    c.executemany("INSERT INTO cards (card_no, ssn, name, region, state, since, until, updated_at)"
                  " VALUES (?,?,?,?,?,?,?,?)",
                  [("%s%08d" % ("ABCDEFGH"[i % 8], i), "33010619900101%04d" % (i % 10000), "张三", "330100",
                    2 if i % 5 else 3, NOW - 86400, NOW + 6 * 86400 if i % 5 == 0 else 0, NOW)
                   for i in range(100_000)])
    rows = []
    day0 = NOW - NOW % 86400
    for d in range(30):
        for _ in range(2000):
            t = day0 - d * 86400 + rnd.randint(0, 86399)
            wait = rnd.randint(1, 90)
            ab = rnd.random() < 0.07
            rows.append(("call", 12333, "330100", "1000", "q1", t, None if ab else t + wait, t + wait + 200,
                         "abandoned" if ab else "answered", "a", ""))
    c.execute("COMMIT")
    s.add_service_rows(rows)
    if getattr(c, "backend", "sqlite") == "postgresql":
        c.execute("ANALYZE")
    return console, refs


class Timed:
    """ASGI wrapper: the application's own time per request (start until the last body byte is sent)."""

    def __init__(self, app):
        self.app = app
        self.last = None

    async def __call__(self, scope, receive, send):
        t0 = time.perf_counter()

        async def timed_send(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - t0

        await self.app(scope, receive, timed_send)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--kiosks", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite",
                    help="the gateway database's back end; both: the two side by side, in paired interleaved rounds")
    args = ap.parse_args()
    server = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wheres = {}
            if args.db in ("sqlite", "both"):
                wheres["sqlite"] = os.path.join(tmp, "centre.db")
            if args.db in ("postgresql", "both"):
                from tests.host.pg_server import PgServer

                server = PgServer(durable=True).start()
                os.environ["LIB12333_REQUESTS_DIR"] = os.path.join(tmp, "pg")  # a PostgreSQL gateway's request file
                os.makedirs(os.environ["LIB12333_REQUESTS_DIR"])
                wheres["postgresql"] = server.new_database()
            measure(args, [Site(name, where, args) for name, where in wheres.items()])
    finally:
        if server is not None:
            server.stop()
            server.remove()


class Site:
    """One seeded console (one back end) and the pages measured on it."""

    def __init__(self, name, where, args):
        from starlette.testclient import TestClient

        self.name = name
        t0 = time.perf_counter()
        self.console, refs = seed(where, args.requests, args.kiosks, random.Random(12333))
        print("%s: seeded %d requests, %d kiosks, 100000 cards, 60000 call records in %.1f s"
              % (name, args.requests, args.kiosks, time.perf_counter() - t0), file=sys.stderr)
        self.timed = Timed(self.console.app())
        self.client = TestClient(self.timed, base_url="https://testserver")
        self.client.post("/login", data={"username": "sup", "password": "bench password 1"})
        csrf = self.client.get("/loss").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        self.pages = [
            ("GET", "/requests", None),
            ("GET", "/requests?state=in_progress", None),
            ("GET", "/requests?kind=complaint&region=3301&age=old&page=20", None),
            ("GET", "/requests/" + refs[len(refs) // 2], None),
            ("POST", "/loss", {"csrf": csrf, "q": "A*****123"}),
            ("GET", "/loss/card/" + self.console.store.card_handle("A00000008"), None),
            ("GET", "/kiosks", None),
            ("GET", "/kiosks?show=stale", None),
            ("GET", "/kiosks/%d" % min(1500, args.kiosks), None),
            ("GET", "/figures", None),
        ]
        self.names = [url if not url.startswith(("/requests/", "/loss/card/")) else url.rsplit("/", 1)[0] + "/<..>"
                      for _m, url, _d in self.pages] + ["CLI: request list (RequestStore.list, 100 rows)"]
        self.times = [[] for _ in self.names]

    def cold_start(self):
        self.client.get("/figures")
        print("%s: first /figures of a cold console (every day's records through Metrics): %.1f ms"
              % (self.name, self.timed.last * 1000))
        self.console.day_figures.cache.clear()
        t1 = time.perf_counter()
        self.console.warm()
        print("%s: Console.warm() (90 days, what 'lib12333 console' does before listening): %.1f ms"
              % (self.name, (time.perf_counter() - t1) * 1000))

    def one(self, index):
        """Seconds the application took for page ``index`` (the last index: the CLI's request list)."""
        if index == len(self.pages):
            t1 = time.perf_counter()
            self.console.store.requests.list(state="in_progress", limit=100)
            return time.perf_counter() - t1
        method, url, data = self.pages[index]
        r = self.client.get(url) if method == "GET" else self.client.post(url, data=data)
        assert r.status_code == 200, (self.name, url, r.status_code)
        return self.timed.last


def measure(args, sites):
    for site in sites:
        site.cold_start()
    for i in range(args.warmup + args.rounds):
        for index in range(len(sites[0].names)):
            for site in sites:  # each page on every back end in turn: the load of the moment is shared
                t = site.one(index)
                if i >= args.warmup:
                    site.times[index].append(t)
    head = "%-58s" % "page (server time, ms)" + "".join(" %11s %9s %6s" % (
        site.name[:11], "p90", "spread") for site in sites)
    if len(sites) == 2:
        head += " %9s %6s" % ("ratio", "spread")
    print(head)
    for index, name in enumerate(sites[0].names):
        line = "%-58s" % name[:58]
        for site in sites:
            ts = sorted(site.times[index])
            line += " %11.1f %9.1f %6.2f" % (statistics.median(ts) * 1000, ts[int(len(ts) * 0.9) - 1] * 1000,
                                             ts[-1] / ts[0])
        if len(sites) == 2:  # per round: second back end / first, the median and the spread (p90 / p10)
            ratios = sorted(b / a for a, b in zip(sites[0].times[index], sites[1].times[index]))
            line += " %9.2f %6.2f" % (statistics.median(ratios), ratios[int(len(ratios) * 0.9) - 1]
                                      / ratios[int(len(ratios) * 0.1)])
        print(line)


if __name__ == "__main__":
    main()
