"""
The exceptions lib12333 raises.

Every error the library raises on purpose is a subclass of ``Lib12333Error``, so
an integrator can catch one class at a boundary.  Below it, the tree says whose
fault the error is and what kind of input failed:

    Lib12333Error
    ├── DecodeError          bytes or text that cannot be parsed (carries field, position)
    ├── ValidationError      well-formed input that breaks a rule (bad check digit, unknown code)
    │   └── ConfigError      a configuration file or table is wrong (carries source, line)
    ├── ProtocolError        a conversation went wrong
    │   ├── LocalProtocolError   we were asked to do something the protocol forbids
    │   └── RemoteProtocolError  the peer sent something the protocol forbids
    ├── SecurityError        authentication failed, replay, revoked key
    │   └── CardSecurityError    a card refused a PIN or external authentication (carries sw, tries_left)
    ├── StateError           an operation that the current state does not allow
    ├── CapacityError        a bounded buffer or queue is full
    ├── DeadlineError        an operation did not finish before its deadline
    ├── DeviceError          a modem, card or reader answered with an error code (carries code)
    │   └── CardError            a card answered a status word other than 9000 (carries sw, command)
    └── StorageError         persisted data is missing or corrupt

Messages say what was wrong, where, and what was expected, for example::

    DecodeError: TP-DCS: reserved coding group 0x8_ at byte 12; expected 0x0_-0x3_, 0x4_-0x7_, 0xC_-0xF_

Errors never carry personal data (ID numbers, names, card numbers, phone
numbers) in their message: they name the field, not the value.

All classes take keyword arguments only after the message, and every subclass
calls ``super().__init__`` first, which MicroPython requires.
"""


def _describe(message, details):
    parts = [message]
    for label, value in details:
        if value is not None:
            parts.append(label + " " + str(value))
    return "; ".join(parts)


class Lib12333Error(Exception):
    """Root of every error raised on purpose by lib12333."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class DecodeError(Lib12333Error):
    """Input bytes or text could not be parsed.

    ``field`` names the part of the format being read (for example ``"TP-DCS"``),
    ``position`` is the byte, character or line offset where reading failed and
    ``expected`` says what would have been valid there.
    """

    def __init__(self, message, field=None, position=None, expected=None):
        text = message
        if field is not None:
            text = field + ": " + text
        text = _describe(text, (("at position", position), ("expected", expected)))
        super().__init__(text)
        self.reason = message
        self.field = field
        self.position = position
        self.expected = expected


class ValidationError(Lib12333Error):
    """Input parsed but breaks a rule: a wrong check digit, an unknown code, a date that does not exist."""

    def __init__(self, message, field=None, expected=None):
        text = message
        if field is not None:
            text = field + ": " + text
        text = _describe(text, (("expected", expected),))
        super().__init__(text)
        self.reason = message
        self.field = field
        self.expected = expected


class ConfigError(ValidationError):
    """A configuration file or table (extension codes, rule set, board config) is invalid.

    ``source`` is the file or table name, ``line`` the line or entry number when known,
    ``item`` the name of the offending entry (a rule name, a code).
    """

    def __init__(self, message, source=None, line=None, item=None, expected=None):
        where = []
        if source is not None:
            where.append(str(source))
        if line is not None:
            where.append("line " + str(line))
        if item is not None:
            where.append(repr(item))
        text = message
        if where:
            text = ", ".join(where) + ": " + message
        super().__init__(text, None, expected)
        self.reason = message
        self.source = source
        self.line = line
        self.item = item


class ProtocolError(Lib12333Error):
    """A protocol conversation went wrong. Use the Local / Remote subclasses."""


class LocalProtocolError(ProtocolError):
    """We (the caller of lib12333) asked for something the protocol does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer (modem, card, kiosk, centre) sent something the protocol does not allow."""


class SecurityError(Lib12333Error):
    """A message failed authentication, was replayed, or came from an unknown or revoked device."""


class CardSecurityError(SecurityError):
    """A card refused a PIN (VERIFY) or external authentication, or could not be asked.

    ``command`` is ``"VERIFY"`` or ``"EXTERNAL AUTHENTICATE"``; ``sw`` the card's status
    word as an int (63Cx, 6983), or None when the card was never asked because no
    authenticator (security module) was given (``needs_authenticator`` is then True);
    ``tries_left`` the tries the card still allows (None when unknown).
    """

    def __init__(self, message, command=None, sw=None, tries_left=None):
        super().__init__(message)
        self.command = command
        self.sw = sw
        self.tries_left = tries_left
        self.needs_authenticator = sw is None  # the card needs a security module (PSAM) not supplied


class StateError(Lib12333Error):
    """An operation that the object's current state does not allow (an illegal transition).

    ``state`` is the current state and ``action`` the attempted operation.
    """

    def __init__(self, message, state=None, action=None):
        text = _describe(message, (("state", state), ("action", action)))
        super().__init__(text)
        self.reason = message
        self.state = state
        self.action = action


class CapacityError(Lib12333Error):
    """A bounded buffer, queue or table is full."""


class DeadlineError(Lib12333Error):
    """An operation did not complete before its deadline (times are the caller's clock)."""


class DeviceError(Lib12333Error):
    """A device answered with an error code (``+CMS ERROR: 500``, status word ``6A82``...).

    ``code`` is the device's code, ``retryable`` says whether trying again may succeed.
    """

    def __init__(self, message, code=None, retryable=False):
        text = _describe(message, (("code", code),))
        super().__init__(text)
        self.reason = message
        self.code = code
        self.retryable = retryable


class CardError(DeviceError):
    """A card answered ``command`` with status word ``sw`` (an int) other than 9000.

    ``code`` is the status word as four hex digits (``"6A82"``), as for any
    :class:`DeviceError`; ``retryable`` is True for 63Cx with tries left.
    """

    def __init__(self, message, sw, command=None):
        retry = (sw >> 8) == 0x63 and (sw & 0xF0) == 0xC0 and (sw & 0x0F) > 0
        super().__init__(message, code="%04X" % sw, retryable=retry)
        self.sw = sw
        self.command = command


class StorageError(Lib12333Error):
    """Persisted data (journal, index, database) is missing, truncated or fails its checksum."""
