"""
lib12333 -- the open toolkit for China's 12333 human-resources and social-security service.

The package root holds the sans-IO core, which runs unchanged on CPython and
MicroPython: it parses and produces bytes and events and never owns a port,
a socket, a thread or a clock.  ``lib12333.host`` holds the CPython-only tools.

Import the modules you need (``from lib12333 import identifiers``); the root
imports nothing so that a microcontroller pays only for what it uses.
"""

__version__ = "0.1.0"
