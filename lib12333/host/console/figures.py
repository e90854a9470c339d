"""
Call figures per local day for the figures page, kept between requests.

Each day's records go through ``lib12333.records.metrics.Metrics`` (the code of
``lib12333 cdr stats`` and the annual report) once; the day is computed again
only when its row count or highest row id in ``service_records`` changed (an
import, a late record).  A range's overall figures are the sum of its days'
buckets: every counter of a ``Bucket`` is a sum, the longest wait a maximum.
"""

from lib12333.errors import Lib12333Error
from lib12333.records import OUTCOMES, ServiceRecord
from lib12333.records.metrics import Bucket, Metrics

TZ = 8 * 3600
INTERVAL = 3600
# The gateway's own outcome words for kiosk transactions -> lib12333.records outcomes.
KIOSK_OUTCOMES = {"completed": "delivered", "queued": "delivered", "refused": "failed"}


def records(rows):
    """ServiceRecords from ``store.service_rows``; rows the record rules refuse are skipped."""
    for channel, service, region, category, queue, arrival, answer, end, outcome, agent, caller in rows:
        outcome = KIOSK_OUTCOMES.get(outcome, outcome if outcome in OUTCOMES else "unknown")
        try:
            yield ServiceRecord(channel=channel, service=int(service), region=int(region) if region.isdigit() else 0,
                                category=category if category.isdigit() else "", queue=queue[:64], arrival=arrival,
                                answer=answer, end=end, outcome=outcome, agent=agent[:64], caller=caller[:64])
        except (Lib12333Error, ValueError):
            continue


def merged(buckets):
    total = Bucket()
    for b in buckets:
        total.c = [x + y for x, y in zip(total.c, b.c)]
        total.wait_answered += b.wait_answered
        total.talk += b.talk
        total.longest_wait = max(total.longest_wait, b.longest_wait)
    return total


class DayFigures:
    def __init__(self, tz=TZ):
        self.tz = tz
        self.cache = {}  # local day number -> ((rows, highest id), Metrics by interval)

    def days(self, store, first, last):
        """{local day number: Metrics} for the days first..last (inclusive) that have call records."""
        start, end = first * 86400 - self.tz, (last + 1) * 86400 - self.tz
        out = {}
        for day, token in store.service_days(start, end, self.tz, "call").items():
            hit = self.cache.get(day)
            if hit is None or hit[0] != token:
                m = Metrics(dimensions=("interval",), interval=INTERVAL, tz_offset=self.tz)
                for r in records(store.service_rows(day * 86400 - self.tz, (day + 1) * 86400 - self.tz, "call")):
                    m.add(r)
                m.flush()  # the records sit in cells until rolled up into overall and groups
                self.cache[day] = hit = (token, m)
            out[day] = hit[1]
        return out
