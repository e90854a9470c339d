"""
A board whose journal was rolled back (an old flash image of /data) seals a new request
with a (key, sequence number) it used before (review of issue 13).  The nonce reuse has
happened on the air already; the centre must at least not tell the citizen a lie: it used
to answer the new loss report with the old report's "applied" while the new card stayed
normal.  When the content proves the number was reused (another message type, another
card), the frame is refused by name, nothing is answered, and the log says what to do.
"""

import logging

from lib12333 import lossreport
from lib12333.host.gateway import db, outcomes
from lib12333.host.gateway.centre import Centre
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg

from .test_gateway_restore import NOW, SSN, SSN_B, UNIT, loss, setup


def frame(seq, msg_type, payload):
    return frame_mod.seal(aes.AES128(bytes(range(16))),
                          frame_mod.Frame(msg_type, 1001, seq, NOW, payload, frame_mod.UP))


def queued(c):
    return c.conn.execute("SELECT COUNT(*) FROM outgoing").fetchone()[0]


def test_a_reused_sequence_number_with_another_card_is_refused_not_answered_applied(tmp_path, caplog):
    path = str(tmp_path / "centre.db")
    setup(path)
    c = Centre(db.connect(path), UNIT)
    assert c.handle("k", frame(1, msg.LOSS_REPORT, loss("A38612750", SSN, "李明华")), NOW) == "applied"
    before = queued(c)
    with caplog.at_level(logging.WARNING, logger="lib12333.gateway"):
        outcome = c.handle("k", frame(1, msg.LOSS_REPORT, loss("B00000019", SSN_B, "张三丰")), NOW + 60)
    assert outcome.kind == outcomes.REJECTED and "reused" in outcome.reason
    assert queued(c) == before  # no "applied" for a report that was not
    assert c.conn.execute("SELECT state FROM cards WHERE card_no = 'B00000019'").fetchone()[0] == lossreport.NORMAL
    assert "device replace" in caplog.text and "张三丰" not in caplog.text and "B00000019" not in caplog.text
    # The true retry of the first report is still answered "duplicate".
    assert c.handle("k", frame(1, msg.LOSS_REPORT, loss("A38612750", SSN, "李明华")), NOW + 120) == "duplicate"


def test_a_reused_sequence_number_with_another_message_type_is_refused(tmp_path):
    path = str(tmp_path / "centre.db")
    setup(path)
    c = Centre(db.connect(path), UNIT)
    assert c.handle("k", frame(1, msg.LOSS_REPORT, loss("A38612750", SSN, "李明华")), NOW) == "applied"
    query = msg.encode(msg.CARD_STATUS_QUERY, {"ssn": SSN_B, "card": "B00000019", "name": "张三丰"})
    assert "reused" in c.handle("k", frame(1, msg.CARD_STATUS_QUERY, query), NOW + 60)
