"""A progress bar on stderr for long reads: bytes read, lines per second, malformed so far, time left.

Drawn only when stderr is a terminal (one line rewritten in place with ``\\r``) or when the user
asked with ``--progress`` (then a plain line every few seconds, for logs); silent with ``--quiet``
or when stderr is piped.  Updates are cheap to call often: the bar redraws at most every
``every`` seconds.
"""

import sys
import time


def _size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1000.0
    return ""


def _clock(seconds):
    seconds = int(seconds + 0.5)
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


class ProgressBar:
    """``update(done_bytes, lines, malformed)`` while reading ``total`` bytes; ``close()`` at the end."""

    def __init__(self, total, label, quiet=False, force=False, stream=None, every=None, clock=time.monotonic):
        self.stream = stream or sys.stderr
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = not quiet and (tty or force)
        self.tty = tty
        self.total = max(int(total), 1)
        self.label = label
        self.every = every if every is not None else (0.2 if tty else 5.0)
        self.clock = clock
        self.start = clock()
        self.last = self.start
        self.drawn = False

    def update(self, done, lines, malformed):
        if not self.enabled:
            return
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        self._draw(self.line(done, lines, malformed, now - self.start))

    def phase(self, text):
        """A step without a byte count (the columnar engine's SQL phases)."""
        if self.enabled:
            self._draw("%s: %s (%s)" % (self.label, text, _clock(self.clock() - self.start)))

    def line(self, done, lines, malformed, elapsed):
        """The text of the bar (no terminal codes)."""
        share = min(1.0, done / self.total)
        width = 24
        filled = int(share * width)
        speed = lines / elapsed if elapsed > 0 else 0.0
        left = elapsed * (1 - share) / share if share > 0 else None
        return "%s [%s%s] %3d%% %s/%s %s lines/s, %d malformed, %s left" % (
            self.label, "#" * filled, "." * (width - filled), int(share * 100), _size(done), _size(self.total),
            "{:,}".format(int(speed)), malformed, "?" if left is None else _clock(left))

    def _draw(self, text):
        if self.tty:
            self.stream.write("\r" + text[:150] + "\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.drawn = True

    def close(self):
        """End the bar's line so that the next message starts on its own line."""
        if self.enabled and self.drawn and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def tracked(importer, bar, every=8192):
    """The importer's records, moving ``bar`` every ``every`` records; the bar is closed at the end."""
    n = 0
    r = importer.report
    for rec in importer:
        n += 1
        if not n % every:
            bar.update(importer.bytes_read(), r.lines, r.malformed_count)
        yield rec
    bar.close()


def add_progress_flags(parser):
    """``--progress`` and ``--quiet`` as every long-running command has them."""
    parser.add_argument("--progress", action="store_true",
                        help="progress on stderr even when it is not a terminal (a line every 5 s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, even on a terminal")
