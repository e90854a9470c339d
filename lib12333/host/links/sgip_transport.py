"""
SGIP 1.2's two connections on the centre's side: ``SgipLink`` connects to the
SMG for Bind and Submit (a ``transport.TcpLink``) and listens for the SMG's own
connections, on which it Binds to us and sends Deliver and Report (each an
``lib12333.links.incoming.Session``).  To ``channels.Channels`` it is one link.

The listening address is the URL's ``listen=HOST:PORT`` (what the operator
configured on the SMG for this SP); the SMG logs in with the same name and
password as the centre does to it, unless ``smg-login=NAME`` says otherwise.
"""

import select
import socket
import time

from lib12333.errors import ConfigError
from lib12333.host.links.transport import TcpLink
from lib12333.links.incoming import Session
from lib12333.modem.engine import Event


class SgipLink:
    def __init__(self, config, clock=time.monotonic):
        self.config = config
        self.clock = clock
        self.out = TcpLink(config, clock)
        self.link = self.out.link
        host, _, port = config.options.get("listen", "").rpartition(":")
        if not port.isdigit():
            raise ConfigError("SGIP needs listen=HOST:PORT for the SMG's connections", "--link", None, "listen")
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host or "127.0.0.1", int(port)))
        self.listener.listen(4)
        self.listener.setblocking(False)
        self.address = self.listener.getsockname()
        self.accounts = {config.options.get("smg-login", config.account): config.secret}
        self.sessions = []  # [socket, Session]
        self._tokens = {}  # our token -> (Session, its token)
        self._next = 0

    @property
    def name(self):
        return self.config.name

    def confirm(self, token, ok=True):
        entry = self._tokens.pop(token, None)
        if entry is not None:
            entry[0].confirm(entry[1], ok)

    def close(self):
        self.out.close()
        for sock, _ in self.sessions:
            sock.close()
        self.sessions = []
        self.listener.close()

    def pump(self, timeout=0.1):
        events = self.out.pump(timeout / 2)
        socks = [self.listener] + [s for s, _ in self.sessions]
        readable, _, _ = select.select(socks, [], [], timeout / 2)
        now = self.clock()
        for sock in readable:
            if sock is self.listener:
                try:
                    conn, _ = self.listener.accept()
                except OSError:
                    continue
                conn.setblocking(False)
                self.sessions.append([conn, Session(self.link, self.accounts, now)])
                continue
            session = [s for s in self.sessions if s[0] is sock][0][1]
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                session._close = True
            else:
                session.receive(data, now)
        keep = []
        for sock, session in self.sessions:
            session.poll(now)
            events.extend(self._translate(session, session.events()))
            out = session.data_to_send()
            try:
                if out:
                    sock.setblocking(True)
                    sock.sendall(out)
                    sock.setblocking(False)
            except OSError:
                session._close = True
            if session.wants_close():
                sock.close()
            else:
                keep.append([sock, session])
        self.sessions = keep
        return events

    def _translate(self, session, events):
        out = []
        for ev in events:
            if getattr(ev, "token", None) is not None:
                self._next += 1
                self._tokens[self._next] = (session, ev.token)
                ev.token = self._next
            out.append(ev if ev.kind in ("deliver", "report") else Event("smg-" + ev.kind, **ev.fields))
        return out
