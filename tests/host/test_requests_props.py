"""Property tests for the request state machine and the SMS notice (issue #10)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lib12333 import citizen_requests as R
from lib12333.errors import StateError, ValidationError
from lib12333.host.testing.library import ref_args
from lib12333.sms.policy import Policy
from tests.hypothesis_profiles import examples

CENTRES = ("330100", "330200", "440100")
STEPS = st.lists(st.tuples(st.sampled_from(R.ACTIONS), st.sampled_from(CENTRES), st.sampled_from(CENTRES),
                           st.integers(0, 8)), max_size=25)
SIGN = "【杭州市人力资源社会保障电话咨询服务中心】"


@settings(max_examples=examples(300), deadline=None)
@given(STEPS)
def test_invariants_under_random_steps(steps):
    r = R.new_request("complaint", "330100", "K01", (2013, 3, 1), 1, 0, "x")
    t = 0
    for action, actor, target, key in steps:
        t += 1
        before = (r.state, r.owner, r.pending_owner, len(r.history))
        try:
            ev = R.apply(r, action, actor, t, "k%d" % key, note="n", target=target if action == "transfer" else None)
        except (StateError, ValidationError):
            assert (r.state, r.owner, r.pending_owner, len(r.history)) == before
            continue
        if len(r.history) == before[3]:
            continue  # an idempotent replay
        assert R.find_transition(action, before[0]) is not None
        assert before[0] not in R.FINAL
        responsible = before[1] if action != "accept_transfer" and action != "reject_transfer" else before[2]
        assert ev.actor == responsible
        assert (r.pending_owner is not None) == (r.state == R.TRANSFERRING)
        if action != "accept_transfer":
            assert r.owner == before[1]  # only an accepted transfer moves responsibility
        assert [e.seq for e in r.history] == list(range(1, len(r.history) + 1))
    assert r.centre == "330100"


@settings(max_examples=examples(300), deadline=None)
@given(ref_args(), st.text(min_size=1, max_size=60), st.text("0123456789", min_size=11, max_size=11),
       st.booleans())
def test_notice_never_carries_subject_or_contact(args, subject, phone, complete):
    kind, centre, device, day, seq = args
    subject = "诉求：" + subject  # a subject as a citizen writes it
    r = R.new_request(kind, centre, device, day, seq, 0, subject, contact=phone)
    if complete:
        R.apply(r, "start", centre, 1, "a")
        R.apply(r, "complete", centre, 2, "b", note=subject)
    else:
        R.apply(r, "return", centre, 1, "a", note=subject)
    text, decision = R.notice_text(r, Policy(SIGN, one_part_notices=True))
    assert text.startswith(SIGN) and r.ref in text
    assert phone not in text
    assert decision.parts == 1
    assert subject not in text
