"""Findings of an independent review of the operator links, each a real run on 127.0.0.1."""

import os
import subprocess
import sys
import threading
import time

import pytest

from lib12333.host.links.ismg import Ismg
from tests.host.polling import boot_phone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def serve(ismg):
    t = threading.Thread(target=ismg.serve, daemon=True)
    t.start()
    return t


def run_gateway_for(seconds, link, secret, db):
    env = dict(os.environ, PYTHONPATH=ROOT, LIB12333_LINK_SECRET=secret)
    proc = subprocess.Popen([sys.executable, "-m", "lib12333", "gateway", "--db", db, "--link", link], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(seconds)
    proc.terminate()
    out, err = proc.communicate(timeout=10)
    return out + err


@pytest.mark.slow  # a gateway process run until its link times out
def test_gateway_says_clearly_when_the_operator_refuses_the_secret(tmp_path):
    ismg = Ismg("cmpp3", {"901234": "right-secret"}, "+8610657112333")
    thread = serve(ismg)
    try:
        host, port = ismg.address
        text = run_gateway_for(6, "cmpp3://901234@%s:%d?service=RSJ" % (host, port), "wrong-secret",
                               str(tmp_path / "c.db"))
    finally:
        ismg.stop()
        thread.join(5)
    assert "refused the login" in text and "authentication error" in text, text
    assert "wrong-secret" not in text and "right-secret" not in text
    assert "modem None" not in text
    # a back-off, not a storm: 1 + 2 + 4 s between attempts fits at most 3 or 4 logins into 6 s
    assert 1 <= text.count("refused the login") <= 4, text


@pytest.mark.slow  # a gateway process run until its link times out
def test_gateway_names_the_link_when_it_is_ready(tmp_path):
    ismg = Ismg("smpp", {"centre": "pw"}, "+8610657112333")
    thread = serve(ismg)
    try:
        host, port = ismg.address
        text = run_gateway_for(4, "smpp://centre@%s:%d" % (host, port), "pw", str(tmp_path / "c.db"))
    finally:
        ismg.stop()
        thread.join(5)
    assert "[link] smpp:centre@127.0.0.1:%d ready" % port in text, text
    assert "[modem] ready" not in text


def test_a_status_report_after_a_gateway_restart_still_finds_its_row(tmp_path):
    """The gateway dies after the submit was accepted and before the report was committed: the
    operator sends the report again to the restarted gateway, which must record it on the right row."""
    from lib12333.host.gateway import db
    from lib12333.host.gateway.centre import Centre
    from lib12333.host.gateway.service import GatewayService
    from lib12333.host.links import delivery, url
    from lib12333.host.links.channels import Channels
    from lib12333.host.links.transport import TcpLink

    ismg = Ismg("cmpp3", {"901234": "pw"}, "+8610657112333")
    thread = serve(ismg)
    conn = db.connect(str(tmp_path / "centre.db"), True)
    centre = Centre(conn, "【测试中心】")
    out_id = conn.execute("INSERT INTO outgoing (kind, to_number, body, created_at) VALUES ('notice', ?, ?, ?)",
                          ("13912345678", "【测试中心】您的申请已受理。".encode(), int(time.time()))).lastrowid

    def gateway():
        host, port = ismg.address
        link = TcpLink(url.parse("cmpp3://901234@%s:%d?timeout=2" % (host, port), env={url.SECRET_ENV: "pw"}))
        return Channels([link])

    try:
        first = gateway()
        service = GatewayService(first, centre)
        end = time.monotonic() + 15
        reports = []
        while time.monotonic() < end and not (reports and conn.execute(
                "SELECT sent_at FROM outgoing WHERE id = ?", (out_id,)).fetchone()[0]):
            for ev in first.pump(0.02):
                if ev.kind == "report":
                    reports.append(ev)  # the gateway dies before committing it: never confirmed
                else:
                    service._on_event(ev)
            if service.ready:
                service._send_due()
        assert reports, "no report in 15 s"
        first.close()
        assert delivery.state(conn, out_id) is None
        second = gateway()
        service = GatewayService(second, centre)
        end = time.monotonic() + 20  # the emulated gateway resends an unacknowledged report after 5 s
        while time.monotonic() < end and delivery.state(conn, out_id) is None:
            service.step(0.02)
        second.close()
        assert delivery.state(conn, out_id) == ("delivered", "DELIVRD")
    finally:
        ismg.stop()
        thread.join(5)


def test_fault_values_out_of_range_are_refused():
    import pytest

    from lib12333.errors import ConfigError
    from lib12333.host.links.ismg_net import LinkFaults

    for bad in ("drop=2", "dup=-0.1", "late=-1", "late=nan", "throttle=-3", "error=inf"):
        with pytest.raises(ConfigError, match="out of range"):
            LinkFaults.parse(bad)
    f = LinkFaults.parse("drop=1,late=0.5,throttle=0,seed=7")
    assert (f.drop, f.late, f.throttle, f.seed) == (1.0, 0.5, 0, 7)


# ---- the engine once bound: any answer with a sequence number in flight, in any order --------------

def _bound_engine(name):
    from lib12333.links import cmpp, sgip, smgp, smpp, wire
    from lib12333.links.client import BOUND, Link
    from lib12333.links.dialect_sgip import SgipDialect
    from lib12333.links.dialects import CmppDialect, SmgpDialect, SmppDialect

    if name == "smpp":
        link, codec = Link(SmppDialect("sp", "pw"), 0.0, window=4), smpp
    elif name == "cmpp3":
        link, codec = Link(CmppDialect("901234", "s"), 0.0, window=4), cmpp.Codec(3)
    elif name == "smgp":
        link, codec = Link(SmgpDialect("33012345", "s"), 0.0, window=4), smgp
    else:
        link, codec = Link(SgipDialect("centre", "s"), 0.0, window=4), sgip
    framer = link.d.framer()
    link.connected(0.0, (12, 3, 9, 58, 7))
    (bind,) = [codec.decode(raw) for raw in framer.feed(link.data_to_send())]
    if name == "smpp":
        resp = wire.Pdu(smpp.BIND_TRANSCEIVER | smpp.RESP, bind.seq, {"system_id": "x"}, 0)
    elif name == "cmpp3":
        auth = cmpp.ismg_authenticator(0, bind.fields["AuthenticatorSource"], "s")
        resp = wire.Pdu(cmpp.CONNECT | cmpp.RESP, bind.seq, {"Status": 0, "AuthenticatorISMG": auth, "Version": 0x30})
    elif name == "smgp":
        auth = smgp.server_authenticator(0, bind.fields["AuthenticatorClient"], "s")
        resp = wire.Pdu(smgp.LOGIN | smgp.RESP, bind.seq, {"Status": 0, "AuthenticatorServer": auth,
                                                            "ServerVersion": 0x30})
    else:
        resp = wire.Pdu(sgip.BIND | sgip.RESP, bind.seq, {"Result": 0})
    link.receive(codec.encode(resp), 0.1)
    assert link.state == BOUND, [e.kind for e in link.events()]
    link.events()
    for i in range(6):
        link.submit("13912345678", text="m%d" % i)
    sent = [codec.decode(raw) for raw in framer.feed(link.data_to_send())]
    return link, codec, [p.seq for p in sent]


def _pdus_for(name):
    from lib12333.host.testing import links as links_st

    return {"smpp": links_st.smpp_pdus(), "cmpp3": links_st.cmpp_pdus(3), "smgp": links_st.smgp_pdus(),
            "sgip": links_st.sgip_pdus()}[name]


def test_bound_engine_meets_any_answer_to_what_is_in_flight():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from lib12333.errors import DecodeError, ValidationError
    from tests.hypothesis_profiles import examples

    @settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(["smpp", "cmpp3", "smgp", "sgip"]).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(_pdus_for(n), st.integers(0, 5)), max_size=8))))
    def run(case):
        name, answers = case
        link, codec, seqs = _bound_engine(name)
        t = 0.2
        for pdu, which in answers:
            pdu.seq = seqs[which % len(seqs)]  # an answer (or anything) carrying a sequence number in flight
            try:
                raw = codec.encode(pdu)
            except ValidationError:  # the strategy's PDU may not encode with that sequence
                continue
            t += 0.3
            link.receive(raw, t)
            link.poll(t)
            for ev in link.events():
                if ev.kind in ("deliver", "report"):
                    link.confirm(ev.token)
                if ev.kind == "submitted":
                    assert ev.message_ids is not None
            assert sum(1 for e in link._inflight.values() if e[0] == "submit") <= link.window
            for data in [link.data_to_send()]:
                for frame in link.d.framer().feed(data):
                    try:
                        codec.decode(frame)
                    except DecodeError as exc:  # what we send must always decode
                        raise AssertionError("we sent an undecodable PDU: %s" % exc) from None

    run()


def test_the_emulated_gateways_log_is_bounded():
    from lib12333.host.links import url
    from lib12333.host.links.channels import Channels
    from lib12333.host.links.transport import TcpLink

    ismg = Ismg("smpp", {"centre": "pw"}, "+8610657112333", log_limit=10)
    thread = serve(ismg)
    host, port = ismg.address
    ch = Channels([TcpLink(url.parse("smpp://centre@%s:%d" % (host, port), env={url.SECRET_ENV: "pw"}))])
    try:
        ids = set()
        sent = set()
        end = time.monotonic() + 15
        while time.monotonic() < end and (len(ids) < 30 or not ids <= sent):
            for ev in ch.pump(0.02):
                if ev.kind == "ready":
                    ids = {ch.engine.send_sms("139123456%02d" % i, text="t") for i in range(30)}
                elif ev.kind == "sent":
                    sent.add(ev.id)
        assert len(ids) == 30 and ids <= sent
        assert len(ismg.log) == 10
        assert [x[2] for x in ismg.log if x[0] == "submit"][-1] == "13912345629"
    finally:
        ch.close()
        ismg.stop()
        thread.join(5)


def test_a_citizens_query_is_answered_once_when_the_gateway_dies_between_commit_and_ack(tmp_path):
    """CMPP: the query is committed (its answer queued), the gateway dies before the CMPP_DELIVER_RESP
    leaves; the ISMG sends the deliver again (same Msg_Id) to the restarted gateway, which must know it."""
    from lib12333.host.gateway import admin, db
    from lib12333.host.gateway.centre import Centre
    from lib12333.host.gateway.service import GatewayService
    from lib12333.host.links import url
    from lib12333.host.links.channels import Channels
    from lib12333.host.links.transport import TcpLink
    from lib12333.host.modem.network import Simulator
    from lib12333.host.modem.transport import SerialModem
    from lib12333.host.requests_store import RequestStore

    phones = ["+8613900000001"]
    sim = Simulator(numbers=phones)
    ismg = Ismg("cmpp3", {"901234": "pw"}, "+8610657112333").attach(sim)
    sim.start()
    path = str(tmp_path / "centre.db")
    conn = db.connect(path, True)
    centre = Centre(conn, "【测试中心】", requests=RequestStore(admin.requests_path(path)))
    phone = SerialModem(sim.modems[0].path)

    def gateway():
        host, port = ismg.address
        return Channels([TcpLink(url.parse("cmpp3://901234@%s:%d?timeout=2" % (host, port),
                                           env={url.SECRET_ENV: "pw"}))])

    def answers():
        return conn.execute("SELECT COUNT(*) FROM outgoing WHERE to_number LIKE '%13900000001'").fetchone()[0]

    try:
        boot_phone(phone)
        phone.engine.send_sms("+8610657112333", text="查询 T330100K0113030100077")
        first = gateway()
        service = GatewayService(first, centre)
        committed = False
        end = time.monotonic() + 20
        while time.monotonic() < end and not committed:
            phone.pump(0.01)
            for ev in first.pump(0.02):
                if ev.kind == "message":
                    service._on_event(ev)  # committed; its acknowledgement waits in the link's buffer
                    first.links[0]._drop("killed before the acknowledgement left")  # ... and never leaves
                    committed = True
                    break
        assert committed and answers() == 1
        second = gateway()
        service = GatewayService(second, centre)
        end = time.monotonic() + 20
        while time.monotonic() < end and not [x for x in ismg.log if x[0] == "acked"]:
            service.step(0.02)
        assert [x for x in ismg.log if x[0] == "acked"], "the repeat was never acknowledged"
        assert answers() == 1  # the repeat was recognised: the citizen is not answered twice
        second.close()
    finally:
        phone.close()
        ismg.stop()
        sim.stop()


def test_a_transaction_inside_another_is_a_savepoint(tmp_path):
    import pytest

    from lib12333.host.gateway import db

    conn = db.connect(str(tmp_path / "t.db"), True)
    conn.execute("CREATE TABLE t (v INTEGER)")
    with db.Transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(ValueError):
            with db.Transaction(conn):
                conn.execute("INSERT INTO t VALUES (2)")
                raise ValueError("inner step fails")
        with db.Transaction(conn):
            conn.execute("INSERT INTO t VALUES (3)")
    assert not conn.in_transaction
    assert [r[0] for r in conn.execute("SELECT v FROM t ORDER BY v")] == [1, 3]
    with pytest.raises(ValueError):
        with db.Transaction(conn):
            with db.Transaction(conn):
                conn.execute("INSERT INTO t VALUES (4)")
            raise ValueError("outer fails after the inner step")
    assert [r[0] for r in conn.execute("SELECT v FROM t ORDER BY v")] == [1, 3]
