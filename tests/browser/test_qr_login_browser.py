"""The QR login in a real Chromium: a desktop context shows the QR, a second context is the phone.

Each test starts its own live mock on 127.0.0.1 (a free port) and closes it at the end.
The RP's callback (http://127.0.0.1:8080/callback) is answered by Playwright (see conftest).
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import jwt
import pytest
import requests
from playwright.sync_api import Page, expect

from conftest import DEMO_PID, DEMO_RP, start_live

pytestmark = pytest.mark.live

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CALLBACK = DEMO_RP["redirect_uri"]
DEMO_PIN = "13572468"
WRONG_PIN = "00000000"
WAIT_MS = 10_000


def authorize_url(live, **extra) -> str:
    params = {"response_type": "code", "client_id": DEMO_RP["client_id"],
              "redirect_uri": CALLBACK, "scope": "openid pid name", "state": "S", "nonce": "N"}
    params.update(extra)
    return live.url + "/api/v2/oauth2/auth/?" + urlencode(params, quote_via=quote)


@pytest.fixture
def live():
    server = start_live()
    try:
        yield server
    finally:
        server.close()


def assert_banner(page: Page) -> None:
    banner = page.locator(".mock-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("MOCK")


def wait_for_callback(page: Page) -> dict[str, list[str]]:
    page.wait_for_url(lambda url: url.startswith(CALLBACK + "?"), timeout=WAIT_MS)
    expect(page.locator("#callback")).to_have_text("callback ok")
    return parse_qs(urlsplit(page.url).query)


def open_qr_page(desktop, live, *, waiting: bool = True, **extra) -> tuple[Page, str, str]:
    """Open authorize on the desktop; return the page, the reference code and the app link."""
    page = desktop.page
    page.goto(authorize_url(live, **extra))
    assert_banner(page)
    qr = page.locator("img#qr")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/png")
    # The data URL really is a decodable image.
    page.wait_for_function("() => document.getElementById('qr').naturalWidth > 0", timeout=WAIT_MS)
    ref = page.locator("#ref").inner_text().strip()
    assert ref
    link = page.locator("a#app-link").get_attribute("href")
    assert link and link.startswith(live.url + "/app/login/")
    if waiting:  # (a 2-second QR may already have expired under load)
        expect(page.locator("#login")).to_have_attribute("data-status", "waiting")
    return page, ref, link


def pick_demo_persona(phone, link: str) -> Page:
    """Open the app link on the phone and say the phone is the demo persona's."""
    page = phone.page
    page.goto(link)
    assert_banner(page)
    page.locator(f'button.person[data-pid="{DEMO_PID}"]').click()
    expect(page.locator("#pin")).to_be_visible()
    assert_banner(page)
    return page


def exchange_code(live, code: str) -> dict:
    r = requests.post(live.url + "/api/v2/oauth2/token/",
                      data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
                      auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


# --------------------------------------------------------------------------------------------

def test_full_qr_login(live, desktop, phone):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, ref, link = open_qr_page(desktop, live)
    expect(page.locator("h1")).to_have_text("เข้าสู่ระบบด้วย ThaiD")
    # Let the first poll fill the countdown before the picture is taken.
    expect(page.locator("#countdown")).not_to_have_text("")
    page.screenshot(path=str(SCREENSHOTS / "qr-login.png"), full_page=True)

    app = pick_demo_persona(phone, link)
    expect(app.locator(".who")).to_contain_text("ทดสอบ")
    scopes = app.locator("#scopes li")
    expect(scopes).to_have_count(2)
    assert [scopes.nth(i).get_attribute("data-scope") for i in range(2)] == ["pid", "name"]
    expect(scopes.nth(0)).to_have_text("เลขประจำตัวประชาชน")
    expect(scopes.nth(1)).to_have_text("ชื่อ-นามสกุล (ภาษาไทย)")

    # The desktop learns from its polling that the QR was scanned.
    expect(page.locator("#qr-wrap")).to_have_class(re.compile(r"\bblurred\b"))
    expect(page.locator("#login")).to_have_attribute("data-status", "scanned")
    expect(page.locator("#status-text")).to_contain_text("สแกนแล้ว")
    assert desktop.callbacks == []
    app.screenshot(path=str(SCREENSHOTS / "app-consent.png"), full_page=True)

    app.locator("#pin").fill(DEMO_PIN)
    app.locator("#approve").click()
    expect(app.locator("#done")).to_be_visible()
    expect(app.locator("#done")).to_have_class(re.compile(r"\bok\b"))
    assert_banner(app)
    app.screenshot(path=str(SCREENSHOTS / "app-done.png"), full_page=True)

    query = wait_for_callback(page)
    assert query["state"] == ["S"]
    assert len(query["code"]) == 1 and query["code"][0]
    assert "error" not in query
    assert desktop.callbacks == [page.url]

    before = time.time()
    body = exchange_code(live, query["code"][0])
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] > before + 800, "ThaiD's expires_in is an absolute epoch time"
    signing_key = jwt.PyJWKClient(live.url + "/jwks/").get_signing_key_from_jwt(body["id_token"])
    claims = jwt.decode(body["id_token"], signing_key.key, algorithms=["ES256"],
                        audience=DEMO_RP["client_id"], issuer=live.url)
    assert claims["sub"] == DEMO_PID
    assert claims["pid"] == DEMO_PID
    assert claims["nonce"] == "N"
    assert desktop.errors == [] and phone.errors == []


def test_wrong_pin_keeps_desktop_waiting(live, desktop, phone):
    page, _, link = open_qr_page(desktop, live)
    app = pick_demo_persona(phone, link)
    expect(page.locator("#login")).to_have_attribute("data-status", "scanned")

    app.locator("#pin").fill(WRONG_PIN)
    app.locator("#approve").click()
    error = app.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("เหลือโอกาส")
    expect(error).to_contain_text("4")
    expect(app.locator("#pin")).to_be_visible()
    assert_banner(app)

    # At least one full poll after the wrong PIN: the desktop is still on the QR page.
    authorize = page.url
    with page.expect_response(lambda r: "/status" in r.url, timeout=WAIT_MS) as polled:
        pass
    assert polled.value.json()["status"] == "scanned"
    assert "redirect" not in polled.value.json()
    assert page.url == authorize
    expect(page.locator("#login")).to_have_attribute("data-status", "scanned")
    assert desktop.callbacks == []

    # The right PIN still works after a wrong one.
    app.locator("#pin").fill(DEMO_PIN)
    app.locator("#approve").click()
    expect(app.locator("#done")).to_be_visible()
    query = wait_for_callback(page)
    assert query["state"] == ["S"] and query["code"][0]
    assert desktop.errors == [] and phone.errors == []


def test_deny_on_phone_sends_desktop_to_callback_with_error(live, desktop, phone):
    page, _, link = open_qr_page(desktop, live)
    app = pick_demo_persona(phone, link)
    app.locator("#deny").click()
    expect(app.locator("#done")).to_be_visible()
    expect(app.locator("#done")).to_have_class(re.compile(r"\bno\b"))
    assert_banner(app)

    query = wait_for_callback(page)
    assert query["error"] == ["user_denied"]
    assert query["state"] == ["S"]
    assert "code" not in query
    assert desktop.callbacks == [page.url]
    assert desktop.errors == [] and phone.errors == []


def test_expired_qr_offers_a_new_one(desktop, phone):
    live = start_live(login_lifetime=2)
    try:
        page, old_ref, old_link = open_qr_page(desktop, live, waiting=False)
        renew = page.locator("#renew")
        expect(renew).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#login")).to_have_attribute("data-status", "expired")
        expect(page.locator("#status-text")).to_contain_text("หมดอายุ")
        expect(page.locator("#countdown-line")).to_be_hidden()

        renew.click()
        ref = page.locator("#ref")
        expect(ref).not_to_have_text(old_ref)
        new_ref = ref.inner_text().strip()
        assert new_ref and new_ref != old_ref
        assert page.locator("a#app-link").get_attribute("href") != old_link
        assert (page.locator("img#qr").get_attribute("src") or "").startswith("data:image/png")
        assert_banner(page)

        # The old QR's link no longer opens a login on the phone (its token was replaced).
        resp = phone.page.goto(old_link)
        assert resp is not None and resp.status == 404
        assert_banner(phone.page)
        assert desktop.callbacks == []
        assert desktop.errors == [] and phone.errors == []
    finally:
        live.close()


def test_english_toggle_and_mock_banner(live, desktop, phone):
    page, _, _ = open_qr_page(desktop, live)
    expect(page.locator("h1")).to_have_text("เข้าสู่ระบบด้วย ThaiD")
    page.locator("a.lang").click()
    expect(page.locator("h1")).to_have_text("Log in with ThaiD")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_banner(page)
    expect(page.locator(".mock-banner")).to_contain_text("not the real service")
    # The English page is a working QR page too (its own session, polled).
    expect(page.locator("#login")).to_have_attribute("data-status", "waiting")
    link = page.locator("a#app-link").get_attribute("href")

    # The phone has its own language: Thai until toggled there.
    app = phone.page
    app.goto(link)
    assert_banner(app)
    expect(app.locator("h2")).to_have_text("โทรศัพท์เครื่องนี้เป็นของใคร?")
    app.locator("a.lang").click()
    expect(app.locator("h2")).to_have_text("Whose phone is this?")
    assert_banner(app)
    app.locator(f'button.person[data-pid="{DEMO_PID}"]').click()
    expect(app.locator("#pin")).to_be_visible()
    expect(app.locator("h2")).to_have_text("Consent")
    assert_banner(app)

    # The desktop's choice is remembered (cookie): the index page is English as well.
    page.goto(live.url + "/")
    assert_banner(page)
    expect(page.locator("h1")).to_have_text("ThaiD (mock)")
    assert desktop.errors == [] and phone.errors == []
