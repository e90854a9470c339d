"""
Hypothesis strategies for the secure kiosk frame (lib12333.secure).

    ssns(), cards(), phones(), names(), texts(), regions(), versions()   field values the codec accepts
    fields(msg_type)                                  a valid field dict for one message type
    messages()                                        (msg_type, fields)
    frames(max_device=...)                            lib12333.secure.frame.Frame with an encoded payload
    keys()                                            16-byte AES keys
    mutations(data)                                   byte strings derived from ``data`` by flips, cuts, splices

Every generated value is synthetic; nothing here is personal data.
"""

from hypothesis import strategies as st

from lib12333.secure import frame as F
from lib12333.secure import messages as M

_SSN_CHARS = "0123456789X"
_CARD_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ssns():
    return st.text(alphabet=_SSN_CHARS, min_size=18, max_size=18)


def cards():
    return st.text(alphabet=_CARD_CHARS, min_size=9, max_size=9)


def phones():
    return st.text(alphabet="0123456789", min_size=0, max_size=M.MAX_PHONE)


def _utf8_len_at_most(limit):
    return lambda s: len(s.encode("utf-8")) <= limit


def names(max_bytes=60):
    """Names of 1..max_bytes UTF-8 bytes: mostly CJK, sometimes Latin (foreigners' names)."""
    cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
    latin = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
    return st.text(alphabet=st.one_of(cjk, latin, st.sampled_from("·•")), min_size=1, max_size=max_bytes // 3 + 1).filter(
        lambda s: 1 <= len(s.encode("utf-8")) <= max_bytes
    )


def texts(max_bytes=80):
    return st.text(st.characters(blacklist_categories=("Cs",)), max_size=max_bytes).filter(_utf8_len_at_most(max_bytes))


_u32 = st.integers(min_value=0, max_value=0xFFFFFFFF)
_u8 = st.integers(min_value=0, max_value=255)
_u16 = st.integers(min_value=0, max_value=0xFFFF)
_code = st.integers(min_value=0, max_value=9999).map(lambda v: "%04d" % v)


def versions():
    """Firmware versions: 1..16 printable ASCII characters."""
    return st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=M.MAX_VERSION)


def regions():
    """6-digit division-code shaped strings (the frame checks the format only)."""
    return st.text(alphabet="0123456789", min_size=6, max_size=6)


def fields(msg_type):
    if msg_type == M.LOSS_REPORT:
        return st.fixed_dictionaries({"ssn": ssns(), "card": cards(), "phone": phones(), "name": names()},
                                     optional={"card_region": regions()})
    if msg_type == M.CARD_STATUS_QUERY:
        return st.fixed_dictionaries({"ssn": ssns(), "card": cards(), "name": names()},
                                     optional={"card_region": regions()})
    if msg_type == M.RELAY:
        return st.fixed_dictionaries({"origin_device": _u32, "origin_seq": _u32, "origin_time": _u32,
                                      "inner_type": _u8, "inner": st.binary(max_size=110)})
    if msg_type == M.RELAY_ANSWER:
        return st.fixed_dictionaries({"origin_device": _u32, "origin_seq": _u32, "reply_type": _u8,
                                      "reply": st.binary(max_size=110)})
    if msg_type == M.KIOSK_STATUS:
        return st.fixed_dictionaries({"firmware": versions(), "rssi": _u8, "ber": _u8, "backlog": _u16,
                                      "oldest_age": _u32, "storage_errors": _u16, "modem_errors": _u16,
                                      "card_errors": _u16, "uptime": _u32, "boots": _u16})
    if msg_type == M.CARD_STATUS_ANSWER:
        return st.fixed_dictionaries({"ref_seq": _u32, "state": _u8, "since": _u32, "until": _u32})
    if msg_type == M.REQUEST:
        return st.fixed_dictionaries({"kind": _u8, "category": _code, "phone": phones(), "text": texts()})
    if msg_type == M.STATUS_QUERY:
        return st.fixed_dictionaries({"ref_device": _u32, "ref_seq": _u32})
    if msg_type == M.STATUS_ANSWER:
        return st.fixed_dictionaries(
            {"ref_device": _u32, "ref_seq": _u32, "status": _u8, "updated": _u32, "text": texts()}
        )
    if msg_type == M.ACK:
        return st.fixed_dictionaries({"ref_seq": _u32, "result": _u8, "state": _u8, "until": _u32})
    return st.fixed_dictionaries({"ref_seq": _u32, "code": _u8, "state": _u8})


def messages():
    return st.integers(min_value=1, max_value=M.LAST_TYPE).flatmap(lambda t: st.tuples(st.just(t), fields(t)))


def _direction(msg_type):
    if msg_type in (M.LOSS_REPORT, M.CARD_STATUS_QUERY, M.REQUEST, M.STATUS_QUERY, M.RELAY, M.KIOSK_STATUS):
        return st.just(F.UP)
    if msg_type in (M.CARD_STATUS_ANSWER, M.STATUS_ANSWER, M.RELAY_ANSWER):
        return st.just(F.DOWN)
    return st.sampled_from((F.UP, F.DOWN))


@st.composite
def frames(draw, max_device=0xFFFFFFFF):
    """Frames that seal successfully (payload within the size limit of their type)."""
    t, f = draw(messages())
    payload = M.encode(t, f)
    limit = F.max_len(t) - F.HEADER_LEN - F.TAG_LEN
    payload = payload if len(payload) <= limit else M.encode(t, _shrink(t, f))
    return F.Frame(
        t,
        draw(st.integers(min_value=1, max_value=max_device)),
        draw(st.integers(min_value=1, max_value=0xFFFFFFFF)),
        draw(_u32),
        payload,
        draw(_direction(t)),
    )


def _shrink(t, f):
    f = dict(f)
    if "name" in f:
        f["name"] = f["name"][:10] or "x"
    if "text" in f:
        f["text"] = f["text"][:10]
    for raw in ("inner", "reply"):
        if raw in f:
            f[raw] = f[raw][:40]
    return f


def keys():
    return st.binary(min_size=16, max_size=16)


@st.composite
def mutations(draw, data):
    """A byte string that differs from ``data``: flipped bits, cut, extended, spliced or random."""
    kind = draw(st.sampled_from(("flip", "cut", "extend", "splice", "random", "byte")))
    b = bytearray(data)
    if kind == "flip" and b:
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(b) - 1))
            b[i] ^= 1 << draw(st.integers(0, 7))
    elif kind == "cut" and b:
        b = b[: draw(st.integers(0, len(b) - 1))]
    elif kind == "extend":
        b += draw(st.binary(min_size=1, max_size=8))
    elif kind == "splice" and b:
        i = draw(st.integers(0, len(b)))
        j = draw(st.integers(i, len(b)))
        b[i:j] = draw(st.binary(max_size=12))
    elif kind == "byte" and b:
        i = draw(st.integers(0, len(b) - 1))
        b[i] = draw(st.integers(0, 255))
    else:
        b = bytearray(draw(st.binary(max_size=160)))
    return bytes(b)
