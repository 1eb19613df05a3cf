"""A trainer's class in Thai, end to end (issue 14), in a real Chromium:

- the trainer's Reset asks first (dismissed: nothing happens), and a second screen's progress
  table follows the class, down to an empty table after a reset;
- a PIN lockout shows on the phone and on the computer's QR page, in Thai time, while the
  server itself runs with TZ=UTC (as containers and CI machines do).
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

import pytest
import requests
from playwright.sync_api import expect

from conftest import DEMO_RP, served_mock, start_live

pytestmark = pytest.mark.live

KANLAYA = "1709347111866"  # registered with the demo PIN
WARAPORN = "1153620226005"
try:
    from zoneinfo import ZoneInfo

    BANGKOK = ZoneInfo("Asia/Bangkok")
except Exception:  # no tz database: Thailand has had no daylight saving since 1920
    BANGKOK = timezone(timedelta(hours=7))


@pytest.fixture
def live(tmp_path):
    server = start_live(database_url=f"sqlite:///{tmp_path}/class.sqlite3")  # two screens poll at once
    try:
        yield server
    finally:
        server.close()


def test_reset_asks_first_and_a_second_screen_follows_the_class(live, new_device):
    projector, second = new_device(viewport={"width": 1366, "height": 768}), new_device(viewport={"width": 390, "height": 844})
    for d in (projector, second):
        d.page.goto(live.url + "/_mock/trainer/")
        expect(d.page.locator("#progress tbody")).to_contain_text("ยังไม่มีผู้เริ่มลงทะเบียน")
    e = requests.post(live.url + "/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json()
    requests.post(f"{live.url}/_mock/api/enrol/{e['id']}/card", json={"sample": WARAPORN})
    for d in (projector, second):  # both screens follow without a reload
        row = d.page.locator("#progress tbody tr", has_text=e["ref"])
        expect(row).to_contain_text("ขั้นที่ 5 จาก 9: ตรวจสอบข้อมูลบัตร", timeout=6000)
        expect(row).to_contain_text("วินาทีที่แล้ว")

    page = projector.page
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("#reset-class").click()
    page.wait_for_timeout(500)
    assert asked == ["ลบการลงทะเบียน การเข้าสู่ระบบ และบัญชีที่สร้างระหว่างชั้นเรียนทั้งหมด?"]
    assert page.locator("#notice").count() == 0  # dismissed: nothing was sent
    assert requests.get(live.url + "/_mock/trainer/progress").json()["registrations"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#reset-class").click()
    expect(page.locator("#notice")).to_contain_text("รีเซ็ตแล้ว")
    assert requests.get(live.url + "/_mock/trainer/progress").json()["registrations"] == []
    # the second screen was not reloaded: its polling empties the table
    expect(second.page.locator("#progress tbody tr", has_text=e["ref"])).to_have_count(0, timeout=6000)
    expect(second.page.locator("#progress tbody")).to_contain_text("ยังไม่มีผู้เริ่มลงทะเบียน")
    assert projector.errors == [] and second.errors == []


# --- Thai time with a server in UTC ----------------------------------------------------------

@pytest.fixture
def utc_mock(tmp_path):
    """`mock-thaid serve` as its own process with TZ=UTC (the browser is in Asia/Bangkok)."""
    env = {**os.environ, "TZ": "UTC", "PYTHONUNBUFFERED": "1"}
    assert subprocess.run([sys.executable, "-c", "import time; print(time.strftime('%Z'))"], env=env,
                          capture_output=True, text=True).stdout.strip() == "UTC"
    with served_mock(tmp_path / "utc.sqlite3", None, env=env) as url:
        yield url


def test_a_pin_lockout_shows_thai_time_on_the_phone_and_the_qr_page_with_the_server_in_utc(utc_mock, new_device):
    desktop, phone = new_device(viewport={"width": 1366, "height": 768}), new_device(viewport={"width": 390, "height": 844})
    params = {"response_type": "code", "client_id": DEMO_RP["client_id"], "redirect_uri": DEMO_RP["redirect_uri"],
              "scope": "openid pid name", "state": "S", "nonce": "N"}
    desktop.page.goto(utc_mock + "/api/v2/oauth2/auth/?" + urlencode(params, quote_via=quote))
    link = desktop.page.locator("a#app-link").get_attribute("href")
    app = phone.page
    app.goto(link)
    with app.expect_navigation():
        app.locator(f'button.person[data-pid="{KANLAYA}"]').click()
    expect(desktop.page.locator("#login")).to_have_attribute("data-status", "scanned")
    for _ in range(10):
        if app.locator("#pin").count() == 0:
            break
        app.locator("#pin").fill("00000000")
        with app.expect_navigation():
            app.locator("#approve").click()
        expect(app.locator("#error")).to_be_visible()
    locked_until = requests.get(f"{utc_mock}/_mock/citizens/{KANLAYA}").json()["locked_until"]
    assert locked_until
    hhmm = datetime.fromtimestamp(locked_until, tz=BANGKOK).strftime("%H:%M")
    utc = datetime.fromtimestamp(locked_until, tz=timezone.utc).strftime("%H:%M")
    assert hhmm != utc
    expect(app.locator("#error")).to_contain_text(f"(ถึง {hhmm} น.)")
    status = desktop.page.locator("#status-text")
    expect(status).to_contain_text(f"ถูกระงับถึง {hhmm} น.")
    expect(desktop.page.locator("#login")).to_have_attribute("data-locked", "locked")
    assert utc not in status.inner_text()
    # the phone that opens the same request again sees the lock at once
    app.goto(link)
    expect(app.locator("#error")).to_contain_text(f"(ถึง {hhmm} น.)")
    expect(app.locator("#pin")).to_have_count(0)
    assert desktop.errors == [] and phone.errors == []
