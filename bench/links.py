"""
Submits per second over an operator link on loopback, window 16: lib12333 vs smpplib.

    python bench/links.py [--rounds 7] [--count 3000]

The emulated operator gateway (``lib12333 ismg-sim --modems``: no network, every submit
accepted) runs in its own process, so the client under test has a core to itself. Each
round sends ``count`` one-part Chinese notices (UCS2, no status report) and waits for
every response, once with our ``TcpLink`` + ``Link`` (window 16) and once with smpplib's
``Client`` kept at 16 unanswered submits (``send_message`` + ``read_once``, its
documented use); the order alternates between rounds and one warm-up round of each is
discarded. Printed: submits/s of each (median and range), the median of the per-round
ratios, submits per second of the client's own CPU time (what "on one core" means: the
emulated gateway in its own process uses another core, and on a shared machine the wall-clock
rate follows the load), and the client's peak resident memory growth.
CMPP 3.0 (ours only: no peer client in Python for 3.0) is measured the same way.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from lib12333.host.links import url  # noqa: E402
from lib12333.host.links.ismg_net import free_port  # noqa: E402
from lib12333.host.links.transport import TcpLink  # noqa: E402

TEXT = "您好，您的社保卡挂失申请已受理，请于三个工作日内到服务大厅办理补卡。"
SECRET = "pw"
WINDOW = 16



def start_gateway(protocol, account):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=ROOT, LIB12333_LINK_SECRET=SECRET)
    proc = subprocess.Popen([sys.executable, "-m", "lib12333", "ismg-sim", "--protocol", protocol, "--listen",
                             "127.0.0.1:%d" % port, "--account", account, "--modems"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    proc.stdout.readline()  # the banner: listening
    return proc, port


def ours(protocol, account, port, count):
    link = TcpLink(url.parse("%s://%s@127.0.0.1:%d?window=%d" % (protocol, account, port, WINDOW),
                             env={url.SECRET_ENV: SECRET}))
    while link.link.state != "bound":
        link.pump(0.05)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(count):
        link.link.submit("13912345678", text=TEXT, report=False)
    done = 0
    while done < count:
        for ev in link.pump(0.05):
            if ev.kind == "submitted":
                done += 1
            elif ev.kind == "submit-failed":
                raise RuntimeError(str(ev.error))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    link.close()
    return count / elapsed, count / cpu


def smpplib_client(port, count):
    import smpplib.client
    import smpplib.consts

    client = smpplib.client.Client("127.0.0.1", port, allow_unknown_opt_params=True)
    state = {"outstanding": 0, "done": 0}

    def sent(pdu):
        state["outstanding"] -= 1
        state["done"] += 1

    client.set_message_sent_handler(sent)
    client.connect()
    client.bind_transceiver(system_id="centre", password=SECRET)
    body = TEXT.encode("utf-16-be")
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(count):
        while state["outstanding"] >= WINDOW:
            client.read_once()
        client.send_message(source_addr="10657112333", destination_addr="13912345678", short_message=body,
                            data_coding=smpplib.consts.SMPP_ENCODING_ISO10646, registered_delivery=0)
        state["outstanding"] += 1
    while state["done"] < count:
        client.read_once()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    client.unbind()
    client.disconnect()
    return count / elapsed, count / cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--count", type=int, default=3000)
    args = ap.parse_args()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    proc, port = start_gateway("smpp", "centre")
    try:
        ours("smpp", "centre", port, 300)
        smpplib_client(port, 300)
        a, b, ratio, a_cpu, b_cpu = [], [], [], [], []
        for r in range(args.rounds):
            if r % 2:
                y, y_cpu = smpplib_client(port, args.count)
                x, x_cpu = ours("smpp", "centre", port, args.count)
            else:
                x, x_cpu = ours("smpp", "centre", port, args.count)
                y, y_cpu = smpplib_client(port, args.count)
            a.append(x)
            b.append(y)
            a_cpu.append(x_cpu)
            b_cpu.append(y_cpu)
            ratio.append(x / y)
            print("round %d: lib12333 %.0f/s  smpplib %.0f/s (per client CPU second: %.0f, %.0f)"
                  % (r + 1, x, y, x_cpu, y_cpu), flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    proc, port = start_gateway("cmpp3", "901234")
    try:
        ours("cmpp3", "901234", port, 300)
        c_both = [ours("cmpp3", "901234", port, args.count) for _ in range(args.rounds)]
        c, c_cpu = [x for x, _ in c_both], [x for _, x in c_both]
    finally:
        proc.terminate()
        proc.wait(10)
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024.0
    print()
    print("| submits/s, window %d, %d per round, %d rounds | median | range | per client CPU second (median) |"
          % (WINDOW, args.count, args.rounds))
    print("|---|---|---|---|")
    for name, wall, cpu in (("lib12333 SMPP 3.4", a, a_cpu), ("smpplib 2.2 SMPP 3.4", b, b_cpu),
                            ("lib12333 CMPP 3.0", c, c_cpu)):
        print("| %s | %.0f | %.0f–%.0f | %.0f |" % (name, statistics.median(wall), min(wall), max(wall),
                                                   statistics.median(cpu)))
    print("ratio lib12333/smpplib (SMPP): median %.2f, range %.2f–%.2f" % (statistics.median(ratio), min(ratio),
                                                                          max(ratio)))
    print("client peak RSS growth over the whole run: %.1f MiB" % rss)


if __name__ == "__main__":
    main()
