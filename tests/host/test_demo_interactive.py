"""
``lib12333 demo --interactive`` driven as a person would: keys typed into a real
terminal (a pty), the screen read back.
"""

import os
import pty
import select
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Terminal:
    def __init__(self, args):
        self.master, slave = pty.openpty()
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

    def type(self, keys):
        for k in keys:
            os.write(self.master, k.encode())
            time.sleep(0.15)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)


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
        term.type("i")  # take the card
        term.type("q")
        term.proc.wait(30)
        assert term.proc.returncode == 0
    finally:
        term.close()
