"""
Stores that lose power: a fault-injection fake for lib12333.storage's interface.

    power = Power(budget=120, mode="prefix")
    a, b = PowerCutStore(power), PowerCutStore(power)
    ...                                  # code under test raises PowerLost after 120 units
    a2, b2 = a.reboot(), b.reboot()      # fresh stores holding what survived, unlimited power

Every appended byte costs one unit and every ``sync`` or ``reset`` one more, so a
budget of k cuts the run at the k-th byte or operation; ``Power.used`` after an
uncut run is the number of cut positions to try.

Modes say what survives a cut:

- ``"prefix"``: every byte written before the cut (a torn write keeps its head);
- ``"unsynced"``: only what the last ``sync`` made durable (a write-back cache
  that loses everything not flushed); ``reset`` is durable at once in both.

``PowerLost`` deliberately is not a lib12333 error: it stands for the CPU
stopping, and nothing in the library may catch it.
"""


class PowerLost(Exception):
    """The simulated power failed; the code under test must not survive this."""


class Power:
    def __init__(self, budget=None, mode="prefix"):
        if mode not in ("prefix", "unsynced"):
            raise ValueError("mode must be 'prefix' or 'unsynced'")
        self.budget = budget
        self.mode = mode
        self.used = 0
        self.dead = False

    def spend(self, n):
        """Units granted out of ``n`` (fewer when the budget runs out; then the power is dead)."""
        if self.dead:
            return 0
        if self.budget is None:
            self.used += n
            return n
        granted = min(n, self.budget - self.used)
        self.used += granted
        if granted < n:
            self.dead = True
        return granted


class PowerCutStore:
    def __init__(self, power, durable=b""):
        self.power = power
        self.durable = bytearray(durable)
        self.volatile = bytearray(durable)

    def _alive(self):
        if self.power.dead:
            raise PowerLost()

    def size(self):
        self._alive()
        return len(self.volatile)

    def read(self, offset, n):
        self._alive()
        return bytes(self.volatile[offset : offset + n])

    def append(self, data):
        self._alive()
        k = self.power.spend(len(data))
        self.volatile += data[:k]
        if self.power.mode == "prefix":
            self.durable += data[:k]
        if k < len(data):
            raise PowerLost()

    def sync(self):
        self._alive()
        if self.power.spend(1) < 1:
            raise PowerLost()
        self.durable = bytearray(self.volatile)

    def reset(self):
        self._alive()
        if self.power.spend(1) < 1:
            raise PowerLost()
        self.volatile = bytearray()
        self.durable = bytearray()

    def reboot(self, power=None):
        """A new store holding what survived, powered by ``power`` (unlimited by default)."""
        return PowerCutStore(power if power is not None else Power(None, self.power.mode), self.durable)
