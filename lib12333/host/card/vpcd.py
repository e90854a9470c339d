"""
Connect an :class:`EmulatedCard` to pcscd's virtual reader driver (Debian ``vsmartcard-vpcd``).

vpcd listens on 127.0.0.1:35963 (reader 0).  The card side connects and the two
exchange messages of a 2-byte big-endian length and a payload.  A 1-byte payload
from vpcd is a control code: 0 power off, 1 power on, 2 reset, 4 "send the ATR";
anything longer is a command APDU, answered with the response APDU.  The card is
"in the reader" while the connection is open: :meth:`VpcdCard.remove` closes it,
:meth:`VpcdCard.insert` connects again.
"""

import socket
import struct
import threading
import time

from lib12333.host.card.emulator import CardRemoved

VPCD_PORT = 35963
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


class VpcdCard:
    def __init__(self, card, host="127.0.0.1", port=VPCD_PORT):
        self.card = card
        self.host = host
        self.port = port
        self._sock = None
        self._thread = None
        self._stop = threading.Event()
        self.messages = 0

    def connect(self, timeout=10.0):
        """Connect to vpcd (retrying until ``timeout``: pcscd may still be starting)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection((self.host, self.port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._sock.settimeout(None)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(self._sock,), name="vpcd-card", daemon=True)
        self._thread.start()
        return self

    start = connect

    def close(self):
        self._stop.set()
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    stop = close

    def remove(self):
        """Pull the card: the connection closes and vpcd reports no card."""
        self.card.remove()
        self.close()

    def insert(self, timeout=10.0):
        self.card.insert()
        return self.connect(timeout)

    def __enter__(self):
        return self.connect()

    def __exit__(self, *exc):
        self.close()

    def _recv_exact(self, sock, n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def _send(self, sock, payload):
        sock.sendall(struct.pack(">H", len(payload)) + payload)

    def _run(self, sock):
        try:
            while not self._stop.is_set():
                head = self._recv_exact(sock, 2)
                if head is None:
                    return
                (length,) = struct.unpack(">H", head)
                payload = self._recv_exact(sock, length)
                if payload is None:
                    return
                self.messages += 1
                if length == 1:
                    code = payload[0]
                    if code == POWER_OFF:
                        self.card.power_off()
                    elif code in (POWER_ON, RESET):
                        try:
                            self.card.power_on()
                        except CardRemoved:
                            return
                    elif code == GET_ATR:
                        self._send(sock, self.card.atr)
                    continue
                try:
                    response = self.card.transmit(payload)
                except CardRemoved:
                    return  # closing the connection is how vpcd learns the card is gone
                self._send(sock, response)
        except OSError:
            return
        finally:
            if not self._stop.is_set():
                try:
                    sock.close()
                except OSError:
                    pass
