"""
What the gateway did with one incoming SMS: a kind from the constants below plus an optional reason.

``Centre.handle`` (binary frames), ``Relay.handle`` (centre-to-centre frames) and
``Centre.handle_text`` (a citizen's text) return an :class:`Outcome`.  Callers test
``outcome.kind == REJECTED`` (never ``startswith``); ``outcome.reason`` says why, in words
fit for a log (no personal data).  An Outcome is also the text the log and the service
events always showed (``"rejected: revoked device 1001"``), so printing one is unchanged.
"""

# frames from kiosks and peer centres
APPLIED = "applied"                # applied now and answered
DUPLICATE = "duplicate"            # applied before; the answer was sent again (or not: see reason)
REJECTED = "rejected"              # not authentic, malformed header, unknown or revoked sender
DEFERRED = "deferred"              # not applied, nothing answered: the database or a peer failed; the retry will be
RELAYED = "relayed"                # routed to the responsible centre; its answer comes back later
RELAYING = "relaying"              # a retry of a frame whose relay is still waiting
RELAY_APPLIED = "relay-applied"    # a peer's relayed request applied here and answered
RELAY_ANSWERED = "relay-answered"  # a peer's answer to our relay passed on to the kiosk

# citizens' text messages
ANSWERED = "answered"
IGNORED = "ignored"                # not a status query
LIMITED = "limited"                # not answered: the per-sender or queue bound
FAILED = "failed"


class Outcome(str):
    """``kind`` (a constant above) and ``reason`` (text or None); equal to its text ``"kind: reason"``."""

    def __new__(cls, kind, reason=None):
        self = str.__new__(cls, kind if reason is None else kind + ": " + str(reason))
        self.kind = kind
        self.reason = None if reason is None else str(reason)
        return self

    def __repr__(self):
        return "Outcome(%r, %r)" % (self.kind, self.reason)
