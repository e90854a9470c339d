"""
The 12333 / 12370 short-message rules of 人社信息函[2010]43号, as checks.

What the notice says (seed document, items 一 to 三):

- 12333 serves HR and social-security policy consultation, government
  information (政务公开), complaints and reports (投诉举报) and social-insurance
  account queries (社保账户查询); 12370 serves civil-service management policy
  and civil-service recruitment exams.  A province may run everything on 12333
  (``civil_service_on_12333=True``).
- Every message sent from these numbers names the unit that provides the
  information, e.g. "XX省（市）人力资源社会保障电话咨询服务中心" (item 二).  The
  configured ``signature`` is that name as it appears in the text, usually in
  brackets: "【XX市人力资源社会保障电话咨询服务中心】".  ``check`` refuses a text
  that does not contain it; ``sign`` adds it.
- The numbers are for local, non-emergency, public-interest messages only, never
  commercial use (item 三); that is the operator's duty and is not machine-checked.
- Personal data never travels in clear (the 12333 brief): ``check`` refuses a
  text carrying a citizen ID number (15 or 18 characters), a card number
  (social-security card ``A1234567X`` or a 16-19 digit bank card) or an 11-digit
  mobile number, as found by ``lib12333.masking.find_personal``.  A mobile number
  the centre publishes on purpose (its own service number) is listed in
  ``allowed_numbers``.  Dates (2026-12-06), the hotline 12333, 4-digit card
  tails, times and request reference numbers pass.

Besides the rules, ``check`` previews the cost: parts and encoding (from
``lib12333.sms.split``) and ``cost_fen`` = parts x ``fen_per_part`` (operators
bill each part as one message).  ``one_part_notices`` keeps citizen notices
(``notice=True``) to a single part, so a phone that drops a part never shows a
half notice; ``max_parts`` caps every message.
"""

from lib12333.errors import ConfigError, ValidationError
from lib12333.sms import split

SERVICES_12333 = ("consultation", "government-info", "complaint", "account-query")
SERVICES_12370 = ("civil-service", "civil-service-exam")


class Decision:
    """What ``Policy.check`` allows: ``sender``, ``encoding``, ``parts``, ``cost_fen``, ``plan``, ``text``."""

    __slots__ = ("sender", "encoding", "parts", "cost_fen", "plan", "text")

    def __init__(self, sender, plan, cost_fen, text):
        self.sender = sender
        self.plan = plan
        self.encoding = plan.encoding
        self.parts = plan.count
        self.cost_fen = cost_fen
        self.text = text

    def to_dict(self):
        from lib12333.compat import OrderedDict

        return OrderedDict(
            (
                ("sender", self.sender),
                ("encoding", self.encoding),
                ("parts", self.parts),
                ("cost_fen", self.cost_fen),
                ("left", self.plan.left),
            )
        )

    def __repr__(self):
        return "Decision(%s, %s, %d part(s), %d fen)" % (self.sender, self.encoding, self.parts, self.cost_fen)


class Policy:
    """The rule set of one centre; see the module docstring."""

    def __init__(self, signature, one_part_notices=False, fen_per_part=10, max_parts=10, civil_service_on_12333=False,
                 allowed_numbers=()):
        if not isinstance(signature, str) or not signature.strip():
            raise ConfigError("the sending unit's name is required", source="sms policy", item="signature",
                              expected="e.g. 【XX市人力资源社会保障电话咨询服务中心】")
        if type(max_parts) is not int or max_parts < 1 or type(fen_per_part) is not int or fen_per_part < 0:
            raise ConfigError("bad limits", source="sms policy", item="max_parts/fen_per_part", expected="max_parts >= 1, fen_per_part >= 0")
        self.signature = signature
        self.one_part_notices = one_part_notices
        self.fen_per_part = fen_per_part
        self.max_parts = max_parts
        self.civil_service_on_12333 = civil_service_on_12333
        self.allowed_numbers = tuple(allowed_numbers)

    def sender_for(self, service):
        """"12333" or "12370" for a service name (ValidationError for an unknown one)."""
        if service in SERVICES_12333:
            return "12333"
        if service in SERVICES_12370:
            return "12333" if self.civil_service_on_12333 else "12370"
        raise ValidationError("unknown service", field="service", expected=", ".join(SERVICES_12333 + SERVICES_12370))

    def signed(self, text):
        return self.signature in text

    def sign(self, text):
        """``text`` with the signature in front when it does not name the unit yet."""
        if self.signed(text):
            return text
        return self.signature + text

    def check(self, text, service="consultation", notice=False):
        """A ``Decision`` for sending ``text``, or ValidationError naming the broken rule."""
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("empty message", field="text", expected="some text")
        sender = self.sender_for(service)
        if not self.signed(text):
            raise ValidationError(
                "message does not name the sending unit (人社信息函[2010]43号 item 2)",
                field="text",
                expected="the configured signature in the text; use Policy.sign()",
            )
        _no_personal_data(text, self.allowed_numbers)
        plan = split.plan(text)
        if notice and self.one_part_notices and plan.count > 1:
            raise ValidationError(
                "citizen notice needs %d parts" % plan.count,
                field="text",
                expected="1 part: %d %s units at most, %d too many" % (
                    split.capacity(plan.encoding, 0), plan.encoding, _over(text, plan)),
            )
        if plan.count > self.max_parts:
            raise ValidationError("message needs %d parts" % plan.count, field="text", expected="<= %d parts" % self.max_parts)
        return Decision(sender, plan, plan.count * self.fen_per_part, text)

    def preview(self, text):
        """Parts, encoding and cost of ``text`` without the rule checks (for a typing screen)."""
        plan = split.plan(text)
        return Decision(None, plan, plan.count * self.fen_per_part, text)


_RULES = (
    ("id", "message carries a citizen ID number in clear (personal data never travels by SMS)"),
    ("card", "message carries a card number in clear (personal data never travels by SMS)"),
    ("phone", "message carries a mobile number in clear (personal data never travels by SMS)"),
)


def _no_personal_data(text, allowed):
    from lib12333.masking import find_personal

    for kind, pos, value in find_personal(text):
        if kind == "phone" and (value in allowed or value[-11:] in allowed):
            continue
        for rule, message in _RULES:
            if rule == kind:
                raise ValidationError(message + " at position %d" % pos[0], field="text",
                                      expected="masked or left out: ID 110105********002X, card tail 尾号1234")


def _over(text, plan):
    if plan.encoding == "gsm7":
        return split.septets(text) - split.capacity("gsm7", 0)
    return split.utf16_units(text) - split.capacity("ucs2", 0)
