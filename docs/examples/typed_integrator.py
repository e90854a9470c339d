"""An integrator's program against lib12333's typed public API.

tests/host/test_typed_api.py checks it with ``mypy --strict`` (so every call below is typed:
no ``Any`` leaks from the PDU decoder, the identifiers or the secure frame) and runs it, comparing
what it prints.  docs/integrator.md, "Types and public names", explains the stubs it relies on.
"""

from typing import List

from lib12333 import categories, identifiers, masking, staffing
from lib12333.errors import DecodeError, Lib12333Error
from lib12333.records import ServiceRecord
from lib12333.records.metrics import Metrics
from lib12333.routing.engine import Request
from lib12333.secure import frame
from lib12333.secure.aes import AES128
from lib12333.sms import encode, pdu


def sms_round_trip(number: str, text: str) -> str:
    parts: List[encode.Part] = encode.encode_submit(number, text)
    message: pdu.Message = pdu.decode_hex(parts[0].hex)
    decoded: str = message.text or ""
    return "%s %s %s" % (message.type, masking.mask_phone(message.number or ""), decoded)


def bad_pdu() -> str:
    try:
        pdu.decode(b"\x00\x01")
    except DecodeError as exc:
        return "DecodeError at %s" % exc.field
    return "accepted"


def service_level() -> float:
    metrics = Metrics(answer_within=20)
    metrics.add(ServiceRecord(queue="q1", arrival=1700000000, answer=1700000010, end=1700000100,
                              outcome="answered"))
    overall = metrics.report()["overall"]
    level: float = overall["service_level"]
    return level


def main() -> List[str]:
    lines = [sms_round_trip("+8613800571500", "您的社保卡已挂失"), bad_pdu()]
    check: identifiers.IdCheck = identifiers.identify("11010519491231002X")
    lines.append("%s %s %s" % (check.kind, check.valid, check.masked))
    agents: int = staffing.staff(300, 1800, 180, 0.8, 20)["agents"]
    lines.append("agents %d" % agents)
    lines.append("service level %.2f" % service_level())
    lines.append(" > ".join(c.name for c in categories.path("0101")))
    request = Request(number="12333", caller_region="330106", time="2026-12-03T10:00")
    lines.append("request %s %s" % (request.number, request.minute))
    cipher = AES128(bytes(16))
    sealed: bytes = frame.seal(cipher, frame.Frame(1, 42, 7, 1700000000, b"hi"))
    opened: frame.Frame = frame.open(cipher, sealed)
    lines.append("frame %d %r" % (opened.seq, opened.payload))
    try:
        identifiers.parse_citizen_id("110105194912310021")
    except Lib12333Error as exc:
        lines.append("rejected: %s" % type(exc).__name__)
    return lines


if __name__ == "__main__":
    for line in main():
        print(line)
