"""
What the modem engine tells the application: every event kind, in one place.

Compare ``ev.kind`` with these names, never with a string of your own; a kind
added here is added to the table in docs/modem.md too (a test checks both).
The values are the strings the engine has always used, so logs and JSON read
as before.

    kind            attributes                                          when
    READY           profile, memory, used, total, smsc                  init finished
    INIT_FAILED     error                                               init failed; retried after ``init_retry``
    REBOOT          line                                                the module restarted; re-init queued
    INFO            info (dict)                                         answer to ``query_info()``
    SENT            id, parts [(seq, mr)]                               every part accepted by the SMSC
    SEND_FAILED     id, error, sent [(seq, mr)], failed_seq             with the reason (DeviceError/DeadlineError)
    MESSAGE         message, token, key, complete                       store it, then ``confirm(token)``;
                    [text, received, total, reason]                     complete=False: an incomplete set given up
    BAD_MESSAGE     error, token                                        an undecodable stored PDU (confirm deletes it)
    PDU_WARNINGS    warnings [(position, field, what)], index           a PDU decoded leniently; log it
    REPORT          id, seq, mr, status, status_kind, number            status report matched by TP-MR
    REGISTRATION    tech ("gsm"/"lte"), stat, registered                registration state changed
    STORAGE         used, total, full [, spilled]                       SMS storage full / held parts moved to RAM
    SIM             state                                               ``+CPIN:`` other than READY (SIM removed...)
    RING            line                                                an incoming call
    DEADLINE        command, op                                         a command got no final result in time
    OP_FAILED       op, error                                           an operation stopped on an unexpected error
    UNKNOWN         line                                                a line nobody expected
"""

READY = "ready"
INIT_FAILED = "init-failed"
REBOOT = "reboot"
INFO = "info"
SENT = "sent"
SEND_FAILED = "send-failed"
MESSAGE = "message"
BAD_MESSAGE = "bad-message"
PDU_WARNINGS = "pdu-warnings"
REPORT = "report"
REGISTRATION = "registration"
STORAGE = "storage"
SIM = "sim"
RING = "ring"
DEADLINE = "deadline"
OP_FAILED = "op-failed"
UNKNOWN = "unknown"

# Kinds a URC storm can repeat without end.  Once the application lets MAX_EVENTS pile up these
# are dropped (the modem repeats state later); the others are never dropped.
DROPPABLE = (UNKNOWN, REGISTRATION, RING, STORAGE)


class Event:
    """``kind`` (one of the names above) and its attributes, also as the dict ``fields``."""

    def __init__(self, kind, **fields):
        self.kind = kind
        self.fields = fields
        for k in fields:
            setattr(self, k, fields[k])

    def __repr__(self):
        return "Event(" + self.kind + ", " + repr(self.fields) + ")"


def pdu_warnings_text(ev):
    """One log line for a ``PDU_WARNINGS`` event: positions and fields, never the message text."""
    where = "" if ev.index is None else " at index " + str(ev.index)
    return "received PDU%s decoded leniently: %s" % (
        where, "; ".join("%s @%d %s" % (field, pos, what) for pos, field, what in ev.warnings))
