"""
Several gateway worker processes on one database, fed with frames from emulated kiosks:
the harness of the crash test (tests/host/test_gateway_workers.py) and of the load
benchmark (bench/gateway_load.py).

Each worker is a real process (``python -m tests.host.gateway_fleet DB REQUESTS NAME``) running
the shipped gateway loop (``GatewayService``) and its ``Centre`` on the shared database, with a
modem made of lines (``LineModem``): it reads "id sender frame-hex now" lines (an SMS arriving
on its modem; the lines one read returns are one pump, applied as one group commit) and answers
"done id outcome" once the frame is committed (the point where the real gateway deletes the SMS
from the modem), then sends what is due (claiming rows among the workers) and marks it sent.  An SMS whose worker died before "done" is given to
another worker, as a modem keeps an undeleted SMS: the kiosks' frames, their replays and
those redeliveries must end up applied exactly once.
"""

import collections
import os
import queue
import random
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
NOW = 1_796_083_200 + 2 * 3600
LONG_TEXT = "自助终端留言：社保卡补办进度查询，请回电告知办理网点和所需材料。" * 3  # several SMS parts


def kiosk_key(device_id):
    import hashlib

    return hashlib.sha256(b"kiosk %d" % device_id).digest()[:16]  # a different key for every kiosk


def ssn_of(device_id):
    from lib12333 import identifiers

    body = "330106198503%05d" % (device_id % 100000)
    return body + identifiers.citizen_id_check_digit(body)


def card_of(device_id):
    return "A%08d" % device_id


def phone_of(device_id):
    return "139%08d" % device_id


def setup(url, kiosks, first=1001):
    """A database with ``kiosks`` kiosks, one card each."""
    from lib12333.host.gateway import admin, db

    conn = db.connect(url)
    for d in range(first, first + kiosks):
        admin.add_device(conn, d, kiosk_key(d), region="330106", phone="+86%s" % phone_of(d), now=NOW)
        admin.add_card(conn, card_of(d), ssn_of(d), "李明华", "330100", now=NOW)
    conn.close()


def frames(kiosks, per_kiosk=3, first=1001, replay_share=0.15, seed=1):
    """[(sender, frame bytes)] in arrival order: per kiosk a loss report, status queries, every fourth
    kiosk a long request (several SMS parts); a share of them arrives twice (replays)."""
    from lib12333.secure import aes
    from lib12333.secure import frame as frame_mod
    from lib12333.secure import messages as msg

    rnd = random.Random(seed)
    out = []
    for d in range(first, first + kiosks):
        cipher = aes.AES128(kiosk_key(d))
        ident = {"ssn": ssn_of(d), "card": card_of(d), "name": "李明华"}
        for seq in range(1, per_kiosk + 1):
            if seq == 1:
                t, fields = msg.LOSS_REPORT, dict(ident, phone=phone_of(d))
            elif seq == per_kiosk and d % 4 == 0:
                t, fields = msg.REQUEST, {"kind": msg.CONSULTATION, "category": "1000", "phone": phone_of(d),
                                          "text": LONG_TEXT}
            else:
                t, fields = msg.CARD_STATUS_QUERY, ident
            payload = msg.encode(t, fields)
            out.append(("+86" + phone_of(d), frame_mod.seal(cipher, frame_mod.Frame(t, d, seq, NOW, payload,
                                                                                   frame_mod.UP))))
    rnd.shuffle(out)  # kiosks send at the same time; one kiosk's frames may overtake each other
    replays = [out[i] for i in rnd.sample(range(len(out)), int(len(out) * replay_share))]
    for item in replays:
        out.insert(rnd.randrange(len(out) + 1), item)
    return out


# ------------------------------------------------------------------ the worker process


class LineModem:
    """The worker's modem for ``GatewayService``: the SMS arrive as "id sender frame-hex now" lines on
    stdin; ``confirm`` (the modem deleting the SMS) writes "done id outcome"; each send is accepted at
    once (a SENT event on the next pump), and "sent out-id" is written once the service recorded it.

    The service drives it exactly as it drives a modem or an operator link: the frames of one pump
    applied in one transaction (GatewayService._on_frames), confirmed after the commit."""

    def __init__(self, clock, out):
        self.clock, self.out = clock, out
        self.engine = self  # the service calls modem.engine.start / confirm / send_sms
        self.eof = False
        self.outcome = None  # of the frame confirmed next (the service reports it just before)
        self._buffered = b""
        self._events = []
        self._sends = 0

    def start(self, now):
        from lib12333.modem import events

        self._events.append(events.Event(events.READY, profile="lines", memory="SM", used=0, total=0, smsc=None))

    def pump(self, timeout):
        import select

        from lib12333.modem import events
        from lib12333.secure import frame as frame_mod
        from lib12333.sms.pdu import Message

        if not self.eof and select.select([0], [], [], 0 if self._events else timeout)[0]:
            chunk = os.read(0, 65536)
            self.eof = not chunk
            *complete, self._buffered = (self._buffered + chunk).split(b"\n")
            for line in complete:
                if not line.strip():
                    continue
                ident, sender, data, _now = line.decode().split()
                m = Message()
                m.number, m.data, m.ports = sender, bytes.fromhex(data), (frame_mod.PORT, frame_mod.PORT)
                self._events.append(events.Event(events.MESSAGE, message=m, token=ident, key=None, complete=True))
        ready, self._events = self._events, []
        return ready

    def confirm(self, token):
        self.out("done %s %s" % (token, self.outcome.split(":")[0].replace(" ", "_")))

    def send_sms(self, to, text=None, data=None, port=None):
        from lib12333.modem import events

        self._sends += 1
        self._events.append(events.Event(events.SENT, id=self._sends, parts=[(1, 0)]))
        return self._sends


def worker_main(url, requests_path, name):
    import logging

    from lib12333.errors import StorageError
    from lib12333.host.gateway import db
    from lib12333.host.gateway.centre import Centre
    from lib12333.host.gateway.service import GatewayService
    from lib12333.host.requests_store import RequestStore

    def out(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    class ToDriver(logging.Handler):  # the service's log lines, for the driver (fleet.logs)
        def emit(self, record):
            out("log " + " ".join(record.getMessage().split())[:200])

    logging.getLogger("lib12333.gateway").addHandler(ToDriver(logging.ERROR))
    while True:
        try:
            conn = db.connect(url)
            break
        except StorageError:
            time.sleep(0.2)  # the server is restarting
        except Exception as exc:  # noqa: BLE001 -- a BackendError (sqlite3.DatabaseError) while it restarts
            out("log connect: %s" % exc)
            time.sleep(0.2)
    centre = Centre(conn, UNIT, centre_code="330100", requests=RequestStore(requests_path))
    centre.worker = name
    started = time.monotonic()
    modem = LineModem(lambda: NOW + 60 + (time.monotonic() - started), out)

    def on_event(kind, detail):
        if kind == "frame":
            modem.outcome = detail
        elif kind == "sent":
            out("sent %d" % detail)

    service = GatewayService(modem, centre, clock=modem.clock, on_event=on_event)

    profile = os.environ.get("GATEWAY_FLEET_PROFILE")  # bench/gateway_load.py --profile: the first worker
    if profile and name == "w1":
        import atexit
        import cProfile

        profiler = cProfile.Profile()
        atexit.register(lambda: (profiler.disable(), profiler.dump_stats(profile)))
        profiler.enable()
    out("ready")
    threading.Thread(target=lambda: (_wait_eof(modem), service.stop()), daemon=True).start()
    service.run(idle=0.05, reconnect_delays=(0.1, 0.2, 0.5, 1))
    out("stats %(applied)d %(duplicates)d %(conflicts)d %(reserved)d" % centre.stats
        + " %d %d" % (service.groups, service.frames))


def _wait_eof(modem):
    while not modem.eof:
        time.sleep(0.05)


# ------------------------------------------------------------------ the driver


def frame_peek(data):
    from lib12333.secure import frame as frame_mod

    return frame_mod.peek(data)


class Fleet:
    """Start ``n`` workers on ``url``, deliver every SMS until each has a "done"; kill and restart workers."""

    def __init__(self, url, requests_path, n, window=4):
        self.url, self.requests_path, self.window = url, requests_path, window
        self.lines = queue.Queue()
        self.procs = {}
        self.inflight = collections.defaultdict(dict)  # worker -> {id: sent at}
        self.outcomes = collections.Counter()
        self.latencies = []
        self.sent = collections.Counter()
        self.logs = []
        self._names = 0
        self.ready = set()
        self.exited = 0  # workers that stopped on their own (not killed by ``kill``)
        for _ in range(n):
            self.start_worker()

    def wait_ready(self, timeout=120):
        """Wait until every worker has connected (a benchmark starts its clock after this)."""
        deadline = time.monotonic() + timeout
        while self.ready != set(self.procs) and time.monotonic() < deadline:
            try:
                name, words = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if words[0] == "ready":
                self.ready.add(name)
            elif words[0] == "exit" and name in self.procs:  # failed to start (its error is on stderr)
                self.exited += 1
                self.procs.pop(name).wait()

    def start_worker(self):
        self._names += 1
        name = "w%d" % self._names
        env = dict(os.environ, PYTHONPATH=ROOT)
        p = subprocess.Popen([sys.executable, "-m", "tests.host.gateway_fleet", self.url, self.requests_path, name],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, env=env, cwd=ROOT)
        self.procs[name] = p
        threading.Thread(target=self._read, args=(name, p), daemon=True).start()
        return name

    def _read(self, name, p):
        for line in p.stdout:
            self.lines.put((name, line.split()))
        self.lines.put((name, ["exit"]))

    def kill(self, name):
        """kill -9: the SMS it had not answered go back to the modem (to another worker)."""
        p = self.procs.pop(name)
        p.kill()
        p.wait()
        return list(self.inflight.pop(name, {}))

    def run(self, items, chaos=None, affinity=False):
        """Deliver ``items`` [(sender, frame)]; ``chaos(fleet, done)`` is called between deliveries.

        ``affinity``: each kiosk's SMS go to one worker (one modem pool per group of kiosks, as
        deployed) instead of to whichever worker has room; what a dead worker held goes to any."""
        todo = collections.deque()  # for any worker
        own = collections.defaultdict(collections.deque)  # worker -> for it only (affinity)
        names = sorted(self.procs)
        for ident, (_sender, data) in enumerate(items):
            if affinity:
                own[names[frame_peek(data).device_id % len(names)]].append(ident)
            else:
                todo.append(ident)
        done = set()
        ready = self.ready
        while len(done) < len(items):
            if chaos is not None:
                for ident in chaos(self, len(done)):
                    if ident not in done:
                        todo.appendleft(ident)
            for name in list(ready):
                for waiting in (own[name], todo):
                    while waiting and name in self.procs and len(self.inflight[name]) < self.window:
                        ident = waiting.popleft()
                        if ident in done:
                            continue
                        sender, data = items[ident]
                        try:
                            self.procs[name].stdin.write("%d %s %s %d\n" % (ident, sender, data.hex(), NOW + 60))
                            self.procs[name].stdin.flush()
                        except (BrokenPipeError, OSError):
                            waiting.appendleft(ident)
                            break
                        self.inflight[name][ident] = time.perf_counter()
            try:
                name, words = self.lines.get(timeout=0.05)
            except queue.Empty:
                continue
            if words[0] == "ready":
                ready.add(name)
            elif words[0] == "done":
                ident = int(words[1])
                started = self.inflight[name].pop(ident, None)
                if started is not None and ident not in done:
                    done.add(ident)
                    self.outcomes[words[2]] += 1
                    self.latencies.append(time.perf_counter() - started)
            elif words[0] == "sent":
                self.sent[int(words[1])] += 1
            elif words[0] == "log":
                self.logs.append(" ".join(words[1:]))
            elif words[0] == "exit":
                ready.discard(name)
                if name in self.procs:  # died on its own: its SMS go to the others
                    self.exited += 1
                    todo.extendleft(self.kill(name))
                    todo.extend(own.pop(name, ()))
        return done

    def stop(self):
        """Close every worker's input and wait for it; ``self.work`` then sums what they reported: frames
        applied and answered as duplicates (retries included), conflicts (transactions run again),
        sealing-number reservations."""
        self.work = collections.Counter()
        for name in list(self.procs):
            p = self.procs.pop(name)
            p.stdin.close()
            p.wait(timeout=60)
        time.sleep(0.1)  # the reader threads pass on the workers' last lines
        while not self.lines.empty():
            _name, words = self.lines.get()
            if words[0] == "stats":
                for key, value in zip(("applied", "duplicates", "conflicts", "reserved", "groups", "frames"), words[1:]):
                    self.work[key] += int(value)


def check(url, items):
    """What the database holds after the run: {expected, applied, lost, duplicates, nonces_reused, notices}."""
    from lib12333.host.gateway import db
    from lib12333.secure import frame as frame_mod

    expected = set()
    for _sender, data in items:
        h = frame_mod.peek(data)
        expected.add((h.device_id, h.seq))
    conn = db.connect(url)
    applied = conn.execute("SELECT device_id, seq FROM applied").fetchall()
    events = conn.execute("SELECT device_id, seq, COUNT(*) FROM card_events GROUP BY device_id, seq").fetchall()
    notices = conn.execute("SELECT to_number, COUNT(*) FROM outgoing WHERE kind = 'notice' GROUP BY to_number")\
        .fetchall()
    down = collections.Counter()
    for (body,) in conn.execute("SELECT body FROM outgoing WHERE kind = 'frame'").fetchall():
        h = frame_mod.peek(bytes(body))
        down[(h.device_id, h.seq)] += 1
    conn.close()
    applied_set = set((a, b) for a, b in applied)
    return {
        "expected": len(expected),
        "applied": len(applied_set & expected),
        "lost": len(expected - applied_set),
        "duplicates": len(applied) - len(applied_set) + sum(n - 1 for _d, _s, n in events if n > 1)
        + sum(n - 1 for _p, n in notices if n > 1),
        "nonces_reused": sum(n - 1 for n in down.values() if n > 1),
        "notices": len(notices),
        "answers": sum(down.values()),
    }


if __name__ == "__main__":
    worker_main(*sys.argv[1:4])
