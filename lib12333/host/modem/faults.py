"""
Fault injection for the modem emulator, parsed from ``--faults`` text.

``Faults.parse("latency=0.2,drop=0.05,dup=0.1,cms=0.1,garbage=0.05,storm=0.02,"
"reboot=0.02,sim=3,unreg=0.05,full=3,urcdrop=0.2,seed=7")``

    latency=S   every answer is delayed by a random 0..S seconds
    drop=P      the modem ignores a command entirely (no answer; the message is not sent)
    dup=P       the network delivers a message twice (the same PDU: same time stamp)
    cms=P       AT+CMGS answers +CMS ERROR (codes from ``cms_codes``, default 500/513/332/42)
    garbage=P   random non-ASCII noise lines between answers
    storm=P     a burst of 20 unsolicited lines (+CREG, +CEREG, RING, +CSQ noise) after an answer
    reboot=P    the modem restarts while executing a command (silent 0.3 s, then boot URCs)
    sim=S       the SIM is not ready for S seconds after every start (+CPIN: NOT READY, CMS 314)
    unreg=P     registration is lost for about 1 s (CREG/CEREG URCs; CMGS gets CMS 331)
    full=N      SMS storage holds only N messages (the network waits and retries when full)
    urcdrop=P   a +CMTI / +CDSI indication is not printed (the message is stored silently)
    seed=N      random seed (default 1), so a failing run can be repeated

Probabilities are per event (per command, per delivery).  ``Faults()`` is all off.
The core emulator (``lib12333.modem.emulator``) asks ``hit``, ``cms_code``, ``noise``
and ``sim``; latency, dup and full are applied by the host wrapper and the network.
"""

import random

from lib12333.errors import ConfigError

_FLOAT = ("latency", "drop", "dup", "cms", "garbage", "storm", "reboot", "sim", "unreg", "urcdrop")
_INT = ("full", "seed")
NAMES = _FLOAT + _INT


class Faults:
    def __init__(self, **values):
        self.latency = 0.0
        self.drop = 0.0
        self.dup = 0.0
        self.cms = 0.0
        self.garbage = 0.0
        self.storm = 0.0
        self.reboot = 0.0
        self.sim = 0.0
        self.unreg = 0.0
        self.urcdrop = 0.0
        self.full = 0
        self.seed = 1
        self.cms_codes = (500, 513, 332, 42)
        for k in values:
            if k not in NAMES and k != "cms_codes":
                raise ConfigError("unknown fault", "--faults", None, k, ", ".join(NAMES))
            setattr(self, k, values[k])
        self.rng = random.Random(self.seed)

    @classmethod
    def parse(cls, text):
        values = {}
        if text:
            for item in text.split(","):
                item = item.strip()
                if not item:
                    continue
                if "=" not in item:
                    raise ConfigError("expected name=value", "--faults", None, item, "e.g. drop=0.1")
                name, value = item.split("=", 1)
                name = name.strip()
                if name not in NAMES:
                    raise ConfigError("unknown fault", "--faults", None, name, ", ".join(NAMES))
                try:
                    values[name] = int(value) if name in _INT else float(value)
                except ValueError:
                    raise ConfigError("not a number", "--faults", None, name, "a number") from None
                if name in ("drop", "dup", "cms", "garbage", "storm", "reboot", "unreg", "urcdrop") and not (
                        0.0 <= values[name] <= 1.0):
                    raise ConfigError("probability out of range", "--faults", None, name, "0..1")
        return cls(**values)

    def hit(self, name):
        p = getattr(self, name)
        return p > 0 and self.rng.random() < p

    def cms_code(self):
        """The +CMS ERROR code of an injected sending failure."""
        return self.cms_codes[self.rng.randrange(len(self.cms_codes))]

    def noise(self):
        """One line of random non-ASCII bytes."""
        return bytes(0x80 + self.rng.randrange(0x7F) for _ in range(self.rng.randrange(1, 40)))

    def describe(self):
        on = []
        for n in NAMES:
            v = getattr(self, n)
            if v and n != "seed":
                on.append(n + "=" + str(v))
        return ",".join(on) or "none"
