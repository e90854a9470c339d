"""
The ``lib12333`` command line.

Each sub-command lives in its own module ``cmd_<name>.py`` in this package and
exposes ``register(subparsers)``; the modules are discovered at start-up so that
adding a command never means editing a shared table.  Command modules import
their heavy dependencies inside the handler, keeping ``lib12333 --help`` fast.

Exit codes (``common.Exit``; also in ``docs/cli.md``):

    0  success, and the answer is "yes" (valid, compliant, delivered)
    1  success, and the answer is "no" (invalid ID, check failed, target missed)
    2  usage error (bad options)
    3  bad input data (a decode or validation error in what you passed in)
    4  device, port or file could not be used
    5  the operation was attempted and failed (send failed, card refused)
"""

import argparse
import importlib
import pkgutil
import sqlite3
import sys

from lib12333 import __version__
from lib12333.errors import DecodeError, DeviceError, Lib12333Error, ValidationError
from lib12333.host.cli.common import Exit, missing_extra_message

# the names command modules import; one definition, in common.Exit
EXIT_OK = Exit.OK
EXIT_NO = Exit.NO
EXIT_USAGE = Exit.USAGE
EXIT_DATA = Exit.DATA
EXIT_IO = Exit.IO
EXIT_FAILED = Exit.FAILED


def build_parser():
    parser = argparse.ArgumentParser(
        prog="lib12333",
        description="Tools for the 12333 human-resources and social-security service: "
        "codes, identifiers, SMS, modems, cards, the centre gateway, kiosks and reports.",
    )
    parser.add_argument("--version", action="version", version="lib12333 " + __version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = sys.modules[__name__]
    names = sorted(
        info.name for info in pkgutil.iter_modules(package.__path__) if info.name.startswith("cmd_")
    )
    for name in names:
        module = importlib.import_module(__name__ + "." + name)
        module.register(subparsers)
    from lib12333.host.cli import vocabulary

    return vocabulary.apply(parser)  # one set of placeholders, descriptions and defaults for all


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        code = handler(args)
    except (DecodeError, ValidationError) as exc:
        print("error: " + str(exc), file=sys.stderr)
        return EXIT_DATA
    except DeviceError as exc:
        print("error: " + str(exc), file=sys.stderr)
        return EXIT_FAILED
    except Lib12333Error as exc:
        print("error: " + str(exc), file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print("error: " + str(exc), file=sys.stderr)
        return EXIT_IO
    except sqlite3.Error as exc:  # a database file that cannot be opened or is not a database
        print("error: database: " + str(exc), file=sys.stderr)
        return EXIT_IO
    except ModuleNotFoundError as exc:
        message = missing_extra_message(exc)
        if message is None:
            raise
        print("error: " + message, file=sys.stderr)
        return EXIT_USAGE  # as `cdr stats --engine duckdb` without DuckDB
    except KeyboardInterrupt:
        return Exit.INTERRUPTED
    return EXIT_OK if code is None else code
