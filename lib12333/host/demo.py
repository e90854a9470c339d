"""
A whole service hall on one machine: ``lib12333 demo``.

Parts, all real code talking over real ptys:

- the emulated mobile network with three emulated modems (``lib12333.host.modem``):
  the centre's, the kiosk's and the citizen's phone;
- the centre gateway (``lib12333.host.gateway``) on the centre's modem, with its
  SQLite database in a temporary folder, the kiosk registered with its key and the
  citizen's card in the registry;
- the kiosk: the reference firmware (``firmware/``) on the host board
  (``board/host``), its modem and a CCID serial card reader on ptys, its journal
  and information library on "flash" (a folder);
- the citizen's social-security card in the card emulator behind the reader.

The scripted citizen inserts the card, opens 社保卡挂失, types the phone number,
confirms, waits for the centre's answer, receives the SMS notice and takes the
card.  ``run()`` returns the transcript and whether the registry really shows the
card as 临时挂失 (the command exits 0 only then).
"""

import logging
import os
import tempfile
import threading
import time

from lib12333 import identifiers, lossreport
from lib12333.host.transcript import Transcript, TranscriptLog, screen_sink
from lib12333.modem import events

CENTRE_NUMBER = "+8610657112333"
KIOSK_NUMBER = "+8613800571001"
CITIZEN_PHONE = "13912345678"
DEVICE_ID = 1001
UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
HOLDER = {"name": "李明华", "ssn17": "33010619850312004", "card": "A38612750", "region": "330100"}


def _holder():
    ssn = HOLDER["ssn17"] + identifiers.citizen_id_check_digit(HOLDER["ssn17"])
    return dict(HOLDER, ssn=ssn)


class Hall:
    """The running parts; ``close()`` stops them all.

    Subclasses (tests with several centres) change ``numbers``, ``make_holder`` and
    ``setup_centres``; the rest -- network, card reader, phone, kiosk -- is shared.
    """

    # centre, kiosk, citizen's phone, then any further centres of a subclass
    numbers = (CENTRE_NUMBER, KIOSK_NUMBER, "+86" + CITIZEN_PHONE)
    card_id_tail = "D156000005" + "00BF7C7A48FB4966"
    kiosk_log_in_transcript = True  # the in-process kiosk's log lines ("log: reply ...") reach the transcript

    def __init__(self, workdir, transcript, keys=None, display=None, faults=None, kiosk_config=None, echo_phone=True):
        from lib12333.host.modem.network import Simulator

        self.workdir = workdir
        self.t = transcript
        self.holder = self.make_holder()
        self.threads = []
        self.stop_event = threading.Event()
        self.shown = []
        self.phone_messages = []  # texts the citizen's phone received
        self.phone_inbox = []  # the same as (sender, text)
        # The phone and the kiosk receive the centre's answers at nearly the same moment; the
        # scripted visit prints the SMS itself, after the kiosk's screen, so transcripts do not differ.
        self.echo_phone = echo_phone
        self.kiosk_steps = 0  # main-loop steps done, their log lines in the transcript
        self.log_handler = TranscriptLog(transcript)
        logging.getLogger("lib12333.gateway").addHandler(self.log_handler)
        logging.getLogger("lib12333.gateway").setLevel(logging.INFO)

        self.sim = Simulator(numbers=list(self.numbers), faults=faults).start()
        self.ports = [m.path for m in self.sim.modems]
        self.t.add("network", "emulated modems: centre %s, kiosk %s, citizen's phone %s" % tuple(self.ports[:3]))
        self.setup_centres()
        self.setup_card()
        self.setup_phone()
        self.setup_kiosk(keys, display, kiosk_config)

    def make_holder(self):
        return _holder()

    def setup_centres(self):
        """The centre: database, the kiosk's registration, the card registry, the gateway."""
        from lib12333.host.gateway import admin, db
        from lib12333.host.gateway.centre import Centre
        from lib12333.host.gateway.service import GatewayService
        from lib12333.host.requests_store import RequestStore

        self.db_path = os.path.join(self.workdir, "centre.db")
        conn = db.connect(self.db_path)
        self.key = admin.add_device(conn, DEVICE_ID, os.urandom(16), name="西湖区社保服务大厅", region="330106",
                                    phone=KIOSK_NUMBER)
        h = self.holder
        admin.add_card(conn, h["card"], h["ssn"], h["name"], h["region"])
        self.t.add("centre", "database %s: kiosk %d registered, card %s in the registry (%s)"
                   % (self.db_path, DEVICE_ID, identifiers.mask_card(h["card"]), lossreport.STATE_NAMES[2][1]))
        self.centre = Centre(conn, UNIT, temp_days=7, centre_code="330100",
                             requests=RequestStore(admin.requests_path(self.db_path)))
        self.gateway = GatewayService(self.centre_channel(), self.centre,
                                      on_event=lambda kind, detail: self._gateway_event(kind, detail))
        self._thread(self._run_gateway, "gateway")

    def centre_channel(self):
        """What the gateway sends and receives through: the centre's modem (an operator link in
        lib12333.host.links.demo)."""
        from lib12333.host.modem.transport import SerialModem

        return SerialModem(self.ports[0])

    def setup_card(self):
        """The citizen's card in a CCID serial reader (still in the citizen's hand)."""
        from lib12333.host.card.ccid_reader import CcidSerialReaderEmulator
        from lib12333.host.card.emulator import CardProfile, EmulatedCard

        h = self.holder
        profile = CardProfile.for_spec("2.0", card_number=h["card"], ssn=h["ssn"], name=h["name"],
                                       card_id=h["region"] + self.card_id_tail)
        self.card = EmulatedCard(profile)
        self.card.remove()
        self.reader = CcidSerialReaderEmulator(self.card).start()

    def setup_phone(self):
        from lib12333.host.modem.transport import SerialModem

        self.phone = SerialModem(self.ports[2])
        self.phone.engine.start(self.phone.clock())
        self._thread(self._run_phone, "phone")

    def setup_kiosk(self, keys, display, kiosk_config):
        """The kiosk firmware on the host board, its flash in a folder."""
        from lib12333.host import kiosk_board as host_board

        flash = os.path.join(self.workdir, "kiosk-flash")
        self.keys = keys or host_board.ScriptedKeys()
        self.hw = host_board.Hardware(self.ports[1], self.reader.port, flash,
                                      display=display or host_board.TerminalDisplay(screen_sink(self.t, self.shown)),
                                      keypad=self.keys)
        self._build_library(flash)
        self.flash = flash
        self.kiosk_config = {"device_id": DEVICE_ID, "centre_number": CENTRE_NUMBER, "unit": UNIT,
                             "temp_loss_days": 7}
        self.kiosk_config.update(kiosk_config or {})
        self.kiosk_running = threading.Event()
        self.start_kiosk()

    def start_kiosk(self):
        """Boot the kiosk firmware (again, after a power cut: same flash, same journal)."""
        from lib12333.compat import data_path
        from lib12333.host import firmware_package

        firmware_main = firmware_package.submodule("main")

        self.app = firmware_main.start(self.hw, dict(self.kiosk_config), self.key, self.flash, data_path("gbk.bin"),
                                       library_dir=self.flash)
        self.kiosk_running.set()
        self._thread(self._run_kiosk, "kiosk")

    def power_cut_kiosk(self):
        """Stop the kiosk's loop where it is; what it wrote to flash stays, everything in RAM is gone."""
        self.kiosk_running.clear()
        # The loop ends after the step it is in; only then may a new kiosk use the same ports.
        self.kiosk_thread.join(10)

    # ------------------------------------------------------------------ parts

    def _thread(self, fn, name):
        t = threading.Thread(target=fn, name=name, daemon=True)
        t.start()
        self.threads.append(t)
        if name == "kiosk":
            self.kiosk_thread = t

    def _run_gateway(self):
        while not self.stop_event.is_set():
            self.gateway.step(0.02)

    def _gateway_event(self, kind, detail):
        if kind == "frame":
            self.t.add("centre", "kiosk frame %s" % detail)
        elif kind == "sent":
            row = self.centre.conn.execute("SELECT kind, to_number FROM outgoing WHERE id = ?", (detail,)).fetchone()
            what = "encrypted answer to the kiosk" if row[0] == "frame" else "SMS notice to the citizen"
            self.t.add("centre", "%s sent to %s" % (what, identifiers.mask_phone(row[1])))

    def _run_phone(self):
        while not self.stop_event.is_set():
            for ev in self.phone.pump(0.05):
                if ev.kind == events.MESSAGE:
                    text = ev.message.text or ""
                    self.phone_messages.append(text)
                    self.phone_inbox.append((ev.message.number, text))
                    if self.echo_phone:
                        self.show_sms(ev.message.number, text)
                    self.phone.engine.confirm(ev.token)

    def show_sms(self, number, text):
        self.t.add("phone", "SMS from %s:\n%s" % (number, text))

    def _run_kiosk(self):
        last_log = 0
        app = self.app
        while not self.stop_event.is_set() and self.kiosk_running.is_set() and app is self.app:
            app.step()
            log = app.log
            new = log.total - last_log
            for line in log.lines[len(log.lines) - min(new, len(log.lines)):] if new > 0 else []:
                self.t.add("kiosk", "log: " + line.split(" ", 1)[1])
            last_log = log.total
            self.kiosk_steps += 1
            time.sleep(0.01)

    def _build_library(self, flash):
        from lib12333.compat import data_path
        from lib12333.host import kb

        starter = data_path("kb/starter.json")
        if os.path.exists(starter):
            t = time.gmtime(time.time() + 8 * 3600)
            idx, dat, _result = kb.build_from_files([starter], "330100", "%04d-%02d-%02d" % t[:3])
            kb.write_index(flash, idx, dat)

    # ------------------------------------------------------------------ the citizen

    def wait_screen(self, title_part, timeout=30.0, since=0):
        """Wait for a screen with ``title_part`` among those shown (from the ``since``-th on)."""
        deadline = time.monotonic() + timeout
        seen = since
        while time.monotonic() < deadline:
            for lines in self.shown[seen:]:
                if any(title_part in line for line in lines):
                    return True
            seen = max(0, len(self.shown) - 1)
            time.sleep(0.02)
        return False

    def settle(self, timeout=2.0):
        """Wait for the kiosk's current main-loop step to end, so that its log lines are in the
        transcript before the citizen's next action (a screen shows in the middle of a step)."""
        target = self.kiosk_steps + 1
        deadline = time.monotonic() + timeout
        while self.kiosk_steps < target and time.monotonic() < deadline:
            time.sleep(0.005)

    def wait_transcript(self, who, start, timeout=30.0):
        """Wait until ``who`` has added a line starting with ``start`` to the transcript."""
        want = "%-8s %s" % (who, start)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line[7:].startswith(want) for line in self.t.lines):
                return True
            time.sleep(0.02)
        return False

    def press(self, keys, label=None):
        self.t.add("citizen", label or "presses " + " ".join(keys))
        for k in keys:
            self.keys.press(k)
            time.sleep(0.05)

    def registry_state(self):
        from lib12333.host.gateway import admin, db

        conn = db.connect(self.db_path)
        try:
            return admin.card_view(conn, self.holder["card"])
        finally:
            conn.close()

    def close(self):
        logging.getLogger("lib12333.gateway").removeHandler(self.log_handler)
        self.stop_event.set()
        for t in self.threads:
            t.join(3)
        for closer in (self.hw.close, self.phone.close, self.gateway.modem.close, self.reader.stop, self.sim.stop):
            try:
                closer()
            except Exception:
                pass


def scripted(hall, timeout=60.0):
    """The citizen's visit. Returns (ok, reason)."""
    t = hall.t
    phone = CITIZEN_PHONE
    if not hall.wait_screen("欢迎使用", timeout):
        return False, "the kiosk never showed its welcome screen"
    if not hall.wait_screen("网络", 0.1) and not hall.app.modem_ready:
        pass
    deadline = time.monotonic() + timeout
    while not hall.app.modem_ready and time.monotonic() < deadline:
        time.sleep(0.05)
    hall.settle()
    t.add("citizen", "inserts the social-security card")
    hall.card.insert()
    if not hall.wait_screen("您好", timeout):
        return False, "the card was not read"
    hall.settle()
    hall.press(["2"], "chooses 2 社保卡挂失")
    if not hall.wait_screen("请输入您的手机号码", timeout):
        return False, "no phone number screen"
    hall.settle()
    hall.press(list(phone), "types the phone number " + identifiers.mask_phone(phone))
    hall.press(["ok"], "presses 确认")
    if not hall.wait_screen("社保卡临时挂失", timeout):
        return False, "no confirmation screen"
    hall.settle()
    hall.press(["1"], "presses 1 确认挂失")
    if not hall.wait_screen("挂失成功", timeout) or (
            hall.kiosk_log_in_transcript and not hall.wait_transcript("kiosk", "log: reply ", timeout)):
        return False, "the centre's acknowledgement did not arrive"
    deadline = time.monotonic() + timeout
    while not hall.phone_messages and time.monotonic() < deadline:
        time.sleep(0.05)
    if not hall.phone_messages:
        return False, "the citizen's phone received no notice"
    hall.show_sms(*hall.phone_inbox[-1])
    t.add("citizen", "takes the card")
    shown = len(hall.shown)
    hall.card.remove()
    if not hall.wait_screen("欢迎使用", timeout, since=shown):
        return False, "the kiosk did not return to the welcome screen"
    hall.settle()
    view = hall.registry_state()
    t.add("centre", "registry: card %s is %s%s" % (view["card"], view["state_name"],
                                                    " until %s" % _cst(view["until"]) if view["until"] else ""))
    if view["state"] != lossreport.TEMP_LOST:
        return False, "the registry shows %s, not 临时挂失" % view["state_name"]
    notice = hall.phone_messages[-1]
    if UNIT not in notice or hall.holder["card"] in notice:
        return False, "the notice does not follow the 12333 SMS rules"
    return True, "the card is 临时挂失 in the registry and the citizen has the notice"


def card_hint(keep=None):
    """How to look the demo card up in the centre's registry afterwards (its number masked here)."""
    db = os.path.join(keep, "centre.db") if keep else "DIR/centre.db"
    return ("\ndemo card %s (fictitious; its full number is in docs/gateway.md, 'Cards (the registry)'). To look it up afterwards%s:\n"
            "  lib12333 gateway card show --db %s --card NUMBER"
            % (identifiers.mask_card(HOLDER["card"]), "" if keep else ", run `lib12333 demo --keep DIR`, then", db))


def _cst(seconds):
    t = time.gmtime(int(seconds) + 8 * 3600)
    return "%04d-%02d-%02d" % t[:3]


def run(workdir=None, echo=True, timeout=60.0, hall_class=None):
    """Run the scripted demo; returns (ok, reason, transcript lines).  ``hall_class``: a ``Hall``
    subclass (``lib12333.host.links.demo.link_hall`` puts the centre on an operator link,
    ``lib12333.host.firmware_image.hall`` makes the kiosk the real firmware image on an emulated board)."""
    transcript = Transcript(echo)
    own = workdir is None
    tmp = tempfile.TemporaryDirectory(prefix="lib12333-demo-") if own else None
    hall = None
    try:
        hall = (hall_class or Hall)(tmp.name if own else workdir, transcript, echo_phone=False)
        ok, reason = scripted(hall, timeout)
    finally:
        if hall is not None:
            hall.close()
        if tmp is not None:
            tmp.cleanup()
    transcript.add("demo", ("OK: " if ok else "FAILED: ") + reason)
    return ok, reason, transcript.lines
