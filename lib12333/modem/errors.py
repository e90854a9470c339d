"""
What a modem's ``+CMS ERROR`` / ``+CME ERROR`` means and whether to try again.

The codes come from 3GPP TS 27.005 section 3.2.5 (``+CMS``: 0-127 are the
network's RP causes of TS 24.011, 128-255 the SMSC's TP-FCS of TS 23.040,
300-500 the phone's own), TS 27.007 section 9.2 (``+CME``) and vendor manuals
(512 and up are manufacturer specific).

``R`` = retryable: the same request may succeed later without anyone changing
anything (network busy, SIM still starting, no signal).  ``P`` = permanent:
retrying the same request fails the same way; something must be fixed first
(number, PDU, SMSC, subscription, SIM).

``lookup("cms", 330) -> (meaning, retryable)``; ``device_error(line)`` turns a
final result line into a ``lib12333.errors.DeviceError`` with ``code`` set to
``"CMS 330"`` / ``"CME 10"`` and ``retryable`` from the table.  Verbose
(``AT+CMEE=2``) texts are matched back to their numbers where the text is the
standard one, otherwise classified by keywords.
"""

from lib12333.errors import DeviceError

# code, R/P, meaning (our wording)
CMS = (
    (1, "P", "unassigned number: the destination does not exist"),
    (8, "P", "operator determined barring"),
    (10, "P", "call barred"),
    (21, "P", "short message transfer rejected by the network"),
    (22, "R", "memory capacity exceeded at the network"),
    (27, "R", "destination out of service"),
    (28, "P", "unidentified subscriber"),
    (29, "P", "facility rejected"),
    (30, "P", "unknown subscriber"),
    (38, "R", "network out of order"),
    (41, "R", "temporary network failure"),
    (42, "R", "network congestion"),
    (47, "R", "network resources unavailable"),
    (50, "P", "requested facility not subscribed (SMS not enabled on this SIM)"),
    (69, "P", "requested facility not implemented"),
    (81, "P", "invalid short message transfer reference"),
    (95, "P", "invalid message, semantically incorrect"),
    (96, "P", "mandatory information missing or invalid"),
    (97, "P", "message type unknown to the network"),
    (98, "R", "message not compatible with the protocol state"),
    (99, "P", "information element unknown"),
    (111, "R", "network protocol error"),
    (127, "R", "interworking error, unspecified"),
    (128, "P", "telematic interworking not supported"),
    (129, "P", "short message type 0 not supported"),
    (130, "P", "cannot replace short message"),
    (143, "P", "unspecified TP-PID error"),
    (144, "P", "data coding scheme not supported"),
    (145, "P", "message class not supported"),
    (159, "P", "unspecified TP-DCS error"),
    (160, "P", "command cannot be actioned"),
    (161, "P", "command unsupported"),
    (175, "P", "unspecified TP-Command error"),
    (176, "P", "TPDU not supported"),
    (192, "R", "SMSC busy"),
    (193, "P", "no SMSC subscription"),
    (194, "R", "SMSC system failure"),
    (195, "P", "invalid destination address"),
    (196, "P", "destination barred"),
    (197, "P", "rejected as a duplicate message"),
    (198, "P", "validity period format not supported"),
    (199, "P", "validity period not supported"),
    (208, "R", "SIM SMS storage full"),
    (209, "P", "no SMS storage on the SIM"),
    (210, "R", "error in the phone"),
    (211, "R", "memory capacity exceeded"),
    (212, "R", "SIM toolkit busy"),
    (213, "R", "SIM data download error"),
    (255, "R", "unspecified error"),
    (300, "R", "phone (modem) failure"),
    (301, "R", "SMS service of the phone reserved"),
    (302, "P", "operation not allowed (often: wrong mode, e.g. text instead of PDU)"),
    (303, "P", "operation not supported"),
    (304, "P", "invalid PDU mode parameter (PDU or length wrong)"),
    (305, "P", "invalid text mode parameter"),
    (310, "P", "SIM not inserted"),
    (311, "P", "SIM PIN required"),
    (312, "P", "PH-SIM PIN required"),
    (313, "P", "SIM failure"),
    (314, "R", "SIM busy"),
    (315, "P", "SIM wrong"),
    (316, "P", "SIM PUK required"),
    (317, "P", "SIM PIN2 required"),
    (318, "P", "SIM PUK2 required"),
    (320, "R", "memory failure"),
    (321, "P", "invalid memory index"),
    (322, "R", "memory full"),
    (330, "P", "SMSC address unknown (set it with AT+CSCA)"),
    (331, "R", "no network service"),
    (332, "R", "network timeout"),
    (340, "P", "no +CNMA acknowledgement expected"),
    (500, "R", "unknown error"),
    (512, "R", "vendor: SMS not ready yet / lower-layer failure"),
    (513, "R", "vendor: send failed at the radio layer (no network acknowledgement)"),
    (514, "R", "vendor: SMS sending timeout"),
    (515, "R", "vendor: device busy, try later"),
    (517, "R", "vendor: SIM not ready for SMS yet"),
    (528, "R", "vendor: SMS service not ready"),
)

CME = (
    (0, "R", "phone failure"),
    (1, "P", "no connection to phone"),
    (2, "P", "phone adaptor link reserved"),
    (3, "P", "operation not allowed"),
    (4, "P", "operation not supported"),
    (5, "P", "PH-SIM PIN required"),
    (10, "P", "SIM not inserted"),
    (11, "P", "SIM PIN required"),
    (12, "P", "SIM PUK required"),
    (13, "P", "SIM failure"),
    (14, "R", "SIM busy"),
    (15, "P", "SIM wrong"),
    (16, "P", "incorrect password"),
    (17, "P", "SIM PIN2 required"),
    (18, "P", "SIM PUK2 required"),
    (20, "R", "memory full"),
    (21, "P", "invalid index"),
    (22, "P", "not found"),
    (23, "R", "memory failure"),
    (24, "P", "text string too long"),
    (25, "P", "invalid characters in text string"),
    (26, "P", "dial string too long"),
    (27, "P", "invalid characters in dial string"),
    (30, "R", "no network service"),
    (31, "R", "network timeout"),
    (32, "R", "network not allowed, emergency calls only"),
    (100, "R", "unknown error"),
)

# keywords that make an unknown verbose text retryable
_RETRY_WORDS = ("busy", "timeout", "time out", "not ready", "no network", "congestion", "temporar", "try")


def _table(kind):
    return CMS if kind == "cms" else CME


def lookup(kind, code):
    """``(meaning, retryable)`` for ``kind`` "cms"/"cme" and an int code; unknown
    codes are "unknown ... code N" and retryable when in the vendor range."""
    for c, r, meaning in _table(kind):
        if c == code:
            return meaning, r == "R"
    return "unknown " + kind.upper() + " error code " + str(code), code >= 512


def lookup_text(kind, text):
    """Verbose error text -> ``(code or None, meaning, retryable)``."""
    low = text.lower()
    for c, r, meaning in _table(kind):
        m = meaning.lower()
        cut = m.find(" (")
        if cut > 0:
            m = m[:cut]
        if low == m:
            return c, meaning, r == "R"
    retry = False
    for w in _RETRY_WORDS:
        if w in low:
            retry = True
    return None, text, retry


def device_error(line, action=None):
    """A final-result line (``ERROR``, ``+CMS ERROR: 330``...) -> ``DeviceError``."""
    if line.startswith("+CMS ERROR") or line.startswith("+CME ERROR"):
        kind = "cms" if line.startswith("+CMS") else "cme"
        detail = line[line.find(":") + 1 :].strip() if ":" in line else ""
        if detail and _ascii_digits(detail):
            code = int(detail)
            meaning, retry = lookup(kind, code)
        else:
            code, meaning, retry = lookup_text(kind, detail)
        tag = kind.upper() + " " + (str(code) if code is not None else detail)
    else:
        meaning, retry, tag = "command rejected (plain ERROR)", False, "ERROR"
    msg = meaning if action is None else action + ": " + meaning
    return DeviceError(msg, code=tag, retryable=retry)


def _ascii_digits(text):
    for c in text:
        if c < "0" or c > "9":
            return False
    return True


def table_rows(kind):
    """``[(code, "retryable"|"permanent", meaning)]`` for docs and the CLI."""
    return [(c, "retryable" if r == "R" else "permanent", m) for c, r, m in _table(kind)]
