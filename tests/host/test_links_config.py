"""Link configuration (URLs, secrets) and routing by the recipient's operator with fallback, over real
TCP links to emulated gateways on 127.0.0.1."""

import threading
import time

import pytest

from lib12333.errors import ConfigError
from lib12333.host.links import url
from lib12333.host.links.channels import Channels
from lib12333.host.links.ismg import Ismg
from lib12333.host.links.transport import TcpLink

ENV = {url.SECRET_ENV: "pw"}


def test_url_gives_account_options_and_the_secret_from_the_environment():
    c = url.parse("cmpp3://901234@127.0.0.1:7890?service=RSJ&src=10657112333&operator=mobile&window=8&rate=50",
                  env=ENV)
    assert (c.scheme, c.account, c.secret, c.host, c.port, c.operator) == ("cmpp3", "901234", "pw", "127.0.0.1",
                                                                           7890, "mobile")
    assert c.engine_options() == {"window": 8, "rate": 50.0}
    assert "pw" not in repr(c)
    d = c.dialect()
    assert (d.sp_id, d.service_id, d.src_id, d.version) == ("901234", "RSJ", "10657112333", 3)


def test_secret_from_a_named_variable_or_a_file(tmp_path):
    assert url.parse("smpp://c@h:1?secret-env=SMSC", env={"SMSC": "abc"}).secret == "abc"
    f = tmp_path / "secret"
    f.write_text("from-file\nignored\n")
    f.chmod(0o600)
    assert url.parse("smgp://33012345@h:1?secret-file=%s" % f, env={}).secret == "from-file"
    with pytest.raises(ConfigError, match="no secret"):
        url.parse("smgp://33012345@h:1", env={})
    with pytest.raises(ConfigError, match="unreadable"):
        url.parse("smgp://33012345@h:1?secret-file=%s" % (tmp_path / "missing"), env={})


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o602])
def test_a_secret_file_others_may_read_or_write_is_refused(tmp_path, mode):
    f = tmp_path / "secret"
    f.write_text("s3cret\n")
    f.chmod(mode)
    with pytest.raises(ConfigError, match="chmod 600") as caught:
        url.parse("cmpp3://901234@h:1?secret-file=%s" % f, env={})
    assert "s3cret" not in str(caught.value)


def test_ismg_sim_refuses_a_readable_secret_file(tmp_path):
    import subprocess
    import sys

    f = tmp_path / "secret"
    f.write_text("s3cret\n")
    f.chmod(0o644)
    run = subprocess.run([sys.executable, "-m", "lib12333", "ismg-sim", "--protocol", "cmpp3", "--account", "901234",
                          "--secret-file", str(f), "--listen", "127.0.0.1:0", "--duration", "0.1"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 3, run.stderr  # EXIT_DATA, as every ConfigError
    assert "chmod 600" in run.stderr and "s3cret" not in run.stderr + run.stdout


@pytest.mark.parametrize("bad, message", [
    ("cmpp3://901234:s3cret@h:1", "command line is refused"),
    ("http://901234@h:1", "unknown link protocol"),
    ("cmpp3://h:1", "no account"),
    ("cmpp3://901234@h", "no host:port"),
    ("cmpp3://901234@h:1?operator=cmcc", "unknown operator"),
    ("cmpp3://901234@h:1?window=0", "not a positive number"),
    ("smpp://averyveryverylongsystemid@h:1", "SMPP 3.4 allows"),
    # found in review: these crashed with ValueError, or were silently accepted
    ("cmpp3://901234@[::1:7890", "not a link URL"),
    ("cmpp3://901234@h:1?window=1.5", "not a positive number"),
    ("cmpp3://901234@h:1?window=nan", "not a positive number"),
    ("cmpp3://901234@h:1?timeout=nan", "not a positive number"),
    ("cmpp3://901234@h:1?rate=inf", "not a positive number"),
    ("cmpp3://901234@h:1?secret=s3cret", "command line is refused"),
    ("smpp://c@h:1?password=s3cret", "command line is refused"),
    ("cmpp3://901234@h:1?windw=4", "unknown option"),
    ("cmpp3://9012345@h:1", "account longer than cmpp3 allows"),
    ("smgp://330123456@h:1", "account longer than smgp allows"),
    ("cmpp3://901234@h:1?service=ABCDEFGHIJK", "does not fit the protocol: Service_Id"),
    ("smgp://33012345@h:1?src=1234567890123456789012", "does not fit the protocol: SrcTermID"),
])
def test_bad_urls_are_config_errors_without_the_secret(bad, message):
    with pytest.raises(ConfigError, match=message) as info:
        url.parse(bad, env=ENV)
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize("number, operator", [
    ("13912345678", "mobile"), ("+8615012345678", "mobile"), ("8618612345678", "unicom"),
    ("13012345678", "unicom"), ("18912345678", "telecom"), ("19912345678", "telecom"),
    ("10086", None), ("11112345678", None),
])
def test_operator_of_a_number(number, operator):
    assert url.operator_of(number) == operator


class Gateway:
    """An emulated gateway without a network (every submit accepted), in a thread."""

    def __init__(self, protocol, account):
        self.ismg = Ismg(protocol, {account: "pw"}, "+8610657112333")
        self.thread = threading.Thread(target=self.ismg.serve, daemon=True)
        self.thread.start()

    def link(self, protocol, account, operator):
        host, port = self.ismg.address
        return TcpLink(url.parse("%s://%s@%s:%d?operator=%s&timeout=2" % (protocol, account, host, port, operator),
                                 env=ENV))

    def submitted_to(self):
        return [entry[2] for entry in self.ismg.log if entry[0] == "submit"]

    def stop(self):
        self.ismg.stop()
        self.thread.join(5)


def pump(ch, until, timeout=10):
    events = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        events.extend(ch.pump(0.02))
        if until(events):
            return events
    raise AssertionError("timed out: %r" % [e.kind for e in events])


def test_routing_by_operator_with_fallback():
    mobile = Gateway("cmpp3", "901234")
    telecom = Gateway("smgp", "33012345")
    anyone = Gateway("smpp", "centre")
    ch = Channels([mobile.link("cmpp3", "901234", "mobile"), telecom.link("smgp", "33012345", "telecom"),
                   anyone.link("smpp", "centre", "any")])
    try:
        pump(ch, lambda evs: sum(1 for e in evs if e.kind == "ready") == 3)
        ids = [ch.engine.send_sms(n, text="hi") for n in ("13912345678", "18912345678", "13012345678")]
        pump(ch, lambda evs: {e.id for e in evs if e.kind == "sent"} >= set(ids))
        assert mobile.submitted_to() == ["13912345678"]
        assert telecom.submitted_to() == ["18912345678"]
        assert anyone.submitted_to() == ["13012345678"]  # no unicom link: the "any" link
        assert ch.routes[ids[0]].startswith("cmpp3:") and ch.routes[ids[2]].startswith("smpp:")
        mobile.stop()  # the mobile link goes down: its recipients fall back to the "any" link
        pump(ch, lambda evs: any(e.kind == "link-down" for e in evs))
        sid = ch.engine.send_sms("13912345678", text="again")
        pump(ch, lambda evs: any(e.kind == "sent" and e.id == sid for e in evs))
        assert anyone.submitted_to() == ["13012345678", "13912345678"]
    finally:
        ch.close()
        for g in (mobile, telecom, anyone):
            g.stop()
