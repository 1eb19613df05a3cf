"""The transaction inspector and the trainer console in a real Chromium, with screenshots."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from conftest import DEMO_PID, DEMO_RP, start_live

pytestmark = pytest.mark.live
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def live():
    server = start_live()
    try:
        yield server
    finally:
        server.close()


def test_inspector_explains_a_relying_partys_mistakes(live, desktop):
    base = live.url + "/api/v2/oauth2/auth/"
    common = {"response_type": "code", "client_id": DEMO_RP["client_id"], "scope": "openid pid name", "state": "s"}
    requests.get(base, params={**common, "redirect_uri": DEMO_RP["redirect_uri"] + "/"}, allow_redirects=False)
    r = requests.get(base, params={**common, "redirect_uri": DEMO_RP["redirect_uri"]},
                     headers={"X-Mock-Persona": DEMO_PID}, allow_redirects=False)
    code = r.headers["Location"].split("code=")[1].split("&")[0]
    for _ in range(2):
        requests.post(live.url + "/api/v2/oauth2/token/", auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]),
                      data={"grant_type": "authorization_code", "code": code, "redirect_uri": DEMO_RP["redirect_uri"]})
    requests.post(live.url + "/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": "x"})
    page = desktop.page
    page.goto(live.url + "/_mock/inspector/?lang=en")
    expect(page.locator("h1")).to_have_text("Transaction inspector")
    explanations = page.locator("#events td.explanation")
    expect(explanations.filter(has_text="redirect_uri not registered: got http://127.0.0.1:8080/callback/")).to_have_count(1)
    expect(explanations.filter(has_text="code used twice")).to_have_count(1)
    expect(explanations.filter(has_text="without client authentication")).to_have_count(1)
    expect(page.locator("#events")).not_to_contain_text(DEMO_RP["client_secret"])
    expect(page.locator("#events")).not_to_contain_text(code)
    expect(page.locator(".mock-banner")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "inspector.png"), full_page=True)


def test_trainer_console_follows_a_trainee_and_resets_the_class(live, desktop):
    page = desktop.page
    page.goto(live.url + "/_mock/trainer/")
    expect(page.locator("h1")).to_have_text("คอนโซลผู้ฝึกอบรม")
    expect(page.locator("#class-qr")).to_be_visible()
    expect(page.locator("#app-url")).to_have_text(live.url + "/app/")
    # a trainee starts a self-registration; the table follows without a reload
    e = requests.post(live.url + "/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json()
    requests.post(f"{live.url}/_mock/api/enrol/{e['id']}/card", json={"sample": "1153620226005"})
    row = page.locator("#progress tbody tr", has_text=e["ref"])
    expect(row).to_be_visible(timeout=6000)
    expect(row).to_contain_text("ขั้นที่ 5 จาก 9: ตรวจสอบข้อมูลบัตร")  # the step in words, not its code
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "trainer.png"), full_page=True)
    # untick the first person: they start unregistered
    page.locator('input[name="registered"][value="1057830862719"]').uncheck()
    page.locator("#save-registered").click()
    expect(page.locator("#notice")).to_be_visible()
    assert requests.get(live.url + "/_mock/citizens/1057830862719").json()["registered"] is False
    # reset (confirm dialog accepted): back to the seed, the registration is gone
    page.once("dialog", lambda d: d.accept())
    page.locator("#reset-class").click()
    expect(page.locator("#notice")).to_contain_text("รีเซ็ตแล้ว")
    assert requests.get(live.url + "/_mock/citizens/1057830862719").json()["registered"] is True
    expect(page.locator("#progress")).not_to_contain_text(e["ref"])
    page.locator("a.lang").click()
    expect(page.locator("h1")).to_have_text("Trainer console")
