"""
A virtual MicroPython board on a pty, for deployment tests and rehearsals.

    python tests/mp/virtual_board.py --flash /tmp/board1     # prints /dev/pts/N, runs until Ctrl-C

Real MicroPython (the WebAssembly port, ``tests/mp/board.mjs``) runs behind the
raw-REPL protocol; this module bridges its stdin/stdout to the master side of a
pty, so ``mpremote connect /dev/pts/N`` and ``lib12333 deploy --port /dev/pts/N``
talk to it as to a USB board.  ``VirtualBoard.power_cut()`` kills the VM at
once; ``power_on()`` boots it again from the same flash directory.
"""

import argparse
import os
import subprocess
import sys
import threading
import time

from lib12333.host.pty_port import close_pty, open_raw_pty

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARD_JS = os.path.join(ROOT, "tests", "mp", "board.mjs")


class VirtualBoard:
    def __init__(self, flash_dir):
        self.flash_dir = flash_dir
        self.master, self.slave, self.port = open_raw_pty()
        self.process = None
        self._threads = []
        self._alive = False

    def power_on(self):
        self.process = subprocess.Popen(
            ["node", BOARD_JS, "--flash", self.flash_dir],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self._alive = True
        proc = self.process
        self._threads = [
            threading.Thread(target=self._to_board, args=(proc,), daemon=True),
            threading.Thread(target=self._from_board, args=(proc,), daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def _to_board(self, proc):
        import select

        while self._alive and proc.poll() is None:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if proc is not self.process:
                return
            try:
                proc.stdin.write(data)
                proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                return

    def _from_board(self, proc):
        while True:
            data = proc.stdout.read1(4096) if hasattr(proc.stdout, "read1") else proc.stdout.read(1)
            if not data:
                return
            try:
                os.write(self.master, data)
            except OSError:
                return

    def power_cut(self):
        """Kill the VM at once, like pulling the board's power."""
        self._alive = False
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        # Drop whatever the host wrote that the dead board never read.
        time.sleep(0.05)
        try:
            import termios

            termios.tcflush(self.master, termios.TCIOFLUSH)
        except Exception:
            pass

    def close(self):
        self.power_cut()
        close_pty(self.master, self.slave)

    def __enter__(self):
        return self.power_on()

    def __exit__(self, *exc):
        self.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a virtual MicroPython board on a pty.")
    parser.add_argument("--flash", required=True, help="folder holding the board's flash image")
    args = parser.parse_args(argv)
    board = VirtualBoard(args.flash).power_on()
    print(board.port, flush=True)
    try:
        while board.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        board.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
