"""
Card readers for the host: PC/SC (pyscard, through pcscd) and CCID serial UART
(pyserial with the core codec).  Every reader has the same small interface::

    reader.connect() -> ATR bytes
    reader.transmit(apdu_bytes) -> response bytes      (DeviceError on a lost card or reader)
    reader.disconnect()

:func:`read_card` runs the core SSSE read over any of them.
"""

import time

from lib12333.card import ccid, ssse
from lib12333.card.gbk import GbkTable
from lib12333.compat import data_path
from lib12333.errors import DeadlineError, DeviceError


def pcsc_reader_names():
    """Names of the PC/SC readers pcscd knows (empty list when pcscd is not running)."""
    try:
        from smartcard.System import readers
    except ImportError as exc:  # pragma: no cover - depends on the pcsc extra
        raise DeviceError("pyscard is not installed: scripts/install pcsc (or pip install pyscard)", code="reader") from exc
    try:
        return [str(r) for r in readers()]
    except Exception as exc:  # pyscard raises its own classes when pcscd is down
        raise DeviceError("PC/SC service unavailable: " + str(exc), code="reader") from exc


class PcscReader:
    """A PC/SC reader through pyscard; ``name`` matches a reader whose name contains it."""

    def __init__(self, name=None, wait=0.0):
        self.wanted = name
        self.wait = wait  # seconds to wait for a card (pcscd polls virtual readers)
        self.name = None
        self._conn = None
        self.atr = None

    def connect(self):
        from smartcard.Exceptions import CardConnectionException, NoCardException
        from smartcard.System import readers

        try:
            found = readers()
        except Exception as exc:
            raise DeviceError("PC/SC service unavailable: " + str(exc), code="reader") from exc
        chosen = [r for r in found if self.wanted is None or self.wanted in str(r)]
        if not chosen:
            raise DeviceError("no PC/SC reader matches %r (have: %s)" % (self.wanted, ", ".join(map(str, found))
                                                                         or "none"), code="reader")
        reader = chosen[0]
        self.name = str(reader)
        conn = reader.createConnection()
        deadline = time.monotonic() + self.wait
        while True:
            try:
                conn.connect()
                break
            except (NoCardException, CardConnectionException) as exc:
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                _release(conn)
                if isinstance(exc, NoCardException):
                    raise DeviceError("no card in " + self.name, code="no-card", retryable=True) from exc
                raise DeviceError("cannot connect to the card in %s: %s" % (self.name, exc), code="no-card",
                                  retryable=True) from exc
        self._conn = conn
        self.atr = bytes(conn.getATR())
        return self.atr

    def transmit(self, command):
        from smartcard.Exceptions import CardConnectionException

        if self._conn is None:
            raise DeviceError("reader not connected", code="not-connected")
        try:
            data, sw1, sw2 = self._conn.transmit(list(command))
        except CardConnectionException as exc:
            raise DeviceError("card lost during the exchange: %s" % exc, code="removed", retryable=True) from exc
        return bytes(data) + bytes((sw1, sw2))

    def disconnect(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            _release(conn)


def _release(conn):
    """Disconnect and free the PC/SC context now, while pcscd is still there (pyscard would
    otherwise do it in ``__del__`` and raise from the garbage collector)."""
    for name in ("disconnect", "release"):
        try:
            getattr(conn, name)()
        except Exception:
            pass


class SerialCcidReader:
    """A CCID reader on a serial port (GemPC Twin framing: 115200 8N2), via pyserial.

    The GemPC Twin exchanges T=0 TPDUs, so ``transmit`` turns case-4 APDUs into
    TPDUs (the card's 61xx is then handled by the core T=0 exchange).
    """

    def __init__(self, port, baudrate=115200, timeout=3.0, slot=0):
        self.port = port
        self.name = port
        self.baudrate = baudrate
        self.timeout = timeout
        self.slot = slot
        self._serial = None
        self._host = None
        self.atr = None

    def _open(self):
        import serial

        try:
            self._serial = serial.Serial(self.port, self.baudrate, bytesize=8, parity="N", stopbits=2,
                                         timeout=0.05)
        except serial.SerialException as exc:
            raise DeviceError("cannot open %s: %s" % (self.port, exc), code="reader") from exc
        self._host = ccid.CcidHost(self.slot)

    def _run(self, wire):
        ser, host = self._serial, self._host
        ser.write(wire)
        deadline = time.monotonic() + self.timeout
        while True:
            chunk = ser.read(512)
            if chunk:
                action = host.feed(chunk)
                if action is not None:
                    kind, value = action
                    if kind == "done":
                        return value
                    ser.write(value)  # NAK: send the command again
                    deadline = time.monotonic() + self.timeout
            if time.monotonic() > deadline:
                host.abandon()
                raise DeadlineError("reader on %s did not answer within %.1f s" % (self.port, self.timeout))

    def connect(self):
        if self._serial is None:
            self._open()
        self.atr = self._run(self._host.power_on())
        return self.atr

    def transmit(self, command):
        if self._serial is None:
            raise DeviceError("reader not connected", code="not-connected")
        return self._run(self._host.xfr_block(ccid.t0_tpdu(command)))

    def slot_status(self):
        return self._run(self._host.slot_status())

    def disconnect(self):
        if self._serial is None:
            return
        try:
            self._run(self._host.power_off())
        except Exception:
            pass
        self._serial.close()
        self._serial = None


def open_gbk():
    return open(data_path("gbk.bin"), "rb")


def read_card(reader, authenticator=None):
    """Connect, run the SSSE basic read, disconnect; returns :class:`lib12333.card.ssse.CardInfo`."""
    atr = reader.connect()
    try:
        with open_gbk() as f:
            return ssse.read_card(reader.transmit, authenticator, GbkTable(f), atr)
    finally:
        reader.disconnect()
