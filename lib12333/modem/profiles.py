"""
Module quirks kept as data: one entry per supported modem family.

The engine never tests a model name; it reads these fields.  ``detect(text)``
picks the profile whose ``match`` strings occur in the ``AT+CGMM`` / ``ATI``
answer, falling back to ``GENERIC``.

Fields:

    name          profile key
    match         substrings of the model answer that select this profile
    lte           True: register via AT+CEREG as well as AT+CREG
    ccid          command that prints the ICCID (AT+CCID, AT+CICCID, AT+QCCID)
    reboot        lines that mean "the module has just started": seeing one
                  while running makes the engine fail the command in flight
                  and run the init sequence again
    sms_ready     lines that mean SMS service is ready after a start
    memory        preferred SMS storage for receiving (CPMS mem1/mem2/mem3)
    cnmi          new-message indication: stored (+CMTI) and reports stored (+CDSI)
    cnmi_direct   the same for direct delivery (+CMT / +CDS, then AT+CNMA)
    send_timeout  seconds to wait for +CMGS after the PDU (network round trip)
    uart_init     extra commands when the module is driven over its UART rather
                  than USB (Quectel sends URCs to USB unless told otherwise)
    notes         what a technician should know

Sources: the vendors' AT manuals (SIMCom SIM800 Series AT Command Manual,
A76XX Series AT Command Manual, SIM7500/7600 AT Command Manual; Quectel
EC200x/EC800N/EG25 AT Commands Manuals) and the issue threads summarised in
``docs/modem.md``.
"""

_STD_CNMI = "2,1,0,2,0"
_STD_CNMI_DIRECT = "2,2,0,1,0"

_DATA = (
    {
        "name": "SIM800",
        "match": ("SIM800", "SIM900", "SIM868"),
        "lte": False,
        "ccid": "AT+CCID",
        "reboot": ("RDY",),
        "sms_ready": ("SMS Ready",),
        "memory": "SM",
        "cnmi": _STD_CNMI,
        "cnmi_direct": _STD_CNMI_DIRECT,
        "send_timeout": 60,
        "uart_init": (),
        "notes": "2G only (GSM 900/1800): China Mobile still carries GSM SMS; China Unicom and China "
        "Telecom have switched 2G off in most provinces. Needs a 2 A peak supply; brown-outs show as "
        "reboots ('RDY') or UNDER-VOLTAGE warnings.",
    },
    {
        "name": "A7670C",
        "match": ("A7670", "A7680", "A7682", "A7672"),
        "lte": True,
        "ccid": "AT+CICCID",
        "reboot": ("*ATREADY", "RDY"),
        "sms_ready": ("SMS DONE",),
        "memory": "SM",
        "cnmi": _STD_CNMI,
        "cnmi_direct": _STD_CNMI_DIRECT,
        "send_timeout": 60,
        "uart_init": (),
        "notes": "LTE Cat-1 with 2G fallback on some variants; prints '*ATREADY: 1' at start and "
        "accepts AT commands before SMS DONE, but SMS commands answer +CMS ERROR until then.",
    },
    {
        "name": "SIM7600CE",
        "match": ("SIM7600", "SIM7500", "SIM7000"),
        "lte": True,
        "ccid": "AT+CICCID",
        "reboot": ("RDY", "START"),
        "sms_ready": ("SMS DONE",),
        "memory": "SM",
        "cnmi": _STD_CNMI,
        "cnmi_direct": _STD_CNMI_DIRECT,
        "send_timeout": 60,
        "uart_init": (),
        "notes": "LTE Cat-4; URCs go to every port unless AT+CATR restricts them. SMS works over LTE "
        "only where the operator supports SMS over SGs/IMS.",
    },
    {
        "name": "EC200",
        "match": ("EC200",),
        "lte": True,
        "ccid": "AT+QCCID",
        "reboot": ("RDY",),
        "sms_ready": ("+QIND: SMS DONE", "SMS DONE"),
        "memory": "SM",
        "cnmi": _STD_CNMI,
        "cnmi_direct": _STD_CNMI_DIRECT,
        "send_timeout": 60,
        "uart_init": ('AT+QURCCFG="urcport","uart1"',),
        "notes": "LTE Cat-1 (EC200U/EC200N/EC200A); URCs default to the USB AT port, so on the UART "
        "the engine sends AT+QURCCFG first or +CMTI never arrives.",
    },
    {
        "name": "EC800N",
        "match": ("EC800",),
        "lte": True,
        "ccid": "AT+QCCID",
        "reboot": ("RDY",),
        "sms_ready": ("+QIND: SMS DONE", "SMS DONE"),
        "memory": "SM",
        "cnmi": _STD_CNMI,
        "cnmi_direct": _STD_CNMI_DIRECT,
        "send_timeout": 60,
        "uart_init": ('AT+QURCCFG="urcport","uart1"',),
        "notes": "LTE Cat-1, small LCC package for kiosks; same AT dialect as EC200.",
    },
    {
        "name": "EG25",
        "match": ("EG25", "EC25", "EG21"),
        "lte": True,
        "ccid": "AT+QCCID",
        "reboot": ("RDY",),
        "sms_ready": ("+QIND: SMS DONE", "SMS DONE"),
        "memory": "ME",
        "cnmi": _STD_CNMI,
        "cnmi_direct": _STD_CNMI_DIRECT,
        "send_timeout": 60,
        "uart_init": ('AT+QURCCFG="urcport","uart1"',),
        "notes": "LTE Cat-4 (PinePhone, mini-PCIe); ME storage holds more than a SIM; URC port as EC200.",
    },
)

GENERIC_DATA = {
    "name": "generic",
    "match": (),
    "lte": True,
    "ccid": "AT+CCID",
    "reboot": ("RDY", "*ATREADY", "START"),
    "sms_ready": ("SMS DONE", "SMS Ready", "+QIND: SMS DONE"),
    "memory": "SM",
    "cnmi": _STD_CNMI,
    "cnmi_direct": _STD_CNMI_DIRECT,
    "send_timeout": 60,
    "uart_init": (),
    "notes": "Unknown module: standard 3GPP TS 27.005/27.007 commands only.",
}


class Profile:
    """Read-only view of one entry of the table (attributes = the fields above)."""

    def __init__(self, data):
        for k in data:
            setattr(self, k, data[k])

    def is_reboot(self, line):
        for r in self.reboot:
            if line.startswith(r):
                return True
        return False

    def is_sms_ready(self, line):
        for r in self.sms_ready:
            if line.startswith(r):
                return True
        return False


def names():
    return [d["name"] for d in _DATA]


def get(name):
    """The profile called ``name`` (case-insensitive); ``ConfigError`` if unknown."""
    if name is None or name.lower() == "generic":
        return Profile(GENERIC_DATA)
    for d in _DATA:
        if d["name"].lower() == name.lower():
            return Profile(d)
    from lib12333.errors import ConfigError

    raise ConfigError("unknown modem profile", "profiles", None, name, ", ".join(names()) + " or generic")


def detect(model_text):
    """The profile matching an ``AT+CGMM`` / ``ATI`` answer, or the generic one."""
    up = (model_text or "").upper()
    for d in _DATA:
        for m in d["match"]:
            if m in up:
                return Profile(d)
    return Profile(GENERIC_DATA)
