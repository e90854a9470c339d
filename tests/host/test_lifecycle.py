"""
The lifecycle proof (issue 13): one kiosk id and two centres through everything a deployment goes through.

    provisioning -> traffic -> reboots with power cuts -> board replacement (and a re-formatted /data)
    -> gateway backup, a lost disk and the restore -> a second centre relaying -> a full disk and recovery

Every AES-CCM seal on both sides (the kiosk's requests, the centre's answers, the relay frames between the
centres) is recorded as (key, nonce), and at the end:

- no (key, nonce) pair was ever used twice;
- every request a citizen was given a receipt for was applied exactly once (centre A's ``applied``, the card
  events, the request store; centre B's ``relays_in`` for relayed ones);
- every citizen was told the truth: each answer the kiosk showed matches the registry, and each citizen
  whose card was blocked got exactly one SMS notice, naming that card.

Real parts: the gateway databases (SQLite files), ``Centre`` with its request store and relay, the kiosk's
outbox and journal on stores that lose power at a chosen byte (lib12333.host.testing.powercut), the
firmware's provisioning files (firmware/main.py ``load_config``), the installer (on an in-memory board),
``gateway device add``, deploy's gateway checks, ``gateway backup`` and ``restore``.  What is modelled: the
radio (SMS are handed over by ``Network`` in lifecycle_world.py, which may hold them back) and the kiosk's screen (the
answers its runtime, firmware/app.py, would show: the same open -> window -> ack -> persist steps).

Run it alone:  python -m pytest tests/host/test_lifecycle.py -q
"""

import json
import os

import pytest

from lib12333 import lossreport
from lib12333.errors import ValidationError
from lib12333.host.cli import EXIT_OK, main
from lib12333.host.gateway import backup, outcomes
from lib12333.host.keyfile import read_key_file
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from tests.host.lifecycle_world import (
    A_NUMBER,
    DEVICE,
    KIOSK_NUMBER,
    Board,
    Recorder,
    World,
    deploy,
    deploy_args,
    fill_up,
    free_space,
)

# ---------------------------------------------------------------- the proof


# Where the power goes in phase 3 (units of the kiosk's writes after a visit starts) and during the replacement
# board's first boot: three schedules, so the cuts land on different bytes and operations.
SCHEDULES = [((3, 9, 17, 30, 44, 61, 90), 12), ((1, 5, 22, 37, 52, 75, 120), 3), ((7, 13, 26, 40, 58, 83, 101), 20)]


@pytest.mark.parametrize("cuts, boot_cut", SCHEDULES)
def test_lifecycle_no_nonce_twice_every_request_once_every_citizen_told_the_truth(tmp_path, monkeypatch, cuts,
                                                                                 boot_cut):
    rec = Recorder(monkeypatch)
    w = World(tmp_path, rec)

    # 1. Provisioning: the centre registers the kiosk and writes its key file; deploy puts it on the board.
    key_file = str(tmp_path / "kiosk1001.key")
    assert main(["gateway", "device", "add", "--db", w.a_path, "--device-id", str(DEVICE), "--key-out", key_file,
                 "--region", "330106", "--phone", KIOSK_NUMBER, "--json"]) == EXIT_OK
    first = Board(w, "board1")
    deploy(w, first, deploy_args(None, key_file=key_file))
    first.boot()
    w.board = first
    assert first.problem is None

    # 2. Traffic: loss reports and complaints, answered, notices sent.
    w.visit(["loss", "complaint", "loss", "complaint"])
    w.run()

    # 3. Reboots with power cuts: the power goes at chosen bytes while requests are stored and answers arrive.
    for units in cuts:
        batch = [w.citizen(k) for k in ("loss", "complaint")]
        first.cut_after(units)
        for c in batch:
            first.submit(c)
        w.run()
    assert w.power_cuts >= 3

    # 4. Board replacement. The old board is drained (docs/deploy.md) and breaks; its last frame was captured.
    w.visit(["loss"])
    captured = []
    for _ in range(3):
        w.now += 20
        first.step()
        captured.extend(body for _sender, body in w.net.inbox[A_NUMBER])
    w.run()
    assert first.outbox.pending() == [] and captured
    # The wrong ways are refused: the registered key to a new board, and a board whose /data was wiped.
    with pytest.raises(ValidationError, match="--replace"):
        deploy(w, Board(w, "refused"), deploy_args(w.a_path, key_hex=read_key_file(key_file).hex()))
    wiped = Board(w, "wiped")
    with open(os.path.join(first.config_dir, "key.bin"), "rb") as f:
        os.makedirs(wiped.config_dir, exist_ok=True)
        with open(os.path.join(wiped.config_dir, "key.bin"), "wb") as g:
            g.write(f.read())
    with open(os.path.join(first.config_dir, "device.json"), "rb") as f:
        with open(os.path.join(wiped.config_dir, "device.json"), "wb") as g:
            g.write(f.read())
    seals = len(rec.pairs)
    wiped.boot()
    assert wiped.problem == "密钥" and not wiped.submit(w.citizen("loss"))
    assert len(rec.pairs) == seals  # it sealed nothing
    # The right way: deploy --replace, a fresh key and a first number above everything seen.
    second = Board(w, "board2")
    provision = deploy(w, second, deploy_args(w.a_path, replace=True))
    before = w.power_cuts
    second.boot(cut=boot_cut)  # the power goes while the new key's journal is started: the next boot starts it again
    assert w.power_cuts == before + 1 and not os.path.exists(os.path.join(second.config_dir, "key.fresh"))
    w.board = second
    assert second.problem is None and provision["seq_start"] > max(r[1] for r in w.by_receipt)
    for body in captured:  # the old board's frame, replayed by someone who captured it
        out = w.a.centre.handle(KIOSK_NUMBER, body, w.now)
        assert out.kind == outcomes.REJECTED and out.reason.startswith("device 1001")
    w.visit(["loss", "complaint"])
    w.run()

    # 5. Backup; then requests are applied and answered but the answers never leave (the modem is down),
    #    the disk dies, the gateway is restored from the backup. The kiosk retries; nothing is sealed twice.
    batch = [w.citizen(k, "320100" if k == "relay" else "330100")  # their cards are in the registries before
             for k in ("loss", "complaint", "relay", "loss")]
    saved = str(tmp_path / "backup" / "hangzhou.db")
    backup.backup(w.a_path, saved, now=w.now)
    w.a.mute = True
    for c in batch:
        second.submit(c)
    for _ in range(4):
        w.now += 20
        second.step()
        w.a.step(w.now)
    unsent = w.a.centre.conn.execute("SELECT COUNT(*) FROM outgoing WHERE kind = 'frame' AND sent_at IS NULL")
    assert unsent.fetchone()[0] >= 3  # sealed with DOWN numbers the backup does not know
    w.a.stop()
    for name in os.listdir(tmp_path):
        if name.startswith("hangzhou.db"):
            os.remove(str(tmp_path / name))  # the disk is gone
    report = backup.restore(saved, w.a_path, now=w.now)
    assert report["live_database"] == "missing"
    w.a.start()
    w.a.mute = False
    w.run()

    # 6. A second centre: cards of another province are relayed to 江苏, applied there once, answered back.
    w.visit(["relay", "loss", "relay"])
    w.run()
    w.visit(["relay"])
    w.b.down = True  # 江苏 is unreachable for a while: the kiosk retries, 杭州 re-sends the same relay frame
    for _ in range(12):
        w.now += 60
        second.step()
        w.a.step(w.now)
    w.b.down = False
    w.run()
    assert w.a.centre.relay.stats["resent"] >= 1 and w.b.centre.relay.stats["duplicates"] >= 1

    # 7. A full disk at the centre: the gateway stops with StorageError keeping the SMS; after space is freed
    #    every request is applied once.
    a_conn, store_conn = w.a.centre.conn, w.a.centre.requests._db
    for conn in (a_conn, store_conn):
        fill_up(conn)
    # The files' last free room goes while citizens keep coming; then every write fails.
    for _ in range(40):
        w.visit(["loss", "complaint"])
        for _ in range(3):
            w.now += 20
            second.step()
            w.a.step(w.now)
        if w.storage_errors + w.a.centre.stats["deferred"]:
            break
    assert w.storage_errors + w.a.centre.stats["deferred"] >= 1, "the disk never filled up"
    w.visit(["loss", "complaint", "loss"])  # more while the disk is full: they wait in the kiosk and the modem
    for _ in range(10):
        w.now += 20
        second.step()
        w.a.step(w.now)
    for conn in (a_conn, store_conn):
        free_space(conn)
    w.run()

    check(w, rec)


# ---------------------------------------------------------------- the three promises


def check(w, rec):
    # No (key, nonce) pair twice, on either side.
    twice = [(nonce[1], int.from_bytes(nonce[2:6], "big"), int.from_bytes(nonce[6:10], "big"))
             for _key, nonce in rec.repeated()]
    assert twice == [], "(direction, sender id, seq) sealed twice under one key: %r" % twice
    assert rec.count(frame_mod.UP) > 40 and rec.count(frame_mod.DOWN) > 40
    a, b = w.a.centre.conn, w.b.centre.conn
    store = w.a.centre.requests
    refs = set()
    for c in w.citizens:
        if c.receipt is None:
            continue
        device, seq = c.receipt
        applied = a.execute("SELECT COUNT(*) FROM applied WHERE device_id = ? AND seq = ?", (device, seq)).fetchone()[0]
        assert applied == 1, (c.n, c.kind, c.receipt, applied)
        assert c.answers, "citizen %d (%s) was never told" % (c.n, c.kind)
        if c.kind == "complaint":
            for msg_type, fields in c.answers:
                assert msg_type == msg.STATUS_ANSWER and fields["status"] == msg.ST_RECEIVED
            ref = c.answers[0][1]["text"]
            assert all(f["text"] == ref for _t, f in c.answers), "two references for one request"
            req = store.get(ref)
            assert req.contact == c.phone and req.subject == "留言%d：请回电" % c.n
            assert ref not in refs, "one reference given to two citizens"
            refs.add(ref)
            continue
        registry = b if c.kind == "relay" else a
        state = registry.execute("SELECT state FROM cards WHERE card_no = ?", (c.card,)).fetchone()[0]
        events = registry.execute("SELECT COUNT(*) FROM card_events WHERE card_no = ? AND to_state = ?",
                                  (c.card, lossreport.TEMP_LOST)).fetchone()[0]
        assert (state, events) == (lossreport.TEMP_LOST, 1), (c.n, c.kind, state, events)
        for msg_type, fields in c.answers:
            assert msg_type == msg.ACK and fields["state"] == lossreport.TEMP_LOST, (c.n, fields)
            assert fields["result"] in (msg.ACK_APPLIED, msg.ACK_DUPLICATE)
        notices = w.net.phones.get(c.phone, [])
        assert len(notices) == 1 and c.card[-4:] in notices[0] and "临时挂失" in notices[0], (c.n, notices)
        if c.kind == "relay":
            assert b.execute("SELECT COUNT(*) FROM relays_in WHERE origin_device = ? AND origin_seq = ?",
                             (device, seq)).fetchone()[0] == 1
    # Requests the power cut short: applied at most once, and then truthfully (a notice only for a blocked card).
    for c in w.citizens:
        if c.receipt is None and c.card is not None:
            registry = b if c.kind == "relay" else a
            events = registry.execute("SELECT COUNT(*) FROM card_events WHERE card_no = ?", (c.card,)).fetchone()[0]
            state = registry.execute("SELECT state FROM cards WHERE card_no = ?", (c.card,)).fetchone()[0]
            assert events <= 1
            assert (state == lossreport.TEMP_LOST) == bool(w.net.phones.get(c.phone))
    # Every request in the store is one citizen's, stored once: a receipt holder's, or a visit the power cut short.
    subjects = [r.subject for r in store.list()]
    assert len(subjects) == len(set(subjects))
    by_subject = dict(("留言%d：请回电" % c.n, c) for c in w.citizens if c.kind == "complaint")
    assert all(by_subject[s].receipt is not None or by_subject[s].interrupted for s in subjects)
    print(json.dumps({"seals": len(rec.pairs), "up": rec.count(frame_mod.UP), "down": rec.count(frame_mod.DOWN),
                      "citizens": len(w.citizens), "receipts": len(w.by_receipt), "power_cuts": w.power_cuts,
                      "storage_errors": w.storage_errors}))
