"""
End-to-end load on the centre gateway: emulated kiosks, N worker processes, one database.

    python bench/gateway_load.py --db sqlite|postgresql --workers N --kiosks K [--per-kiosk 3] [--window 4]
                                 [--affinity] [--profile FILE] [--json]

Every frame is opened, verified, applied and answered (the answer sealed and queued, then
claimed and marked sent) by real gateway workers: processes running the shipped gateway loop
(GatewayService, its group commit and its send path) on a modem made of lines
(tests/host/gateway_fleet.py); a share of
frames arrives twice (replays) and every fourth kiosk sends a long request (several SMS
parts).  PostgreSQL: a server started for the run (Debian's initdb/pg_ctl, fsync on, as in
production); SQLite: a file with synchronous=FULL.  Printed: frames delivered, (device, seq)
applied, lost, duplicates, nonces reused, frames per second and the 50th/99th percentile
latency from delivery to commit, the transactions run again after a conflict and the
sealing-number reservations, and the COMMITs that applied frames with the mean frames per
commit.  Each worker's service commits the SMS one pump delivers (up to --window, at most
GatewayService's GROUP) as one group.  A load test, not a comparison: there is no peer gateway.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from lib12333.host.gateway import admin  # noqa: E402
from tests.host import gateway_fleet as F  # noqa: E402
from tests.host.pg_server import PgServer  # noqa: E402


def run(backend, workers, kiosks, per_kiosk, window=4, affinity=False):
    folder = tempfile.mkdtemp(prefix="gateway-load-")
    server = None
    if backend == "postgresql":
        server = PgServer(durable=True).start()
        url = server.new_database()
    else:
        url = os.path.join(folder, "centre.db")
    try:
        F.setup(url, kiosks)
        items = F.frames(kiosks, per_kiosk=per_kiosk)
        # where the shipped gateway keeps citizen requests: the same PostgreSQL database, or FILE.requests
        fleet = F.Fleet(url, admin.requests_path(url), workers, window=window)
        fleet.wait_ready()
        start = time.perf_counter()
        done = fleet.run(items, affinity=affinity)
        wall = time.perf_counter() - start
        fleet.stop()
        result = F.check(url, items)
    finally:
        if server is not None:
            server.stop()
            server.remove()
    lat = sorted(fleet.latencies)
    return {
        "db": backend, "workers": workers, "kiosks": kiosks, "frames": len(done), "applied": result["applied"],
        "lost": result["lost"], "duplicates": result["duplicates"], "nonces_reused": result["nonces_reused"],
        "frames_per_s": round(len(done) / wall, 1), "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1), "wall_s": round(wall, 2),
        "window": window, "affinity": affinity, "conflicts": fleet.work["conflicts"], "reservations": fleet.work["reserved"],
        "commits": fleet.work["groups"], "frames_per_commit": round(fleet.work["frames"] / max(1, fleet.work["groups"]), 2),
        "cpus": os.cpu_count(), "load_avg": round(os.getloadavg()[0], 2),
        # workers that stopped during the run (their SMS went to the others): a run with any is not a
        # measurement of N workers
        "workers_exited": fleet.exited,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql", help="the back end")
    ap.add_argument("--workers", type=int, default=1, help="gateway worker processes")
    ap.add_argument("--kiosks", type=int, default=200, help="emulated kiosks")
    ap.add_argument("--per-kiosk", type=int, default=3, help="frames each kiosk sends (plus 15%% replays)")
    ap.add_argument("--window", type=int, default=4,
                    help="SMS a worker may hold unconfirmed (waiting on its modem); it commits them as one group")
    ap.add_argument("--affinity", action="store_true",
                    help="each kiosk's SMS go to one worker (one modem pool per group of kiosks), not to any")
    ap.add_argument("--profile", metavar="FILE", help="run the first worker under cProfile, its stats to FILE")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    if args.profile:
        os.environ["GATEWAY_FLEET_PROFILE"] = os.path.abspath(args.profile)
    r = run(args.db, args.workers, args.kiosks, args.per_kiosk, args.window, args.affinity)
    if r["workers_exited"]:
        print("warning: %d worker(s) stopped during the run; see their errors above" % r["workers_exited"],
              file=sys.stderr)
    if args.json:
        print(json.dumps(r))
    else:
        print("%(db)s, %(workers)d worker(s), %(kiosks)d kiosks: %(frames)d frames, %(applied)d applied, %(lost)d lost,"
              " %(duplicates)d duplicates, %(frames_per_s).1f frames/s, p50 %(p50_ms).1f ms, p99 %(p99_ms).1f ms" % r)


if __name__ == "__main__":
    main()
