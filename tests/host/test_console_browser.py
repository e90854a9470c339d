"""
The console in a real browser: headless Debian chromium driven by Selenium (chromedriver), the console
served by uvicorn on 127.0.0.1, the gateway running on an emulated modem with the citizen's phone on the
emulated network.

One walk through the pages: an agent logs in, claims a request and closes it, and the citizen's phone
receives the completion SMS through the running gateway; a supervisor finds the lost card by its masked
number; a technician sees the stale kiosk.  With ``LIB12333_CONSOLE_SHOTS=DIR`` the screenshots of each
page are written to DIR (docs/console.md shows them).
"""

import os
import random
import shutil
import tempfile
import threading
import time

import pytest

pytest.importorskip("starlette")
selenium = pytest.importorskip("selenium")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
    if os.environ.get("CI"):
        raise RuntimeError("Debian chromium and chromium-driver are required in CI (scripts/apt-packages.txt)")
    pytest.skip("needs Debian chromium and chromium-driver", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402

import lib12333  # noqa: E402
from lib12333.host.console.app import Console  # noqa: E402
from tests.host.console_support import (  # noqa: E402
    HOLDER,
    NOW,
    PASSWORD,
    PHONE,
    USERS,
    Served,
    build,
    free_port,
    serve_demo,
    simulated_kiosk_report,
    stop_process,
)

pytestmark = pytest.mark.slow  # headless chromium: ~10 s with its start

CENTRE_NUMBER = "+8610657112333"


def sample_calls(days=30):
    """A month of calls for the figures page: busier mornings, some abandons."""
    rnd = random.Random(17)
    rows = []
    day0 = (NOW + 8 * 3600) // 86400 * 86400 - 8 * 3600
    for d in range(days):
        for _ in range(rnd.randint(40, 90)):
            hour = rnd.choice((8, 9, 9, 10, 10, 10, 11, 13, 14, 14, 15, 16, 17))
            t = day0 - d * 86400 + hour * 3600 + rnd.randint(0, 3599)
            wait = rnd.randint(1, 60)
            abandoned = rnd.random() < 0.08
            rows.append(("call", 12333, "330100", "1000", "q1", t, None if abandoned else t + wait,
                         t + wait + rnd.randint(30, 400), "abandoned" if abandoned else "answered", "a1", ""))
    return rows


class Gateway:
    """The centre's gateway on an emulated modem and the citizen's phone, on the emulated network."""

    def __init__(self, db_path):
        from lib12333.host.gateway import admin, db
        from lib12333.host.gateway.centre import Centre
        from lib12333.host.gateway.service import GatewayService
        from lib12333.host.modem.network import Simulator
        from lib12333.host.modem.transport import SerialModem
        from lib12333.host.requests_store import RequestStore

        self.sim = Simulator(numbers=[CENTRE_NUMBER, "+86" + PHONE]).start()
        self.centre = Centre(db.connect(db_path), "【人力资源社会保障电话咨询服务中心】", centre_code="330100",
                             requests=RequestStore(admin.requests_path(db_path)))
        self.service = GatewayService(SerialModem(self.sim.modems[0].path), self.centre)
        self.phone = SerialModem(self.sim.modems[1].path)
        self.phone.engine.start(self.phone.clock())
        self.received = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=fn, daemon=True) for fn in (self._gateway, self._phone)]
        for t in self.threads:
            t.start()

    def _gateway(self):
        while not self.stopping.is_set():
            self.service.step(0.02)

    def _phone(self):
        while not self.stopping.is_set():
            for ev in self.phone.pump(0.05):
                if ev.kind == "message":
                    self.received.append(ev.message.text or "")
                    self.phone.engine.confirm(ev.token)

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(5)
        for closer in (self.phone.close, self.service.modem.close, self.sim.stop):
            try:
                closer()
            except Exception:
                pass


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900", "--lang=zh-CN",
                "--user-data-dir=" + tempfile.mkdtemp(dir=str(tmp_path), prefix="chromium-")):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def setting(console_db):
    console, _clock, refs = build(console_db)
    console.clock = time.time  # sessions and the request clock run on the real clock in the browser
    console.store.add_service_rows(sample_calls())
    served = Served(Console(console.store.path, centre_code="330100", clock=lambda: NOW + 3600))
    gateway = Gateway(console.store.path)
    yield served, gateway, refs, console
    served.stop()
    gateway.stop()


def shot(driver, name):
    out = os.environ.get("LIB12333_CONSOLE_SHOTS")
    if out:
        os.makedirs(out, exist_ok=True)
        # The whole page, not just the window: make the viewport as tall as the content.
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 1280, "height": max(600, min(height, 2400)), "deviceScaleFactor": 1, "mobile": False})
        driver.save_screenshot(os.path.join(out, name + ".png"))
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def click(driver, element):
    """Click a link or button and wait until the next page replaced this one."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        # chromedriver reports an element of a page that is going away either as stale or, in the
        # middle of the navigation, as "Node with given id does not belong to the document"
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            return "does not belong to the document" in str(exc)
        return False

    WebDriverWait(driver, 10).until(replaced)


def log_in(driver, url, username):
    driver.delete_all_cookies()
    driver.get(url + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    click(driver, driver.find_element(By.ID, "login"))


def test_agent_closes_a_request_and_the_citizen_gets_the_sms_then_card_and_kiosk(browser, setting):
    served, gateway, refs, console = setting
    d = browser
    url = served.url
    d.get(url + "/login")
    shot(d, "login")
    log_in(d, url, USERS["agent"])
    assert d.current_url == url + "/requests"
    cookie = d.get_cookie("__Host-console")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    shot(d, "requests")
    ref = refs["mine"]
    click(d, d.find_element(By.LINK_TEXT, ref))
    assert d.find_element(By.ID, "state").text == "受理"
    click(d, d.find_element(By.ID, "claim"))
    assert d.find_element(By.ID, "state").text == "处理中"
    assert d.find_element(By.ID, "claimed").text == USERS["agent"]
    d.find_element(By.ID, "note").send_keys("已电话联系群众答复补办进度")
    click(d, d.find_element(By.ID, "act-complete"))
    assert d.find_element(By.ID, "state").text == "办结"
    assert "办结短信已排入发送队列" in d.find_element(By.CSS_SELECTOR, "p.ok").text
    deadline = time.monotonic() + 30
    while not any(ref in m for m in gateway.received) and time.monotonic() < deadline:
        time.sleep(0.1)
    sms = [m for m in gateway.received if ref in m]
    assert len(sms) == 1 and "已办结" in sms[0] and sms[0].startswith("【")
    # The phone may have the SMS a moment before the gateway hears from the network that it went out.
    while time.monotonic() < deadline and console.store.conn.execute(
            "SELECT sent_at FROM outgoing WHERE kind = 'notice' ORDER BY id DESC LIMIT 1").fetchone()[0] is None:
        time.sleep(0.05)
    d.refresh()
    assert "已发送" in d.find_element(By.ID, "notices").text
    shot(d, "request")

    log_in(d, url, USERS["supervisor"])
    d.get(url + "/loss")
    d.find_element(By.ID, "q").send_keys("A******50")
    click(d, d.find_element(By.ID, "search"))
    table = d.find_element(By.ID, "cards").text
    assert "A******50" in table and "临时挂失" in table and HOLDER[2] not in table
    shot(d, "loss")
    click(d, d.find_element(By.LINK_TEXT, "A******50"))
    assert d.find_element(By.ID, "card-state").text == "临时挂失"
    shot(d, "card")

    # the kiosk firmware on simulated hardware reports its status; the gateway applies the frame
    from lib12333.host.gateway import db
    from lib12333.host.gateway.centre import Centre

    conn = db.connect(console.store.path)
    frame = simulated_kiosk_report(conn, rssi=20)
    assert Centre(conn, "【单位】", centre_code="330100").handle("+8613800571001", frame, NOW + 3000) == "applied"
    log_in(d, url, USERS["technician"])
    assert d.current_url == url + "/kiosks"
    fresh = d.find_element(By.XPATH, "//table[@id='fleet']//tr[td/a[text()='1001']]")
    assert fresh.find_element(By.CSS_SELECTOR, "td.fw").text == lib12333.__version__
    assert fresh.find_element(By.CSS_SELECTOR, "td.signal").text == "-73 dBm"
    assert fresh.find_element(By.CSS_SELECTOR, "td.kiosk-errors").text == "0 / 0 / 0"
    stale = d.find_elements(By.CSS_SELECTOR, "#fleet tr.stale")
    assert [row.find_element(By.TAG_NAME, "a").text for row in stale] == ["1002"]
    assert "失联" in stale[0].text
    shot(d, "kiosks")
    click(d, stale[0].find_element(By.TAG_NAME, "a"))
    assert "失联" in d.find_element(By.CSS_SELECTOR, "table.kv").text
    shot(d, "kiosk")

    log_in(d, url, USERS["administrator"])
    d.get(url + "/figures")
    assert len(d.find_elements(By.CSS_SELECTOR, ".charts svg")) == 4
    assert d.find_element(By.ID, "overall").text.count("%") >= 3
    shot(d, "figures")
    d.get(url + "/audit")
    assert "request.complete" in d.find_element(By.ID, "audit").text
    shot(d, "audit")
    d.get(url + "/users")
    assert len(d.find_elements(By.CSS_SELECTOR, "#users tbody tr")) == len(USERS)
    shot(d, "users")


def test_demo_console_serves_the_demos_database(tmp_path):
    """``lib12333 demo --console``: after the scripted visit the console shows the card it reported lost."""
    import re

    import httpx

    port = free_port()
    proc, lines = serve_demo(str(tmp_path / "hall"), port)
    try:
        assert lines and lines[0].startswith("OK:"), lines
        password = re.search(r"password (\S+)", lines[-1]).group(1)
        base = "http://127.0.0.1:%d" % port
        for _ in range(100):
            try:
                httpx.get(base + "/login")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        # Plain http on 127.0.0.1: the client keeps the Secure cookie itself (browsers accept it on localhost).
        with httpx.Client(base_url=base) as c:
            r = c.post("/login", data={"username": "demo", "password": password})
            assert r.status_code == 303
            token = re.search(r"__Host-console=([^;]+)", r.headers["set-cookie"]).group(1)
            c.cookies.set("__Host-console", token)
            page = c.get("/loss").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            found = c.post("/loss", data={"csrf": csrf, "q": "A******50"}, headers={"origin": base}).text
            assert "临时挂失" in found
            kiosks = c.get("/kiosks").text
            assert "西湖区社保服务大厅" in kiosks and '<tr class="stale' not in kiosks  # it just sent a frame
    finally:
        stop_process(proc)
