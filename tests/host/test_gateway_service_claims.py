"""
When the shipped gateway loop looks for due rows (issue 16): in the turn that queued answers (they
go out at once, within the kiosk's replay window), and otherwise every ``POLL`` seconds -- not
after every pump, since on PostgreSQL the look is a write (the claim).  A row queued by another
process (the console, another worker) is still sent, within ``POLL``.
"""

import time

from lib12333.host.gateway import db
from lib12333.host.gateway import service as service_mod
from tests.host.test_gateway_service_group import KIOSKS, burst, run_until, stored


def claims(log):
    """The looks for due rows in ``log`` (SQLite: the read; PostgreSQL: the claiming UPDATE)."""
    return sum(1 for kind, sql in log if kind == "sql" and "FROM outgoing WHERE sent_at IS NULL" in sql)


def test_answers_are_claimed_in_their_turn_idle_turns_claim_nothing_others_rows_within_poll(gateway_db):
    url = gateway_db()
    sim, log, service, outcomes, n = burst(url)
    other = db.connect(url)
    try:
        run_until(service, lambda: stored(sim) == 0, 60)
        assert sorted(o.split(":")[0] for o in outcomes) == ["applied"] * n
        # the answers and notices were claimed by the turn that committed them: sent or being sent now
        waiting = other.execute("SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL").fetchone()[0]
        assert waiting == len(set(service.in_flight.values())), "an answer waited for the next look"
        run_until(service, lambda: not service.in_flight, 30)  # their SENT events recorded

        time.sleep(service_mod.POLL)  # the next look is due: it finds nothing, then idle turns
        service.step(0)
        before, started = claims(log), time.monotonic()
        turns = 0
        while time.monotonic() - started < service_mod.POLL / 2:
            service.step(0.01)
            turns += 1
        assert turns >= 5 and claims(log) == before, "idle turns looked for due rows"

        # a notice queued by another process: not this worker's, found by the look every POLL seconds
        other.execute("INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('notice', ?, ?, ?)",
                      ("+8613900009999", "测试".encode("utf-8"), 0))
        queued_at = time.monotonic()
        row = lambda: other.execute("SELECT sent_at FROM outgoing WHERE to_number = '+8613900009999'").fetchone()  # noqa: E731
        run_until(service, lambda: row()[0] is not None, 30)
        assert time.monotonic() - queued_at < service_mod.POLL + 5
        assert claims(log) > before
        assert other.execute("SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL").fetchone()[0] == 0
        assert n == 2 * KIOSKS
    finally:
        other.close()
        sim.stop()
