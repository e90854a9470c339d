"""Operator links end to end: the TCP transport, the emulated gateway joined to the emulated network,
the demo hall on each protocol, and the fault matrix (every message delivered or reported failed,
none past its deadline, duplicates only where the protocol allows them)."""

import json
import os
import subprocess
import sys
import time

import pytest

from lib12333.host.links import url
from lib12333.host.links.channels import Channels, transport_for
from lib12333.host.links.ismg import Ismg
from lib12333.host.links.ismg_net import LinkFaults, free_port
from lib12333.host.links.transport import TcpLink
from lib12333.host.modem.network import Simulator
from lib12333.host.modem.transport import SerialModem
from tests.host.polling import boot_phone

pytestmark = pytest.mark.slow  # operator links under faults: ~50 s

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CENTRE = "+8610657112333"
PHONES = ["+8613900000001", "+8613900000002", "+8613900000003"]
ACCOUNT = {"smpp": "centre", "cmpp2": "901234", "cmpp3": "901234", "smgp": "33012345", "sgip": "centre"}


def link_url(protocol, address, extra=""):
    host, port = address
    return "%s://%s@%s:%d?timeout=2&keepalive=5%s" % (protocol, ACCOUNT[protocol], host, port, extra)


def channels(protocol, ismg, extra=""):
    if protocol == "sgip":
        extra += "&listen=%s:%d" % ismg.sp_address
    return Channels([transport_for(url.parse(link_url(protocol, ismg.address, extra), env={url.SECRET_ENV: "pw"}))],
                    send_deadline=30.0)


def gateway(protocol, sim, faults=""):
    """An emulated operator gateway on ``sim`` (SGIP: it also dials the centre's listener)."""
    sp_address = ("127.0.0.1", free_port()) if protocol == "sgip" else None
    return Ismg(protocol, {ACCOUNT[protocol]: "pw"}, CENTRE, faults=LinkFaults.parse(faults),
                sp_address=sp_address).attach(sim)


def pump_until(ch, done, timeout, out):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for ev in ch.pump(0.02):
            out.append(ev)
            if ev.kind in ("message", "report"):
                ch.confirm(ev.token)
        if done():
            return True
    return False


@pytest.mark.parametrize("protocol", ["smpp", "cmpp2", "cmpp3", "smgp", "sgip"])
def test_demo_hall_on_each_link(protocol):
    from lib12333.host import demo
    from lib12333.host.links.demo import link_hall

    ok, reason, lines = demo.run(echo=False, timeout=40, hall_class=link_hall(protocol))
    assert ok, reason + "\n" + "\n".join(lines[-30:])
    assert any("emulated operator gateway (%s)" % protocol in line for line in lines)


@pytest.mark.parametrize("protocol", ["smpp", "cmpp3"])
def test_demo_hall_under_link_faults(protocol):
    from lib12333.host import demo
    from lib12333.host.links.demo import link_hall

    faults = "drop=0.3,dup=0.5,late=0.3,garbage=0.2,seed=5"
    ok, reason, lines = demo.run(echo=False, timeout=60, hall_class=link_hall(protocol, faults))
    assert ok, reason + "\n" + "\n".join(lines[-30:])


def _texts(sim):
    """How many times each text reached each phone, read from the network's delivery log."""
    from lib12333.sms import pdu

    seen = {}
    for entry in list(sim.log):
        if entry[0] == "deliver" and entry[2] == CENTRE:
            m = pdu.decode(bytes.fromhex(entry[3]))
            key = (entry[1], m.text)
            seen[key] = seen.get(key, 0) + 1
    return seen


@pytest.mark.parametrize("protocol,faults", [
    ("smpp", "drop=0.04,late=0.3,throttle=20,garbage=0.05,seed=2"),
    ("cmpp3", "drop=0.04,late=0.3,lose=0.1,throttle=20,seed=3"),
    ("cmpp2", "dup=0.3,late=0.2,error=0.1,seed=4"),
    ("smgp", "drop=0.04,dup=0.3,lose=0.1,throttle=20,seed=6"),
    ("sgip", "drop=0.04,dup=0.3,late=0.2,throttle=20,seed=7"),
])
def test_fault_matrix_every_message_delivered_once_or_failed(protocol, faults):
    sim = Simulator(numbers=PHONES)
    ismg = gateway(protocol, sim, faults)
    sim.start()
    ch = channels(protocol, ismg)
    try:
        events = []
        assert pump_until(ch, lambda: any(e.kind == "ready" for e in events), 10, events)
        sent = {}
        start = time.monotonic()
        for i in range(24):
            to = PHONES[i % 3]
            sid = ch.engine.send_sms(to, text="notice %02d 您好" % i)
            sent[sid] = (to, "notice %02d 您好" % i)
        settled = {}
        settled_at = {}

        def done():
            for e in events:
                if e.kind in ("sent", "send-failed") and e.id in sent and e.id not in settled:
                    settled[e.id] = e.kind
                    settled_at[e.id] = time.monotonic() - start
            return len(settled) == len(sent)

        assert pump_until(ch, done, 60, events), "unsettled: %r" % sorted(set(sent) - set(settled))
        # none past its deadline (send_deadline 30 s; the loop notices within one pump round)
        assert max(settled_at.values()) <= 30.5, settled_at
        ambiguous = [e for e in events if e.kind == "link-ambiguous"]
        time.sleep(1.5)  # the network's last deliveries
        seen = _texts(sim)
        failed = [sid for sid, kind in settled.items() if kind == "send-failed"]
        for sid, (to, text) in sent.items():
            count = seen.get((to, text), 0)
            if settled[sid] == "sent":
                assert count >= 1, "accepted but never delivered: %s" % text
            # more than once only when the link said the submit was ambiguous (a lost answer)
            assert count <= 1 + len(ambiguous), text
        if "error=" in faults:
            assert failed, "the error fault refused nothing"
        if protocol != "smpp" or "drop" not in faults:
            assert sum(seen.values()) <= len(sent) + len(ambiguous)
        for e in events:
            if e.kind == "send-failed":
                assert e.error is not None
    finally:
        ch.close()
        ismg.stop()
        sim.stop()


@pytest.mark.parametrize("protocol", ["smpp", "cmpp3", "smgp", "sgip"])
def test_mobile_originated_reaches_the_centre_once_and_is_acked_after_confirm(protocol):
    sim = Simulator(numbers=PHONES)
    ismg = gateway(protocol, sim, "dup=1.0")
    sim.start()
    ch = channels(protocol, ismg)
    phone = SerialModem(sim.modems[0].path)
    try:
        events = []
        assert boot_phone(phone)
        phone.engine.send_sms(CENTRE, text="CX T330100K0113030100077")
        got = []

        def arrived():
            got.extend(e for e in events if e.kind == "message" and e not in got)
            return bool(got)

        end = time.monotonic() + 20
        while time.monotonic() < end and not arrived():
            phone.pump(0.02)
            for ev in ch.pump(0.02):
                events.append(ev)
        assert got and got[0].message.text == "CX T330100K0113030100077"
        assert got[0].message.number.endswith("13900000001")
        acked_before = [x for x in ismg.log if x[0] == "acked"]
        assert acked_before == []  # nothing acknowledged before confirm
        ch.confirm(got[0].token)
        end = time.monotonic() + 5
        while time.monotonic() < end and not [x for x in ismg.log if x[0] == "acked"]:
            for ev in ch.pump(0.02):
                events.append(ev)
        assert [x for x in ismg.log if x[0] == "acked"]
        if protocol in ("cmpp3", "smgp"):  # their MsgID lets the link drop the gateway's duplicate
            messages = [e for e in events if e.kind == "message"]
            assert len(messages) == 1
    finally:
        ch.close()
        phone.close()
        ismg.stop()
        sim.stop()


@pytest.mark.parametrize("protocol", ["cmpp2", "smgp", "sgip"])
def test_chinese_text_delivered_in_gb_reaches_the_centre_as_text(protocol):
    """Operator gateways that convert a handset's Chinese text to GB (format 15): the centre reads it."""
    sim = Simulator(numbers=PHONES)
    ismg = Ismg(protocol, {ACCOUNT[protocol]: "pw"}, CENTRE, mo_gb=True,
                sp_address=("127.0.0.1", free_port()) if protocol == "sgip" else None).attach(sim)
    sim.start()
    ch = channels(protocol, ismg)
    phone = SerialModem(sim.modems[0].path)
    try:
        boot_phone(phone)
        phone.engine.send_sms(CENTRE, text="查询 T330100K0113030100077")
        got = []
        end = time.monotonic() + 20
        while time.monotonic() < end and not got:
            phone.pump(0.02)
            got.extend(e for e in ch.pump(0.02) if e.kind == "message")
        assert [e.message.text for e in got] == ["查询 T330100K0113030100077"]
        assert any(x[:2] == ("deliver", "mo") for x in ismg.log)
    finally:
        ch.close()
        phone.close()
        ismg.stop()
        sim.stop()


def test_status_report_reaches_the_submitter():
    sim = Simulator(numbers=PHONES)
    ismg = Ismg("cmpp3", {"901234": "pw"}, CENTRE).attach(sim)
    sim.start()
    ch = channels("cmpp3", ismg)
    phone = SerialModem(sim.modems[1].path)
    try:
        phone.engine.start(phone.clock())
        events = []
        assert pump_until(ch, lambda: any(e.kind == "ready" for e in events), 10, events)
        sid = ch.engine.send_sms(PHONES[1], text="hello")

        def reported():
            phone.pump(0.01)
            return any(e.kind == "report" and e.id == sid for e in events)

        assert pump_until(ch, reported, 20, events)
        report = [e for e in events if e.kind == "report"][0]
        assert (report.stat, report.delivered) == ("DELIVRD", True)
    finally:
        ch.close()
        phone.close()
        ismg.stop()
        sim.stop()



def test_ismg_sim_command_serves_a_link_without_a_network():
    port = free_port()
    env = dict(os.environ, PYTHONPATH=ROOT, LIB12333_LINK_SECRET="pw")
    proc = subprocess.Popen([sys.executable, "-m", "lib12333", "ismg-sim", "--protocol", "cmpp3", "--listen",
                             "127.0.0.1:%d" % port, "--account", "901234", "--modems", "--duration", "15", "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        text = ""
        while not text.endswith("}\n"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            text += line
        info = json.loads(text)
        assert info["protocol"] == "cmpp3" and info["listen"].endswith(":%d" % port)
        ch = Channels([TcpLink(url.parse("cmpp3://901234@127.0.0.1:%d" % port, env={url.SECRET_ENV: "pw"}))])
        events = []
        assert pump_until(ch, lambda: any(e.kind == "ready" for e in events), 10, events)
        ids = [ch.engine.send_sms("13912345678", text="t%d" % i) for i in range(20)]
        assert pump_until(ch, lambda: {e.id for e in events if e.kind == "sent"} >= set(ids), 10, events)
        ch.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_secret_on_the_command_line_is_refused():
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "lib12333", "gateway", "--db", "/nonexistent/x.db", "--link",
                           "cmpp3://901234:s3cret@127.0.0.1:7890"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    assert "command line is refused" in proc.stderr
    assert "s3cret" not in proc.stderr


def test_gateway_command_on_a_link_answers_a_citizen_and_records_the_delivery(tmp_path):
    import sqlite3

    sim = Simulator(numbers=PHONES)
    ismg = Ismg("cmpp3", {"901234": "pw"}, CENTRE).attach(sim)
    sim.start()
    db = str(tmp_path / "centre.db")
    env = dict(os.environ, PYTHONPATH=ROOT, LIB12333_LINK_SECRET="pw")
    host, port = ismg.address
    gateway = subprocess.Popen([sys.executable, "-m", "lib12333", "gateway", "--db", db, "--unit", "【测试中心】",
                                "--link", "cmpp3://901234@%s:%d?service=RSJ&src=10657112333&timeout=3" % (host, port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    phone = SerialModem(sim.modems[0].path)
    try:
        boot_phone(phone)
        phone.engine.send_sms(CENTRE, text="查询 T330100K0113030100077")
        answer = None
        end = time.monotonic() + 30
        while time.monotonic() < end and answer is None:
            for ev in phone.pump(0.05):
                if ev.kind == "message":
                    answer = ev.message
                    phone.engine.confirm(ev.token)
        assert answer is not None, gateway.stderr.read() if gateway.poll() is not None else "no answer"
        assert answer.number == CENTRE and answer.text.startswith("【测试中心】")
        conn = sqlite3.connect(db)
        state = None
        end = time.monotonic() + 15
        while time.monotonic() < end and state is None:
            try:
                state = conn.execute("SELECT d.state, d.stat, o.sent_at IS NOT NULL FROM delivery_reports d"
                                     " JOIN outgoing o ON o.id = d.out_id").fetchone()
            except sqlite3.OperationalError:
                state = None
            time.sleep(0.2)
        assert state == ("delivered", "DELIVRD", 1)
        assert [x for x in ismg.log if x[0] == "acked"]  # the MO and the report, acknowledged after commit
    finally:
        gateway.terminate()
        gateway.wait(10)
        phone.close()
        ismg.stop()
        sim.stop()
