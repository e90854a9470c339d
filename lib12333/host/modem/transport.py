"""
The CPython transport: a pyserial port driving the sans-IO ``Engine``.

``SerialModem(port)`` opens the port (115200 8N1, no flow control by default),
and ``pump(timeout)`` moves bytes both ways, runs deadlines and returns the
events that arrived.  The conveniences ``init()``, ``info()``, ``send()`` and
``listen()`` wait for the matching event with a deadline of their own, so no
call blocks longer than asked.  The same engine runs on a kiosk behind
``machine.UART`` (``board/``), with the loop written the same way.

``list_ports()`` is discovery: serial ports from ``serial.tools.list_ports``
with their USB identity, plus any ports a running ``lib12333 modem-sim`` has
announced in its registry file.
"""

import json
import os
import select
import tempfile
import time

from lib12333.errors import DeadlineError
from lib12333.modem import events
from lib12333.modem.engine import Engine

REGISTRY = os.path.join(tempfile.gettempdir(), "lib12333-modem-sim.json")

# USB vendor ids of the module makers we support
USB_VENDORS = {0x1E0E: "SIMCom", 0x2C7C: "Quectel", 0x05C6: "Qualcomm (SIMCom/Quectel)", 0x1A86: "WCH CH340",
               0x10C4: "Silicon Labs CP210x", 0x0403: "FTDI"}


class SerialModem:
    def __init__(self, port, baudrate=115200, engine=None, clock=time.monotonic, rtscts=False, **engine_options):
        import serial

        self.clock = clock
        self.ser = serial.Serial(port, baudrate, timeout=0, write_timeout=2, rtscts=rtscts)
        try:
            self.ser.reset_input_buffer()
        except (OSError, serial.SerialException):
            pass
        if engine is None:
            import os

            # a counter seeded at random: a restarted gateway does not start every peer's references at 0
            engine_options.setdefault("ref_start", os.urandom(1)[0])
            engine = Engine(now=clock(), **engine_options)
        self.engine = engine
        self.trace = None  # set to a list to record ("tx"/"rx", bytes)

    def close(self):
        self.ser.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def pump(self, timeout=0.1):
        """One round: write, wait for input up to ``timeout`` (or the engine's next
        deadline, if sooner), read, run timers.  Returns the events."""
        eng = self.engine
        out = eng.data_to_send()
        if out:
            if self.trace is not None:
                self.trace.append(("tx", out))
            self.ser.write(out)
        now = self.clock()
        nd = eng.next_deadline()
        wait = timeout if nd is None else max(0.0, min(timeout, nd - now))
        r, _, _ = select.select([self.ser.fileno()], [], [], wait)
        if r:
            data = self.ser.read(4096)
            if data:
                if self.trace is not None:
                    self.trace.append(("rx", data))
                eng.receive(data, self.clock())
        eng.poll(self.clock())
        out = eng.data_to_send()
        if out:
            if self.trace is not None:
                self.trace.append(("tx", out))
            self.ser.write(out)
        return eng.events()

    def wait_for(self, match, timeout, collect=None):
        """Pump until ``match(event)`` is true; returns that event.  Other events go
        to ``collect`` (a list) when given.  ``DeadlineError`` after ``timeout``."""
        end = self.clock() + timeout
        while True:
            left = end - self.clock()
            if left <= 0:
                raise DeadlineError("modem: no answer within " + str(timeout) + " s")
            for ev in self.pump(min(left, 0.2)):
                if match(ev):
                    return ev
                if collect is not None:
                    collect.append(ev)

    def init(self, timeout=60.0, collect=None):
        """Run the init sequence; returns the ``ready`` event (``DeviceError`` if it failed)."""
        self.engine.start(self.clock())
        ev = self.wait_for(lambda e: e.kind in (events.READY, events.INIT_FAILED), timeout, collect)
        if ev.kind == events.INIT_FAILED:
            raise ev.error
        return ev

    def info(self, timeout=30.0, collect=None):
        self.engine.query_info()
        return self.wait_for(lambda e: e.kind == events.INFO, timeout, collect).info

    def send(self, number, text, report=False, timeout=None, collect=None):
        """Send and wait for ``sent`` or ``send-failed``; with ``report`` also wait for
        the status report of every part (bounded by ``timeout``)."""
        sid = self.engine.send_sms(number, text, report=report)
        t = timeout if timeout is not None else self.engine.send_deadline + 5
        end = self.clock() + t
        ev = self.wait_for(lambda e: e.kind in (events.SENT, events.SEND_FAILED) and e.id == sid, t, collect)
        if ev.kind == events.SEND_FAILED or not report:
            return ev, []
        reports = []
        want = len(ev.parts)
        while len(reports) < want:
            left = end - self.clock()
            if left <= 0:
                break
            try:
                r = self.wait_for(lambda e: e.kind == events.REPORT and e.id == sid, left, collect)
            except DeadlineError:
                break
            reports.append(r)
        return ev, reports


def list_ports():
    """Serial ports with what we know about them, plus emulated ones announced by ``modem-sim``."""
    from serial.tools import list_ports as lp

    out = []
    for p in sorted(lp.comports(), key=lambda p: p.device):
        out.append({"device": p.device, "kind": "serial", "description": p.description,
                    "vid": p.vid, "pid": p.pid, "maker": USB_VENDORS.get(p.vid) if p.vid else None,
                    "serial_number": p.serial_number})
    for entry in read_registry():
        out.append({"device": entry["path"], "kind": "emulated", "description": "lib12333 modem-sim " +
                    entry.get("model", ""), "vid": None, "pid": None, "maker": None,
                    "serial_number": None, "number": entry.get("number")})
    return out


def _registry_files():
    base = os.path.dirname(REGISTRY)
    prefix = os.path.basename(REGISTRY)[: -len(".json")] + "-"
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return []
    return [os.path.join(base, n) for n in names if n.startswith(prefix) and n.endswith(".json")]


def read_registry():
    """Modems announced by every running ``modem-sim`` (one file per process)."""
    out = []
    for path in _registry_files():
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        try:
            os.kill(data.get("pid"), 0)
        except (OSError, TypeError):
            continue  # the simulator that wrote it is gone
        out.extend(m for m in data.get("modems", []) if isinstance(m, dict) and os.path.exists(m.get("path", "")))
    return out


def registry_path(pid=None):
    return REGISTRY[: -len(".json")] + "-" + str(pid or os.getpid()) + ".json"


def write_registry(sim, model):
    data = {"pid": os.getpid(), "modems": [{"number": n, "path": p, "model": model} for n, p in sim.paths()]}
    path = registry_path()
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def clear_registry():
    try:
        os.remove(registry_path())
    except OSError:
        pass
