"""
The service hall's transcript (``lib12333 demo``, the firmware-image hall, the console's hall
view): what a person watching would see, masked -- the kiosk's screens boxed and shown once per
change (not once per typed key), phone numbers masked, the gateway's log lines.
"""

import logging
import sys
import threading
import time

from lib12333 import identifiers
from lib12333.host import textbox

SCREEN_COLS = 52  # the kiosk's screen in the transcript, borders included


class Transcript:
    """What a person watching the hall would see, masked; printed as it happens."""

    def __init__(self, echo=True):
        self.lines = []
        self.echo = echo
        self.start = time.monotonic()
        self.lock = threading.Lock()

    def add(self, who, text):
        stamp = "%5.1fs" % (time.monotonic() - self.start)
        with self.lock:
            for i, line in enumerate(text.split("\n")):
                entry = "%s %-8s %s" % (stamp if i == 0 else "      ", who if i == 0 else "", line)
                self.lines.append(entry)
                if self.echo:
                    sys.stdout.write(entry + "\n")
                    sys.stdout.flush()


def mask_digit_runs(text):
    """Mask phone numbers on a screen line for the transcript.

    A run of 7+ digits is masked as ``mask_phone`` does; a run the citizen is still
    typing (followed by the ``_`` cursor) keeps only its first 3 digits, so that the
    frames of a number being typed cannot be put together into the whole number.
    """
    out, run = [], []
    for ch in text + "\0":
        if ch.isdigit():
            run.append(ch)
            continue
        if run:
            digits = "".join(run)
            if ch == "_":
                digits = digits[:3] + "*" * (len(digits) - 3) if len(digits) > 3 else digits
            elif len(digits) >= 7:
                digits = identifiers.mask_phone(digits)
            out.append(digits)
            run = []
        out.append(ch)
    return "".join(out[:-1])


def typing_update(before, after):
    """True when ``after`` only adds to or removes from the typed line (the one with the ``_`` cursor)."""
    if before is None or len(before) != len(after):
        return False
    changed = [i for i in range(len(after)) if before[i] != after[i]]
    return len(changed) == 1 and before[changed[0]].endswith("_") and after[changed[0]].endswith("_")


def screen_sink(transcript, shown):
    """A display's sink: each screen into ``shown`` (as drawn) and, boxed and masked, the transcript."""

    def sink(lines):
        previous = shown[-1] if shown else None
        shown.append(list(lines))
        # Each typed key redraws the entry screen; the citizen's "types ..." line already says what
        # was typed, so the transcript shows the entry screen once instead of one copy per key.
        if typing_update(previous, lines):
            return
        # The citizen sees what they type; the transcript (a log) does not.
        body = [mask_digit_runs(line) for line in lines if line]
        transcript.add("kiosk", "\n".join(textbox.box("screen", body, SCREEN_COLS)))

    return sink


class TranscriptLog(logging.Handler):
    """Gateway log lines (already masked by the gateway) into the transcript."""

    def __init__(self, transcript):
        logging.Handler.__init__(self, logging.INFO)
        self.transcript = transcript

    def emit(self, record):
        self.transcript.add("centre", "log: " + record.getMessage())
