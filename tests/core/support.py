"""
Helpers shared by the core tests; runs on CPython and MicroPython.

The MicroPython runner copies the project to ``/app`` and sets
``sys.path``; on CPython the project root is two folders above this file.
"""

import json
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"


def project_root():
    if IS_MICROPYTHON:
        return "/app"
    import os

    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def project_path(relative):
    """Absolute path of ``relative`` (written with ``/``) inside the project."""
    return project_root() + "/" + relative


def read_bytes(relative):
    with open(project_path(relative), "rb") as f:
        return f.read()


def read_json(relative):
    with open(project_path(relative)) as f:
        return json.load(f)


def heap_allocated(fn):
    """``(fn(), bytes allocated while it ran)``, MicroPython only (gc.mem_alloc).

    The collector is off during ``fn``, so the growth counts every byte allocated,
    garbage included: an upper bound of the extra heap ``fn`` needs at its peak.
    """
    import gc

    gc.collect()
    before = gc.mem_alloc()
    gc.disable()
    try:
        keep = fn()
        allocated = gc.mem_alloc() - before
    finally:
        gc.enable()
    return keep, allocated


def decode_error(fn, *args, **kwargs):
    """The DecodeError that ``fn(*args, **kwargs)`` raises (AssertionError when it raises none)."""
    from lib12333.errors import DecodeError

    try:
        fn(*args, **kwargs)
    except DecodeError as e:
        return e
    raise AssertionError("no DecodeError")
