"""
The centre gateway when something fails in the middle (issue 13): a configuration that cannot produce the
citizen's notice, a full disk, a frame far below the replay window, replayed frames in bulk.  Real SQLite
files throughout; a full disk is a real one (SQLite's page limit on the connection, or a full device).
"""

import os
import subprocess
import sys

import pytest

from lib12333 import identifiers, lossreport
from lib12333.errors import ConfigError
from lib12333.host.gateway import admin, db
from lib12333.host.gateway.centre import Centre
from lib12333.secure import aes
from lib12333.secure import frame as frame_mod
from lib12333.secure import messages as msg
from lib12333.sms.policy import Policy

KEY = bytes(range(16))
UNIT = "【杭州市人力资源社会保障电话咨询服务中心】"
LONG_UNIT = "【" + "杭州市人力资源和社会保障局电话咨询服务中心西湖区分中心" * 2 + "】"
SSN = "33010619850312004" + identifiers.citizen_id_check_digit("33010619850312004")
CARD = "A38612750"
NAME = "李明华"
PHONE = "13912345678"
NOW = 1_780_000_000
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture()
def centre(tmp_path):
    path = str(tmp_path / "centre.db")
    conn = db.connect(path)
    admin.add_device(conn, 1001, KEY, name="hall", region="330106", now=NOW)
    admin.add_card(conn, CARD, SSN, NAME, "330100", now=NOW)
    c = Centre(conn, UNIT, temp_days=7, centre_code="330100")
    c.db_path = path
    yield c
    conn.close()


def kiosk_frame(seq, msg_type=msg.LOSS_REPORT, fields=None, time=NOW):
    fields = fields or {"ssn": SSN, "card": CARD, "phone": PHONE, "name": NAME}
    return frame_mod.seal(aes.AES128(KEY), frame_mod.Frame(msg_type, 1001, seq, time, msg.encode(msg_type, fields),
                                                           frame_mod.UP))


def count(c, table):
    return c.conn.execute("SELECT COUNT(*) FROM %s" % table).fetchone()[0]


def card_state(c):
    return c.conn.execute("SELECT state FROM cards WHERE card_no = ?", (CARD,)).fetchone()[0]


def replies(c):
    rows = c.conn.execute("SELECT body FROM outgoing WHERE kind = 'frame' ORDER BY id").fetchall()
    out = []
    for (body,) in rows:
        f = frame_mod.open(aes.AES128(KEY), bytes(body), direction=frame_mod.DOWN)
        out.append((f.msg_type, msg.decode(f.msg_type, f.payload)))
    return out


def notices(c):
    return [bytes(r[0]).decode() for r in c.conn.execute("SELECT body FROM outgoing WHERE kind = 'notice'")]


def cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "lib12333"] + list(args), cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=60)


# ------------------------------------------------------------------ finding 7: apply + reply + notice, one unit


def test_a_unit_too_long_for_a_one_part_notice_is_refused_at_start(centre):
    with pytest.raises(ConfigError) as err:
        Centre(centre.conn, LONG_UNIT, centre_code="330100")
    assert "unit" in str(err.value) and "one-part notice" in str(err.value)
    with pytest.raises(ConfigError):
        Centre(centre.conn, UNIT, centre_code="33010")


def test_the_gateway_command_refuses_such_a_unit_before_opening_the_modem(tmp_path):
    r = cli("gateway", "--modem", str(tmp_path / "no-such-port"), "--db", str(tmp_path / "c.db"), "--unit", LONG_UNIT)
    assert r.returncode == 3, r.stderr
    assert "one-part notice" in r.stderr and "Traceback" not in r.stderr
    assert "no-such-port" not in r.stderr  # refused before the modem was touched


def test_a_failure_after_the_card_changed_rolls_everything_back_and_the_retry_applies_once(centre):
    # The notice cannot be written (the unit's name changed under a running centre): nothing may stay half done.
    centre.sms_policy = Policy(LONG_UNIT, one_part_notices=True)
    outcome = centre.handle("+8613800571001", kiosk_frame(1), NOW)
    assert outcome.startswith("deferred"), outcome
    assert card_state(centre) == lossreport.NORMAL
    assert (count(centre, "card_events"), count(centre, "applied"), count(centre, "outgoing"),
            count(centre, "service_records")) == (0, 0, 0, 0)
    # Fixed: the kiosk's retry is applied once, answered "applied", and the citizen is told.
    centre.sms_policy = Policy(UNIT, one_part_notices=True)
    assert centre.handle("+8613800571001", kiosk_frame(1), NOW + 60) == "applied"
    assert card_state(centre) == lossreport.TEMP_LOST
    assert [(t, f["result"]) for t, f in replies(centre)] == [(msg.ACK, msg.ACK_APPLIED)]
    assert len(notices(centre)) == 1 and count(centre, "card_events") == 1
