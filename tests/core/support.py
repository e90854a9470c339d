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
