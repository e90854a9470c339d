"""
Console pages on a real gateway database: the requests desk end to end (the same completion SMS as the
CLI), objects of other centres and other users (IDOR), hostile texts (XSS), the loss registry with its
audit log, the kiosk fleet, the figures and annual report, and the ``lib12333 console`` commands.
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

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lib12333 import lossreport  # noqa: E402
from lib12333 import requests as R  # noqa: E402
from lib12333.host.cdr import report as annual  # noqa: E402
from lib12333.host.console import figures as console_figures  # noqa: E402
from lib12333.host.gateway.centre import Centre  # noqa: E402
from tests.host.console_support import (  # noqa: E402
    CENTRE,
    HOLDER,
    NOW,
    OTHER,
    PASSWORD,
    PHONE,
    USERS,
    build,
    client,
    login,
)

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</td></tr></table><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}{% raw %}",
    "' OR 1=1 --",
]


def outgoing_notices(console):
    return [(to, bytes(body).decode()) for to, body in console.store.conn.execute(
        "SELECT to_number, body FROM outgoing WHERE kind = 'notice' ORDER BY id")]


def test_claim_then_complete_queues_the_same_notice_as_the_cli(tmp_path):
    console, clock, refs = build(tmp_path)
    c = client(console)
    csrf = login(c, USERS["agent"])
    ref = refs["mine"]
    r = c.post("/requests/%s/claim" % ref, data={"csrf": csrf, "idem": "f1"})
    assert r.status_code == 303
    req = console.store.requests.get(ref)
    assert req.state == R.IN_PROGRESS and console.store.claims([ref]) == {ref: USERS["agent"]}
    clock.now += 60
    r = c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "f2", "action": "complete",
                                               "note": "已电话答复补办进度"})
    assert r.status_code == 303
    req = console.store.requests.get(ref)
    assert req.state == R.DONE and req.history[-1].note == "已电话答复补办进度"
    expected = R.notice_text(req, console.sms_policy)[0]
    assert outgoing_notices(console) == [(PHONE, expected)]
    # The same form sent again (a double click, a retry) is applied once and queues nothing more.
    r = c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "f2", "action": "complete",
                                               "note": "已电话答复补办进度"})
    assert r.status_code == 303 and len(console.store.requests.get(ref).history) == 2
    assert len(outgoing_notices(console)) == 1
    page = c.get("/requests/" + ref).text
    assert "办结" in page and expected in page
    audit = [(a["action"], a["object"]) for a in console.store.audit_log()]
    assert ("request.complete", ref) in audit and ("request.claim", ref) in audit


def test_a_telephone_request_is_accepted_at_the_desk_once(tmp_path):
    console, _clock, _refs = build(tmp_path)
    c = client(console)
    csrf = login(c, USERS["agent"])
    form = {"csrf": csrf, "idem": "n1", "kind": "complaint", "subject": "来电投诉窗口服务态度", "contact": "139 1234 5678"}
    r = c.post("/requests", data=form)
    assert r.status_code == 303
    ref = r.headers["location"].split("/")[2].split("?")[0]
    req = console.store.requests.get(ref)
    assert (req.kind, req.state, req.owner, req.contact, ref[7:10]) == ("complaint", R.ACCEPTED, CENTRE, PHONE, "TEL")
    assert R.parse_ref(ref)["day"] == (2026, 11, 30)
    assert console.store.claims([ref]) == {ref: USERS["agent"]}
    assert c.post("/requests", data=form).headers["location"] == r.headers["location"]  # sent twice: one request
    r = c.post("/requests", data=dict(form, idem="n2", subject=" "))
    assert r.status_code == 400 and "subject" in r.text


def test_close_needs_a_note_and_the_state_machine_refuses_illegal_steps(tmp_path):
    console, _clock, refs = build(tmp_path)
    c = client(console)
    csrf = login(c, USERS["agent"])
    ref = refs["mine"]
    r = c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "g1", "action": "complete", "note": "x"})
    assert r.status_code == 409  # 受理 cannot go straight to 办结
    c.post("/requests/%s/claim" % ref, data={"csrf": csrf, "idem": "g2"})
    r = c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "g3", "action": "complete", "note": " "})
    assert r.status_code == 409 and "note" in r.text
    r = c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "g4", "action": "drop-table"})
    assert r.status_code == 409
    assert console.store.requests.get(ref).state == R.IN_PROGRESS and outgoing_notices(console) == []


def test_transfer_is_accepted_by_the_other_centres_console(tmp_path):
    console, clock, refs = build(tmp_path)
    c = client(console)
    csrf = login(c, USERS["supervisor"])
    ref = refs["mine"]
    r = c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "t1", "action": "transfer", "target": OTHER})
    assert r.status_code == 303
    req = console.store.requests.get(ref)
    assert (req.state, req.owner, req.pending_owner) == (R.TRANSFERRING, CENTRE, OTHER)
    from lib12333.host.console.app import Console

    other = Console(console.store.path, centre_code=OTHER, clock=clock)
    o = client(other)
    ocsrf = login(o, USERS["agent2"])
    assert ref in o.get("/requests").text
    assert other.store.state_counts(OTHER) == {R.ACCEPTED: 1, R.TRANSFERRING: 1}  # its own + the one offered
    clock.now += 10
    assert o.post("/requests/%s/act" % ref, data={"csrf": ocsrf, "idem": "t2",
                                                  "action": "accept_transfer"}).status_code == 303
    req = console.store.requests.get(ref)
    assert (req.state, req.owner, req.pending_owner) == (R.ACCEPTED, OTHER, None)
    # Now it is the other centre's: this console shows it no more.
    assert c.get("/requests/" + ref).status_code == 404


def test_requests_of_other_centres_are_not_found_like_unknown_ones(tmp_path):
    console, _clock, refs = build(tmp_path)
    c = client(console)
    csrf = login(c, USERS["supervisor"])
    theirs = refs["theirs"]
    unknown = R.make_ref("complaint", CENTRE, "K01", (2026, 11, 29), 99)
    for ref in (theirs, unknown, "not-a-ref", "../../etc/passwd"):
        r = c.get("/requests/" + ref)
        assert r.status_code == 404
        assert c.post("/requests/%s/claim" % ref, data={"csrf": csrf, "idem": "i1"}).status_code == 404
    assert theirs not in c.get("/requests").text
    assert console.store.requests.get(theirs).state == R.ACCEPTED


def test_a_request_claimed_by_one_agent_cannot_be_worked_by_another(tmp_path):
    console, _clock, refs = build(tmp_path)
    a, b, s = client(console), client(console), client(console)
    csrf_a, csrf_b, csrf_s = login(a, USERS["agent"]), login(b, USERS["agent2"]), login(s, USERS["supervisor"])
    ref = refs["mine"]
    assert a.post("/requests/%s/claim" % ref, data={"csrf": csrf_a, "idem": "c1"}).status_code == 303
    r = b.post("/requests/%s/act" % ref, data={"csrf": csrf_b, "idem": "c2", "action": "return", "note": "退回"})
    assert r.status_code == 409 and USERS["agent"] in r.text
    assert b.post("/requests/%s/claim" % ref, data={"csrf": csrf_b, "idem": "c3"}).status_code == 409
    assert console.store.requests.get(ref).state == R.IN_PROGRESS
    assert console.store.claims([ref]) == {ref: USERS["agent"]}
    # A supervisor may step in.
    r = s.post("/requests/%s/act" % ref, data={"csrf": csrf_s, "idem": "c4", "action": "return",
                                               "note": "不属于本中心受理范围"})
    assert r.status_code == 303 and console.store.requests.get(ref).state == R.RETURNED


def test_queue_filters_by_state_kind_region_and_age(tmp_path):
    console, _clock, refs = build(tmp_path)
    c = client(console)
    login(c, USERS["agent"])

    def listed(query):
        return set(re.findall(r'href="/requests/([0-9A-Z]{21})"', c.get("/requests?" + query).text))

    assert listed("") == {refs["mine"], refs["old"]}
    assert listed("kind=complaint") == {refs["mine"]}
    assert listed("age=old") == {refs["old"]}
    assert listed("age=1d") == {refs["mine"]}
    assert listed("region=3301") == {refs["mine"], refs["old"]}
    assert listed("region=3201") == set()
    assert listed("state=done") == set()
    assert listed("kind=' OR 1=1 --") == {refs["mine"], refs["old"]}  # an unknown kind is no filter, never SQL
    assert listed("region=9' OR '1'='1") == set()  # only its digits count: region 911 has nothing
    page = c.get("/requests").text
    assert page.count("超时") >= 1  # the 10-day-old consultation is overdue


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile=st.sampled_from(HOSTILE) | st.text(alphabet="<>\"'&/ =abc()", min_size=1, max_size=40))
def test_hostile_subjects_and_notes_are_escaped(tmp_path_factory, hostile):
    tmp = tmp_path_factory.mktemp("xss")
    console, _clock, _refs = build(tmp)
    marked = "«" + hostile + "»"
    ref = console.store.requests.create("complaint", CENTRE, "K03", (2026, 11, 29), NOW - 100,
                                        "诉求" + marked, PHONE, idem="x-1").ref
    c = client(console)
    csrf = login(c, USERS["supervisor"])
    c.post("/requests/%s/claim" % ref, data={"csrf": csrf, "idem": "x2"})
    assert c.post("/requests/%s/act" % ref, data={"csrf": csrf, "idem": "x3", "action": "return",
                                                  "note": marked}).status_code == 303
    queue, detail = c.get("/requests").text, c.get("/requests/" + ref).text
    escaped = str(markupsafe.escape(marked))
    assert escaped in queue and detail.count(escaped) == 2  # the subject and the note of the history
    if escaped != marked:
        assert marked not in queue and marked not in detail


def test_hostile_kiosk_names_reasons_and_searches_are_escaped(tmp_path):
    console, _clock, _refs = build(tmp_path)
    from lib12333.host.gateway import admin

    admin.add_device(console.store.conn, 1003, name=HOSTILE[1], region="330100", phone="+8613800571003", now=NOW)
    s = client(console)
    csrf = login(s, USERS["supervisor"])
    handle = console.store.card_handle(HOLDER[0])
    s.post("/loss/card/%s/reveal" % handle, data={"csrf": csrf, "reason": HOSTILE[0]})
    pages = [s.get("/kiosks").text, s.get("/kiosks/1003").text, s.get("/audit").text,
             s.post("/loss", data={"csrf": csrf, "q": HOSTILE[1][:40]}).text]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[2]


def test_loss_lookup_by_masked_number_and_by_kiosk_frame(tmp_path):
    console, _clock, _refs = build(tmp_path)
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


def test_card_handles_cannot_be_guessed(tmp_path):
    console, _clock, _refs = build(tmp_path)
    c = client(console)
    login(c, USERS["supervisor"])
    good = console.store.card_handle(HOLDER[0])
    assert c.get("/loss/card/" + good).status_code == 200
    for bad in ("0" * 32, good[:-1] + ("0" if good[-1] != "0" else "1"), good[:30], HOLDER[0], "zz" * 16):
        assert c.get("/loss/card/" + bad).status_code == 404


def _as_supervisor_on_the_card(tmp_path):
    console, clock, _refs = build(tmp_path)
    c = client(console)
    return console, clock, c, login(c, USERS["supervisor"]), console.store.card_handle(HOLDER[0])


def test_unmasked_view_needs_a_reason_and_is_audited(tmp_path):
    console, _clock, c, csrf, handle = _as_supervisor_on_the_card(tmp_path)
    r = c.post("/loss/card/%s/reveal" % handle, data={"csrf": csrf, "reason": ""})
    assert r.status_code == 400 and HOLDER[1] not in r.text
    assert [a for a in console.store.audit_log() if a["action"] == "card.unmask"] == []
    r = c.post("/loss/card/%s/reveal" % handle, data={"csrf": csrf, "reason": "持卡人来电核实身份"})
    assert r.status_code == 200 and HOLDER[1] in r.text and HOLDER[2] in r.text and HOLDER[0] in r.text
    entry = [a for a in console.store.audit_log() if a["action"] == "card.unmask"]
    assert len(entry) == 1 and entry[0]["reason"] == "持卡人来电核实身份"
    assert entry[0]["username"] == USERS["supervisor"] and entry[0]["object"] == "A******50"
    assert HOLDER[1] not in c.get("/loss/card/" + handle).text  # the next view is masked again


def test_lifting_a_temporary_loss_goes_through_the_state_machine(tmp_path):
    console, _clock, c, csrf, handle = _as_supervisor_on_the_card(tmp_path)
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


def test_a_lapsed_temporary_loss_cannot_be_lifted_and_the_lapse_is_recorded(tmp_path):
    console, clock, _refs = build(tmp_path)
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


def test_fleet_marks_stale_kiosks_first(tmp_path):
    console, clock, _refs = build(tmp_path)
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


def test_fleet_counts_backlog_errors_and_send_failures(tmp_path):
    console, _clock, _refs = build(tmp_path)
    conn = console.store.conn
    conn.execute("INSERT INTO applied (device_id, seq, msg_type, applied_at, reply_type, reply_payload)"
                 " VALUES (1001, 2, 1, ?, 8, x'00')", (NOW - 500,))
    for failed in (None, None, "modem refused"):
        conn.execute("INSERT INTO outgoing (kind, to_number, body, created_at, failed) VALUES ('frame', ?, x'00', ?, ?)",
                     ("+8613800571001", NOW, failed))
    d = console.store.device(1001)
    assert (d["frames"], d["errors"], d["backlog"], d["send_failures"], d["last"]) == (2, 1, 2, 1, NOW - 500)


def _kiosk_request(key, seq):
    from lib12333.secure import aes
    from lib12333.secure import frame as frame_mod
    from lib12333.secure import messages as msg

    payload = msg.encode(msg.REQUEST, {"kind": msg.COMPLAINT, "category": "1000", "phone": PHONE, "text": "请回电"})
    return frame_mod.seal(aes.AES128(key), frame_mod.Frame(msg.REQUEST, 1001, seq, NOW, payload, frame_mod.UP))


def test_key_rotation_and_revocation_change_what_the_gateway_accepts(tmp_path):
    console, _clock, _refs = build(tmp_path)
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
    assert centre.handle("+8613800571001", _kiosk_request(old, 11), NOW).startswith("rejected")
    assert centre.handle("+8613800571001", _kiosk_request(new, 11), NOW) == "applied"
    assert c.post("/kiosks/1001/revoke", data={"csrf": csrf, "confirm": "yes"}).status_code == 303
    assert centre.handle("+8613800571001", _kiosk_request(new, 12), NOW) == "rejected: revoked device 1001"
    assert c.post("/kiosks/1001/rotate", data={"csrf": csrf, "confirm": "yes"}).status_code == 409
    actions = [a["action"] for a in console.store.audit_log()]
    assert "kiosk.rotate-key" in actions and "kiosk.revoke" in actions
    assert c.get("/kiosks/99999").status_code == 404


def _call_rows():
    # 2026-11-29 (local) 09:00-09:59: 4 offered, 3 answered (waits 5, 10, 40 s), 1 abandoned.
    t = NOW - 86400 - 8 * 3600 + 9 * 3600 - (NOW - 86400) % 86400
    rows = []
    for i, (wait, outcome) in enumerate(((5, "answered"), (10, "answered"), (40, "answered"), (30, "abandoned"))):
        answer = t + i * 60 + wait if outcome == "answered" else None
        rows.append(("call", 12333, "330100", "1000", "q1", t + i * 60, answer, t + i * 60 + wait + 100, outcome,
                     "agent-1", "139****5678"))
    return rows


def test_figures_show_the_call_metrics_of_the_records(tmp_path):
    console, _clock, _refs = build(tmp_path)
    console.store.add_service_rows(_call_rows())
    c = client(console)
    login(c, USERS["supervisor"])
    page = c.get("/figures").text
    overall = re.search(r'id="overall">(.*?)</table>', page, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", overall)
    assert cells[:6] == ["4", "3", "75.0%", "25.0%", "50.0%", "18.3 秒"]
    assert page.count("<svg") == 4
    import datetime

    day = datetime.datetime.utcfromtimestamp(_call_rows()[0][5] + 8 * 3600).date().isoformat()
    hours = c.get("/figures?day=" + day).text
    hour = re.search(r'id="intervals">.*?<td>09:00</td>((?:<td>[^<]*</td>\s*)+)', hours, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", hour)[:4] == ["4", "3", "1", "75.0%"]
    # Records imported later for a day already shown are counted (the day's cached figures are recomputed).
    console.store.add_service_rows(_call_rows())
    overall = re.search(r'id="overall">(.*?)</table>', c.get("/figures").text, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", overall)[:2] == ["8", "6"]


def test_annual_report_downloads_match_the_report_module(tmp_path):
    console, _clock, _refs = build(tmp_path)
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


def test_cli_user_add_list_and_login(tmp_path):
    db = str(tmp_path / "centre.db")
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


def test_cli_console_refuses_a_missing_database(tmp_path):
    r = _cli("--db", str(tmp_path / "none.db"))
    assert r.returncode == 4 and "no such database" in r.stderr


def test_cli_import_fills_the_figures(tmp_path):
    console, _clock, _refs = build(tmp_path)
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
