"""
Two centres on the emulated network (issue 8): a kiosk in Hangzhou reports the loss of
a card issued in Nanjing.  The kiosk's rules send the request to its own centre (the
card's province is not in its centre table); the Hangzhou gateway's rules say "card of
another province -> 江苏 through the national platform" and relay it to the Jiangsu
gateway over SMS; Jiangsu applies 临时挂失 once, notifies the citizen, and answers;
Hangzhou hands the answer to the kiosk, which shows 挂失成功.

Everything is real except the radio: kiosk firmware on the host board, four emulated
modems on ptys (Hangzhou gateway, kiosk, citizen's phone, Jiangsu gateway), two
gateways on two SQLite files, the card in a CCID serial reader.
"""

import os
import time

import pytest

from lib12333 import identifiers, lossreport
from lib12333.compat import data_path
from lib12333.host import demo
from lib12333.routing import loader
from tests.host.polling import insert_card_when_ready, wait_until

HZ_NUMBER = demo.CENTRE_NUMBER
JS_NUMBER = "+8610652512333"
PEER_KEY = bytes(range(200, 216))
JS_UNIT = "【江苏省人力资源社会保障电话咨询服务中心】"
HOLDER = {"name": "王小明", "ssn17": "32010619850312004", "card": "B38612751", "region": "320100"}


class RelayHall(demo.Hall):
    """demo.Hall with a second centre (Jiangsu) holding the card, and relaying configured on both."""

    numbers = demo.Hall.numbers + (JS_NUMBER,)

    def __init__(self, workdir, transcript):
        demo.Hall.__init__(self, workdir, transcript, kiosk_config={
            "retry_base": 5, "retry_max": 10,
            "routing": {"rules": "city", "region": "330106", "centres": {"330100": HZ_NUMBER}}})

    def make_holder(self):
        ssn = HOLDER["ssn17"] + identifiers.citizen_id_check_digit(HOLDER["ssn17"])
        return dict(HOLDER, ssn=ssn)

    def setup_centres(self):
        from lib12333.host.gateway import admin, db, relay
        from lib12333.host.gateway.centre import Centre
        from lib12333.host.gateway.service import GatewayService
        from lib12333.host.modem.transport import SerialModem

        rules = loader.loads(open(data_path("route-city.json"), "rb").read(), source="city")
        # Hangzhou: the kiosk's centre; the card is not in its registry.
        self.db_path = os.path.join(self.workdir, "hangzhou.db")
        conn = db.connect(self.db_path)
        self.key = admin.add_device(conn, demo.DEVICE_ID, os.urandom(16), name="西湖区社保服务大厅", region="330106",
                                    phone=demo.KIOSK_NUMBER)
        relay.add_peer(conn, "320000", JS_NUMBER, PEER_KEY, name="江苏")
        self.centre = Centre(conn, demo.UNIT, temp_days=7, centre_code="330100")
        self.centre.relay = relay.Relay(conn, "330100", rules)

        # Jiangsu: the card's province; it knows Hangzhou as a peer (same pairwise key).
        self.js_db_path = os.path.join(self.workdir, "jiangsu.db")
        js_conn = db.connect(self.js_db_path)
        h = self.holder
        admin.add_card(js_conn, h["card"], h["ssn"], h["name"], h["region"])
        relay.add_peer(js_conn, "330100", HZ_NUMBER, PEER_KEY, name="杭州")
        self.js_centre = Centre(js_conn, JS_UNIT, temp_days=7, centre_code="320000")
        self.js_centre.relay = relay.Relay(js_conn, "320000", rules)

        self.gateway = GatewayService(SerialModem(self.ports[0]), self.centre)
        self.js_gateway = GatewayService(SerialModem(self.ports[3]), self.js_centre)
        self._thread(self._run_gateway, "gateway-hangzhou")
        self._thread(self._run_js_gateway, "gateway-jiangsu")

    def _run_js_gateway(self):
        while not self.stop_event.is_set():
            self.js_gateway.step(0.02)

    def close(self):
        try:
            super().close()
        finally:
            try:
                self.js_gateway.modem.close()
            except Exception:
                pass


def _count(path, sql):
    from lib12333.host.gateway import db

    conn = db.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_loss_of_a_card_from_another_province_is_relayed_and_applied_once(tmp_path):
    hall = RelayHall(str(tmp_path), demo.Transcript(echo=False))
    try:
        insert_card_when_ready(hall, 30)
        hall.press(["2"])
        assert hall.wait_screen("请输入您的手机号码", 30)
        hall.press(list(demo.CITIZEN_PHONE) + ["ok"])
        assert hall.wait_screen("社保卡临时挂失", 30)
        hall.press(["1"])
        assert hall.wait_screen("挂失成功", 60), "\n".join(hall.t.lines[-40:])
        assert wait_until(lambda: hall.phone_messages, 30), "no notice"
        notice = hall.phone_messages[-1]
        assert notice.startswith(JS_UNIT) and "临时挂失" in notice and hall.holder["card"] not in notice

        # The kiosk chose its home centre by rule card-other-province and stored it with the request.
        assert any("routed by rule card-other-province (transfer)" in line for line in hall.app.log.lines)
        # Jiangsu's registry: 临时挂失, exactly once, keyed by the kiosk's (device, seq).
        js, hz = hall.js_db_path, hall.db_path
        conn_rows = _count(js, "SELECT state FROM cards")
        assert conn_rows == lossreport.TEMP_LOST
        assert _count(js, "SELECT COUNT(*) FROM card_events") == 1
        assert _count(js, "SELECT COUNT(*) FROM relays_in WHERE peer_code = '330100' AND origin_device = %d"
                      % demo.DEVICE_ID) == 1
        assert _count(js, "SELECT COUNT(*) FROM applied") == 0  # no Jiangsu device involved
        # Hangzhou relayed, got the answer, recorded it as applied for the kiosk.
        assert _count(hz, "SELECT COUNT(*) FROM relays_out WHERE state = 'answered'") == 1
        assert _count(hz, "SELECT COUNT(*) FROM applied WHERE device_id = %d" % demo.DEVICE_ID) == 1
        assert _count(hz, "SELECT COUNT(*) FROM cards") == 0
        assert wait_until(lambda: not hall.app.outbox.pending(), 20)
        time.sleep(1)  # anything late would show up as a second event
        assert _count(js, "SELECT COUNT(*) FROM card_events") == 1
        assert hall.js_centre.relay.stats["applied"] == 1
        # Personal data stays out of the gateways' log lines.
        text = "\n".join(hall.t.lines)
        for secret in (hall.holder["ssn"], hall.holder["card"], demo.CITIZEN_PHONE):
            assert secret not in text
    finally:
        hall.close()
