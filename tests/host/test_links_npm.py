"""SMPP 3.4 against the npm `smpp` package (node-smpp 0.5.1, an independent implementation), both ways:
our link against its server, its client against our emulated gateway.

`npm ci` installs it (package.json); ``LIB12333_NODE_PEERS`` may name another node_modules folder."""

import json
import os
import shutil
import subprocess
import threading
import time

import pytest

from lib12333.host.links import url
from lib12333.host.links.ismg import Ismg
from lib12333.host.links.ismg_net import free_port
from lib12333.host.links.transport import TcpLink

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEER = os.path.join(ROOT, "tests", "host", "npm_smpp_peer.js")


def node_env():
    paths = [os.path.join(ROOT, "node_modules")]
    if os.environ.get("LIB12333_NODE_PEERS"):
        paths.insert(0, os.environ["LIB12333_NODE_PEERS"])
    return dict(os.environ, NODE_PATH=os.pathsep.join(paths))


def _have_npm_smpp():
    if shutil.which("node") is None:
        return False
    return subprocess.run(["node", "-e", "require('smpp')"], env=node_env(), capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _have_npm_smpp(), reason="npm smpp not installed (npm ci installs it)")



class Lines:
    """A node process's JSON lines, read in a thread."""

    def __init__(self, proc):
        self.items = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc):
        for line in proc.stdout:
            self.items.append(json.loads(line))

    def wait(self, event, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = [x for x in self.items if x["event"] == event]
            if found:
                return found
            time.sleep(0.02)
        raise AssertionError("no %s from node: %r" % (event, self.items))


def test_our_link_against_the_node_smpp_server():
    port = free_port()
    proc = subprocess.Popen(["node", PEER, "server", str(port)], env=node_env(), stdout=subprocess.PIPE, text=True)
    lines = Lines(proc)
    link = None
    try:
        lines.wait("listening")
        link = TcpLink(url.parse("smpp://centre@127.0.0.1:%d?source=10657112333" % port, env={url.SECRET_ENV: "pw"}))
        events = []
        end = time.monotonic() + 10
        mid = None
        while time.monotonic() < end:
            for ev in link.pump(0.02):
                events.append(ev)
                if ev.kind == "bound":
                    mid = link.link.submit("13912345678", text="您好，临时挂失已受理")
                if ev.kind in ("deliver", "report"):
                    link.confirm(ev.token)
            kinds = [e.kind for e in events]
            if "report" in kinds and "deliver" in kinds and len(lines.items) >= 5:
                break
        bind = lines.wait("bind")[0]
        assert (bind["system_id"], bind["password"]) == ("centre", "pw")
        submit = lines.wait("submit")[0]
        assert (submit["destination_addr"], submit["data_coding"], submit["registered_delivery"]) == (
            "13912345678", 8, 1)
        sent = [e for e in events if e.kind == "submitted"][0]
        assert (sent.id, sent.message_ids) == (mid, ["node-1"])
        report = [e for e in events if e.kind == "report"][0]
        assert (report.id, report.stat, report.delivered) == (mid, "DELIVRD", True)
        mo = [e for e in events if e.kind == "deliver"][0]
        assert (mo.message.text, mo.message.number) == ("CX T1", "13912345678")
        assert [x["status"] for x in lines.wait("deliver_sm_resp")] == [0, 0]  # both acknowledged after confirm
    finally:
        if link is not None:
            link.close()
        proc.terminate()
        proc.wait(10)


def test_the_node_smpp_client_against_our_gateway():
    ismg = Ismg("smpp", {"centre": "pw"}, "+8610657112333")
    thread = threading.Thread(target=ismg.serve, daemon=True)
    thread.start()
    try:
        proc = subprocess.run(["node", PEER, "client", str(ismg.address[1])], env=node_env(), capture_output=True,
                              text=True, timeout=30)
        items = [json.loads(line) for line in proc.stdout.splitlines()]
        assert proc.returncode == 0, proc.stderr + proc.stdout
        by = dict((x["event"], x) for x in items)
        assert by["bind"]["status"] == 0
        assert by["submit_sm_resp"]["status"] == 0 and by["submit_sm_resp"]["message_id"]
        assert by["deliver"]["message"].startswith("id:%s " % by["submit_sm_resp"]["message_id"])
        assert [x for x in ismg.log if x[0] == "submit"] == [("submit", "centre", "13912345678",
                                                                by["submit_sm_resp"]["message_id"])]
    finally:
        ismg.stop()
        thread.join(5)
