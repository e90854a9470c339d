"""Findings of an independent review of the operator links, each a real run on 127.0.0.1."""

import os
import subprocess
import sys
import threading
import time

from lib12333.host.links.ismg import Ismg

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
