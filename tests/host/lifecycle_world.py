"""
The world of the lifecycle proof (tests/host/test_lifecycle.py): two centres' gateways on real SQLite files,
a kiosk board whose journal loses power at a chosen byte, the radio between them, the citizens, and a
recorder of every (key, nonce) pair given to AES-CCM.

Real parts: the gateway databases, ``Centre`` with its request store and relay, the kiosk's outbox and
journal on stores that lose power (lib12333.host.testing.powercut), the firmware's provisioning files
(firmware/main.py ``load_config``), the installer (on an in-memory board), deploy's gateway checks.
Modelled: the radio (``Network`` hands SMS over and may hold them back) and the kiosk's screen (the answers
firmware/app.py would show, after the same open -> window -> ack -> persist steps).
"""

import argparse
import os
import sys

from lib12333 import identifiers
from lib12333.compat import data_path
from lib12333.errors import Lib12333Error, SecurityError, StorageError
from lib12333.host.deploy import installer
from lib12333.host.gateway import admin, db, relay
from lib12333.host.gateway.centre import Centre
from lib12333.host.requests_store import RequestStore
from lib12333.host.testing.powercut import Power, PowerCutStore, PowerLost
from lib12333.journal import Journal
from lib12333.outbox import SEND, Outbox
from lib12333.routing import loader
from lib12333.secure import aes, ccm
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.secure.replay import ReplayWindow

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)  # firmware/ and tests/ are packages at the project root
from firmware import main as firmware_main  # noqa: E402
from tests.host.test_deploy import MemoryDevice, small_bundle  # noqa: E402

A_NUMBER, B_NUMBER, KIOSK_NUMBER = "+8613800571000", "+8613800250000", "+8613800571001"
A_UNIT, B_UNIT = "【杭州市人力资源社会保障电话咨询服务中心】", "【江苏省人力资源社会保障电话咨询服务中心】"
PEER_KEY = bytes(range(100, 116))
DEVICE = 1001
START = 1_796_083_200 + 2 * 3600  # 2026-12-01 10:00 CST
RULES = loader.loads(open(data_path("route-city.json"), "rb").read(), source="city")


# ---------------------------------------------------------------- every (key, nonce) given to AES-CCM


class Recorder:
    def __init__(self, monkeypatch):
        self.pairs = []
        real_seal, real_aes = ccm.seal, aes.AES128
        recorder = self

        class KeyedAES(real_aes):
            def __init__(self, key, backend=None):
                real_aes.__init__(self, key, backend)
                self.key_bytes = bytes(key)

        def seal(cipher, nonce, aad, plaintext, tag_len=8):
            recorder.pairs.append((cipher.key_bytes, bytes(nonce)))
            return real_seal(cipher, nonce, aad, plaintext, tag_len)

        monkeypatch.setattr(aes, "AES128", KeyedAES)
        monkeypatch.setattr(ccm, "seal", seal)

    def repeated(self):
        seen, twice = set(), []
        for pair in self.pairs:
            if pair in seen:
                twice.append(pair)
            seen.add(pair)
        return twice

    def count(self, direction):
        return sum(1 for _key, nonce in self.pairs if nonce[1] == direction)


# ---------------------------------------------------------------- citizens


class Citizen:
    def __init__(self, n, kind, card=None, region="330100"):
        self.n = n
        self.kind = kind  # "loss" (card at A), "relay" (card at B) or "complaint"
        self.phone = "1390000%04d" % n
        self.card = card
        self.receipt = None  # (device, seq) once the kiosk said "accepted"
        self.interrupted = False  # the power went while the kiosk stored the request
        self.answers = []  # (msg_type, fields) the kiosk showed for the receipt
        if card is not None:
            base = ("320106" if region.startswith("32") else "330106") + "19850312%03d" % n
            self.ssn = base + identifiers.citizen_id_check_digit(base)
            self.name = "市民%d" % n
            self.region = region

    def request(self):
        if self.kind == "complaint":
            return msg.REQUEST, {"kind": msg.COMPLAINT, "category": "1101", "phone": self.phone,
                                 "text": "留言%d：请回电" % self.n}
        fields = {"ssn": self.ssn, "card": self.card, "phone": self.phone, "name": self.name}
        if self.kind == "relay":
            fields["card_region"] = self.region
        return msg.LOSS_REPORT, fields


# ---------------------------------------------------------------- the radio


class Network:
    """SMS waiting at each number; a number in ``held`` gets nothing sent from its gateway (modem down)."""

    def __init__(self):
        self.inbox = {A_NUMBER: [], B_NUMBER: [], KIOSK_NUMBER: []}
        self.phones = {}

    def send(self, sender, to, body):
        if to in self.inbox:
            self.inbox[to].append((sender, bytes(body)))
        else:
            self.phones.setdefault(to, []).append(bytes(body).decode("utf-8"))


class Gateway:
    """One centre's gateway process: handles its modem's SMS, sends its queue (lib12333 gateway's loop)."""

    def __init__(self, world, path, number, code, unit, relay_code):
        self.world, self.path, self.number = world, path, number
        self.code, self.unit, self.relay_code = code, unit, relay_code
        self.down = False  # the modem (or the process) is down: nothing is received or sent
        self.mute = False  # the modem receives but cannot send: answers stay queued
        self.start()

    def start(self):
        conn = db.connect(self.path)
        self.centre = Centre(conn, self.unit, temp_days=7, centre_code=self.code,
                             requests=RequestStore(admin.requests_path(self.path)))
        self.centre.relay = relay.Relay(conn, self.relay_code, RULES)

    def stop(self):
        self.centre.requests.close()
        self.centre.conn.close()

    def step(self, now):
        if self.down:
            return
        inbox = self.world.net.inbox[self.number]
        while inbox:
            sender, body = inbox[0]
            try:
                self.centre.handle(sender, body, now)
            except StorageError:
                self.world.storage_errors += 1
                return  # the gateway exits 4; the SMS stays on the modem for the next start
            inbox.pop(0)
        for out_id, _kind, to, body in [] if self.mute else self.centre.due(now, limit=100):
            self.world.net.send(self.number, to, body)
            self.centre.mark_sent(out_id, now)


# ---------------------------------------------------------------- the kiosk board


class Board:
    """A kiosk board: /config as real files (what deploy wrote), /data's journal on stores that lose power."""

    def __init__(self, world, name):
        self.world = world
        self.config_dir = str(world.tmp / name / "config")
        os.makedirs(self.config_dir)
        self.power = Power()
        self.a, self.b = PowerCutStore(self.power), PowerCutStore(self.power)
        self.outbox = None
        self.problem = None

    def take_config(self, device):
        """The files the installer wrote on the (in-memory) board become this board's /config."""
        for path, data in device.files.items():
            if path.startswith("/config/"):
                with open(self.config_dir + path[len("/config"):], "wb") as f:
                    f.write(data)

    def boot(self, cut=None):
        """firmware/main.run(): load the configuration, a new key starts a new journal, the outbox recovers.

        ``cut``: the power goes after that many units of this boot's writes (the boot is then repeated).
        """
        while True:
            self.power = Power(cut)
            cut = None
            self.a, self.b = self.a.reboot(self.power), self.b.reboot(self.power)
            try:
                self._boot_once()
                return
            except PowerLost:
                self.world.power_cuts += 1

    def _boot_once(self):
        config, key = firmware_main.load_config(self.config_dir)
        if config["new_key"]:  # firmware_main.forget_journal: the old key's journal is removed
            self.a, self.b = PowerCutStore(self.power), PowerCutStore(self.power)
        self.device_id = config["device_id"]
        self.cipher = aes.AES128(key)
        self.outbox = Outbox(Journal(self.a, self.b), self.cipher, self.device_id, reserve_block=4,
                             max_attempts=60, base_delay=30, max_delay=120)
        try:
            self.outbox.open(self.world.now, config["seq_start"], config["new_key"])
        except SecurityError:
            self.problem = "密钥"  # out of service: firmware/app.py's boot() shows 暂停服务
            self.outbox = None
            return
        self.problem = None
        self.window = ReplayWindow.from_bytes(self.outbox.window) if self.outbox.window else ReplayWindow(64)
        if config["new_key"]:
            firmware_main.key_adopted(self.config_dir)  # firmware/main.run(): once the journal is open

    def cut_after(self, units):
        self.power.budget = self.power.used + units

    def crash_and_boot(self):
        self.world.power_cuts += 1
        self.boot()

    def submit(self, citizen):
        if self.outbox is None:
            return False
        msg_type, fields = citizen.request()
        try:
            seq = self.outbox.accept(msg_type, msg.encode(msg_type, fields), self.world.now)
        except PowerLost:
            citizen.interrupted = True
            self.crash_and_boot()
            return False
        citizen.receipt = (self.device_id, seq)
        self.world.by_receipt[citizen.receipt] = citizen
        return True

    def step(self):
        if self.outbox is None:
            return
        inbox = self.world.net.inbox[KIOSK_NUMBER]
        try:
            while inbox:
                self.receive(inbox[0][1])
                inbox.pop(0)  # the SMS is deleted only after the kiosk persisted what it learnt
            for event in self.outbox.poll(self.world.now):
                if event[0] == SEND:
                    self.world.net.send(KIOSK_NUMBER, A_NUMBER, event[2])
        except PowerLost:
            self.crash_and_boot()

    def receive(self, body):
        """firmware/app.py _on_sms: verify -> window -> ack the outbox -> persist the window -> show."""
        try:
            f = frame_mod.open(self.cipher, body, direction=frame_mod.DOWN)
            if f.device_id != self.device_id:
                raise SecurityError("frame for another device")
            self.window.accept(f.seq)
            fields = msg.decode(f.msg_type, f.payload)
        except Lib12333Error:
            self.world.kiosk_rejected += 1
            return
        ref = fields.get("ref_seq")
        if ref is not None:
            self.outbox.ack(ref)
        self.outbox.save_window(self.window.to_bytes())
        citizen = self.world.by_receipt.get((self.device_id, ref))
        assert citizen is not None, "an answer for a receipt nobody holds: %r" % (fields,)
        citizen.answers.append((f.msg_type, fields))


# ---------------------------------------------------------------- the world


class World:
    def __init__(self, tmp, recorder):
        self.tmp = tmp
        self.rec = recorder
        self.now = START
        self.net = Network()
        self.citizens = []
        self.by_receipt = {}
        self.power_cuts = self.storage_errors = self.kiosk_rejected = 0
        self.a_path, self.b_path = str(tmp / "hangzhou.db"), str(tmp / "jiangsu.db")
        self._setup_centres()
        self.a = Gateway(self, self.a_path, A_NUMBER, "330100", A_UNIT, "330000")
        self.b = Gateway(self, self.b_path, B_NUMBER, "320000", B_UNIT, "320000")
        self.board = None

    def _setup_centres(self):
        a, b = db.connect(self.a_path), db.connect(self.b_path)
        relay.add_peer(a, "320000", B_NUMBER, PEER_KEY, name="江苏", now=self.now)
        relay.add_peer(b, "330000", A_NUMBER, PEER_KEY, name="杭州", now=self.now)
        a.close()
        b.close()

    def citizen(self, kind, region="330100"):
        n = len(self.citizens) + 1
        card = None if kind == "complaint" else ("B%08d" % n if kind == "relay" else "A%08d" % n)
        c = Citizen(n, kind, card, region)
        if card is not None:
            conn = self.b.centre.conn if kind == "relay" else self.a.centre.conn
            admin.add_card(conn, card, c.ssn, c.name, c.region, now=self.now)
        self.citizens.append(c)
        return c

    def run(self, rounds=400):
        """Everything moves until the kiosk's outbox is empty and no SMS waits anywhere."""
        for _ in range(rounds):
            self.now += 20
            if self.board is not None:
                self.board.step()
            self.a.step(self.now)
            self.b.step(self.now)
            waiting = any(self.net.inbox.values()) or self.a.centre.due(self.now + 10 ** 6) or \
                self.b.centre.due(self.now + 10 ** 6)
            pending = self.board is not None and self.board.outbox is not None and self.board.outbox.pending()
            if not waiting and not pending and not self.a.down:
                return
        raise AssertionError("the lifecycle did not settle")

    def visit(self, kinds):
        made = [self.citizen(k, "320100" if k == "relay" else "330100") for k in kinds]
        for c in made:
            self.board.submit(c)
        return made


# ---------------------------------------------------------------- provisioning helpers


def deploy_args(gw, **kw):
    base = dict(device_id=str(DEVICE), site=None, key_file=None, key_hex=None, gateway_db=gw, replace=False,
                seq_start=None)
    base.update(kw)
    return argparse.Namespace(**base)


def deploy(world, board, args):
    """What ``lib12333 deploy`` does around the board: the gateway check, the installer, the registration."""
    from lib12333.host.cli import cmd_deploy

    provision = cmd_deploy._provision(args)
    gateway = cmd_deploy._gateway_check(args, provision)
    device = MemoryDevice()
    installer.install(device, small_bundle(b"v1"), provision)
    if gateway is not None:
        cmd_deploy._gateway_register(gateway, provision)
        gateway.close()
    board.take_config(device)
    return provision


def fill_up(conn):
    """A full disk for this database: the file may not grow, and its free room is taken by a scratch table."""
    import sqlite3

    conn.execute("CREATE TABLE IF NOT EXISTS lifecycle_filler (b BLOB)")
    conn.execute("PRAGMA max_page_count = %d" % conn.execute("PRAGMA page_count").fetchone()[0])
    for size in (4000, 500, 50, 1):
        try:
            while True:
                conn.execute("INSERT INTO lifecycle_filler VALUES (zeroblob(?))", (size,))
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc)


def free_space(conn):
    conn.execute("DELETE FROM lifecycle_filler")
    conn.execute("PRAGMA max_page_count = 1073741823")
