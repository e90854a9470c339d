"""
The kiosk runtime: wires the state machine to a board's hardware and to the centre.

One ``KioskApp.step()`` is one pass of the main loop and never blocks for long
(reading a card is the exception: about half a second).  Each pass:

1. moves bytes between the modem UART and the sans-IO modem engine;
2. turns engine events into kiosk events (network up/down, frames from the centre);
3. lets the durable outbox send what is due and report what failed;
4. polls the keypad / touch screen and the card slot;
5. gives the kiosk a tick (timeouts), carries out the kiosk's actions;
6. sends the status report when one is due and nothing else waits (firmware/status_report.py);
7. feeds the watchdog.

A frame from the centre is handled in this order, so that nothing is applied
twice and nothing is lost: verify tag -> check replay window -> acknowledge the
outbox entry -> persist the window -> delete the SMS from the modem (confirm).
A reboot between any two steps repeats the later steps harmlessly.

``hw`` is the board's ``Hardware`` (see board/*/board.py and board/host/board.py):
display, keypad, reader, modem (UART-like), storage, watchdog, clock_ms,
ticks_diff, sleep_ms, wall_time.
"""

import lib12333
from firmware import screens
from firmware import status_report as sr
from firmware.kiosk import Kiosk
from lib12333.errors import (
    CapacityError,
    CardError,
    CardSecurityError,
    Lib12333Error,
    SecurityError,
    StorageError,
)
from lib12333.modem import events

CARD_POLL_MS = 500
LOG_LINES = 64
# What a card read loads (lib12333.card.ssse and its imports).  On MicroPython the app
# drops them again after each read: imported from .mpy their bytecode is about 15 KB
# of RAM that the rest of the transaction (send, receive the answer) can use instead.
CARD_MODULES = ("lib12333.card.ssse", "lib12333.card.apdu", "lib12333.card.tlv")


class LocalLog:
    """The kiosk's own log: short lines without personal data (the kiosk never logs any).

    The newest ``size`` lines stay in RAM for the maintenance screen.  With ``path`` the
    lines also go to a file on flash, so a technician can read them after a restart
    (``mpremote fs cat :/data/kiosk.log``); past ``max_bytes`` the file is renamed to
    ``kiosk.log.1`` (replacing the older one), so the log never fills the flash.
    """

    def __init__(self, size=LOG_LINES, path=None, max_bytes=16384):
        self.size = size
        self.lines = []
        self.total = 0  # lines ever added (a reader can tell which lines are new)
        self.path = path
        self.max_bytes = max_bytes

    def add(self, now, text):
        line = "%d %s" % (now, text)
        self.total += 1
        self.lines.append(line)
        if len(self.lines) > self.size:
            self.lines.pop(0)
        if self.path is not None:
            self._write(line)

    def _write(self, line):
        import os

        try:
            with open(self.path, "a") as f:
                f.write(line + "\n")
            if os.stat(self.path)[6] > self.max_bytes:
                try:
                    os.remove(self.path + ".1")
                except OSError:
                    pass
                os.rename(self.path, self.path + ".1")
        except OSError:
            self.path = None  # a failing flash must not stop the kiosk; the RAM ring goes on


class KioskApp:
    def __init__(self, hw, config, key, journal, engine, library=None, gbk=None, authenticator=None):
        from lib12333.outbox import Outbox
        from lib12333.secure.aes import AES128
        from lib12333.secure.replay import ReplayWindow

        self.hw = hw
        self.config = config
        self.centre = config["centre_number"]
        self.engine = engine
        self.gbk = gbk
        self.authenticator = authenticator
        self.cipher = AES128(key)
        self.outbox = Outbox(journal, self.cipher, config["device_id"],
                             base_delay=config.get("retry_base", 60), max_delay=config.get("retry_max", 3600),
                             max_attempts=config.get("retry_attempts", 6))
        self.log = LocalLog(path=config.get("log_file"))
        self.kiosk = Kiosk(unit=config.get("unit", ""), temp_loss_days=config.get("temp_loss_days", 7),
                           library=library, status=self.status)
        self.window = ReplayWindow(64)
        # Site configuration "status_interval" (firmware/main.py SITE_DEFAULTS: daily); 0 or absent: no reports.
        self.report = sr.StatusReport(config.get("status_interval", 0),
                                      config.get("firmware_version") or lib12333.__version__, config.get("boots", 0))
        self.card_present = False
        self.next_card_poll = 0
        self.sending = {}  # engine send id -> outbox seq
        self.modem_ready = False
        self.problems = []
        self.journal_ready = False
        # The modem engine runs on a monotonic clock in seconds; ticks_ms wraps (2**30 ms on
        # MicroPython), so the app accumulates differences instead of using ticks directly.
        self._last_ms = hw.clock_ms()
        self._mono = 0.0

    def monotonic(self):
        ms = self.hw.clock_ms()
        self._mono += self.hw.ticks_diff(ms, self._last_ms) / 1000.0
        self._last_ms = ms
        return self._mono

    # ------------------------------------------------------------------ boot

    def boot(self):
        """Self-test and recovery; returns the list of failed checks (empty when all is well)."""
        from lib12333.secure.replay import ReplayWindow

        now = int(self.hw.wall_time())
        problems = []
        try:
            # The first number of this key and whether deploy just wrote it (firmware/main.py load_config).
            pending = self.outbox.open(now, self.config.get("seq_start", 1), self.config.get("new_key"))
            self.journal_ready = True  # a new key's journal is in use now (firmware/main.py adopts the key)
            if self.outbox.window:
                self.window = ReplayWindow.from_bytes(self.outbox.window)
            self.report.recovered(self.outbox)
            self._log("outbox recovered: %d pending" % len(pending))
        except SecurityError as exc:
            problems.append("密钥")  # journal lost under a used key: out of service until re-provisioned
            self._log("key self-test failed: %s" % exc)
        except Lib12333Error as exc:
            problems.append("存储")
            self.report.note(sr.STORAGE)
            self._log("storage self-test failed: %s" % exc)
        try:
            self.card_present = bool(self.hw.reader.present())
        except Lib12333Error as exc:
            problems.append("读卡器")
            self.report.note(sr.CARD)
            self._log("reader self-test failed: %s" % exc)
        self.engine.start(self.monotonic())
        self.problems = problems
        self._perform(self.kiosk.handle(("boot", problems), now))
        if self.card_present and not problems:
            self._perform(self.kiosk.handle(("card_in",), now))
        return problems

    # ------------------------------------------------------------------ main loop

    def step(self):
        hw = self.hw
        now = int(hw.wall_time())
        self._pump_modem(self.monotonic())
        for event in self.engine.events():
            self._on_engine_event(event, now)
        # Offline, requests wait in the outbox without spending their attempts: the citizen was told
        # they go out when the network returns, and a retry count is for a centre that does not answer.
        for event in self.outbox.poll(now) if self.modem_ready else ():
            self._on_outbox_event(event, now)
        key = hw.keypad.poll(hw.clock_ms())
        if key is None and hasattr(hw.display, "poll_touch"):
            key = hw.display.poll_touch()
        if key is not None:
            self._perform(self.kiosk.handle(("key", key), now))
        self._poll_card(now)
        self._perform(self.kiosk.handle(("tick",), now))
        if self.modem_ready and self.report.due(self._mono):
            self._status_report(now)
        hw.watchdog.feed()

    def _pump_modem(self, mono):
        out = self.engine.data_to_send()
        if out:
            self.hw.modem.write(out)
        if self.hw.modem.any():
            data = self.hw.modem.read()
            if data:
                self.engine.receive(data, mono)
        self.engine.poll(mono)

    def _poll_card(self, now):
        ms = self.hw.clock_ms()
        if self.hw.ticks_diff(ms, self.next_card_poll) < 0:
            return
        self.next_card_poll = ms + CARD_POLL_MS
        try:
            present = bool(self.hw.reader.present())
        except Lib12333Error:
            present = False
        if present != self.card_present:
            self.card_present = present
            self._perform(self.kiosk.handle(("card_in",) if present else ("card_out",), now))

    # ------------------------------------------------------------------ engine events

    def _on_engine_event(self, ev, now):
        kind = ev.kind
        if kind == events.READY:
            self.modem_ready = True
            self._log("modem ready")
            self._perform(self.kiosk.handle(("modem", True), now))
        elif kind == events.REGISTRATION:
            self._perform(self.kiosk.handle(("modem", bool(ev.registered)), now))
        elif kind == events.REBOOT:
            # Before the first "ready" this is the module's own power-on banner (RDY), not news.
            if self.modem_ready:
                self.report.note(sr.MODEM)
                self._log("modem rebooted")
                self._perform(self.kiosk.handle(("modem", False), now))
            self.modem_ready = False
        elif kind == events.MESSAGE:
            self._on_sms(ev, now)
        elif kind == events.BAD_MESSAGE:
            self.engine.confirm(ev.token)
            self._log("undecodable SMS deleted")
        elif kind == events.SENT:
            self.sending.pop(ev.id, None)
        elif kind == events.SEND_FAILED:
            seq = self.sending.pop(ev.id, None)
            self.report.note(sr.MODEM)
            self._log("send of request %s failed: %s" % (seq, ev.error))
        elif kind == events.STORAGE and ev.full:
            self.report.note(sr.MODEM)
            self._log("modem SMS storage full")
        elif kind == events.INFO and "signal" in ev.info:
            self.report.on_signal(ev.info["signal"])
        elif kind == events.PDU_WARNINGS:
            self._log(events.pdu_warnings_text(ev))

    def _on_sms(self, ev, now):
        from lib12333.secure import frame as frame_mod
        from lib12333.secure import messages as msg

        message = ev.message
        ports = message.ports
        if not ports or ports[0] != frame_mod.PORT or message.data is None:
            # A human SMS to the kiosk's number: nobody reads it here. Delete it.
            self.engine.confirm(ev.token)
            self._log("ignored a text SMS")
            return
        try:
            f = frame_mod.open(self.cipher, message.data, direction=frame_mod.DOWN)
            if f.device_id != self.config["device_id"]:
                raise SecurityError("frame for another device")
            self.window.accept(f.seq)
            fields = msg.decode(f.msg_type, f.payload)
        except Lib12333Error as exc:
            self.engine.confirm(ev.token)
            self._log("rejected a frame: %s" % exc)
            return
        ref = fields.get("ref_seq")
        if ref is not None and f.msg_type in (msg.ACK, msg.ERROR, msg.CARD_STATUS_ANSWER, msg.STATUS_ANSWER):
            self.outbox.ack(ref)
        self.outbox.save_window(self.window.to_bytes())
        self.engine.confirm(ev.token)
        if f.msg_type in (msg.ACK, msg.ERROR) and self.report.done(ref):
            self._log("status report %s: %s" % (ref, msg.type_name(f.msg_type)))  # nothing for the screen
            return
        self._log("reply %s for request %s" % (msg.type_name(f.msg_type), ref))
        self._perform(self.kiosk.handle(("reply", f.msg_type, fields), now))

    # ------------------------------------------------------------------ outbox events

    def _on_outbox_event(self, event, now):
        from lib12333.secure import frame as frame_mod

        kind, seq = event[0], event[1]
        if kind == "send":
            # The number chosen when the request was accepted (routing, issue 8), else the home centre.
            to = self.outbox.destination(seq) or self.centre
            # The concatenation reference comes from the frame's sequence number, which the journal
            # keeps across power cuts (reserved in blocks, never reused): a counter in RAM would
            # restart at 0 and the centre would see a new 2-part frame under an old reference.
            # A retransmission (same seq, same bytes) keeps its reference: a true duplicate.
            sid = self.engine.send_sms(to, data=event[2], port=frame_mod.PORT, ref=seq & 0xFF)
            self.sending[sid] = seq
        elif kind == "failed" and self.report.done(seq):
            self.outbox.dismiss(seq)  # no citizen waits for a status report; the next one says more
            self._log("status report %d not acknowledged after retries" % seq)
        elif kind == "failed":
            ref = "%d-%d" % (self.config["device_id"], seq)
            self._log("request %s failed after retries" % ref)
            self._perform(self.kiosk.handle(("failed", ref, "no answer from the centre"), now))

    # ------------------------------------------------------------------ kiosk actions

    def _perform(self, actions):
        for action in actions:
            kind = action[0]
            if kind == "screen":
                self.hw.display.show(screens.render(action[1], action[2]))
            elif kind == "log":
                self._log(action[1])
            elif kind == "read_card":
                self._read_card()
            elif kind == "submit":
                self._submit(action[1], action[2])

    def _read_card(self):
        import sys

        loaded = [name for name in CARD_MODULES if name in sys.modules]
        from lib12333.card import ssse

        now = int(self.hw.wall_time())
        reader = self.hw.reader
        event = ()  # type: tuple
        try:
            atr = reader.power_on()
            info = ssse.read_card(reader.transmit, authenticator=self.authenticator, gbk=self.gbk, atr=atr)
            event = ("card_read", {"ssn": info.ssn, "name": info.name, "card": info.card_number,
                                   "region": info.region})
        except SecurityError as exc:
            # -2203: a 3.0 card needs external authentication by a security module (PSAM) this
            # kiosk does not have -- not the citizen's fault, and not a locked card.
            no_module = isinstance(exc, CardSecurityError) and exc.needs_authenticator
            event = ("card_error", "card_needs_module" if no_module else "card_locked")
        except Lib12333Error as exc:
            code = getattr(exc, "code", None)
            if code == "no-card":
                event = ("card_error", "card_removed")
            elif isinstance(exc, CardError) and (exc.sw == 0x6A82 or exc.command == "SELECT SSSE"):
                event = ("card_error", "card_unsupported")
            else:
                self.report.note(sr.CARD)
                event = ("card_error", "card_unreadable")
        finally:
            reader.power_off()
        unload(CARD_MODULES, loaded)
        self._perform(self.kiosk.handle(event, now))

    def _submit(self, msg_type, fields):
        from lib12333.secure import messages as msg

        now = int(self.hw.wall_time())
        destination = None
        if self.config.get("routing"):
            fields, destination = self._route(msg_type, fields, now)
        try:
            payload = msg.encode(msg_type, fields)
            seq = self._accept_for_citizen(msg_type, payload, now, destination)
        except (StorageError, CapacityError, OSError) as exc:
            self.report.note(sr.STORAGE)
            self._log("outbox refused a request: %s" % type(exc).__name__)
            self._perform(self.kiosk.handle(("storage_failed",), now))
            return
        ref = "%d-%d" % (self.config["device_id"], seq)
        self._perform(self.kiosk.handle(("accepted", ref, not self.modem_ready), now))

    def _accept_for_citizen(self, msg_type, payload, now, destination):
        """outbox.accept; when the outbox is full and our own status report waits in it (queued while
        the citizens' requests waited for a retry), the report gives its place up: a citizen is never
        turned away for it."""
        try:
            return self.outbox.accept(msg_type, payload, now, destination=destination)
        except CapacityError:
            if self.report.seq not in self.outbox.pending():
                raise
        self.outbox.ack(self.report.withdraw(self._mono))  # out of the journal's queue: never sent again
        self._log("status report given up for a citizen's request")
        return self.outbox.accept(msg_type, payload, now, destination=destination)

    def _route(self, msg_type, fields, now):
        """(fields, number) for a request by the routing rules (firmware/routing_choice.py)."""
        import sys

        loaded = [name for name in sys.modules if name.startswith("lib12333.routing")]
        from firmware import routing_choice as rc

        card = self.kiosk.card or {}
        number, decision = rc.choose(self.config, msg_type, fields, card.get("region"), now)
        fields = rc.with_card_region(msg_type, fields, card.get("region"))
        if decision is None:
            self._log("routed to the home centre (no usable rules)")
        else:
            self._log("routed by rule %s (%s)" % (decision.rule, decision.action))
        unload(rc.ROUTING_MODULES + ("lib12333.routing", "firmware.routing_choice"), loaded)
        return fields, number

    # ------------------------------------------------------------------ status report

    def _status_report(self, now):
        """Queue the status report when the kiosk is idle and nothing in the outbox is due."""
        rep = self.report
        mono = self._mono
        due = self.outbox.next_due()
        if self.sending or self.kiosk.state not in sr.IDLE_STATES or (due is not None and due <= now):
            return  # a citizen's request (or its retry) goes first
        if len(self.outbox.pending()) >= self.outbox.max_pending:
            rep.postpone(mono)  # full of citizens' requests waiting for the centre: no flash fault, try later
            return
        if rep.ask_signal(mono):
            self.engine.run("signal")
            return
        if not rep.ready(mono):
            return
        from lib12333.secure import messages as msg

        count, age = self.outbox.backlog(now, msg.KIOSK_STATUS)
        try:
            seq = self.outbox.accept(msg.KIOSK_STATUS, msg.encode(msg.KIOSK_STATUS, rep.fields(count, age, int(mono))),
                                     now)
        except (StorageError, CapacityError, OSError) as exc:
            rep.note(sr.STORAGE)
            rep.postpone(mono)
            self._log("outbox refused the status report: %s" % type(exc).__name__)
            return
        rep.accepted(seq, mono)
        self._log("status report %d queued" % seq)

    # ------------------------------------------------------------------ maintenance

    def _log(self, text):
        self.log.add(int(self.hw.wall_time()), text)

    def status(self):
        return {
            "device": self.config["device_id"],
            "modem": "ready" if self.modem_ready else "not ready",
            "outbox pending": len(self.outbox.pending()),
            "outbox failed": len(self.outbox.failures()),
            "self-test": "、".join(self.problems) or "ok",
            "last log": self.log.lines[-1] if self.log.lines else "",
        }


def unload(names, keep=()):
    """Forget the modules ``names`` (except those in ``keep``) so the collector can free them.

    Only on MicroPython, where a module imported from .mpy holds its bytecode in RAM;
    on CPython other code in the process may still use them, and memory is no concern.
    """
    import sys

    if sys.implementation.name != "micropython":
        return
    for name in names:
        if name in keep or name not in sys.modules:
            continue
        del sys.modules[name]
        parent, child = name.rsplit(".", 1)
        package = sys.modules.get(parent)
        if package is not None and getattr(package, child, None) is not None:
            delattr(package, child)  # the parent package's reference, set by the import
