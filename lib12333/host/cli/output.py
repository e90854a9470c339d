"""Shared output helpers for command modules: JSON or text, stdout, progress on stderr."""

import json
import sys

from lib12333.host.cli.common import Exit


def emit(data, as_json, render_text=None, stream=None):
    """Print ``data`` as JSON (``--json``) or through ``render_text(data) -> str``."""
    stream = stream or sys.stdout
    if as_json or render_text is None:
        stream.write(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    else:
        text = render_text(data)
        stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


def add_json_flag(parser):
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def add_show_pii(parser, help="print personal data unmasked"):
    """``--show-pii``: personal data is masked in every command's output unless this is given."""
    parser.add_argument("--show-pii", action="store_true", help=help)


def progress(message):
    """One progress line on stderr, so that stdout stays clean for data and --json."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def not_found(message, as_json):
    """Nothing to show: ``message`` on stderr and, with ``--json``, ``null`` on stdout; returns exit code 1."""
    progress(message)
    if as_json:
        emit(None, True)
    return Exit.NO  # a real "no" answer, not an error
