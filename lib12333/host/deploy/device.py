"""
A MicroPython board seen through its raw REPL.

``SerialDevice`` talks to a real board (or the virtual board of the tests) with
mpremote's serial transport.  The installer only uses the small interface
below, so tests can also run it against an in-memory device that loses power.
"""

import ast

from lib12333.errors import DeviceError

# sys.implementation._mpy: bits 0-7 major .mpy version, 8-9 sub-version, 10+ native architecture.
MPY_ARCHES = (
    None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp",
    "xtensa", "xtensawin", "rv32imc", "rv64imc",
)


class DeviceLost(DeviceError):
    """The connection to the board broke (unplugged, reset, power cut)."""

    def __init__(self, message):
        super().__init__(message, retryable=True)


def describe_mpy(value):
    """Split ``sys.implementation._mpy`` into (major, sub, arch name or None)."""
    major = value & 0xFF
    sub = (value >> 8) & 3
    arch_index = value >> 10
    arch = MPY_ARCHES[arch_index] if arch_index < len(MPY_ARCHES) else "arch%d" % arch_index
    return major, sub, arch


class SerialDevice:
    """A board on a serial port (``/dev/ttyUSB0``, ``/dev/pts/3``, ``socket://host:port``)."""

    def __init__(self, port, baudrate=115200, timeout=10):
        from mpremote.transport import TransportError
        from mpremote.transport_serial import SerialTransport

        self.port = port
        self.timeout = timeout
        try:
            self._transport = SerialTransport(port, baudrate=baudrate)
            self._transport.enter_raw_repl(soft_reset=False, timeout_overall=timeout)
        except (TransportError, OSError) as exc:
            raise DeviceLost("cannot open a raw REPL on %s: %s" % (port, exc)) from exc

    def close(self):
        try:
            self._transport.exit_raw_repl()
            self._transport.close()
        except Exception:  # closing a dead port must not hide the original error
            pass

    def hard_reset(self):
        """``machine.reset()`` and drop the connection; False when the port has no ``machine``."""
        try:
            self.exec("import machine")
        except DeviceError:
            return False
        try:
            self._transport.exec_raw_no_follow("machine.reset()")
        except Exception:  # the board resets under our feet: that is the point
            pass
        try:
            self._transport.close()
        except Exception:
            pass
        return True

    @classmethod
    def reconnect(cls, port, timeout=10, wait=20.0):
        """Open ``port`` again after a reset, trying until ``wait`` seconds have passed."""
        import time

        deadline = time.monotonic() + wait
        while True:
            try:
                return cls(port, timeout=timeout)
            except DeviceLost:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.5)

    def exec(self, code):
        from mpremote.transport import TransportError, TransportExecError

        try:
            out, err = self._transport.exec_raw(code, timeout=self.timeout)
        except TransportExecError as exc:  # pragma: no cover - exec_raw returns stderr instead
            raise DeviceError("device raised: " + exc.error_output.strip().splitlines()[-1]) from exc
        except (TransportError, OSError) as exc:
            raise DeviceLost("lost the board on %s: %s" % (self.port, exc)) from exc
        if err:
            last = err.decode("utf-8", "replace").strip().splitlines()[-1]
            raise DeviceError("device raised: " + last)
        return out.decode("utf-8", "replace")

    def eval(self, expression):
        return ast.literal_eval(self.exec("print(repr(%s))" % expression).strip())

    # File helpers built on exec, so every device type shares them.

    def write_file(self, path, data, chunk=2048):
        self.exec("_f=open(%r,'wb')\n_w=_f.write" % path)
        for i in range(0, len(data), chunk):
            self.exec("_w(%r)" % bytes(data[i : i + chunk]))
        self.exec("_f.close()\ndel _f,_w")

    def sha256(self, path):
        """Hex SHA-256 of a file on the device, or None when it does not exist."""
        code = (
            "import hashlib,binascii\n"
            "try:\n"
            " _h=hashlib.sha256()\n"
            " with open(%r,'rb') as _f:\n"
            "  while 1:\n"
            "   _b=_f.read(512)\n"
            "   if not _b: break\n"
            "   _h.update(_b)\n"
            " print(binascii.hexlify(_h.digest()).decode())\n"
            "except OSError:\n"
            " print('-')\n" % path
        )
        out = self.exec(code).strip()
        return None if out == "-" else out

    def read_text(self, path):
        code = "try:\n with open(%r) as _f: print(repr(_f.read()))\nexcept OSError:\n print('None')\n" % path
        return ast.literal_eval(self.exec(code).strip())

    def makedirs(self, path):
        code = (
            "import os\n_p=''\n"
            "for _s in %r.strip('/').split('/'):\n"
            " _p+='/'+_s\n"
            " try: os.mkdir(_p)\n"
            " except OSError: pass\n" % path
        )
        self.exec(code)

    def listdir(self, path):
        code = "import os\ntry: print(repr(sorted(os.listdir(%r))))\nexcept OSError: print('[]')\n" % path
        return ast.literal_eval(self.exec(code).strip())

    def rename(self, old, new):
        self.exec("import os\nos.rename(%r,%r)" % (old, new))

    def remove_tree(self, path):
        code = (
            "import os\n"
            "def _rm(p):\n"
            " try:\n"
            "  for n in os.listdir(p): _rm(p+'/'+n)\n"
            "  os.rmdir(p)\n"
            " except OSError:\n"
            "  try: os.remove(p)\n"
            "  except OSError: pass\n"
            "_rm(%r)\ndel _rm\n" % path
        )
        self.exec(code)

    def identify(self):
        """MicroPython version, .mpy version, native architecture and free flash of the board."""
        info = self.eval(
            "(tuple(__import__('sys').implementation.version), getattr(__import__('sys').implementation,"
            " '_mpy', 0), __import__('sys').platform)"
        )
        version, mpy, platform = info
        major, sub, arch = describe_mpy(mpy)
        return {
            "micropython": ".".join(str(v) for v in version[:3]),
            "mpy_major": major,
            "mpy_sub": sub,
            "arch": arch,
            "platform": platform,
        }
