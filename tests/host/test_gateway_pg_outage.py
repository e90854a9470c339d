"""
The gateway on PostgreSQL when the server goes away (issue 16 review): a real server stopped
(``pg_ctl stop -m immediate``) in the middle of a kiosk request's transaction, then started
again.  The running gateway (``GatewayService.run``) must log one clear line, reconnect with
back-off, and apply the SMS it was handling exactly once after recovery -- never confirm
(delete) it on the modem before the commit.
"""

import logging
import threading
import time

import pytest

from lib12333.host.gateway import admin, db
from lib12333.host.gateway.centre import Centre
from lib12333.host.gateway.service import GatewayService
from lib12333.host.modem.network import Simulator
from lib12333.host.modem.transport import SerialModem
from lib12333.secure import frame as frame_mod
from tests.host.polling import wait_until
from tests.host.test_gateway import CARD, KEY, NAME, NOW, SSN, UNIT, kiosk_frame

pytestmark = pytest.mark.slow  # stops and restarts a PostgreSQL server of its own


@pytest.fixture()
def own_server():
    """A server of this test's own: it is stopped and started again under the gateway's feet."""
    from tests.host.pg_server import PgServer

    server = PgServer().start()
    yield server
    server.stop("immediate")
    server.remove()


def _wait(predicate, timeout, what):
    if not wait_until(predicate, timeout):
        raise AssertionError("timed out after %s s waiting for %s" % (timeout, what))


def _count(url, sql):
    conn = db.connect(url)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _centre(server, before):
    """(url, centre) of a new database with kiosk 1001 and its card; ``before(sql)`` runs before each
    statement of the centre's connection (where the test cuts the server off)."""
    url = server.new_database()
    conn = db.connect(url)
    admin.add_device(conn, 1001, KEY, region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    real_execute = conn.execute

    def execute(sql, params=()):
        before(sql)
        return real_execute(sql, params)

    conn.execute = execute
    return url, Centre(conn, UNIT, centre_code="330100")


def _running_gateway(centre, caplog, watch_confirm=None):
    """(sim, gateway modem, kiosk modem, service, its thread): the gateway running, the kiosk's modem ready."""
    sim = Simulator(count=2).start()
    centre_modem, kiosk = SerialModem(sim.modems[0].path), SerialModem(sim.modems[1].path)
    service = GatewayService(centre_modem, centre)
    if watch_confirm is not None:
        confirm = centre_modem.engine.confirm

        def watched(token):
            watch_confirm()
            return confirm(token)

        centre_modem.engine.confirm = watched
    caplog.set_level(logging.INFO, logger="lib12333.gateway")
    runner = threading.Thread(target=service.run, kwargs={"idle": 0.05, "reconnect_delays": (0.2, 0.5, 1)},
                              daemon=True)
    kiosk.engine.start(kiosk.clock())
    _wait(lambda: any(e.kind == "ready" for e in kiosk.pump(0.05)), 30, "the kiosk's modem")
    runner.start()
    return sim, kiosk, service, runner


def test_server_stopped_mid_request_then_back_the_sms_is_applied_once(own_server, caplog):
    outage = {"stopped_at": None, "confirmed_while_down": False, "up": True}

    def before(sql):
        # The first time the request is about to be recorded as applied, the server dies: the
        # transaction that changed the card is cut in the middle.
        if outage["stopped_at"] is None and sql.lstrip().startswith("INSERT INTO applied"):
            outage["stopped_at"] = time.monotonic()
            own_server.stop("immediate")

    def watch_confirm():
        if not outage["up"]:
            outage["confirmed_while_down"] = True

    url, centre = _centre(own_server, before)
    sim, kiosk, service, runner = _running_gateway(centre, caplog, watch_confirm)
    try:
        kiosk.engine.send_sms(sim.modems[0].number, data=kiosk_frame(1), port=frame_mod.PORT)
        deadline = time.monotonic() + 30
        while outage["stopped_at"] is None and time.monotonic() < deadline:
            kiosk.pump(0.05)
        assert outage["stopped_at"] is not None, "the frame never reached the centre"
        outage["up"] = False
        time.sleep(3)  # several reconnection attempts fail meanwhile
        assert runner.is_alive(), "the gateway stopped instead of retrying"
        assert not outage["confirmed_while_down"]
        assert any(sim.modems[0].store[m] for m in sim.modems[0].store), "the SMS was deleted before its commit"
        own_server.start()
        outage["up"] = True
        _wait(lambda: _count(url, "SELECT COUNT(*) FROM applied") == 1, 30, "the frame to be applied after recovery")
        _wait(lambda: not any(sim.modems[0].store[m] for m in sim.modems[0].store), 30, "the SMS to be deleted")
        _wait(lambda: _count(url, "SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL") == 0, 30,
              "the answer and the notice to be sent")
    finally:
        service.stop()
        runner.join(10)
        sim.stop()
    assert _count(url, "SELECT COUNT(*) FROM card_events") == 1
    assert _count(url, "SELECT COUNT(*) FROM outgoing WHERE kind = 'frame'") == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]  # one clear line per outage, not one per attempt
    assert "PostgreSQL" in errors[0].getMessage() and "reconnecting" in errors[0].getMessage()
    assert any("reconnected" in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


def _terminate_own_backend(server, conn):
    """pg_terminate_backend of ``conn``'s server process, from another session (an operator's or a failover's)."""
    import psycopg

    pid = conn._conn.info.backend_pid
    with psycopg.connect(server.url(), autocommit=True) as admin_conn:
        admin_conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_connection_cut_while_marking_an_answer_sent_never_sends_it_twice(own_server, caplog):
    cut = {"done": False}

    def before(sql):
        if not cut["done"] and sql.lstrip().startswith("UPDATE outgoing SET sent_at"):
            cut["done"] = True  # the operator's network accepted the answer; recording it fails
            _terminate_own_backend(own_server, centre.conn)

    url, centre = _centre(own_server, before)
    sim, kiosk, service, runner = _running_gateway(centre, caplog)
    answers = []
    try:
        kiosk.engine.send_sms(sim.modems[0].number, data=kiosk_frame(1), port=frame_mod.PORT)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not (
                cut["done"] and _count(url, "SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL") == 0):
            for ev in kiosk.pump(0.05):
                if ev.kind == "message":
                    answers.append(ev.message.data)
                    kiosk.engine.confirm(ev.token)
        assert cut["done"], "no answer was sent"
        end = time.monotonic() + 4  # anything sent again would arrive meanwhile
        while time.monotonic() < end:
            for ev in kiosk.pump(0.05):
                if ev.kind == "message":
                    answers.append(ev.message.data)
                    kiosk.engine.confirm(ev.token)
    finally:
        service.stop()
        runner.join(10)
        sim.stop()
    assert _count(url, "SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL") == 0
    assert len(answers) == 1, "the kiosk got %d answers" % len(answers)
    rows = _count(url, "SELECT COUNT(*) FROM outgoing")  # the kiosk's answer and the citizen's notice
    assert sim.modems[0].stats["submitted"] == rows == 2, "an SMS accepted by the network was sent again"
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


def test_two_workers_answering_citizens_at_once_a_serialization_failure_is_retried(own_server, caplog, tmp_path):
    """Worker A and worker B each answer a citizen's status query at the same moment: both read the queue
    (its length, the citizen's answers today) and both add to it, so PostgreSQL aborts one of them
    (SQLSTATE 40001).  That worker must handle the SMS again, not stop."""
    from lib12333.host.gateway.db import Transaction
    from lib12333.host.requests_store import RequestStore

    requests = RequestStore(str(tmp_path / "centre.requests"))
    other = {"centre": None, "done": False}

    def before(sql):
        if not other["done"] and sql.lstrip().startswith("INSERT INTO outgoing") and other["centre"] is not None:
            other["done"] = True  # worker B answers another citizen between A's reads and A's write
            with Transaction(other["centre"].conn):
                other["centre"].handle_text("+8613900000009", "查询 T330100K0113030100077", NOW)

    url, centre = _centre(own_server, before)
    centre.requests = requests
    other["centre"] = Centre(db.connect(url), UNIT, centre_code="330100", requests=requests)
    sim, kiosk, service, runner = _running_gateway(centre, caplog)
    try:
        kiosk.engine.send_sms(sim.modems[0].number, text="查询 T330100K0113030100077")

        def answered():
            kiosk.pump(0.05)
            return _count(url, "SELECT COUNT(*) FROM outgoing WHERE to_number = '%s'" % sim.modems[1].number) == 1

        _wait(answered, 30, "the citizen's answer")
        assert other["done"] and runner.is_alive(), "the worker stopped on a serialization failure"
    finally:
        service.stop()
        runner.join(10)
        sim.stop()
    assert _count(url, "SELECT COUNT(*) FROM outgoing WHERE kind = 'notice'") == 2  # one answer per citizen
