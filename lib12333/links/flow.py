"""
The two clocks of a link's flow control, with time from the caller.

``Rate(per_second, now)``: a token bucket, as operators count submits per
second (a burst of ``per_second``, then one every ``1/per_second`` s);
``per_second`` None means no limit.  ``Backoff(first, most)``: the delay before
the next connection attempt doubles from ``first`` to ``most`` and starts again
after ``reset()`` (once bound).
"""


class Rate:
    def __init__(self, per_second, now):
        self.per_second = per_second
        self.tokens = float(per_second or 0)
        self.at = now

    def take(self, now):
        """True (and one token spent) when a submit may leave at ``now``."""
        if not self.per_second:
            return True
        self.tokens = min(float(self.per_second), self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def ready_at(self, now):
        """When the next token is there."""
        if not self.per_second or self.tokens >= 1:
            return now
        return self.at + (1 - self.tokens) / self.per_second


class Backoff:
    def __init__(self, first, most):
        self.first = first
        self.most = most
        self.failures = 0

    def next_delay(self):
        self.failures += 1
        return min(self.first * (1 << min(self.failures - 1, 16)), self.most)

    def reset(self):
        self.failures = 0
