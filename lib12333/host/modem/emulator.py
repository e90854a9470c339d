"""
An emulated GSM / LTE modem on a real pseudo-terminal.

Each ``EmulatedModem`` owns a pty pair (``os.openpty``, raw mode); the slave's
path (``/dev/pts/N``) is what pyserial, gammu, minicom or our engine open.  What the
module says is the core's sans-IO ``lib12333.modem.emulator.ModemEmulator`` (the AT
subset of ``protocols/at/README.md``); this wrapper only moves its bytes to and from
the pty, runs its timers and the answer latency on ``network.Simulator``'s loop
thread, and hands what it sends to the emulated network.
"""

import errno
import os

from lib12333.host.pty_port import close_pty, open_raw_pty
from lib12333.modem.emulator import MODELS, ModemEmulator

__all__ = ["MODELS", "EmulatedModem"]


class EmulatedModem:
    def __init__(self, sim, index, number, model="SIM7600CE", capacity=30):
        self.sim = sim
        self.index = index
        self.number = number
        self.master, self.slave, self.path = open_raw_pty()
        os.set_blocking(self.master, False)
        self.outbuf = bytearray()
        self.out_at = 0.0  # answers leave in order even with random latency
        self._tick_at = None
        self.modem = ModemEmulator(sim.now(), model, index, capacity, sim.network.smsc, sim.faults)
        self._after()

    def __getattr__(self, name):
        # identity, settings and storage (imei, iccid, cnmi, echo, stats, powered...) are the module's
        modem = self.__dict__.get("modem")
        if modem is None:
            raise AttributeError(name)
        return getattr(modem, name)

    @property
    def store(self):
        """``{memory: {index: [stat, pdu_hex, tpdu_len]}}`` of the module."""
        return self.modem.store.mems

    # ---- the network and the test drive these -------------------------------------------

    def reboot(self):
        self.modem.reboot(self.sim.now())
        self._after()

    def set_registered(self, flag):
        self.modem.set_registered(flag)
        self._after()

    def can_receive(self):
        return self.modem.can_receive(self.sim.now())

    def deliver(self, pdu, tpdu_len, report=False):
        """Offer one PDU (with SMSC prefix); False = not now (the network retries)."""
        accepted = self.modem.deliver(pdu, tpdu_len, self.sim.now(), report)
        self._after()
        return accepted

    # ---- bytes in / out -------------------------------------------------------------------

    def fileno(self):
        return self.master

    def on_readable(self):
        try:
            data = os.read(self.master, 4096)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EIO):
                return
            raise
        self.write(self.modem.receive_data(data, self.sim.now()))
        self._after()

    def _after(self):
        """Send what the module queued, pass its submits to the network, schedule its next timer."""
        self.write(self.modem.data_to_send())
        for event in self.modem.take_network_events():
            if event[0] == "submit":
                _, mr, tpdu, msg = event
                self.sim.network.submit(self, tpdu, msg, mr)
            else:  # "freed": storage that was full may take a waiting message now
                self.sim.network.kick()
        due = self.modem.next_deadline()
        if due is not None and (self._tick_at is None or due < self._tick_at):
            self._tick_at = due
            self.sim.at(due, self._tick)

    def _tick(self):
        self._tick_at = None
        self.write(self.modem.tick(self.sim.now()))
        self._after()

    def write(self, data):
        if not data:
            return
        faults = self.sim.faults
        if faults.latency:
            t = max(self.sim.now() + faults.rng.random() * faults.latency, self.out_at)
            self.out_at = t
            self.sim.at(t, lambda: self._put(data))
        else:
            self._put(data)

    def _put(self, data):
        self.outbuf.extend(data)
        self.flush()

    def flush(self):
        if not self.outbuf:
            return
        try:
            n = os.write(self.master, bytes(self.outbuf))
        except OSError as exc:
            if exc.errno == errno.EAGAIN:
                if len(self.outbuf) > 65536:  # nobody reads the port: forget old output
                    del self.outbuf[:32768]
                return
            raise
        del self.outbuf[:n]

    def close(self):
        close_pty(self.master, self.slave)
