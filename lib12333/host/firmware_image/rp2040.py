"""
The rp2040-ec800n image on an emulated RP2040: ``rp2040_runner.mjs`` (Node + rp2040js) and its connections.

``EmulatedPico`` starts the runner with the boot ROM, the firmware image and a LittleFS
image, and gives the host side of the board's wires:

- ``cdc_url``: the USB CDC serial port as a pyserial URL (``socket://127.0.0.1:N``), for
  ``SerialDevice`` / ``lib12333 deploy --port`` and the REPL;
- ``bridge(uart, port)``: joins UART0 (modem) or UART1 (card reader) to a serial port --
  the modem emulator's or the CCID reader emulator's pty -- byte for byte;
- ``screen``: what the HMI display shows, decoded from the TJC/Nextion instructions the
  firmware sends through its PIO UART; ``on_screen`` is called after each screen update;
- ``press(key)``, ``reset()``, ``status()``, ``save_flash(path)`` through the control port.
"""

import json
import os
import socket
import subprocess
import tempfile
import threading
import time

from lib12333.errors import DeviceError
from lib12333.host.firmware_image import sources

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rp2040_runner.mjs")
BOOTROM = "rp2040-bootrom-b1.bin"
HMI_END = b"\xff\xff\xff"
HMI_LINES = 12
CONTROL_TIMEOUT = 60.0  # seconds for the runner to answer a control command
SCREEN_SETTLE = 0.15  # seconds without display bytes after which a screen counts as drawn


def bootrom_path(root=sources.ROOT):
    path = os.environ.get("LIB12333_RP2040_BOOTROM") or os.path.join(sources.vendor_dir(root), BOOTROM)
    if not os.path.isfile(path):
        raise DeviceError("no RP2040 boot ROM at %s (set LIB12333_RP2040_BOOTROM; docs/firmware-images.md)" % path,
                          code="missing-tool")
    return path


def parse_hmi(command):
    """``(line, text)`` for a ``tN.txt="..."`` instruction, else None."""
    text = command.decode("utf-8", "replace")
    if not (text.startswith("t") and '.txt="' in text and text.endswith('"')):
        return None
    index, value = text[1:].split('.txt="', 1)
    if not index.isdigit():
        return None
    return int(index), value[:-1].replace('\\"', '"').replace("\\\\", "\\")


class EmulatedPico:
    def __init__(self, image, fs_image=None, on_screen=None, root=sources.ROOT):
        self.image = image
        self.fs_image = fs_image
        self.on_screen = on_screen
        self.root = root
        self.lines = [""] * HMI_LINES
        self.screens = []  # every drawn screen (list of lines), oldest first
        self.proc = None
        self.ports = None
        self.threads = []
        self.stopping = threading.Event()
        self._control = None
        self._control_lock = threading.Lock()
        self._changed = False
        self._last_hmi = 0.0

    # ------------------------------------------------------------------ life cycle

    def start(self, wait=30.0):
        node = sources.require_tool("node")
        if not os.path.isdir(os.path.join(self.root, "node_modules", "rp2040js")):
            raise DeviceError("rp2040js is not installed: run npm ci in %s" % self.root, code="missing-tool")
        command = [node, RUNNER, "--bootrom", bootrom_path(self.root), "--image", self.image]
        if self.fs_image:
            command += ["--fs", self.fs_image]
        # stdin stays open while we live: the runner exits when it closes (see the runner's end)
        self.errors = tempfile.TemporaryFile()  # the emulator's complaints, read only if it fails to start
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors,
                                     cwd=self.root)
        line = self._readline_with_timeout(wait)
        try:
            self.ports = json.loads(line)
        except ValueError:
            self.errors.seek(0)
            err = self.errors.read()[-2000:].decode("utf-8", "replace")
            self.close()
            raise DeviceError("the RP2040 emulator did not start: %s %s" % (line, err), code="emulator") from None
        # the runner answers between 25 ms slices; no answer in a minute means it hangs: raise, not block
        self._control = socket.create_connection(("127.0.0.1", self.ports["control"]), timeout=CONTROL_TIMEOUT)
        self._control_file = self._control.makefile("r")
        self._thread(self._read_hmi, "hmi")
        return self

    def _readline_with_timeout(self, wait):
        result = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(wait)
        return (result[0] if result else b"").decode("utf-8", "replace").strip()

    def close(self):
        self.stopping.set()
        if self._control is not None:
            try:
                self._control.close()
            except OSError:
                pass
        if self.proc is not None:
            sources.stop_process(self.proc, (self.proc.stdin, self.proc.stdout, self.errors))
            self.proc = None
        for t in self.threads:
            t.join(2)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def _thread(self, fn, name, *args):
        t = threading.Thread(target=fn, args=args, name="pico-" + name, daemon=True)
        t.start()
        self.threads.append(t)

    # ------------------------------------------------------------------ connections

    @property
    def cdc_url(self):
        return "socket://127.0.0.1:%d" % self.ports["cdc"]

    def bridge(self, uart, port, baudrate=115200, trace=None):
        """Join ``uart`` (0 = modem, 1 = card reader) to the serial port ``port``, both directions.

        ``trace(direction, data)`` (if given) sees every chunk: ``"rx"`` towards the board, ``"tx"`` from it.
        """
        import serial

        ser = serial.Serial(port, baudrate, timeout=0.05)
        sock = socket.create_connection(("127.0.0.1", self.ports["uart%d" % uart]))
        sock.settimeout(0.05)
        self._thread(self._pump_serial_to_socket, "uart%d-in" % uart, ser, sock, trace)
        self._thread(self._pump_socket_to_serial, "uart%d-out" % uart, sock, ser, trace)

    def _pump_serial_to_socket(self, ser, sock, trace):
        while not self.stopping.is_set():
            try:
                data = ser.read(max(1, ser.in_waiting))
                if data:
                    if trace:
                        trace("rx", data)
                    sock.sendall(data)
            except (OSError, ValueError):
                return

    def _pump_socket_to_serial(self, sock, ser, trace):
        while not self.stopping.is_set():
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            if trace:
                trace("tx", data)
            try:
                ser.write(data)
            except (OSError, ValueError):
                return

    def _read_hmi(self):
        sock = socket.create_connection(("127.0.0.1", self.ports["hmi"]))
        sock.settimeout(0.05)
        buffer = b""
        while not self.stopping.is_set():
            try:
                data = sock.recv(4096)
                if not data:
                    return
            except socket.timeout:
                data = b""
            except OSError:
                return
            buffer += data
            while HMI_END in buffer:
                command, buffer = buffer.split(HMI_END, 1)
                parsed = parse_hmi(command)
                if parsed and parsed[0] < HMI_LINES:
                    self.lines[parsed[0]] = parsed[1]
                    self._changed = True
                    self._last_hmi = time.monotonic()
            if self._changed and time.monotonic() - self._last_hmi >= SCREEN_SETTLE:
                self._changed = False
                drawn = [line for line in self.lines]
                while drawn and not drawn[-1]:
                    drawn.pop()
                self.screens.append(drawn)
                if self.on_screen is not None:
                    self.on_screen(drawn)

    def wait_screen(self, text, timeout=60.0, since=0):
        """True once a drawn screen (from index ``since``) has a line containing ``text``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for screen in self.screens[since:] for line in screen):
                return True
            time.sleep(0.05)
        return False

    def console(self, wait=1.0):
        """What the board printed on its USB CDC port that nobody read (boot messages, tracebacks).

        For diagnostics after a failure: the runner keeps the CDC output until a host connects.
        """
        got = b""
        try:
            with socket.create_connection(("127.0.0.1", self.ports["cdc"]), timeout=wait) as sock:
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline:
                    try:
                        data = sock.recv(4096)
                    except socket.timeout:
                        break
                    if not data:
                        break
                    got += data
        except OSError as exc:
            return "(no console: %s)" % exc
        return got.decode("utf-8", "replace")

    def diagnose(self):
        """One text for a failed test: emulated time since boot, resets, the last screens, the console."""
        try:
            status = self.status()
        except (OSError, ValueError, DeviceError) as exc:
            status = "status failed: %s" % exc
        return "status %s; last screens %r; console: %s" % (status, self.screens[-3:], self.console()[-1500:])

    # ------------------------------------------------------------------ control

    def command(self, cmd, **fields):
        fields["cmd"] = cmd
        with self._control_lock:
            try:
                self._control.sendall((json.dumps(fields) + "\n").encode())
                reply = json.loads(self._control_file.readline())
            except (OSError, ValueError) as exc:  # timed out (the runner hangs) or gone
                raise DeviceError("the RP2040 emulator did not answer %s: %s" % (cmd, exc), code="emulator") from exc
        if not reply.get("ok"):
            raise DeviceError("emulator refused %s: %s" % (cmd, reply.get("error")), code="emulator")
        return reply

    def press(self, key):
        return self.command("press", key=key)

    def reset(self):
        return self.command("reset")

    def status(self):
        return self.command("status")

    def save_flash(self, path):
        return self.command("save", path=os.path.abspath(path))
