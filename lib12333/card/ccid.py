"""
CCID messages over a serial line, framed as the GemPC Twin serial readers (and
pcsc-lite's CCID driver, ``ccid_serial.c``, driver ``libccidtwin``) do it.  Sans-IO.

CCID message (USB CCID 1.1 section 6): 10-byte header ``bMessageType, dwLength
(little-endian, length of the data), bSlot, bSeq, 3 message-specific bytes`` + data.

Serial framing, byte for byte (protocols/card/README.md has the full description)::

    normal frame   03 (SYNC)  06 (ACK)  <CCID message>  LRC      LRC = XOR of every byte before it
    NAK            03 15 16                                       "send your command again"
    card movement  50 02 (card absent) | 50 03 (card present)     between frames, reader -> host
    time request   one byte 80-FF                                 between frames, reader -> host, ignored

There is no byte stuffing: the frame length comes from dwLength.  A GemPC Twin
echoes each command frame before its answer; :class:`CcidHost` skips the echo.

* :func:`frame` / :class:`SerialDecoder`: bytes <-> frames and events.
* builders for the PC_to_RDR commands and the RDR_to_PC answers (the emulator uses those).
* :func:`parse_message`: header checks.
* :class:`CcidHost`: the host side of one command at a time (sequence numbers, echo,
  NAK resend, time extension, bStatus/bError to :class:`DeviceError`).
"""

from lib12333.errors import DecodeError, DeviceError, LocalProtocolError, RemoteProtocolError

SYNC = 0x03
CTRL_ACK = 0x06
CTRL_NAK = 0x15
NAK_FRAME = b"\x03\x15\x16"
NOTIFY_SLOT_CHANGE = 0x50
CARD_ABSENT = 0x02
CARD_PRESENT = 0x03

HEADER = 10
MAX_MESSAGE = 271  # dwMaxCCIDMessageLength the driver assumes for these readers

PC_TO_RDR_SET_PARAMETERS = 0x61
PC_TO_RDR_ICC_POWER_ON = 0x62
PC_TO_RDR_ICC_POWER_OFF = 0x63
PC_TO_RDR_GET_SLOT_STATUS = 0x65
PC_TO_RDR_ESCAPE = 0x6B
PC_TO_RDR_GET_PARAMETERS = 0x6C
PC_TO_RDR_RESET_PARAMETERS = 0x6D
PC_TO_RDR_ICC_CLOCK = 0x6E
PC_TO_RDR_XFR_BLOCK = 0x6F
PC_TO_RDR_ABORT = 0x72

RDR_TO_PC_DATA_BLOCK = 0x80
RDR_TO_PC_SLOT_STATUS = 0x81
RDR_TO_PC_PARAMETERS = 0x82
RDR_TO_PC_ESCAPE = 0x83

COMMANDS = (0x61, 0x62, 0x63, 0x65, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x71, 0x72, 0x73)
RESPONSES = (0x80, 0x81, 0x82, 0x83, 0x84)

# Which answer each command gets (CCID 1.1 table 6.1-1 / 6.2-1).
ANSWER_TYPE = (
    (PC_TO_RDR_ICC_POWER_ON, RDR_TO_PC_DATA_BLOCK),
    (PC_TO_RDR_XFR_BLOCK, RDR_TO_PC_DATA_BLOCK),
    (PC_TO_RDR_ICC_POWER_OFF, RDR_TO_PC_SLOT_STATUS),
    (PC_TO_RDR_GET_SLOT_STATUS, RDR_TO_PC_SLOT_STATUS),
    (PC_TO_RDR_ICC_CLOCK, RDR_TO_PC_SLOT_STATUS),
    (PC_TO_RDR_ABORT, RDR_TO_PC_SLOT_STATUS),
    (PC_TO_RDR_SET_PARAMETERS, RDR_TO_PC_PARAMETERS),
    (PC_TO_RDR_GET_PARAMETERS, RDR_TO_PC_PARAMETERS),
    (PC_TO_RDR_RESET_PARAMETERS, RDR_TO_PC_PARAMETERS),
    (PC_TO_RDR_ESCAPE, RDR_TO_PC_ESCAPE),
)

# bStatus: bmICCStatus (bits 0-1) and bmCommandStatus (bits 6-7)
ICC_ACTIVE = 0
ICC_INACTIVE = 1
ICC_ABSENT = 2
CMD_OK = 0
CMD_FAILED = 1
CMD_TIME_EXTENSION = 2

# bError values (CCID 1.1 table 6.2-2)
ERR_CMD_ABORTED = 0xFF
ERR_ICC_MUTE = 0xFE
ERR_XFR_PARITY = 0xFD
ERR_XFR_OVERRUN = 0xFC
ERR_HW = 0xFB
ERR_BAD_ATR_TS = 0xF8
ERR_BAD_ATR_TCK = 0xF7
ERR_PROTOCOL_NOT_SUPPORTED = 0xF6
ERR_CLASS_NOT_SUPPORTED = 0xF5
ERR_PROCEDURE_BYTE_CONFLICT = 0xF4
ERR_DEACTIVATED_PROTOCOL = 0xF3
ERR_BUSY_AUTO_SEQUENCE = 0xF2
ERR_SLOT_BUSY = 0xE0
ERR_CMD_NOT_SUPPORTED = 0x00

_ERROR_TEXT = (
    (0xFF, "command aborted"), (0xFE, "card mute (no answer)"), (0xFD, "parity error"),
    (0xFC, "overrun"), (0xFB, "reader hardware error"), (0xF8, "bad ATR TS"), (0xF7, "bad ATR TCK"),
    (0xF6, "protocol not supported"), (0xF5, "voltage class not supported"),
    (0xF4, "procedure byte conflict"), (0xF3, "deactivated protocol"),
    (0xF2, "busy with automatic sequence"), (0xE0, "slot busy"), (0x00, "command not supported"),
)


def error_text(b_error):
    for code, text in _ERROR_TEXT:
        if code == b_error:
            return text
    return "error %02X" % b_error


def _u8(value, name):
    if type(value) is not int or value < 0 or value > 255:
        raise LocalProtocolError("CCID " + name + " must be 0-255")
    return value


def message(msg_type, slot, seq, data=b"", b7=0, b8=0, b9=0):
    """One CCID message: the 10-byte header and ``data``."""
    n = len(data)
    if HEADER + n > MAX_MESSAGE:
        raise LocalProtocolError("CCID message of %d bytes exceeds %d" % (HEADER + n, MAX_MESSAGE))
    head = bytes((_u8(msg_type, "bMessageType"), n & 0xFF, (n >> 8) & 0xFF, 0, 0, _u8(slot, "bSlot"),
                  _u8(seq, "bSeq"), _u8(b7, "byte 7"), _u8(b8, "byte 8"), _u8(b9, "byte 9")))
    return head + bytes(data)


# PC_to_RDR builders
def icc_power_on(slot, seq, power_select=0):
    return message(PC_TO_RDR_ICC_POWER_ON, slot, seq, b"", power_select)


def icc_power_off(slot, seq):
    return message(PC_TO_RDR_ICC_POWER_OFF, slot, seq)


def get_slot_status(slot, seq):
    return message(PC_TO_RDR_GET_SLOT_STATUS, slot, seq)


def xfr_block(slot, seq, data, bwi=0, level=0):
    return message(PC_TO_RDR_XFR_BLOCK, slot, seq, data, bwi, level & 0xFF, level >> 8)


def escape(slot, seq, data):
    return message(PC_TO_RDR_ESCAPE, slot, seq, data)


def set_parameters(slot, seq, protocol, data):
    return message(PC_TO_RDR_SET_PARAMETERS, slot, seq, data, protocol)


# RDR_to_PC builders
def status_byte(icc, command=CMD_OK):
    return (command << 6) | icc


def data_block(slot, seq, status, error=0, data=b"", chain=0):
    return message(RDR_TO_PC_DATA_BLOCK, slot, seq, data, status, error, chain)


def slot_status(slot, seq, status, error=0, clock=0):
    return message(RDR_TO_PC_SLOT_STATUS, slot, seq, b"", status, error, clock)


def parameters(slot, seq, status, error, protocol, data):
    return message(RDR_TO_PC_PARAMETERS, slot, seq, data, status, error, protocol)


def escape_response(slot, seq, status, error=0, data=b""):
    return message(RDR_TO_PC_ESCAPE, slot, seq, data, status, error, 0)


class Message:
    """A parsed CCID message.  For RDR_to_PC answers ``b7`` is bStatus and ``b8`` bError."""

    def __init__(self, msg_type, slot, seq, b7, b8, b9, data):
        self.type = msg_type
        self.slot = slot
        self.seq = seq
        self.b7 = b7
        self.b8 = b8
        self.b9 = b9
        self.data = data

    @property
    def icc_status(self):
        return self.b7 & 0x03

    @property
    def command_status(self):
        return self.b7 >> 6

    def __repr__(self):
        return "Message(%02X slot=%d seq=%d %02X %02X %02X len=%d)" % (
            self.type, self.slot, self.seq, self.b7, self.b8, self.b9, len(self.data))


def parse_message(msg):
    """Check and split one CCID message (header + data)."""
    n = len(msg)
    if n < HEADER:
        raise DecodeError("message of %d bytes" % n, field="CCID header", position=n,
                          expected="at least 10 bytes")
    t = msg[0]
    if t not in COMMANDS and t not in RESPONSES:
        raise DecodeError("unknown message type %02X" % t, field="CCID bMessageType", position=0,
                          expected="a PC_to_RDR (6x/7x) or RDR_to_PC (8x) type")
    length = msg[1] | (msg[2] << 8) | (msg[3] << 16) | (msg[4] << 24)
    if length != n - HEADER:
        raise DecodeError("dwLength %d but %d data bytes" % (length, n - HEADER), field="CCID dwLength",
                          position=1, expected=str(n - HEADER))
    return Message(t, msg[5], msg[6], msg[7], msg[8], msg[9], bytes(msg[HEADER:]))


def lrc(data):
    x = 0
    for b in data:
        x ^= b
    return x


def frame(msg):
    """``03 06 msg LRC``."""
    body = bytes((SYNC, CTRL_ACK)) + bytes(msg)
    return body + bytes((lrc(body),))


def slot_change(present):
    return bytes((NOTIFY_SLOT_CHANGE, CARD_PRESENT if present else CARD_ABSENT))


EVENT_FRAME = "frame"
EVENT_NAK = "nak"
EVENT_SLOT = "slot"
EVENT_TIME = "time"


class SerialDecoder:
    """Incremental decoder of the serial byte stream.

    :meth:`feed` returns a list of events: ``("frame", message_bytes)``, ``("nak", None)``,
    ``("slot", present_bool)``, ``("time", byte)``.  Bad bytes raise :class:`DecodeError`
    with the stream offset; the decoder then starts afresh with the next fed bytes
    (the driver drops the exchange in that case too).  ``max_message`` bounds dwLength so
    garbage cannot make it wait for gigabytes.
    """

    def __init__(self, max_message=MAX_MESSAGE, accept_events=True):
        self._buf = bytearray()
        self._offset = 0  # stream offset of _buf[0]
        self._max = max_message
        self._events_ok = accept_events

    def pending(self):
        return len(self._buf)

    def feed(self, data):
        self._buf.extend(data)
        out = []
        try:
            while self._step(out):
                pass
        except DecodeError:
            self._offset += len(self._buf)
            self._buf = bytearray()
            raise
        return out

    def _consume(self, n):
        self._buf = self._buf[n:]
        self._offset += n

    def _step(self, out):
        buf = self._buf
        if not buf:
            return False
        c = buf[0]
        if c == SYNC:
            if len(buf) < 2:
                return False
            ctrl = buf[1]
            if ctrl == CTRL_NAK:
                if len(buf) < 3:
                    return False
                if buf[2] != SYNC ^ CTRL_NAK:
                    raise DecodeError("NAK LRC is %02X" % buf[2], field="CCID serial NAK",
                                      position=self._offset + 2, expected="16")
                out.append((EVENT_NAK, None))
                self._consume(3)
                return True
            if ctrl != CTRL_ACK:
                raise DecodeError("control byte %02X" % ctrl, field="CCID serial CTRL",
                                  position=self._offset + 1, expected="06 (ACK) or 15 (NAK)")
            if len(buf) < 2 + 5:
                return False
            length = buf[3] | (buf[4] << 8) | (buf[5] << 16) | (buf[6] << 24)
            if length > self._max - HEADER:
                raise DecodeError("dwLength %d" % length, field="CCID dwLength", position=self._offset + 3,
                                  expected="at most %d" % (self._max - HEADER))
            total = 2 + HEADER + length + 1
            if len(buf) < total:
                return False
            if lrc(buf[:total]) != 0:
                raise DecodeError("LRC %02X does not match" % buf[total - 1], field="CCID serial LRC",
                                  position=self._offset + total - 1,
                                  expected="%02X" % lrc(buf[:total - 1]))
            msg = bytes(buf[2:total - 1])
            parse_message(msg)  # header sanity (type)
            out.append((EVENT_FRAME, msg))
            self._consume(total)
            return True
        if self._events_ok and c == NOTIFY_SLOT_CHANGE:
            if len(buf) < 2:
                return False
            state = buf[1]
            if state != CARD_ABSENT and state != CARD_PRESENT:
                raise DecodeError("slot change state %02X" % state, field="CCID NotifySlotChange",
                                  position=self._offset + 1, expected="02 or 03")
            out.append((EVENT_SLOT, state == CARD_PRESENT))
            self._consume(2)
            return True
        if self._events_ok and c >= 0x80:
            out.append((EVENT_TIME, c))
            self._consume(1)
            return True
        raise DecodeError("byte %02X outside a frame" % c, field="CCID serial SYNC", position=self._offset,
                          expected="03 (SYNC)" + (", 50 or 80-FF" if self._events_ok else ""))


def t0_tpdu(command):
    """The T=0 TPDU a TPDU-level reader (the GemPC Twin) expects for a short command APDU.

    Case 1 gets P3=00, case 2 and 3 are unchanged, case 4 drops Le: the card then
    answers 61xx and the data comes with GET RESPONSE (``apdu.Exchange`` does that).
    """
    from lib12333.card import apdu

    c = apdu.parse_command(command)
    if c.case == 1:
        return bytes(command) + b"\x00"
    if c.case == 4:
        return apdu.build(c.cla, c.ins, c.p1, c.p2, c.data, None)
    return bytes(command)


def _answer_type(cmd_type):
    for c, a in ANSWER_TYPE:
        if c == cmd_type:
            return a
    return None


class CcidHost:
    """Host side of a CCID serial reader, one command at a time, sans-IO.

    ::

        host = CcidHost()
        port.write(host.power_on())
        while True:
            action = host.feed(port.read(64))      # None until something happens
            if action is None: continue
            kind, value = action
            if kind == "send": port.write(value)   # NAK: the reader asked for the command again
            else: atr = value; break               # kind == "done"

    Results: power_on -> ATR bytes, xfr_block -> response bytes, power_off and
    slot_status -> bmICCStatus, escape -> data.  Failures raise :class:`DeviceError`
    with code ``no-card``, ``mute`` or ``reader``; protocol violations raise
    :class:`RemoteProtocolError` / :class:`DecodeError`.
    """

    def __init__(self, slot=0, max_nak=3):
        self.slot = slot
        self.card_present = None
        self._seq = 0
        self._decoder = SerialDecoder()
        self._pending = None  # (message bytes, wire bytes, answer type)
        self._naks = 0
        self._max_nak = max_nak

    def _start(self, msg):
        if self._pending is not None:
            raise LocalProtocolError("a CCID command is still waiting for its answer")
        self._pending = (msg, frame(msg), _answer_type(msg[0]))
        self._naks = 0
        self._seq = (self._seq + 1) & 0xFF
        return self._pending[1]

    def power_on(self, power_select=0):
        return self._start(icc_power_on(self.slot, self._seq, power_select))

    def power_off(self):
        return self._start(icc_power_off(self.slot, self._seq))

    def slot_status(self):
        return self._start(get_slot_status(self.slot, self._seq))

    def xfr_block(self, apdu):
        return self._start(xfr_block(self.slot, self._seq, apdu))

    def escape(self, data):
        return self._start(escape(self.slot, self._seq, data))

    @property
    def busy(self):
        return self._pending is not None

    def abandon(self):
        """Forget the command in flight (after a timeout) and drop buffered bytes."""
        self._pending = None
        self._decoder = SerialDecoder()

    def feed(self, data):
        if self._pending is None:
            raise LocalProtocolError("no CCID command in flight")
        result = None
        for kind, value in self._decoder.feed(data):
            if kind == EVENT_SLOT:
                self.card_present = value
            elif kind == EVENT_NAK:
                self._naks += 1
                if self._naks > self._max_nak:
                    self._pending = None
                    raise RemoteProtocolError("reader sent NAK %d times" % self._naks)
                result = ("send", self._pending[1])
            elif kind == EVENT_FRAME:
                done = self._answer(value)
                if done is not None:
                    result = done
                    break
        return result

    def _answer(self, msg):
        sent, _, want = self._pending
        if msg == sent:
            return None  # the GemPC Twin echo of our own command
        m = parse_message(msg)
        if m.type in COMMANDS:
            raise RemoteProtocolError("reader sent command %02X instead of an answer" % m.type)
        if m.seq != sent[6] or m.slot != sent[5]:
            raise RemoteProtocolError("answer for slot %d seq %d; expected slot %d seq %d"
                                      % (m.slot, m.seq, sent[5], sent[6]))
        if m.command_status == CMD_TIME_EXTENSION:
            return None
        self._pending = None
        if m.type != want:
            raise RemoteProtocolError("answer type %02X to command %02X; expected %02X" % (m.type, sent[0], want))
        if m.icc_status == ICC_ABSENT:
            self.card_present = False
        elif m.icc_status != 3:
            self.card_present = True
        if m.command_status == CMD_FAILED:
            if m.icc_status == ICC_ABSENT:
                code = "no-card"
            elif m.b8 == ERR_ICC_MUTE:
                code = "mute"
            else:
                code = "reader"
            raise DeviceError("reader: " + error_text(m.b8) + " (command %02X)" % sent[0], code=code,
                              retryable=code != "reader")
        if m.command_status != CMD_OK or m.icc_status == 3:
            raise RemoteProtocolError("bStatus %02X has reserved bits set" % m.b7)
        if want == RDR_TO_PC_SLOT_STATUS:
            return ("done", m.icc_status)
        return ("done", m.data)
