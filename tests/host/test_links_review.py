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
