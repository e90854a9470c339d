"""
The console's requests desk on a real gateway database: claim and close with the same completion SMS as
the CLI, telephone requests, transfers between centres, requests of other centres and other users (IDOR),
and hostile texts (XSS) on every page that shows them.
"""

import re

import markupsafe
import pytest

pytest.importorskip("starlette")
pytest.importorskip("argon2")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lib12333 import citizen_requests as R  # noqa: E402
from lib12333.host.gateway import request_desk  # noqa: E402
from tests.host.console_support import (  # noqa: E402
    CENTRE,
    HOLDER,
    NOW,
    OTHER,
    PHONE,
    USERS,
    build,
    client,
    login,
)
from tests.hypothesis_profiles import examples

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


def test_claim_then_complete_queues_the_same_notice_as_the_cli(console_db):
    console, clock, refs = build(console_db)
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


def test_a_telephone_request_is_accepted_at_the_desk_once(console_db):
    console, _clock, _refs = build(console_db)
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


def test_close_needs_a_note_and_the_state_machine_refuses_illegal_steps(console_db):
    console, _clock, refs = build(console_db)
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


def test_transfer_is_accepted_by_the_other_centres_console(console_db):
    console, clock, refs = build(console_db)
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


def test_requests_of_other_centres_are_not_found_like_unknown_ones(console_db):
    console, _clock, refs = build(console_db)
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


def test_a_request_claimed_by_one_agent_cannot_be_worked_by_another(console_db):
    console, _clock, refs = build(console_db)
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


def _listed(c, query):
    """The references the queue page ``/requests?query`` links to."""
    return set(re.findall(r'href="/requests/([0-9A-Z]{21})"', c.get("/requests?" + query).text))


def test_queue_filters_by_state_kind_region_and_age(console_db):
    console, _clock, refs = build(console_db)
    c = client(console)
    login(c, USERS["agent"])

    def listed(query):
        return _listed(c, query)

    assert listed("") == {refs["mine"], refs["old"]}
    assert listed("kind=complaint") == {refs["mine"]}
    assert listed("age=old") == {refs["old"]}
    assert listed("age=1d") == {refs["mine"]}
    assert listed("region=3301") == set()  # the sample requests were not filed at a kiosk: no kiosk region
    assert listed("region=3201") == set()
    assert listed("state=done") == set()
    assert listed("kind=' OR 1=1 --") == {refs["mine"], refs["old"]}  # an unknown kind is no filter, never SQL
    assert listed("region=9' OR '1'='1") == set()  # only its digits count: region 911 has nothing
    page = c.get("/requests").text
    assert page.count("超时") >= 1  # the 10-day-old consultation is overdue


def test_region_filter_is_the_region_of_the_kiosk_that_took_the_request(console_db):
    console, _clock, _refs = build(console_db)  # kiosk 1001 in region 330106, kiosk 1002 in 330110
    r = console.store.requests

    def filed(device, idem):
        return r.create("consultation", CENTRE, device, (2026, 11, 29), NOW - 50, "地区", PHONE, idem=idem).ref

    west = filed("K01", request_desk.request_idem(CENTRE, 1001, 7))
    yuhang = filed("K02", request_desk.request_idem(CENTRE, 1002, 8))
    legacy = filed("K02", "kiosk-1002-9")  # the creation key before it named the centre: our own kiosk
    relayed = filed("K01", request_desk.request_idem(OTHER, 1001, 7))  # a peer's kiosk 1001, not ours
    c = client(console)
    login(c, USERS["agent"])

    def listed(query):
        return _listed(c, query)

    assert relayed in listed("")
    assert listed("region=330106") == {west}
    assert listed("region=330110") == {yuhang, legacy}
    assert listed("region=3301") == {west, yuhang, legacy}
    assert listed("region=3302") == set()
    # The registry decides: a kiosk moved to another hall is filtered by its new region.
    console.store.conn.execute("UPDATE devices SET region = '330108' WHERE device_id = 1002")
    assert listed("region=330110") == set() and listed("region=330108") == {yuhang, legacy}


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile=st.sampled_from(HOSTILE) | st.text(alphabet="<>\"'&/ =abc()", min_size=1, max_size=40))
def test_hostile_subjects_and_notes_are_escaped(tmp_path_factory, gateway_db, hostile):
    # A new database per example: a SQLite file in a new folder, or a new database on the PostgreSQL server.
    console, _clock, _refs = build(gateway_db(str(tmp_path_factory.mktemp("xss") / "centre.db")))
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


def test_hostile_kiosk_names_reasons_and_searches_are_escaped(console_db):
    console, _clock, _refs = build(console_db)
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




def test_a_kiosk_request_through_the_real_gateway_is_worked_at_the_desk_with_one_sms(console_db):
    """A citizen's REQUEST frame from kiosk 1001 through the gateway's Centre on the test's back end (on
    PostgreSQL the requests live in the same database): on the desk under the kiosk's region, claimed and
    completed by an agent; the kiosk's retry of the frame and a second click change nothing."""
    from lib12333.host.gateway.centre import Centre
    from lib12333.secure import messages as msg
    from tests.host.test_gateway import KEY, kiosk_frame

    console, clock, _refs = build(console_db)
    store = console.store
    store.conn.execute("UPDATE devices SET key = ? WHERE device_id = 1001", (KEY,))
    centre = Centre(store.conn, "【单位】", centre_code=CENTRE, requests=store.requests)
    fields = {"kind": msg.CONSULTATION, "category": "1000", "phone": "13912345678", "text": "养老保险转移进度"}
    frame = kiosk_frame(21, msg.REQUEST, fields, time=NOW - 120)
    assert centre.handle("+8613800571001", frame, NOW - 100) == "applied"
    assert centre.handle("+8613800571001", frame, NOW - 40) == "duplicate"  # the kiosk lost the answer
    c = client(console)
    csrf = login(c, USERS["agent"])
    (ref,) = _listed(c, "region=330106") - _listed(c, "region=330110")
    req = store.requests.get(ref)
    assert (req.subject, req.state, req.contact) == ("养老保险转移进度", R.ACCEPTED, "13912345678")
    assert c.post("/requests/%s/claim" % ref, data={"csrf": csrf, "idem": "k1"}).status_code == 303
    clock.now += 60
    form = {"csrf": csrf, "idem": "k2", "action": "complete", "note": "已答复"}
    assert c.post("/requests/%s/act" % ref, data=form).status_code == 303
    assert c.post("/requests/%s/act" % ref, data=form).status_code == 303
    done = store.requests.get(ref)
    assert done.state == R.DONE
    assert outgoing_notices(console) == [("13912345678", R.notice_text(done, console.sms_policy)[0])]
