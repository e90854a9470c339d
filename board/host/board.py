"""
Board: a PC (CPython).  The implementation is ``lib12333.host.kiosk_board``; this
module gives it the name ``board`` that the firmware imports, as on the real boards.
"""

from lib12333.host.kiosk_board import *  # noqa: F401,F403
from lib12333.host.kiosk_board import Hardware, ScriptedKeys, StdinKeys, TerminalDisplay  # noqa: F401
