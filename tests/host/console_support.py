"""Shared set-up of the console tests: a gateway database with accounts of every role, kiosks, cards, requests."""

import os
import re
import socket
import threading
import time

from starlette.testclient import TestClient

from lib12333 import lossreport
from lib12333.host.console import auth
from lib12333.host.console.app import Console
from lib12333.host.console.pages_admin import add_user
from lib12333.host.gateway import admin

PASSWORD = "correct horse battery staple"
CENTRE = "330100"
OTHER = "320000"
NOW = 1_796_000_000  # 2026-11-30
# Cheap hashes keep the many log-ins of the tests fast; production uses argon2-cffi's defaults.
auth.HASHER_OPTIONS.update(time_cost=1, memory_cost=1024, parallelism=1)
USERS = {role: role[:3] + "1" for role in auth.ROLES}  # one account per role: age1, sup1, tec1, adm1
USERS["agent2"] = "age2"
HOLDER = ("A38612750", "330106198503120048", "李明华", "330100")
PHONE = "13912345678"


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def build(db, **console_kw):
    """(console, clock, refs) on ``db`` -- a SQLite file or postgresql:// URL (the ``console_db`` fixture), or a
    folder for centre.db in it; refs = {name: reference} of the sample requests."""
    clock = Clock()
    if not isinstance(db, str):
        db = os.path.join(str(db), "centre.db")
    console = Console(db, centre_code=CENTRE, clock=clock, **console_kw)
    s = console.store
    for role, name in USERS.items():
        add_user(s, name, "agent" if role == "agent2" else role, PASSWORD, NOW - 86400)
    admin.add_device(s.conn, 1001, name="西湖区社保服务大厅", region="330106", phone="+8613800571001", now=NOW - 30 * 86400)
    admin.add_device(s.conn, 1002, name="余杭区服务大厅", region="330110", phone="+8613800571002", now=NOW - 30 * 86400)
    s.conn.execute("INSERT INTO applied (device_id, seq, msg_type, applied_at, reply_type, reply_payload)"
                   " VALUES (1001, 1, 4, ?, 6, ?)", (NOW - 600, b"\0"))
    admin.add_card(s.conn, *HOLDER, now=NOW - 86400)
    admin.add_card(s.conn, "B12345678", "330106199001010011", "王芳", "330100", now=NOW - 86400)
    rec = s.card_record(HOLDER[0], lossreport.Policy(7))
    rec.apply(lossreport.REPORT_TEMPORARY, lossreport.PHONE, NOW - 3600, ssn=HOLDER[1], name=HOLDER[2],
              card_no=HOLDER[0])
    s.save_card(rec, 0, NOW - 3600)
    r = s.requests
    refs = {
        "mine": r.create("complaint", CENTRE, "K01", (2026, 11, 29), NOW - 7200, "社保卡补办进度咨询", PHONE,
                         idem="t-1").ref,
        "old": r.create("consultation", CENTRE, "K01", (2026, 11, 20), NOW - 10 * 86400, "养老金认证", PHONE,
                        idem="t-2").ref,
        "theirs": r.create("report", OTHER, "K02", (2026, 11, 29), NOW - 3600, "别的中心的举报", PHONE,
                           idem="t-3").ref,
    }
    return console, clock, refs


def client(console):
    # https: the session cookie is Secure (and __Host-), so the client sends it only over https.
    return TestClient(console.app(), base_url="https://testserver", follow_redirects=False)


def login(c, username, password=PASSWORD):
    """Log ``c`` in; returns the CSRF token of the session."""
    r = c.post("/login", data={"username": username, "password": password})
    assert r.status_code == 303, r.text
    return csrf_of(c.get(r.headers["location"]).text) or csrf_of(c.get("/").text)


def csrf_of(page):
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    return m.group(1) if m else None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Served:
    """The console on a free port of 127.0.0.1 (uvicorn in a thread)."""

    def __init__(self, console):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(console.app(), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.server.should_exit = True
        self.thread.join(5)


def serve_demo(folder, port):
    """Start ``lib12333 demo --console --keep folder``; (process, the lines it printed up to its password)."""
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, "-m", "lib12333", "demo", "--console", "--quiet", "--keep", folder,
                             "--listen", "127.0.0.1:%d" % port], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "password" in line:
            break
    return proc, lines


def stop_process(proc):
    import signal
    import subprocess

    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def simulated_kiosk_report(conn, device_id=1001, rssi=7, boots=3):
    """The sealed KIOSK_STATUS frame the kiosk firmware on simulated hardware (tests/core/kiosk_sim.py)
    sends after boot; ``device_id`` gets the simulation's key so that the gateway accepts it."""
    from tests.core import kiosk_sim as S

    conn.execute("UPDATE devices SET key = ? WHERE device_id = ?", (S.KEY, device_id))
    sim = S.KioskSim(config={"device_id": device_id, "status_interval": 86400, "seq_start": 50, "boots": boots})
    sim.hw.modem.rssi = rssi
    S.run(S.boot(sim))
    for _ in range(300):
        if sim.hw.centre.status_frames:
            return sim.hw.centre.status_frames[0]
        sim.step()
    raise AssertionError("the simulated kiosk sent no status report")
