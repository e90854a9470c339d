"""
Generate protocols/frame/vectors/frame_vectors.json: one sealed frame per message type.

Each vector is produced by the core codec and, before it is written, checked
three ways: the payload equals the construct build of the same fields
(protocols/frame/definition.py), the CCM part equals
``cryptography``'s AESCCM output (OpenSSL), and opening it gives the fields back.

    python tools/frame_vectors.py            # rewrite the file
    python tools/frame_vectors.py --check    # exit 1 if the file differs
"""

import json
import os
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESCCM

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from lib12333.secure import frame as F  # noqa: E402
from lib12333.secure import messages as M  # noqa: E402
from lib12333.secure.aes import AES128  # noqa: E402
from protocols.frame import definition as D  # noqa: E402

OUT = os.path.join(ROOT, "protocols", "frame", "vectors", "frame_vectors.json")
KEY = bytes.fromhex("6c6962313233333320746573746b6579")  # "lib12333 testkey", test only
DEVICE = 0x0571_0001
T0 = 1_796_083_200  # 2026-12-01 00:00:00 UTC

# Identity data below is synthetic: the ID is the GB 11643 standard's own example.
CASES = [
    ("loss report, 11-digit phone, 3-character name", M.LOSS_REPORT, F.UP, 1,
     {"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "张三丰"}),
    ("loss report, no phone, longest name that fits one SMS", M.LOSS_REPORT, F.UP, 2,
     {"ssn": "440524188001010014", "card": "D2143569X", "phone": "", "name": "阿" * 30}),
    ("card-status query", M.CARD_STATUS_QUERY, F.UP, 3,
     {"ssn": "11010519491231002X", "card": "X00000019", "name": "张三丰"}),
    ("card-status answer: temporarily lost until 2026-12-08", M.CARD_STATUS_ANSWER, F.DOWN, 1,
     {"ref_seq": 3, "state": 3, "since": T0, "until": T0 + 7 * 86400}),
    ("consultation request", M.REQUEST, F.UP, 4,
     {"kind": M.CONSULTATION, "category": "0301", "phone": "13900000000", "text": "请问灵活就业人员如何缴纳养老保险？"}),
    ("complaint spanning two concatenated parts", M.REQUEST, F.UP, 5,
     {"kind": M.COMPLAINT, "category": "1101", "phone": "13900000000", "text": "窗口排队时间太长，" * 6}),
    ("status query", M.STATUS_QUERY, F.UP, 6, {"ref_device": DEVICE, "ref_seq": 4}),
    ("status answer", M.STATUS_ANSWER, F.DOWN, 2,
     {"ref_device": DEVICE, "ref_seq": 4, "status": M.ST_ANSWERED, "updated": T0 + 3600, "text": "已电话回复。"}),
    ("ack of the loss report: applied, card now temporarily lost", M.ACK, F.DOWN, 3,
     {"ref_seq": 1, "result": M.ACK_APPLIED, "state": 3, "until": T0 + 7 * 86400}),
    ("ack from the kiosk of the centre's answer", M.ACK, F.UP, 7,
     {"ref_seq": 2, "result": M.ACK_APPLIED, "state": 0, "until": 0}),
    ("error: formal loss refused from a kiosk", M.ERROR, F.DOWN, 4, {"ref_seq": 1, "code": M.E_CHANNEL, "state": 2}),
    ("loss report with the card-issuing region (南京 320100)", M.LOSS_REPORT, F.UP, 8,
     {"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "张三丰",
      "card_region": "320100"}),
    # Centre <-> centre (issue 8): in a real relay the device field is the relaying centre's peer id.
    ("relay of that loss report to the responsible centre", M.RELAY, F.UP, 9,
     {"origin_device": DEVICE, "origin_seq": 8, "origin_time": T0 + 60 * 11, "inner_type": M.LOSS_REPORT,
      "inner": bytes.fromhex("11010519491231002a5830303030303031390b13900000000f09e5bca0e4b889e4b8b0320100")}),
    ("relay answer: the responsible centre's ack for the kiosk", M.RELAY_ANSWER, F.DOWN, 5,
     {"origin_device": DEVICE, "origin_seq": 8, "reply_type": M.ACK,
      "reply": M.encode(M.ACK, {"ref_seq": 8, "result": M.ACK_APPLIED, "state": 3, "until": T0 + 7 * 86400})}),
    # Issue 17: a kiosk's health report; no personal data in it.
    ("kiosk status: firmware 1.4.2, rssi 18, 2 requests waiting", M.KIOSK_STATUS, F.UP, 10,
     {"firmware": "1.4.2", "rssi": 18, "ber": 0, "backlog": 2, "oldest_age": 5400, "storage_errors": 0,
      "modem_errors": 3, "card_errors": 1, "uptime": 86400, "boots": 12}),
    ("kiosk status: longest version, signal not known, counters at their limits", M.KIOSK_STATUS, F.UP, 11,
     {"firmware": "2026.12.03-rc.10", "rssi": 99, "ber": 99, "backlog": 65535, "oldest_age": 4294967295,
      "storage_errors": 65535, "modem_errors": 65535, "card_errors": 65535, "uptime": 4294967295,
      "boots": 65535}),
]


def _json_fields(fields):
    """Raw ``bytes`` fields (relay envelopes) are written as hex strings."""
    return {k: (v.hex() if isinstance(v, bytes) else v) for k, v in fields.items()}


def build():
    cipher = AES128(KEY, backend="pure")
    out = []
    for i, (name, t, direction, seq, fields) in enumerate(CASES):
        payload = M.encode(t, fields)
        assert payload == D.PAYLOADS[t].build(fields), name
        fr = F.Frame(t, DEVICE, seq, T0 + 60 * i, payload, direction)
        sealed = F.seal(cipher, fr)
        header = sealed[: F.HEADER_LEN]
        hdr = D.HEADER.parse(header)
        nonce = D.nonce_of(hdr)
        assert nonce == F.nonce(fr)
        assert sealed[F.HEADER_LEN :] == AESCCM(KEY, tag_length=8).encrypt(nonce, payload, header), name
        back = F.open(cipher, sealed)
        assert M.decode(back.msg_type, back.payload) == fields
        out.append({
            "name": name, "type": t, "direction": direction, "device": DEVICE, "seq": seq, "time": T0 + 60 * i,
            "fields": _json_fields(fields), "payload": payload.hex(), "nonce": nonce.hex(), "frame": sealed.hex(),
            "length": len(sealed), "one_sms": len(sealed) <= F.SINGLE_SMS,
        })
    return {"key": KEY.hex(), "note": "generated by tools/frame_vectors.py; synthetic identity data", "vectors": out}


def main():
    text = json.dumps(build(), ensure_ascii=False, indent=1) + "\n"
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            same = f.read() == text
        print("up to date" if same else "differs")
        return 0 if same else 1
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
