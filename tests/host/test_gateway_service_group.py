"""
The shipped gateway loop applies the kiosk frames of one pump as one group commit (issue 16):
a burst of frames from several kiosks stored on the centre's emulated modem (a pty) is read by
one storage scan, applied in one transaction, and each SMS is deleted from the modem only after
that COMMIT.  A forged or malformed frame in the group is refused alone; PostgreSQL stopped in
the middle of the group leaves every SMS on the modem, and after recovery each is applied once.
"""

import threading
import time

from lib12333.host.gateway import db
from lib12333.host.gateway.centre import Centre
from lib12333.host.gateway.service import GROUP, GatewayService
from lib12333.host.modem.network import Simulator
from lib12333.host.modem.transport import SerialModem
from lib12333.secure import frame as frame_mod
from tests.host import gateway_fleet as F
from tests.host.test_gateway_pg_outage import _count, _wait, own_server  # noqa: F401 -- a fixture

KIOSKS = 3


def trace(conn, log):
    """Append ("sql", statement) to ``log`` for every statement ``conn`` runs (SQLite: its trace hook;
    PostgreSQL: the connection's execute)."""
    if hasattr(conn, "set_trace_callback"):
        conn.set_trace_callback(lambda sql: log.append(("sql", sql.strip())))
        return
    real_execute = conn.execute

    def execute(sql, params=()):
        log.append(("sql", sql.strip()))
        return real_execute(sql, params)

    conn.execute = execute


def stored(sim):
    return sum(len(slots) for slots in sim.modems[0].store.values())


def burst(url, extra=(), before=None):
    """(sim, log, service, outcomes): the kiosks' frames (and ``extra`` SMS data) stored on the centre's
    modem before the gateway starts, so its first storage scan delivers them in one pump."""
    F.setup(url, KIOSKS)
    sim = Simulator(count=1 + KIOSKS).start()
    kiosks = [SerialModem(m.path) for m in sim.modems[1:]]
    for k in kiosks:
        k.init(30)
    items = [data for _sender, data in F.frames(KIOSKS, per_kiosk=2, replay_share=0)] + list(extra)
    for i, data in enumerate(items):
        kiosks[i % KIOSKS].engine.send_sms(sim.modems[0].number, data=data, port=frame_mod.PORT)
    deadline = time.monotonic() + 60
    while stored(sim) < len(items) and time.monotonic() < deadline:
        for k in kiosks:
            k.pump(0.02)
    assert stored(sim) == len(items), "the burst did not reach the centre's modem"
    log = []
    conn = db.connect(url)
    trace(conn, log)
    if before is not None:
        real_execute = conn.execute

        def execute(sql, params=()):
            before(sql)
            return real_execute(sql, params)

        conn.execute = execute
    outcomes = []
    modem = SerialModem(sim.modems[0].path)
    real_confirm = modem.engine.confirm

    def confirm(token):
        log.append(("confirm", token))
        return real_confirm(token)

    modem.engine.confirm = confirm
    service = GatewayService(modem, Centre(conn, F.UNIT, centre_code="330100"), clock=lambda: F.NOW + 60,
                             on_event=lambda kind, detail: outcomes.append(detail) if kind == "frame" else None)
    return sim, log, service, outcomes, len(items)


def run_until(service, done, timeout):
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        service.step(0.05)
    assert done(), "timed out"


def check_one_commit_then_confirms(log, frames):
    """Every frame recorded as applied between one BEGIN and its COMMIT, each SMS confirmed after it."""
    applied = [i for i, (kind, text) in enumerate(log) if kind == "sql" and text.startswith("INSERT INTO applied")]
    assert applied
    commit = next(i for i in range(applied[-1], len(log)) if log[i] == ("sql", "COMMIT"))
    begin = max(i for i in range(applied[0]) if log[i][0] == "sql" and log[i][1].startswith("BEGIN"))
    assert ("sql", "COMMIT") not in log[begin:applied[-1]], "a COMMIT inside the group"
    confirms = [i for i, (kind, _t) in enumerate(log) if kind == "confirm"]
    assert len(confirms) == frames and len(set(log[i][1] for i in confirms)) == frames
    assert min(confirms) > commit, "an SMS was confirmed before the group's COMMIT"


def test_a_burst_from_several_kiosks_is_one_commit_each_applied_once_confirmed_after(gateway_db):
    url = gateway_db()
    sim, log, service, outcomes, n = burst(url)
    try:
        run_until(service, lambda: stored(sim) == 0, 60)
        assert n == 2 * KIOSKS <= GROUP
        assert (service.groups, service.frames) == (1, n), "the burst was not one group"
        assert sorted(o.split(":")[0] for o in outcomes) == ["applied"] * n
        check_one_commit_then_confirms(log, n)
        assert _count(url, "SELECT COUNT(*) FROM applied") == n
        assert _count(url, "SELECT COUNT(*) FROM card_events") == KIOSKS  # one loss report per kiosk
        assert _count(url, "SELECT COUNT(*) FROM outgoing WHERE kind = 'frame'") == n  # one answer each
    finally:
        sim.stop()


def test_a_forged_and_a_malformed_frame_in_the_group_do_not_affect_the_others(gateway_db):
    url = gateway_db()
    forged = bytearray(F.frames(KIOSKS, per_kiosk=1, replay_share=0)[0][1])
    forged[-1] ^= 1  # a loss report whose tag no longer verifies
    garbage = b"\x07not a frame at all"
    sim, log, service, outcomes, n = burst(url, extra=(bytes(forged), garbage))
    try:
        run_until(service, lambda: stored(sim) == 0, 60)
        assert (service.groups, service.frames) == (1, n)
        kinds = sorted(o.split(":")[0] for o in outcomes)
        assert kinds == ["applied"] * (n - 2) + ["rejected"] * 2, outcomes
        check_one_commit_then_confirms(log, n)  # the refused ones are deleted too, after the same commit
        assert _count(url, "SELECT COUNT(*) FROM applied") == n - 2
        assert _count(url, "SELECT COUNT(*) FROM card_events") == KIOSKS
    finally:
        sim.stop()


def test_postgresql_stopped_in_the_middle_of_a_group_nothing_confirmed_each_applied_once_after(own_server):  # noqa: F811
    state = {"inserts": 0, "down": False, "confirmed_while_down": 0}

    def before(sql):
        # the third frame of the group is being recorded as applied: the server dies mid-transaction
        if sql.lstrip().startswith("INSERT INTO applied"):
            state["inserts"] += 1
            if state["inserts"] == 3:
                state["down"] = True
                own_server.stop("immediate")

    url = own_server.new_database()
    sim, log, service, outcomes, n = burst(url, before=before)
    confirm = service.modem.engine.confirm

    def watched(token):
        state["confirmed_while_down"] += state["down"]
        return confirm(token)

    service.modem.engine.confirm = watched
    runner = threading.Thread(target=service.run, kwargs={"idle": 0.05, "reconnect_delays": (0.2, 0.5)}, daemon=True)
    runner.start()
    try:
        _wait(lambda: state["down"], 60, "the group to reach the server")
        time.sleep(2)  # reconnection attempts fail meanwhile
        assert runner.is_alive(), "the gateway stopped instead of retrying"
        assert state["confirmed_while_down"] == 0 and stored(sim) == n, "an SMS was deleted before its commit"
        assert service.groups == 0 and outcomes == []
        state["down"] = False
        own_server.start()
        _wait(lambda: stored(sim) == 0, 60, "every SMS to be deleted after recovery")
    finally:
        service.stop()
        runner.join(10)
        sim.stop()
    assert (service.groups, service.frames) == (1, n)  # the whole group again, once
    assert sorted(o.split(":")[0] for o in outcomes) == ["applied"] * n
    assert _count(url, "SELECT COUNT(*) FROM applied") == n
    assert _count(url, "SELECT COUNT(*) FROM card_events") == KIOSKS
    assert _count(url, "SELECT COUNT(*) FROM outgoing WHERE kind = 'frame'") == n
    assert _count(url, "SELECT COUNT(*) FROM outgoing WHERE kind = 'notice'") == KIOSKS

