"""
The kiosk's status report to its centre (issue 17, protocols/frame/README.md section 8).

``KioskApp`` owns one ``StatusReport``.  It counts errors as they happen
(``note(STORAGE | MODEM | CARD)``), asks the modem for its signal (``AT+CSQ``, the
engine's "signal" operation) and, when a report is due and the kiosk is idle, builds
the KIOSK_STATUS fields; the app puts them into the durable outbox like any request,
so a report survives a reset and the centre applies it once.

When a report is due: once after boot, then ``interval`` seconds (site configuration
``status_interval``, default 86400; 0 = never) after the previous one was accepted.
The app only asks when nothing else is waiting to be sent and no citizen is at the
kiosk, so a report never goes ahead of a citizen's request.  Time here is the app's
monotonic seconds (the wall clock may jump when the modem sets it).

Nothing here is personal data: counts, ages, the modem's signal, a version string.
"""

STORAGE = 0
MODEM = 1
CARD = 2
DEFAULT_INTERVAL = 86400
SIGNAL_WAIT = 30  # seconds to wait for the modem's AT+CSQ answer before reporting "not known"
UNKNOWN = 99  # AT+CSQ's "not known or not detectable"
_U16 = 0xFFFF
_U32 = 0xFFFFFFFF
BOOTS_FILE = "/boots"
RETRY_LATER = 3600  # seconds after the outbox refused a report
# Kiosk screens with no citizen at the kiosk: a report is only queued in one of these.
IDLE_STATES = ("welcome", "out_of_service")


class StatusReport:
    def __init__(self, interval, firmware, boots=0):
        self.interval = interval
        self.firmware = _version(firmware)
        self.boots = boots
        self.errors = [0, 0, 0]  # storage, modem, card: since the previous report
        self.rssi = UNKNOWN
        self.ber = UNKNOWN
        self.next_at = 0.0  # monotonic seconds: the first report right after boot
        self.asked_at = None  # when the signal was asked for this report
        self.seq = None  # the outbox number of the report waiting for its ACK
        self.withdrawn = None  # a report given up for a citizen's request: its late ACK is still ours

    def note(self, kind):
        if self.errors[kind] < _U16:
            self.errors[kind] += 1

    def on_signal(self, signal):
        """The "signal" operation's answer (``{"rssi": n, "ber": n}`` or None when the modem refused)."""
        self.rssi, self.ber = UNKNOWN, UNKNOWN
        if signal:
            self.rssi = _clamp(signal.get("rssi"), 255, UNKNOWN)
            self.ber = _clamp(signal.get("ber"), 255, UNKNOWN)
        if self.asked_at is not None:
            self.asked_at = -1.0  # answered: the report can go

    def recovered(self, outbox):
        """After boot: a report still in the outbox from before the reset is the one waiting for its ACK;
        one given up just before the reset is dismissed, as the app would have done (it is no request)."""
        from lib12333.secure.messages import KIOSK_STATUS

        waiting = outbox.pending_of(KIOSK_STATUS)
        if waiting:
            self.seq = waiting[-1]
        for seq, msg_type, _at in outbox.failures():
            if msg_type == KIOSK_STATUS:
                outbox.dismiss(seq)

    def postpone(self, mono):
        self.asked_at = None
        self.next_at = mono + RETRY_LATER

    def due(self, mono):
        return self.interval > 0 and self.seq is None and mono >= self.next_at

    def ask_signal(self, mono):
        """True when the app should run the signal operation now (once per report)."""
        if self.asked_at is None:
            self.asked_at = mono
            self.rssi = self.ber = UNKNOWN  # a modem that does not answer now is not the previous report's signal
            return True
        return False

    def ready(self, mono):
        """The signal answered, or did not answer in time."""
        return self.asked_at is not None and (self.asked_at < 0 or mono - self.asked_at >= SIGNAL_WAIT)

    def fields(self, backlog, oldest_age, uptime):
        return {"firmware": self.firmware, "rssi": self.rssi, "ber": self.ber,
                "backlog": _clamp(backlog, _U16, 0), "oldest_age": _clamp(oldest_age, _U32, 0),
                "storage_errors": self.errors[STORAGE], "modem_errors": self.errors[MODEM],
                "card_errors": self.errors[CARD], "uptime": _clamp(uptime, _U32, 0), "boots": self.boots & _U16}

    def accepted(self, seq, mono):
        """The report is in the outbox as ``seq``: counting starts again, the next one in ``interval``."""
        self.seq = seq
        self.errors = [0, 0, 0]
        self.asked_at = None
        self.next_at = mono + self.interval

    def withdraw(self, mono):
        """Give up the report waiting for its ACK (a citizen needs its outbox place); returns its number.

        Its counts are lost: the next report, ``RETRY_LATER`` on, starts counting again."""
        seq = self.seq
        self.seq = None
        self.withdrawn = seq
        self.postpone(mono)
        return seq

    def done(self, seq):
        """True when ``seq`` was the report (acknowledged or given up): the kiosk screen is not told."""
        if seq is not None and seq == self.withdrawn:
            self.withdrawn = None
            return True
        if seq is None or seq != self.seq:
            return False
        self.seq = None
        return True


def _clamp(v, top, default):
    if type(v) is not int or v < 0:
        return default
    return top if v > top else int(v)


def _version(text):
    """At most 16 printable ASCII characters, as the frame carries them."""
    out = ""
    for ch in str(text or ""):
        if "!" <= ch <= "~":
            out += ch
    return out[:16] or "unknown"


def count_boot(path):
    """Add one to the boot counter in ``path`` on flash and return it (0 when it cannot be kept)."""
    n = 0
    try:
        with open(path) as f:
            n = int(f.read().strip() or "0")
    except (OSError, ValueError):
        n = 0  # first boot, or a write cut by a power loss: count again from here
    n = (n + 1) & _U16
    try:
        with open(path, "w") as f:
            f.write(str(n))
    except OSError:
        return 0
    return n
