"""
``lib12333 demo --interactive`` driven as a person would: keys typed into a real
terminal (a pty), the screen read back.
"""

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Terminal:
    def __init__(self, args):
        self.master, slave = pty.openpty()
        # an 80 x 24 terminal, the smallest the hall is drawn for
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(args, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
        os.close(slave)
        self.screen = b""

    def read_until(self, text, timeout=60.0):
        want = text.encode("utf-8")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if want in self.screen:
                return True
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:
                    break
        return want in self.screen

    def last_whole_frame(self, must_contain, timeout=30.0):
        """The newest redraw that was written out completely (it ends with the keys line) and holds the text:
        the drawing may still be half-way through the newest one when the text first appears."""
        deadline = time.monotonic() + timeout
        while True:
            frames = self.screen.decode("utf-8", "replace").split("\x1b[H\x1b[2J")
            whole = [f for f in frames if must_contain in f and "q quit" in f]
            if whole or time.monotonic() > deadline:
                return whole[-1] if whole else frames[-1]
            self.read_until("\x00never\x00", timeout=0.3)

    def wait(self, timeout):
        """Wait for the program to end, reading what it writes meanwhile, as a terminal does: a pty
        nobody reads fills up, and the program blocks on its last redraw, its summary, or restoring the
        terminal (``tcsetattr(TCSADRAIN)`` waits until the output has been read).  A fresh-clone run
        timed out that way once (killed after 30 s)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.proc.args, timeout)
            self.read_until("\x00never\x00", timeout=0.2)
        self.read_until("\x00never\x00", timeout=0.2)  # what was written just before the end
        return self.proc.returncode

    def type(self, keys):
        for k in keys:
            os.write(self.master, k.encode())
            time.sleep(0.15)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)


@pytest.mark.slow
def test_a_person_reports_a_card_lost_with_the_keyboard():
    term = Terminal([sys.executable, "-m", "lib12333", "demo", "--interactive"])
    try:
        assert term.read_until("欢迎使用12333自助服务终端"), term.screen.decode("utf-8", "replace")[-2000:]
        time.sleep(2)  # the modem registers
        term.type("i")  # insert the card
        assert term.read_until("您好"), term.screen.decode("utf-8", "replace")[-2000:]
        term.type("2")
        assert term.read_until("请输入您的手机号码")
        term.type("13912345678\n")
        assert term.read_until("1 确认挂失")
        term.type("1")
        assert term.read_until("挂失成功"), term.screen.decode("utf-8", "replace")[-2000:]
        # the whole hall: the phone's SMS, the centre's log, the registry line
        assert term.read_until("SMS from +8610657112333"), term.screen.decode("utf-8", "replace")[-3000:]
        assert term.read_until("registry: card A******50 is 临时挂失 until")
        hall = term.last_whole_frame("registry: card A******50 is 临时挂失 until")
        rows = hall.split("\r\n")
        assert any("kiosk screen" in row and "citizen's phone" in row for row in rows), hall  # side by side
        assert "centre log" in hall and "SMS notice to the citizen sent to 139****5678" in hall
        assert "i: card inserted into the reader" in hall
        boxed = [row for row in rows if row.startswith("│")]
        assert boxed and all(row.rstrip().endswith("│") for row in boxed), hall  # right borders
        assert len(rows) <= 24, hall
        term.type("i")  # take the card
        assert term.read_until("i: card removed from the reader")
        term.type("q")
        term.wait(30)
        assert term.proc.returncode == 0
        assert term.read_until("session summary")
        assert term.read_until("SMS received by the citizen's phone: 1")
        assert "13912345678" not in term.screen.decode("utf-8", "replace").split("session summary")[1]
    finally:
        term.close()


@pytest.mark.slow
def test_ctrl_c_ends_with_the_summary_and_130():
    term = Terminal([sys.executable, "-m", "lib12333", "demo", "--interactive"])
    try:
        assert term.read_until("欢迎使用12333自助服务终端"), term.screen.decode("utf-8", "replace")[-2000:]
        time.sleep(1)
        term.proc.send_signal(signal.SIGINT)  # what Ctrl-C on its terminal sends (the pty is not its ctty here)
        term.wait(30)
        assert term.proc.returncode == 130
        assert term.read_until("session summary"), term.screen.decode("utf-8", "replace")[-2000:]
        assert "Traceback" not in term.screen.decode("utf-8", "replace")
    finally:
        term.close()


def test_without_a_terminal_it_says_so_and_exits_non_zero():
    proc = subprocess.run([sys.executable, "-m", "lib12333", "demo", "--interactive"], cwd=ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 4, proc.stderr
    assert "needs a terminal" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_boxes_are_padded_by_display_width():
    from lib12333.host import textbox

    lines = textbox.box("screen", ["欢迎使用12333自助服务终端", "临时挂失有效期 7 天，到期前请到服务窗口办理正式挂失和补卡。"], 30)
    assert [textbox.width(line) for line in lines] == [30] * len(lines)
    assert all(line.endswith(("┐", "│", "┘")) for line in lines)
    assert "".join(line[2:-2] for line in lines[1:-1]).replace(" ", "") == (
        "欢迎使用12333自助服务终端临时挂失有效期 7 天，到期前请到服务窗口办理正式挂失和补卡。".replace(" ", ""))
