"""Property tests of the sans-IO AT modem emulator (lib12333.modem.emulator): whatever bytes a host
sends -- line noise, command lines with arbitrary parameters, PDUs cut anywhere, interleaved
with deliveries and time passing -- it raises nothing, answers within bounded output, and still
answers AT afterwards.  The behaviour itself: tests/core/test_modem_emulator.py."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib12333.modem.emulator import MODELS, ModemEmulator, commands, sms
from lib12333.sms.encode import encode_deliver
from lib12333.sms.scts import Timestamp
from tests.hypothesis_profiles import examples

SETTINGS = settings(max_examples=examples(300), deadline=2000, suppress_health_check=[HealthCheck.too_slow])

NAMES = sorted(n for n in list(commands.TABLE) + list(sms.TABLE) if n.startswith("+"))
PDU = encode_deliver("+8610657112333", Timestamp(2026, 11, 18, 10, 0, 0, 480), "回复")[0]

command_lines = st.builds(
    lambda name, form, arg, end: ("AT" + name + form + arg).encode("utf-8") + end,
    st.sampled_from(NAMES + ["E0", "E1", "I", "", "*X"]),
    st.sampled_from(["", "?", "=?", "="]),
    st.text(alphabet='0123456789,"SMEabc -+\x1b', max_size=24),
    st.sampled_from([b"\r", b"\r\n", b"\x1a", b"\x1b", b""]),
)
chunks = st.one_of(st.binary(max_size=80), command_lines)
steps = st.lists(st.tuples(chunks, st.floats(min_value=0.0, max_value=3.0), st.booleans()), max_size=25)


@SETTINGS
@given(st.sampled_from(sorted(MODELS)), st.booleans(), steps)
def test_any_bytes_are_answered_and_the_module_still_answers_at(model, started, script):
    m = ModemEmulator(0.0, model, capacity=3, started=started)
    now = 0.0
    for data, dt, deliver in script:
        now += dt
        out = m.receive_data(data, now)
        assert isinstance(out, bytes)
        # bounded: echo, one answer per line and the longest listing (3 stored PDUs)
        assert len(out) <= 2 * len(data) + 4096
        if deliver:
            assert m.deliver(PDU.pdu, PDU.tpdu_length, now) in (True, False)
            assert len(m.data_to_send()) <= 1024
        for event in m.take_network_events():
            assert event[0] in ("submit", "freed")
        assert len(m.inbuf) <= 4096
    # whatever state it was left in: a second later (a restart is over), ESC and a new line
    now += 1.0
    m.tick(now)
    m.receive_data(b"\x1b\r", now)
    assert m.receive_data(b"AT\r", now).endswith(b"\r\nOK\r\n")


@SETTINGS
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=200))
def test_any_pdu_text_after_the_prompt_is_sent_or_refused(data, length):
    m = ModemEmulator(0.0, "EC800N", started=True)
    m.receive_data(b"ATE0\r", 0.0)
    prompt = m.receive_data(b"AT+CMGS=" + str(length).encode() + b"\r", 0.0)
    out = m.receive_data(data.replace(b"\x1a", b"").replace(b"\x1b", b"") + b"\x1a", 0.0)
    if prompt != b"\r\n> ":
        assert prompt == b"\r\n+CMS ERROR: 304\r\n"
        return
    events = m.take_network_events()
    if events:
        assert out.startswith(b"\r\n+CMGS: ") and out.endswith(b"\r\nOK\r\n")
        assert events[0][0] == "submit" and len(events[0][2]) == length
    else:
        assert out == b"\r\n+CMS ERROR: 304\r\n"


# the final results the emulator documents (commands.py's CME texts, the CMS codes of sms.py)
CMS_CODES = (b"302", b"303", b"304", b"314", b"321", b"330", b"331", b"340")


@SETTINGS
@given(st.lists(st.tuples(command_lines, st.sampled_from([0, 1, 2])), min_size=1, max_size=12))
def test_every_command_line_ends_in_one_documented_final_result(script):
    m = ModemEmulator(0.0, "A7670C", started=True)
    m.receive_data(b"ATE0\r", 0.0)
    for line, cmee in script:
        m.receive_data(b"AT+CMEE=%d\r" % cmee, 0.0)
        line = line.rstrip(b"\r\n\x1a\x1b").replace(b"\r", b"").replace(b"\x1b", b"").replace(b"\x1a", b"") + b"\r"
        out = m.receive_data(line, 0.0)
        if out.endswith(b"\r\n> "):
            assert m.receive_data(b"\x1b", 0.0) == b"\r\nOK\r\n"
            continue
        assert out.endswith(b"\r\n"), out
        final = out[:-2].rsplit(b"\r\n", 1)[-1]
        if final in (b"OK", b"ERROR"):
            continue
        if final.startswith(b"+CMS ERROR: "):
            assert final[12:] in CMS_CODES, final
        else:
            assert final.startswith(b"+CME ERROR: "), final
            code = final[12:].decode()
            if cmee == 2:
                assert code in commands._CME_TEXT.values(), final
            else:
                assert int(code) in commands._CME_TEXT, final
