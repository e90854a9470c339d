"""
Console pages on a real gateway database: the loss registry with its audit log, the kiosk fleet (key
rotation and revocation as the gateway sees them), the figures and the annual report, and the
``lib12333 console`` commands.
"""

import csv
import io
import os
import re
import subprocess
import sys

import markupsafe
import pytest

pytest.importorskip("starlette")
pytest.importorskip("argon2")

from lib12333 import lossreport  # noqa: E402
from lib12333.host.cdr import report as annual  # noqa: E402
from lib12333.host.console import figures as console_figures  # noqa: E402
from lib12333.host.gateway import outcomes
from lib12333.host.gateway.centre import Centre  # noqa: E402
from tests.host.console_support import (  # noqa: E402
    CENTRE,
    HOLDER,
    NOW,
    PASSWORD,
    PHONE,
    USERS,
    build,
    client,
    login,
    simulated_kiosk_report,
)


def test_loss_lookup_by_masked_number_and_by_kiosk_frame(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["agent"])
    page = c.post("/loss", data={"csrf": csrf, "q": "A******50"}).text
    assert "A******50" in page and "临时挂失" in page and HOLDER[0] not in page and HOLDER[2] not in page
    assert "B12345678" not in page and "B******78" not in page
    assert "B******78" in c.post("/loss", data={"csrf": csrf, "q": "b******78"}).text
    assert "没有找到" in c.post("/loss", data={"csrf": csrf, "q": "%"}).text  # LIKE wildcards are not passed on
    console.store.conn.execute("INSERT INTO card_events (card_no, at, action, channel, from_state, to_state,"
                               " device_id, seq) VALUES (?, ?, 'report_temporary', 'kiosk', 2, 3, 1001, 7)",
                               ("B12345678", NOW))
    assert "B******78" in c.post("/loss", data={"csrf": csrf, "q": "1001-7"}).text
    handles = re.findall(r'href="/loss/card/([0-9a-f]{32})"', page)
    assert handles == [console.store.card_handle(HOLDER[0])]
    card = c.get("/loss/card/" + handles[0]).text
    assert "临时挂失" in card and "330106********0048" in card
    # Agents may look, not lift or unmask: the forms are not even shown.
    assert "/lift" not in card and "/reveal" not in card


def test_card_handles_cannot_be_guessed(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    login(c, USERS["supervisor"])
    good = console.store.card_handle(HOLDER[0])
    assert c.get("/loss/card/" + good).status_code == 200
    for bad in ("0" * 32, good[:-1] + ("0" if good[-1] != "0" else "1"), good[:30], HOLDER[0], "zz" * 16):
        assert c.get("/loss/card/" + bad).status_code == 404


def _as_supervisor_on_the_card(console_db):
    console, clock, _refs = build(console_db)
    c = client(console)
    return console, clock, c, login(c, USERS["supervisor"]), console.store.card_handle(HOLDER[0])


def test_unmasked_view_needs_a_reason_and_is_audited(console_db):
    console, _clock, c, csrf, handle = _as_supervisor_on_the_card(console_db)
    r = c.post("/loss/card/%s/reveal" % handle, data={"csrf": csrf, "reason": ""})
    assert r.status_code == 400 and HOLDER[1] not in r.text
    assert [a for a in console.store.audit_log() if a["action"] == "card.unmask"] == []
    r = c.post("/loss/card/%s/reveal" % handle, data={"csrf": csrf, "reason": "持卡人来电核实身份"})
    assert r.status_code == 200 and HOLDER[1] in r.text and HOLDER[2] in r.text and HOLDER[0] in r.text
    entry = [a for a in console.store.audit_log() if a["action"] == "card.unmask"]
    assert len(entry) == 1 and entry[0]["reason"] == "持卡人来电核实身份"
    assert entry[0]["username"] == USERS["supervisor"] and entry[0]["object"] == "A******50"
    assert HOLDER[1] not in c.get("/loss/card/" + handle).text  # the next view is masked again


def test_lifting_a_temporary_loss_goes_through_the_state_machine(console_db):
    console, _clock, c, csrf, handle = _as_supervisor_on_the_card(console_db)
    r = c.post("/loss/card/%s/lift" % handle, data={"csrf": csrf, "reason": "本人持证到柜台"})
    assert r.status_code == 400  # identity not confirmed
    assert console.store.card_record(HOLDER[0], lossreport.Policy()).state == lossreport.TEMP_LOST
    r = c.post("/loss/card/%s/lift" % handle, data={"csrf": csrf, "reason": "本人持证到柜台",
                                                    "identity_checked": "yes"})
    assert r.status_code == 303
    rec = console.store.card_record(HOLDER[0], lossreport.Policy())
    assert rec.state == lossreport.NORMAL
    last = console.store.conn.execute("SELECT action, channel, from_state, to_state FROM card_events"
                                      " WHERE card_no = ? ORDER BY id DESC LIMIT 1", (HOLDER[0],)).fetchone()
    assert last == ("release_temporary", "counter", lossreport.TEMP_LOST, lossreport.NORMAL)
    assert [a["reason"] for a in console.store.audit_log() if a["action"] == "card.lift"] == ["本人持证到柜台"]
    # A normal card has no temporary loss to lift: the state machine refuses, nothing changes.
    r = c.post("/loss/card/%s/lift" % handle, data={"csrf": csrf, "reason": "再次尝试", "identity_checked": "yes"})
    assert r.status_code == 409
    assert console.store.conn.execute("SELECT COUNT(*) FROM card_events WHERE card_no = ?",
                                      (HOLDER[0],)).fetchone()[0] == 2


def test_a_lapsed_temporary_loss_cannot_be_lifted_and_the_lapse_is_recorded(console_db):
    console, clock, _refs = build(console_db)
    clock.now += 8 * 86400
    c = client(console)
    csrf = login(c, USERS["supervisor"])
    handle = console.store.card_handle(HOLDER[0])
    assert "/lift" not in c.get("/loss/card/" + handle).text
    r = c.post("/loss/card/%s/lift" % handle, data={"csrf": csrf, "reason": "本人持证到柜台",
                                                    "identity_checked": "yes"})
    assert r.status_code == 409
    actions = [row[0] for row in console.store.conn.execute(
        "SELECT action FROM card_events WHERE card_no = ? ORDER BY id", (HOLDER[0],))]
    assert actions == ["report_temporary", "expire_temporary"]


def test_fleet_marks_stale_kiosks_first(console_db):
    console, clock, _refs = build(console_db)
    c = client(console)
    login(c, USERS["technician"])
    page = c.get("/kiosks").text
    rows = re.findall(r'<tr class="([^"]*)">\s*<td><a href="/kiosks/(\d+)"', page)
    assert rows == [("stale", "1002"), ("", "1001")]  # 1002 never sent a frame
    assert "1 台终端超过 24 小时未联系中心" in page
    assert "13800571001" not in page and "138****1001" not in page  # SIM numbers are not listed in clear
    clock.now += 2 * 86400
    login(c, USERS["technician"])  # the old session has long been idle
    page = c.get("/kiosks?show=stale").text
    assert set(re.findall(r'href="/kiosks/(\d+)"', page)) == {"1001", "1002"}


def test_fleet_counts_backlog_errors_and_send_failures(console_db):
    console, _clock, _refs = build(console_db)
    conn = console.store.conn
    conn.execute("INSERT INTO applied (device_id, seq, msg_type, applied_at, reply_type, reply_payload)"
                 " VALUES (1001, 2, 1, ?, 8, ?)", (NOW - 500, b"\0"))
    for failed in (None, None, "modem refused"):
        conn.execute("INSERT INTO outgoing (kind, to_number, body, created_at, failed) VALUES ('frame', ?, ?, ?, ?)",
                     ("+8613800571001", b"\0", NOW, failed))
    d = console.store.device(1001)
    assert (d["frames"], d["errors"], d["backlog"], d["send_failures"], d["last"]) == (2, 1, 2, 1, NOW - 500)


def _kiosk_request(key, seq):
    from lib12333.secure import aes
    from lib12333.secure import frame as frame_mod
    from lib12333.secure import messages as msg

    payload = msg.encode(msg.REQUEST, {"kind": msg.COMPLAINT, "category": "1000", "phone": PHONE, "text": "请回电"})
    return frame_mod.seal(aes.AES128(key), frame_mod.Frame(msg.REQUEST, 1001, seq, NOW, payload, frame_mod.UP))


def test_key_rotation_and_revocation_change_what_the_gateway_accepts(console_db):
    console, _clock, _refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["technician"])
    old = bytes(console.store.conn.execute("SELECT key FROM devices WHERE device_id = 1001").fetchone()[0])
    centre = Centre(console.store.conn, "【单位】", centre_code=CENTRE, requests=console.store.requests)
    assert centre.handle("+8613800571001", _kiosk_request(old, 10), NOW) == "applied"
    assert c.post("/kiosks/1001/rotate", data={"csrf": csrf}).status_code == 400  # not confirmed
    r = c.post("/kiosks/1001/rotate", data={"csrf": csrf, "confirm": "yes", "reason": "SIM 卡被盗"})
    assert r.status_code == 200
    new = bytes(console.store.conn.execute("SELECT key FROM devices WHERE device_id = 1001").fetchone()[0])
    assert new != old and new.hex() in r.text and r.headers["cache-control"] == "no-store"
    assert new.hex() not in c.get("/kiosks/1001").text  # shown once
    # The gateway now takes the kiosk's frames under the new key only (its replay window is kept).
    assert centre.handle("+8613800571001", _kiosk_request(old, 11), NOW).kind == outcomes.REJECTED
    assert centre.handle("+8613800571001", _kiosk_request(new, 11), NOW) == "applied"
    assert c.post("/kiosks/1001/revoke", data={"csrf": csrf, "confirm": "yes"}).status_code == 303
    assert centre.handle("+8613800571001", _kiosk_request(new, 12), NOW) == outcomes.Outcome(outcomes.REJECTED, "revoked device 1001")
    assert c.post("/kiosks/1001/rotate", data={"csrf": csrf, "confirm": "yes"}).status_code == 409
    actions = [a["action"] for a in console.store.audit_log()]
    assert "kiosk.rotate-key" in actions and "kiosk.revoke" in actions
    assert c.get("/kiosks/99999").status_code == 404


def test_a_request_the_gateway_takes_from_a_kiosk_is_found_by_that_kiosks_region(console_db):
    console, _clock, _refs = build(console_db)  # kiosk 1001 is in region 330106, kiosk 1002 in 330110
    key = bytes(console.store.conn.execute("SELECT key FROM devices WHERE device_id = 1001").fetchone()[0])
    centre = Centre(console.store.conn, "【单位】", centre_code=CENTRE, requests=console.store.requests)
    assert centre.handle("+8613800571001", _kiosk_request(key, 20), NOW) == "applied"
    (row,), _total = console.store.queue(CENTRE, NOW, kind="complaint", age="1d", region="330106")
    assert row["subject"] == "请回电" and row["ref"][7:10] == "K01"
    assert console.store.queue(CENTRE, NOW, kind="complaint", region="330110") == ([], 0)


def _call_rows():
    # 2026-11-29 (local) 09:00-09:59: 4 offered, 3 answered (waits 5, 10, 40 s), 1 abandoned.
    t = NOW - 86400 - 8 * 3600 + 9 * 3600 - (NOW - 86400) % 86400
    rows = []
    for i, (wait, outcome) in enumerate(((5, "answered"), (10, "answered"), (40, "answered"), (30, "abandoned"))):
        answer = t + i * 60 + wait if outcome == "answered" else None
        rows.append(("call", 12333, "330100", "1000", "q1", t + i * 60, answer, t + i * 60 + wait + 100, outcome,
                     "agent-1", "139****5678"))
    return rows


def test_figures_show_the_call_metrics_of_the_records(console_db):
    console, _clock, _refs = build(console_db)
    console.store.add_service_rows(_call_rows())
    for kind, n in (("notice", 2), ("frame", 3)):
        for _ in range(n):
            console.store.conn.execute("INSERT INTO outgoing (kind, to_number, body, created_at, sent_at)"
                                       " VALUES (?, '13912345678', ?, ?, ?)", (kind, b"\0", NOW - 100, NOW - 90))
    c = client(console)
    login(c, USERS["supervisor"])
    page = c.get("/figures").text
    overall = re.search(r'id="overall">(.*?)</table>', page, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", overall)
    assert cells == ["4", "3", "75.0%", "25.0%", "50.0%", "18.3 秒", "2", "3"]
    assert page.count("<svg") == 4
    import datetime

    day = datetime.datetime.utcfromtimestamp(_call_rows()[0][5] + 8 * 3600).date().isoformat()
    hours = c.get("/figures?day=" + day).text
    hour = re.search(r'id="intervals">.*?<td>09:00</td>((?:<td>[^<]*</td>\s*)+)', hours, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", hour)[:4] == ["4", "3", "1", "75.0%"]
    assert console.warm() == 1 and len(console.day_figures.cache) == 1  # the one day with records
    # Records imported later for a day already shown are counted (the day's cached figures are recomputed).
    console.store.add_service_rows(_call_rows())
    overall = re.search(r'id="overall">(.*?)</table>', c.get("/figures").text, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", overall)[:2] == ["8", "6"]


def test_annual_report_downloads_match_the_report_module(console_db):
    console, _clock, _refs = build(console_db)
    console.store.add_service_rows(_call_rows())
    c = client(console)
    login(c, USERS["administrator"])
    r = c.get("/figures/annual/2026.csv")
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="annual-2026.csv"'
    rep = annual.AnnualReport(2026, tz_offset=28800)
    for rec in console_figures.records(_call_rows()):
        rep.add(rec)
    assert r.text == annual.to_csv(rep.figures())
    overall = [row for row in csv.DictReader(io.StringIO(r.text)) if row["dimension"] == "overall"]
    assert [(o["channel"], o["offered"], o["answered"]) for o in overall] == [("call", "4", "3")]
    h = c.get("/figures/annual/2026.html")
    assert h.status_code == 200 and "2027-03-20" in h.text and "<svg" in h.text
    assert "script-src" not in h.headers["content-security-policy"]
    assert c.get("/figures/annual/20x6.html").status_code == 404


def _cli(*args, **kw):
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    env.update(kw.pop("env", {}))
    return subprocess.run([sys.executable, "-m", "lib12333", "console"] + list(args), capture_output=True,
                          text=True, env=env, timeout=60, **kw)


def test_cli_user_add_list_and_login(console_db, tmp_path):
    db = console_db  # a new SQLite file, or an empty PostgreSQL database: user add migrates either
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    r = _cli("user", "add", "--db", db, "--username", "root", "--role", "administrator", "--password-file", str(pw))
    assert r.returncode == 0, r.stderr
    r = _cli("user", "add", "--db", db, "--username", "root", "--role", "agent", "--password-file", str(pw))
    assert r.returncode == 3 and "exists" in r.stderr
    r = _cli("user", "add", "--db", db, "--username", "short", "--role", "agent", env={
        "LIB12333_CONSOLE_PASSWORD": "too short"}, stdin=subprocess.DEVNULL)
    assert r.returncode == 3 and "10 characters" in r.stderr
    r = _cli("user", "list", "--db", db, "--json")
    assert r.returncode == 0 and '"administrator"' in r.stdout and "argon2" not in r.stdout
    from lib12333.host.console.app import Console

    c = client(Console(db))
    assert c.post("/login", data={"username": "root", "password": PASSWORD}).headers["location"] == "/kiosks"


def test_cli_user_reset_unlocks_with_a_new_password(console_db, tmp_path):
    console, clock, _refs = build(console_db)
    name = USERS["administrator"]
    c = client(console)
    for _ in range(5):
        c.post("/login", data={"username": name, "password": "wrong password!"})
    assert c.post("/login", data={"username": name, "password": PASSWORD}).status_code == 401  # locked
    assert console.store.user(name)["locked_until"] > clock.now
    pw = tmp_path / "pw"
    pw.write_text("a brand new passphrase\n")
    r = _cli("user", "reset", "--db", console.store.path, "--username", name, "--password-file", str(pw))
    assert r.returncode == 0, r.stderr
    assert c.post("/login", data={"username": name, "password": PASSWORD}).status_code == 401
    assert c.post("/login", data={"username": name, "password": "a brand new passphrase"}).status_code == 303
    r = _cli("user", "reset", "--db", console.store.path, "--username", "nobody", "--password-file", str(pw))
    assert r.returncode == 3 and "no account" in r.stderr


def test_cli_console_refuses_a_missing_database(tmp_path):
    r = _cli("--db", str(tmp_path / "none.db"))
    assert r.returncode == 4 and "no such database" in r.stderr


def test_cli_import_fills_the_figures(console_db, tmp_path):
    console, _clock, _refs = build(console_db)
    src = tmp_path / "calls.csv"
    from lib12333.host.cdr.native import Writer
    from lib12333.records import ServiceRecord

    with open(src, "wb") as f:
        w = Writer(f, "csv")
        for row in _call_rows():
            w.write(ServiceRecord(channel="call", service=12333, region=330100, category="1000", queue="q1",
                                  arrival=row[5], answer=row[6], end=row[7], outcome=row[8], agent="a1"))
    r = _cli("import", "--db", console.store.path, "--format", "native", str(src), "--json")
    assert r.returncode == 0, r.stderr
    assert '"records": 4' in r.stdout
    n = console.store.conn.execute("SELECT COUNT(*) FROM service_records WHERE channel = 'call'").fetchone()[0]
    assert n == 4


def test_fleet_shows_the_status_report_a_simulated_kiosk_sent(tmp_path):
    """The kiosk firmware on simulated hardware (tests/core/kiosk_sim.py) reports; the real gateway applies it."""
    import lib12333

    console, _clock, _refs = build(tmp_path)
    conn = console.store.conn
    frame = simulated_kiosk_report(conn, rssi=7)  # weak: -99 dBm
    centre = Centre(conn, "【单位】", centre_code=CENTRE, requests=console.store.requests)
    assert centre.handle("+8613800571001", frame, NOW - 60) == "applied"
    assert centre.handle("+8613800571001", frame, NOW - 30) == "duplicate"  # the kiosk's retry: stored once
    c = client(console)
    login(c, USERS["technician"])
    page = c.get("/kiosks").text
    row = re.search(r'<tr class="">\s*<td><a href="/kiosks/1001">.*?</tr>', page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", x).strip() for x in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[3] == lib12333.__version__
    assert cells[5] == "-99 dBm" and 'class="signal warn"' in row  # weak signal marked
    assert (cells[6], cells[7]) == ("0", "0 / 0 / 0")
    stale = re.search(r'<tr class="stale">\s*<td><a href="/kiosks/1002">.*?</tr>', page, re.S).group(0)
    assert "未上报" in stale and "失联" in stale
    detail = c.get("/kiosks/1001").text
    assert re.search(r'id="firmware">%s<' % re.escape(lib12333.__version__), detail)
    assert "CSQ 7，误码 0" in detail and "第 3 次启动" in detail
    assert conn.execute("SELECT seq, rssi, boots FROM kiosk_status").fetchall() == [(50, 7, 3)]


@pytest.mark.parametrize("firmware", ["<script>alert(1)", '"><svg/onload=x>', "{{7*7}}"])
def test_a_hostile_firmware_string_is_shown_as_text(console_db, firmware):
    """The firmware field is any 1..16 printable ASCII a kiosk (or whoever holds its key) sends."""
    from lib12333.secure import messages as msg
    from tests.host.test_gateway import KEY, kiosk_frame
    from tests.host.test_gateway_kiosk_status import REPORT

    console, _clock, _refs = build(console_db)
    conn = console.store.conn
    conn.execute("UPDATE devices SET key = ? WHERE device_id = 1001", (KEY,))
    centre = Centre(conn, "【单位】", centre_code=CENTRE, requests=console.store.requests)
    frame = kiosk_frame(40, msg.KIOSK_STATUS, dict(REPORT, firmware=firmware, rssi=200), time=NOW - 60)
    assert centre.handle("+8613800571001", frame, NOW - 30) == "applied"
    c = client(console)
    login(c, USERS["technician"])
    escaped = str(markupsafe.escape(firmware))
    for page in (c.get("/kiosks").text, c.get("/kiosks/1001").text):
        assert escaped in page and (escaped == firmware or firmware not in page)
        assert "未知" in page  # rssi 200 is no signal value: shown as not known, not as dBm


def test_a_report_with_every_field_at_its_maximum_is_stored_and_shown(console_db):
    """u32 ages and times, u16 counters at their top (a hostile or broken kiosk): no overflow, no 500."""
    from lib12333.host.gateway import kiosk_status
    from lib12333.secure import messages as msg
    from tests.host.test_gateway import KEY, kiosk_frame

    top = {"firmware": "~" * 16, "rssi": 255, "ber": 255, "backlog": 0xFFFF, "oldest_age": 0xFFFFFFFF,
           "storage_errors": 0xFFFF, "modem_errors": 0xFFFF, "card_errors": 0xFFFF, "uptime": 0xFFFFFFFF,
           "boots": 0xFFFF}
    console, _clock, _refs = build(console_db)
    conn = console.store.conn
    conn.execute("UPDATE devices SET key = ? WHERE device_id = 1001", (KEY,))
    centre = Centre(conn, "【单位】", centre_code=CENTRE, requests=console.store.requests)
    assert centre.handle("+8613800571001", kiosk_frame(0xFFFFFFFE, msg.KIOSK_STATUS, top, time=0xFFFFFFFF),
                         NOW) == "applied"
    report = kiosk_status.latest(conn)[1001]
    assert {k: report[k] for k in kiosk_status.FIELDS} == top and report["reported_at"] == 0xFFFFFFFF
    c = client(console)
    login(c, USERS["technician"])
    fleet, detail = c.get("/kiosks"), c.get("/kiosks/1001")
    assert fleet.status_code == 200 and "65535 / 65535 / 65535" in fleet.text
    assert detail.status_code == 200 and "存储 65535 · 通信模块 65535 · 读卡器 65535" in detail.text
    assert "第 65535 次启动" in detail.text and "CSQ 255，误码 255" in detail.text


@pytest.mark.parametrize("q, found", [("A3861275\\", False), ("A\\_______50", False), ("A\\%", False),
                                      ("\\\\", False), ("A******5\\0", True), ("a\\38612750", True)])
def test_a_backslash_in_a_card_search_is_ignored_on_both_back_ends(console_db, q, found):
    """PostgreSQL's LIKE takes a backslash as its escape character (SQLite's LIKE has none): before the
    fix, A******5\\0 found the card on PostgreSQL only.  Like a space, it is now left out on both."""
    console, _clock, _refs = build(console_db)
    c = client(console)
    csrf = login(c, USERS["agent"])
    r = c.post("/loss", data={"csrf": csrf, "q": q})
    assert r.status_code == 200
    assert ('href="/loss/card/' in r.text) is found and ("没有找到" in r.text) is not found
