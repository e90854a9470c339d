"""
The real kiosk runtime (firmware/app.py ``KioskApp``) on simulated hardware (CPython and MicroPython).

Everything around the firmware is small and scripted, so the whole app runs end to
end inside MicroPython (tests/core/test_kiosk_app.py, bench/firmware_heap.py):

- ``Display`` records the screens, ``Keys`` plays pressed keys, ``Clock`` is a
  millisecond counter the simulation advances, ``Watchdog`` counts feeds;
- ``Reader`` holds ``MinimalCard``, a T=0 card with the holder of
  tests/core/card_fixture.py that imports no card code (or that fixture's ScriptedCard);
- ``ModemUart`` is an A7670C on the UART, the core's AT emulator
  (``lib12333.modem.emulator``, the same one the host's pty modems use): it hands
  each ``AT+CMGS`` PDU to ``Centre`` and delivers the centre's answer as ``+CMTI``
  (then ``AT+CMGR``) or, when the kiosk's engine asks for direct delivery, as
  ``+CMT`` (then ``AT+CNMA``); ``AT+CMGD`` deletes it;
- ``Centre`` opens the kiosk's sealed frame (UP) and answers a loss report (and a
  status report, kept apart in ``status_reports``) with a sealed ACK frame (DOWN) in
  an SMS-DELIVER (``encode_deliver``);
- the journal lives in two ``MemoryStore`` s.

``loss_report(sim)`` is the citizen's visit as a generator that yields after every
``app.step()``, so that a benchmark can measure between steps; ``run(gen)`` drives
it to the end.  Steps raise ``SimError`` when a screen does not come.
"""

DEVICE_ID = 1001
KEY = bytes(range(16))
CENTRE_NUMBER = "+8610657112333"
PHONE = "13912345678"
CONFIG = {"device_id": DEVICE_ID, "centre_number": CENTRE_NUMBER, "unit": "【杭州市人力资源社会保障电话咨询服务中心】",
          "temp_loss_days": 7}
ATR = b"\x3b\x6d\x00\x00\x00\x81\x4e\x43\x23\x86\x97\x15\x99\x00\xbf\x7c\x7a"
START_TIME = 1795000000  # wall clock of the simulation (Unix seconds, 2026-11-18)


class SimError(Exception):
    pass


class Clock:
    def __init__(self):
        self.ms = 0

    def advance(self, ms):
        self.ms += ms


class Display:
    """Keeps every screen and its title (``record=True``) or only the last screen and a count."""

    def __init__(self, record=True):
        self.record = record
        self.screens = []
        self.titles = []
        self.last = None
        self.shown = 0

    def show(self, lines):
        self.last = lines
        self.shown += 1
        if self.record:
            self.titles.append(lines[0] if lines else "")
            self.screens.append(lines)

    def text(self):
        return "\n".join(self.last or ())


class Keys:
    def __init__(self):
        self.queue = []

    def press(self, *keys):
        for k in keys:
            self.queue.append(k)

    def poll(self, now_ms):
        return self.queue.pop(0) if self.queue else None


class Watchdog:
    def __init__(self):
        self.feeds = 0

    def feed(self):
        self.feeds += 1


# The holder of tests/core/card_fixture.py ``holder()``: a spec 1.00 card of 张三 (GBK D5C5 C8FD).
SSSE_AID = b"sx1.sh.\xc9\xe7\xbb\xe1\xb1\xa3\xd5\xcf"
FCI = "6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C03860103"
RECORDS = {
    0xEF05: ((0x01, "639900D15600000500BF7C7A48FB4966"), (0x02, "33"), (0x03, "312E3030"),
             (0x04, "915600000263990063990001"), (0x05, "20101001"), (0x06, "20201001"),
             (0x07, "583030303030303139")),
    0xEF06: ((0x08, "313131313131313938313031303131313130"), (0x09, "D5C5C8FD" + "00" * 26), (0x0A, "31"),
             (0x0B, "01"), (0x0C, "639900"), (0x0D, "19810101")),
}


class MinimalCard:
    """A T=0 social-security card answering the basic read of lib12333.card.ssse, without
    importing lib12333.card itself (so the benchmark sees only what the firmware loads):
    case-4 SELECT answers 61xx and GET RESPONSE; a wrong Le on READ RECORD answers 6Cxx."""

    def __init__(self):
        self.current = None
        self.pending = b""

    def transmit(self, c):
        from lib12333.hexdigits import parse_hex  # loaded by the firmware's modem already (lib12333.modem.at)

        ins, p1 = c[1], c[2]
        if ins == 0xC0:  # GET RESPONSE
            data, self.pending = self.pending[:c[4]], self.pending[c[4]:]
            return data + (bytes((0x61, len(self.pending))) if self.pending else b"\x90\x00")
        if ins == 0xA4:  # SELECT
            data = bytes(c[5:5 + c[4]])
            if p1 == 0x04:
                if data != SSSE_AID:
                    return b"\x6a\x82"
                self.pending = parse_hex(FCI)
                return bytes((0x61, len(self.pending)))
            fid = (data[0] << 8) | data[1]
            if fid not in RECORDS:
                return b"\x6a\x82"
            self.current = fid
            return b"\x90\x00"
        if ins == 0xB2:  # READ RECORD by record identifier
            for tag, value in RECORDS.get(self.current, ()):
                if tag == p1:
                    rec = bytes((tag, len(value) // 2)) + parse_hex(value)
                    if c[4] != len(rec):
                        return bytes((0x6C, len(rec)))
                    return rec + b"\x90\x00"
            return b"\x6a\x83"
        return b"\x6d\x00"


class Reader:
    """A card slot.  ``insert()`` puts in the ``MinimalCard`` (default) or, with
    ``fixture=True``, the ScriptedCard of tests/core/card_fixture.py (same holder)."""

    def __init__(self):
        self.card = None
        self.last = None
        self.powered = False

    def insert(self, fixture=False, version=b"1.00"):
        if fixture:
            from tests.core import card_fixture

            self.card = card_fixture.ScriptedCard(card_fixture.holder(version=version))
        else:
            self.card = MinimalCard()
        self.last = self.card  # stays after remove() (tests read the fixture's APDU log)

    def remove(self):
        self.card = None

    def present(self):
        return self.card is not None

    def power_on(self):
        if self.card is None:
            from lib12333.errors import DeviceError

            raise DeviceError("no card in the reader", code="no-card")
        self.powered = True
        return ATR

    def transmit(self, command):
        if self.card is None:
            from lib12333.errors import DeviceError

            raise DeviceError("card removed", code="no-card")
        return self.card.transmit(command)

    def power_off(self):
        self.powered = False


class Centre:
    """The centre's side of the secure channel, just enough to answer a loss report."""

    def __init__(self, key=KEY, device_id=DEVICE_ID, number=CENTRE_NUMBER, reply=True):
        self.key = key
        self.device_id = device_id
        self.number = number
        self.reply = reply
        self.seq = 0
        self.received = []  # (msg_type, device seq, fields) of every frame from the kiosk but status reports
        self.status_reports = []  # (device seq, fields) of every KIOSK_STATUS frame (issue 17)
        self.status_frames = []  # the sealed KIOSK_STATUS frames as sent (for a real gateway in host tests)
        self.concat_refs = []  # (reference, part, total) of every part of a multi-part frame
        self.parts = None  # Reassembler for multi-part frames

    def on_submit(self, pdu_hex, now):
        """An SMS-SUBMIT from the kiosk; returns the SMS-DELIVER PDUs (hex) to send back."""
        from lib12333.secure import frame, messages
        from lib12333.secure.aes import AES128
        from lib12333.sms.encode import encode_deliver
        from lib12333.sms.pdu import decode_hex
        from lib12333.sms.reassembly import Reassembler
        from lib12333.sms.scts import Timestamp

        sms = decode_hex(pdu_hex)
        if sms.concat is not None:
            self.concat_refs.append((sms.concat.ref, sms.concat.seq, sms.concat.total))
            if self.parts is None:
                self.parts = Reassembler()
            sms = self.parts.add(sms, now)
            if sms is None:
                return []
        if sms.ports is None or sms.ports[0] != frame.PORT:
            raise SimError("the kiosk sent an SMS without the frame port")
        cipher = AES128(self.key)
        f = frame.open(cipher, sms.data, direction=frame.UP)
        fields = messages.decode(f.msg_type, f.payload)
        status = f.msg_type == messages.KIOSK_STATUS
        if status:
            self.status_reports.append((f.seq, fields))
            self.status_frames.append(bytes(sms.data))
        else:
            self.received.append((f.msg_type, f.seq, fields))
        if not self.reply or f.msg_type not in (messages.LOSS_REPORT, messages.KIOSK_STATUS):
            return []
        payload = messages.encode(messages.ACK, {"ref_seq": f.seq, "result": messages.ACK_APPLIED,
                                                 "state": 0 if status else 3, "until": 0 if status else now + 7 * 86400})
        self.seq += 1
        sealed = frame.seal(cipher, frame.Frame(messages.ACK, self.device_id, self.seq, now, payload,
                                                direction=frame.DOWN))
        parts = encode_deliver(self.number, Timestamp(2026, 11, 18, 10, 0, 0, 480), data=sealed,
                               ports=(frame.PORT, frame.PORT))
        return [p.hex for p in parts]


class ModemUart:
    """An A7670C behind a UART (write / any / read, as machine.UART): the core's
    ``ModemEmulator`` (lib12333.modem.emulator), already started when the kiosk boots, joined
    to ``Centre``.  The kiosk's AT+CNMI decides between +CMTI (stored) and +CMT (direct)."""

    def __init__(self, centre, clock, direct=False, capacity=30, record=True):
        from lib12333.modem.emulator import ModemEmulator

        self.centre = centre
        self.clock = clock
        self.direct = direct  # what the kiosk's engine asks for; kept for the tests that read it
        self.modem = ModemEmulator(self._now(), "A7670C", capacity=capacity, started=True, record=record)
        self.commands = self.modem.commands  # every command line received (record=True, for tests)
        self.modem.rssi, self.modem.ber = 18, 0  # AT+CSQ: -77 dBm, the kiosk's status report carries it
        self.rx = bytearray()  # modem -> kiosk

    def _now(self):
        return self.clock.ms / 1000

    @property
    def stored(self):
        """{index: [stat, PDU hex, TPDU length]} of the SM storage."""
        return self.modem.store.mems["SM"]

    @property
    def rssi(self):
        return self.modem.rssi

    @rssi.setter
    def rssi(self, value):
        self.modem.rssi = value

    @property
    def submits(self):
        return self.modem.stats["submitted"]

    # ---- machine.UART
    def write(self, data):
        now = self._now()
        self.rx.extend(self.modem.receive_data(data, now))
        for event in self.modem.take_network_events():
            if event[0] == "submit":  # ("submit", mr, TPDU bytes, decoded SMS); the centre reads hex
                pdu_hex = "00" + event[2].hex().upper()
                for reply in self.centre.on_submit(pdu_hex, START_TIME + self.clock.ms // 1000):
                    self.deliver(reply)
        return len(data)

    def any(self):
        self.rx.extend(self.modem.tick(self._now()))
        return len(self.rx)

    def read(self, n=None):
        if n is None or n >= len(self.rx):
            data = bytes(self.rx)
            self.rx = bytearray()
        else:
            data = bytes(self.rx[:n])
            self.rx = self.rx[n:]
        return data or None

    def deliver(self, pdu):
        """An SMS-DELIVER (hex, with the SMSC prefix) arrives from the network."""
        from lib12333.hexdigits import parse_hex

        raw = parse_hex(pdu)
        if not self.modem.deliver(raw, len(raw) - 1 - raw[0], self._now()):
            raise SimError("the modem did not take the centre's answer")
        self.rx.extend(self.modem.data_to_send())


class Hardware:
    """The ``hw`` object of firmware/app.py."""

    def __init__(self, centre=None, direct=False, record=True):
        self.clock = Clock()
        self.display = Display(record)
        self.keypad = Keys()
        self.reader = Reader()
        self.centre = centre or Centre()
        self.modem = ModemUart(self.centre, self.clock, direct=direct, record=record)
        self.watchdog = Watchdog()
        self.storage = None

    def clock_ms(self):
        return self.clock.ms

    def ticks_diff(self, a, b):
        return a - b

    def sleep_ms(self, ms):
        self.clock.advance(ms)

    def wall_time(self):
        return START_TIME + self.clock.ms // 1000


class KioskSim:
    """Hardware + journal + modem engine + ``KioskApp``; ``probe`` (if set) is called
    after every ``app.step()`` and after every event the kiosk state machine handles."""

    def __init__(self, direct=False, record=True, probe=None, gbk=True, hw=None, stores=None, config=None):
        # ``hw`` and ``stores`` (the journal's two stores) of an earlier sim: a power cut and reboot
        self.hw = hw or Hardware(direct=direct, record=record)
        self.stores = stores
        self.config = dict(CONFIG)
        self.config.update(config or {})  # e.g. what firmware/main.py load_config adds: seq_start, new_key
        self.direct = direct
        self.probe = probe
        self.use_gbk = gbk
        self.app = None
        self.steps = 0

    def boot(self):
        """What firmware/main.py start() does, with the simulated parts."""
        from firmware.app import KioskApp
        from lib12333.journal import Journal
        from lib12333.modem.engine import Engine
        from lib12333.storage import MemoryStore

        gbk = None
        if self.use_gbk:
            from lib12333.card.gbk import GbkTable
            from tests.core.support import project_path

            gbk = GbkTable(open(project_path("lib12333/data/gbk.bin"), "rb"))
        if self.stores is None:
            self.stores = (MemoryStore(), MemoryStore())
        journal = Journal(self.stores[0], self.stores[1])
        engine = Engine(now=0.0, direct=self.direct)
        self.app = KioskApp(self.hw, dict(self.config), KEY, journal, engine, gbk=gbk)
        if self.probe is not None:
            self._wrap_kiosk()
        return self.app.boot()

    def _wrap_kiosk(self):
        kiosk = self.app.kiosk
        handle = kiosk.handle
        probe = self.probe

        def probed(event, now):
            actions = handle(event, now)
            probe()
            return actions

        kiosk.handle = probed

    def step(self, ms=20):
        self.hw.clock.advance(ms)
        self.app.step()
        self.steps += 1
        if self.probe is not None:
            self.probe()

    def screen_has(self, text):
        return text in self.hw.display.text()


def until(sim, text=None, check=None, limit=400):
    """Step until the current screen shows ``text`` (or ``check()`` is true); yields after each step."""
    for _ in range(limit):
        if (text is not None and sim.screen_has(text)) or (check is not None and check()):
            return
        sim.step()
        yield
    raise SimError("no screen with %r after %d steps; screen: %s" % (text, limit, sim.hw.display.text()))


def press(sim, *keys):
    """Press keys one at a time, a step each (the app reads one key per pass)."""
    for k in keys:
        sim.hw.keypad.press(k)
        sim.step()
        yield


def boot(sim):
    """Power on and wait until the modem is ready and the welcome screen is up."""
    problems = sim.boot()
    if problems:
        raise SimError("self-test failed: %s" % problems)
    yield
    yield from until(sim, check=lambda: sim.app.modem_ready and sim.app.engine.idle())
    yield from until(sim, "欢迎使用")


def loss_report(sim, phone=PHONE, fixture_card=False):
    """The citizen's visit: card in, 2 社保卡挂失, phone, 确认, 1 确认挂失, the centre's ACK, card out."""
    sim.hw.reader.insert(fixture_card)
    yield from until(sim, "您好")
    yield from press(sim, "2")
    yield from until(sim, "请输入您的手机号码")
    yield from press(sim, *phone)
    yield from press(sim, "ok")
    yield from until(sim, "社保卡临时挂失")
    yield from press(sim, "1")
    yield from until(sim, "挂失成功")
    # the SMS is deleted from the modem once the reply is applied
    yield from until(sim, check=lambda: sim.app.engine.idle())
    sim.hw.reader.remove()
    yield from until(sim, "欢迎使用")


def run(gen):
    for _ in gen:
        pass
