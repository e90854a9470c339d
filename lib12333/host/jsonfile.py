"""
Reading a JSON configuration file given on the command line (site config, centre table, library).

One place decides what a bad file becomes: a ``ConfigError`` naming the file, the line and
the problem -- a UTF-8 byte-order mark (Notepad's "UTF-8 with BOM"), bytes that are not UTF-8
(a file saved as GBK), text that is not JSON, or nesting too deep for the parser -- so every
command exits 3 with one line instead of a traceback.  A file that cannot be read raises
``OSError`` (exit 4).
"""

import json

from lib12333.errors import ConfigError

BOM = b"\xef\xbb\xbf"


def load(path, what="file"):
    """The JSON document in the file at ``path``; ``what`` names it in messages ("site config")."""
    with open(path, "rb") as f:
        raw = f.read()
    return parse(raw, path, what)


def parse(raw, source, what="file"):
    """The JSON document in the bytes ``raw`` read from ``source``; ConfigError when it is not one."""
    if raw.startswith(BOM):
        raise ConfigError(what + " starts with a UTF-8 byte-order mark", source=source, line=1,
                          expected="UTF-8 without BOM (save as UTF-8, not UTF-8 with BOM)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError("%s is not UTF-8 (byte %d)" % (what, exc.start), source=source,
                          line=raw.count(b"\n", 0, exc.start) + 1,
                          expected="UTF-8 text (convert a GBK file with iconv -f GBK -t UTF-8)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(what + " is not JSON: " + exc.msg, source=source, line=exc.lineno,
                          expected="a JSON document") from None
    except RecursionError:
        raise ConfigError(what + " is nested too deeply", source=source,
                          expected="JSON nested a few levels, as documented") from None
