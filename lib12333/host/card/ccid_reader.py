"""
A CCID serial card reader (GemPC Twin behaviour) on a pty, holding an :class:`EmulatedCard`.

Any host that speaks the GemPC Twin serial protocol can open ``reader.port``:
pcscd with its ``libccidtwin`` driver (see :func:`reader_conf`), or lib12333's own
:class:`lib12333.host.card.readers.SerialCcidReader`.  Framing and messages come
from the core codec :mod:`lib12333.card.ccid`.

Behaviour copied from what ``ccid_serial.c`` expects of the real reader:

* every command frame is echoed before the answer;
* Escape ``02`` (get firmware) answers a version string, Escape ``01 01 01``
  (synchronous card-movement notification) answers empty;
* card movement is notified as ``50 02`` / ``50 03`` after the echo and before
  the answer of the next command;
* a frame with a bad LRC, control byte or length gets ``03 15 16`` (NAK).

``trace`` (a list) records ``("host", bytes)`` / ``("reader", bytes)`` chunks for
vectors and debugging.
"""

import os
import select
import threading

from lib12333.card import ccid
from lib12333.errors import DecodeError
from lib12333.host.background import BackgroundLoop
from lib12333.host.card.emulator import CardRemoved
from lib12333.host.pty_port import close_pty, open_raw_pty

FIRMWARE = b"lib12333 GemPC Twin emulator 1.0"


class CcidSerialReaderEmulator(BackgroundLoop):
    thread_name = "ccid-reader-emulator"

    def __init__(self, card, echo=True, trace=None):
        self.card = card
        self.echo = echo
        self.trace = trace
        self.master, self.slave, self.port = open_raw_pty()
        self._decoder = ccid.SerialDecoder(accept_events=False)
        self._stop = threading.Event()
        self._thread = None
        self._notify = None  # pending slot-change byte pair
        self._was_present = card.present
        self.frames = 0
        self.naks = 0
        self.absent_polls = 0  # GetSlotStatus answers that reported no card

    # -- lifecycle -------------------------------------------------------
    def release(self):
        close_pty(self.master, self.slave)

    # -- card movement ---------------------------------------------------
    def remove_card(self):
        self.card.remove()

    def insert_card(self):
        self.card.insert()

    def _check_movement(self):
        present = self.card.present
        if present != self._was_present:
            self._was_present = present
            self._notify = ccid.slot_change(present)

    # -- I/O loop ---------------------------------------------------------
    def _write(self, data):
        if self.trace is not None:
            self.trace.append(("reader", bytes(data)))
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]

    def run(self):
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            if not chunk:
                continue
            if self.trace is not None:
                self.trace.append(("host", chunk))
            try:
                events = self._decoder.feed(chunk)
            except DecodeError:
                self.naks += 1
                self._write(ccid.NAK_FRAME)
                continue
            for _kind, msg in events:
                self.frames += 1
                self._handle(msg)

    def _handle(self, raw):
        if self.echo:
            self._write(ccid.frame(raw))
        self._check_movement()
        if self._notify is not None:
            self._write(self._notify)
            self._notify = None
        self._write(ccid.frame(self.answer(raw)))

    # -- CCID command handling --------------------------------------------
    def _icc(self):
        if not self.card.present:
            return ccid.ICC_ABSENT
        return ccid.ICC_ACTIVE if self.card.powered else ccid.ICC_INACTIVE

    def answer(self, raw):
        """The RDR_to_PC message for one PC_to_RDR message (no framing)."""
        m = ccid.parse_message(raw)
        slot, seq = m.slot, m.seq
        if slot != 0:
            return ccid.slot_status(slot, seq, ccid.status_byte(ccid.ICC_ABSENT, ccid.CMD_FAILED), 5)
        t = m.type
        if t == ccid.PC_TO_RDR_ESCAPE:
            data = FIRMWARE if m.data[:1] == b"\x02" else b""
            return ccid.escape_response(slot, seq, ccid.status_byte(self._icc()), 0, data)
        if t == ccid.PC_TO_RDR_GET_SLOT_STATUS:
            if not self.card.present:
                self.absent_polls += 1
            return ccid.slot_status(slot, seq, ccid.status_byte(self._icc()))
        if t == ccid.PC_TO_RDR_ICC_POWER_OFF:
            self.card.power_off()
            return ccid.slot_status(slot, seq, ccid.status_byte(self._icc()))
        if t == ccid.PC_TO_RDR_ICC_POWER_ON:
            try:
                atr = self.card.power_on()
            except CardRemoved:
                return ccid.data_block(slot, seq, ccid.status_byte(ccid.ICC_ABSENT, ccid.CMD_FAILED),
                                       ccid.ERR_ICC_MUTE)
            return ccid.data_block(slot, seq, ccid.status_byte(ccid.ICC_ACTIVE), 0, atr)
        if t == ccid.PC_TO_RDR_XFR_BLOCK:
            if not self.card.present or not self.card.powered:
                return ccid.data_block(slot, seq, ccid.status_byte(self._icc(), ccid.CMD_FAILED),
                                       ccid.ERR_ICC_MUTE)
            try:
                response = self.card.transmit(m.data)
            except CardRemoved:
                self._check_movement()
                return ccid.data_block(slot, seq, ccid.status_byte(ccid.ICC_ABSENT, ccid.CMD_FAILED),
                                       ccid.ERR_ICC_MUTE)
            return ccid.data_block(slot, seq, ccid.status_byte(ccid.ICC_ACTIVE), 0, response)
        if t in (ccid.PC_TO_RDR_SET_PARAMETERS, ccid.PC_TO_RDR_GET_PARAMETERS, ccid.PC_TO_RDR_RESET_PARAMETERS):
            if t == ccid.PC_TO_RDR_SET_PARAMETERS:
                protocol, params = m.b7, m.data
            else:
                protocol, params = 0, b"\x11\x00\x00\x0a\x00"
            return ccid.parameters(slot, seq, ccid.status_byte(self._icc()), 0, protocol, params)
        if t in (ccid.PC_TO_RDR_ICC_CLOCK, ccid.PC_TO_RDR_ABORT):
            return ccid.slot_status(slot, seq, ccid.status_byte(self._icc()))
        return ccid.slot_status(slot, seq, ccid.status_byte(self._icc(), ccid.CMD_FAILED),
                                ccid.ERR_CMD_NOT_SUPPORTED)


def reader_conf(port, friendly_name="lib12333 CCID serial"):
    """A pcscd reader.conf entry that points ``libccidtwin`` at ``port``."""
    return (
        'FRIENDLYNAME "%s"\nDEVICENAME %s:GemPCTwin\nLIBPATH /usr/lib/pcsc/drivers/serial/libccidtwin.so\n'
        % (friendly_name, port)
    )
