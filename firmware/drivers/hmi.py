"""
UART HMI display (TJC / Nextion instruction set), the usual screen of Chinese kiosks.

The HMI project holds one page with text components ``t0``..``t11`` (one per
line) and renders the Chinese glyphs itself from its own font, so the board
needs no font in flash.  Each instruction is ASCII/UTF-8 text terminated by
three 0xFF bytes; the project must be saved with the ``utf-8`` character
encoding (docs/boards/*.md say how).  Touch events (0x65 page id component
event FF FF FF) are turned into key names when the HMI page has buttons.
"""

END = b"\xff\xff\xff"
LINES = 12
# Buttons on the HMI page (component id -> key name), for touch-only kiosks.
BUTTONS = {20: "1", 21: "2", 22: "3", 23: "4", 24: "5", 25: "6", 26: "7", 27: "8", 28: "9",
           29: "*", 30: "0", 31: "#", 32: "ok", 33: "back"}


def _quote(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


class HmiDisplay:
    def __init__(self, uart, lines=LINES):
        self.uart = uart
        self.lines = lines
        self._shown = ["\0"] * lines  # nothing shown yet: "\0" never equals a line
        self._rx = b""

    def command(self, text):
        self.uart.write(text.encode() + END)

    def show(self, lines):
        """Draw the lines of one screen; only components whose text changed are sent."""
        for i in range(self.lines):
            text = lines[i] if i < len(lines) else ""
            if self._shown[i] != text:
                self.command('t%d.txt="%s"' % (i, _quote(text)))
                self._shown[i] = text

    def clear(self):
        self._shown = ["\0"] * self.lines
        self.show([])

    def poll_touch(self):
        """A key name from a touch event received since the last call, or None."""
        if self.uart.any():
            self._rx += self.uart.read() or b""
        while True:
            end = self._rx.find(END)
            if end < 0:
                if len(self._rx) > 64:
                    self._rx = b""  # noise without a terminator: drop it, never grow without bound
                return None
            packet, self._rx = self._rx[:end], self._rx[end + 3:]
            if len(packet) == 4 and packet[0] == 0x65 and packet[3] == 1:
                key = BUTTONS.get(packet[2])
                if key is not None:
                    return key
