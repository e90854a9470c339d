"""
The CPython transport of an operator link: a TCP socket driving the sans-IO ``Link``.

``TcpLink(config)`` connects when the engine wants a connection (with its
back-off), and ``pump(timeout)`` moves bytes both ways, runs deadlines and
returns the events -- the same loop shape as ``lib12333.host.modem.transport.
SerialModem``, so the gateway drives modems and links from one thread with one
SQLite connection.  Why not asyncio: the gateway's loop, its database and the
modem transport are synchronous; one ``select`` per round over a handful of
sockets costs nothing next to an SMS, and the benchmark shows it carries well
over 1,000 submits a second.
"""

import select
import socket
import time

from lib12333.links.client import DOWN, Link


def gb_text(octets):
    """Text of a GB-coded deliver (format 15): GB 18030 is the superset of GB 2312 and GBK that
    handsets and operator gateways actually send; a bad byte becomes U+FFFD rather than losing the
    citizen's message."""
    return octets.decode("gb18030", "replace")


def wall_clock():
    """(month, day, hour, minute, second) in China Standard Time, for CMPP's time stamp."""
    t = time.gmtime(time.time() + 8 * 3600)
    return (t[1], t[2], t[3], t[4], t[5])


class TcpLink:
    """One link: ``config`` is a ``lib12333.host.links.url.LinkConfig``."""

    def __init__(self, config, clock=time.monotonic, connect_timeout=5.0):
        self.config = config
        self.clock = clock
        self.connect_timeout = connect_timeout
        self.sock = None
        self.link = Link(config.dialect(), clock(), gb_decode=gb_text, **config.engine_options())
        self.trace = None  # a list to record ("tx"/"rx", bytes)

    @property
    def name(self):
        return self.config.name

    def confirm(self, token, ok=True):
        self.link.confirm(token, ok)

    def close(self):
        if self.link.state != DOWN:
            self.link.unbind()
            self._write()
        self._drop("closed by us")

    def _connect(self, now):
        try:
            s = socket.create_connection((self.config.host, self.config.port), timeout=self.connect_timeout)
        except OSError:
            self.link.connect_failed(now)
            return
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = s
        self.link.connected(now, wall_clock())

    def _drop(self, reason):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
        self.link.connection_lost(self.clock(), reason)

    def _write(self):
        data = self.link.data_to_send()
        if not data or self.sock is None:
            return
        if self.trace is not None:
            self.trace.append(("tx", data))
        try:
            self.sock.setblocking(True)
            self.sock.settimeout(self.connect_timeout)
            self.sock.sendall(data)
            self.sock.setblocking(False)
        except OSError as exc:
            self._drop("send failed: %s" % exc)

    def pump(self, timeout=0.1):
        """One round: connect if due, write, wait for input (or the next deadline), read, run timers."""
        link = self.link
        now = self.clock()
        if self.sock is None and link.wants_connection(now):
            self._connect(now)
        self._write()
        nd = link.next_deadline()
        wait = timeout if nd is None else max(0.0, min(timeout, nd - self.clock()))
        if self.sock is not None:
            r, _, _ = select.select([self.sock], [], [], wait)
            if r:
                try:
                    data = self.sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self._drop("closed by the gateway")
                else:
                    if self.trace is not None:
                        self.trace.append(("rx", data))
                    link.receive(data, self.clock())
        elif wait > 0:
            time.sleep(min(wait, timeout))
        link.poll(self.clock())
        self._write()
        if link.wants_close() and self.sock is not None:
            self._drop("closed by us")
        return link.events()
