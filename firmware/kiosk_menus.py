"""
The kiosk's menus 1 (信息查询), 3 (查询进度) and 4 (咨询/投诉留言): their guards, effects and views.

The transition table (``firmware.kiosk_table``) names these functions without a leading
underscore; ``Kiosk`` imports this module the first time one of them is needed.  Frozen
firmware keeps the code in flash but every function object is RAM, so a kiosk that only
boots and takes loss reports never pays for them.  Each takes the ``Kiosk`` first:
guards ``(k, event) -> bool``, effects ``(k, actions, event, now) -> action or None``,
views ``(k) -> params``.
"""

from firmware import screens
from lib12333 import masking
from lib12333.secure import messages as msg

BROWSE_PAGE = 6
# Top-level classes offered for a consultation or complaint (codes of 人社信息函[2010]52号).
MESSAGE_TOPICS = (
    ("0300", "就业促进"), ("1000", "养老保险"), ("1100", "医疗保险"), ("1200", "失业保险"),
    ("1300", "工伤保险"), ("1500", "社会保障卡"), ("1800", "劳动关系"), ("2100", "公务员管理"),
)
SESSION_REQUESTS = 5  # requests of this card session the 办件进度 list remembers

# ---------------------------------------------------------------- information library (menu 1)


def browse_children(k):
    if not k.browse_path:
        return k.library.top()
    return k.library.children(k.browse_path[-1])


def browse_titles(k):
    return k.library.titles(k.browse_path[-1]) if k.browse_path else []


def browse_choice(k, key):
    return k.page * BROWSE_PAGE + int(key) - 1


def browse_view(k):
    items = [c.name for c in browse_children(k)]
    items += [t[-1] for t in browse_titles(k)]  # (entry number, key, title)
    start = k.page * BROWSE_PAGE
    path = " > ".join(c.name for c in k.browse_path)
    return {"path": path, "items": items[start:start + BROWSE_PAGE], "more": len(items) > start + BROWSE_PAGE}


def entry_view(k):
    entry = k.library.entry(k.entry_n)
    body = entry["body"]
    size = 120
    start = k.page * size
    lines = [body[i:i + 30] for i in range(start, min(len(body), start + size), 30)]
    source = entry.get("source_doc") or ""
    return {"title": entry["title"], "body": lines, "source": source, "more": len(body) > start + size}


def library_missing(k, event):
    return k.library is None


def in_category(k, event):
    return bool(k.browse_path)


def picks_category(k, event):
    return browse_choice(k, event[1]) < len(browse_children(k))


def picks_title(k, event):
    return browse_choice(k, event[1]) < len(browse_children(k)) + len(browse_titles(k))


def no_library(k, actions, event, now):
    k.result = screens.no_library()


def open_library(k, actions, event, now):
    k.browse_path = []
    k.page = 0


def up(k, actions, event, now):
    k.browse_path.pop()
    k.page = 0


def next_page(k, actions, event, now):
    k.page += 1


def first_page(k, actions, event, now):
    k.page = 0


def open_category(k, actions, event, now):
    k.browse_path.append(browse_children(k)[browse_choice(k, event[1])])
    k.page = 0


def open_entry(k, actions, event, now):
    k.entry_n = browse_titles(k)[browse_choice(k, event[1]) - len(browse_children(k))][0]
    k.page = 0


# ---------------------------------------------------------------- consultation / complaint (menu 4)


def topics_view(k):
    return {"items": [n for _c, n in MESSAGE_TOPICS]}


def message_view(k):
    return {"kind": screens.MESSAGE_KINDS[k.message_kind - 1], "topic": k.message_topic[1],
            "phone": masking.mask_phone(k.phone)}


def picks_topic(k, event):
    return 1 <= int(event[1]) <= len(MESSAGE_TOPICS)


def start_message(k, actions, event, now):
    k.request = "message"


def choose_kind(k, actions, event, now):
    k.message_kind = int(event[1])


def choose_topic(k, actions, event, now):
    k.message_topic = MESSAGE_TOPICS[int(event[1]) - 1]
    k.typed = ""


def submit_message(k, actions, event, now):
    return ("submit", msg.REQUEST, {
        "kind": k.message_kind, "category": k.message_topic[0], "phone": k.phone,
        "text": "自助终端留言：请回电" + ("咨询" if k.message_kind == 1 else "受理")})


def remember_request(k):
    """A message was stored: keep its local reference for this session's 办件进度 list."""
    k.session_requests.append([k.ref, ""])
    if len(k.session_requests) > SESSION_REQUESTS:
        k.session_requests.pop(0)


# ---------------------------------------------------------------- status queries (menu 3)


def list_view(k):
    return {"items": [screens.request_line(local, ref) for local, ref in k.session_requests]}


def picks_listed(k, event):
    return 1 <= int(event[1]) <= len(k.session_requests)


def ref_invalid(k, event):
    from lib12333.refnum import typed_number

    return typed_number(k.typed) is None


def type_ref_digit(k, actions, event, now):
    from lib12333.refnum import TYPED_DIGITS

    k._type_digit(event, TYPED_DIGITS)


def bad_ref(k, actions, event, now):
    k._typing_error(actions, "ref_digits")


def note_reference(k, msg_type, fields):
    """The centre answers a request with its reference: remember it for this session's 办件进度 list."""
    if msg_type != msg.STATUS_ANSWER or fields.get("status") != msg.ST_RECEIVED:
        return
    from lib12333.refnum import REF_LENGTH

    text = fields.get("text") or ""
    local = "%s-%s" % (fields.get("ref_device"), fields.get("ref_seq"))
    for item in k.session_requests:
        if item[0] == local and len(text) == REF_LENGTH:
            item[1] = text


def query_card(k, actions, event, now):
    k.request = "query"
    c = k.card
    return ("submit", msg.CARD_STATUS_QUERY, {"ssn": c["ssn"], "card": c["card"], "name": c["name"]})


def query_listed(k, actions, event, now):
    device, seq = k.session_requests[int(event[1]) - 1][0].split("-")
    return status_query(k, int(device), int(seq))


def query_typed(k, actions, event, now):
    from lib12333.refnum import typed_number

    number = typed_number(k.typed)
    k.typed = ""
    # ref_device 0: "a reference this kiosk issued, by its day and sequence" (protocols/frame/README.md)
    return status_query(k, 0, number)


def status_query(k, ref_device, ref_seq):
    k.request = "request_status"
    return ("submit", msg.STATUS_QUERY, {"ref_device": ref_device, "ref_seq": ref_seq})
