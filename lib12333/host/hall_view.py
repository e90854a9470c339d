"""
The whole service hall on one terminal, for ``lib12333 demo --interactive``.

Four panels drawn from a running ``demo.Hall``: the kiosk's screen (what the citizen in front of
it sees), the citizen's phone with the SMS it received, the centre's log and the registry's line
for the demo card. ``frame()`` is pure (a hall in, text out) so that it can be tested without a
terminal; ``run()`` redraws until the person quits and returns the summary; ``interactive()``
starts the hall, owns the terminal (cbreak mode) and reads the keys.
"""

import os
import shutil
import sys
import tempfile
import time

from lib12333 import identifiers
from lib12333.host import textbox

KIOSK_COLS = 46  # 21 Chinese characters a line: the unit's name fits; side by side in 80 columns
PHONE_COLS = 32
LOG_LINES = 5  # with the kiosk's menu, the whole hall fits in 24 rows
KEYS_HELP = "keys: digits * #   Enter 确认   Esc/b 返回   i insert/remove the card   q quit"


def _centre_log(hall, count):
    """The last ``count`` centre lines of the transcript, without their time stamps."""
    lines = [line[7:].split(" ", 1)[1].strip() for line in list(hall.t.lines) if line[7:].startswith("centre ")]
    return lines[-count:]


def registry_line(view):
    if view is None:
        return "registry: the demo card is not in the registry"
    from lib12333.host.gateway.centre import _cst

    until = " until %s (UTC+8)" % _cst(view["until"], True) if view["until"] else ""
    return "registry: card %s is %s%s" % (view["card"], view["state_name"], until)


def frame(hall, registry, status, cols):
    """The text of one redraw: kiosk and phone side by side (stacked when ``cols`` is too narrow)."""
    screen = hall.shown[-1] if hall.shown else ["(the kiosk is starting)"]
    kiosk = textbox.box("kiosk screen", [line for line in screen if line], KIOSK_COLS)
    sms = []
    for sender, text in hall.phone_inbox[-3:]:
        sms.extend(["SMS from " + sender, text, ""])  # the sender is the centre: not personal data
    phone = textbox.box("citizen's phone " + identifiers.mask_phone(hall.numbers[2][3:]),
                        sms[:-1] or ["(no messages)"], PHONE_COLS)
    if cols >= KIOSK_COLS + PHONE_COLS + 2:
        top = textbox.side_by_side(kiosk, phone)
        log_cols = KIOSK_COLS + PHONE_COLS + 2
    else:
        top = kiosk + phone
        log_cols = KIOSK_COLS
    entries = [textbox.clip(line, log_cols - 4) for line in _centre_log(hall, LOG_LINES)]
    log = textbox.box("centre log", entries or ["(nothing yet)"], log_cols)
    return "\n".join(top + log + [registry, status, KEYS_HELP])


def summary(hall, started):
    """What happened during the session, printed after the terminal is given back."""
    stats = hall.centre.stats
    lines = ["", "session summary (%.0f s):" % (time.monotonic() - started),
             "  kiosk screens shown: %d" % len(hall.shown),
             "  kiosk frames applied by the centre: %d (duplicates %d, rejected %d)"
             % (stats["applied"], stats["duplicates"], stats["rejected"]),
             "  SMS received by the citizen's phone: %d" % len(hall.phone_inbox),
             "  " + registry_line(hall.registry_state())]
    return "\n".join(lines)


def run(hall, keys, out=None):
    """Redraw the hall until ``keys.quit``; returns the summary text."""
    out = out or sys.stdout
    started = time.monotonic()
    last, registry, centre_seen = None, registry_line(hall.registry_state()), -1
    try:
        while not keys.quit:
            centre_now = len(_centre_log(hall, 10 ** 6))
            if centre_now != centre_seen:  # the registry changes only through the centre
                registry, centre_seen = registry_line(hall.registry_state()), centre_now
            text = frame(hall, registry, keys.status, shutil.get_terminal_size().columns)
            if text != last:
                out.write("\x1b[H\x1b[2J" + text.replace("\n", "\r\n") + "\r\n")
                out.flush()
                last = text
            time.sleep(0.1)
    except KeyboardInterrupt:  # Ctrl-C quits too, with the same summary (and the shell's 130)
        keys.interrupted = True
    return summary(hall, started)


def interactive(workdir=None):
    """A person drives the kiosk with the keyboard and watches the whole hall.

    Digits, Enter = 确认, Esc/b = 返回, i = insert/remove the card, q = quit (a summary follows).
    Raises ``NoTerminal`` when stdin is not a terminal (no keys to read, nothing to draw on).
    """
    if not sys.stdin.isatty():
        raise NoTerminal("demo --interactive needs a terminal to read keys from (stdin is not a tty); "
                         "run `lib12333 demo` for the scripted visit")
    import termios
    import tty

    from lib12333.host import kiosk_board as host_board
    from lib12333.host.demo import Hall, Transcript

    transcript = Transcript(echo=False)
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    keys = _InteractiveKeys(host_board.StdinKeys())
    tmp = tempfile.TemporaryDirectory(prefix="lib12333-demo-")
    hall = None
    text = ""
    try:
        tty.setcbreak(fd)
        hall = Hall(workdir or tmp.name, transcript, keys=keys)
        keys.hall = hall
        text = run(hall, keys)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if hall is not None:
            hall.close()
        tmp.cleanup()
    print(text)
    from lib12333.host.cli.common import Exit

    return Exit.INTERRUPTED if keys.interrupted else Exit.OK  # docs/cli.md: Ctrl-C is 130


class NoTerminal(Exception):
    """``demo --interactive`` was started without a terminal on stdin."""


class _InteractiveKeys:
    def __init__(self, stdin_keys):
        self.stdin = stdin_keys
        self.quit = False
        self.interrupted = False  # ended with Ctrl-C rather than q
        self.hall = None
        self.status = "the card is in the citizen's hand: press i to insert it"

    def poll(self, now_ms):
        import select

        ready, _, _ = select.select([self.stdin.fd], [], [], 0)
        if not ready:
            return None
        ch = os.read(self.stdin.fd, 1).decode("latin-1")
        if ch == "q":
            self.quit = True
            return None
        if ch == "i" and self.hall is not None:
            self.toggle_card()
            return None
        return {"\n": "ok", "\r": "ok", "\x1b": "back", "b": "back", "\x7f": "back"}.get(
            ch, ch if ch in "0123456789*#" else None)

    def toggle_card(self):
        card = self.hall.card
        if card.present:
            card.remove()
            self.status = "i: card removed from the reader (press i to insert it again)"
        else:
            card.insert()
            self.status = "i: card inserted into the reader (press i to take it out)"
        self.hall.t.add("citizen", self.status[3:])
