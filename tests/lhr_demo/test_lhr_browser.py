"""The LHR demo in a real Chromium: log in through the ThaiD mock's QR page with the phone
app in a second context, view the ก.พ.๗, file a correction with evidence, log in as the
HR officer and approve it; the owner then sees the corrected row and the old one in its
history. Screenshots go to docs/screenshots/lhr-*.png. And the logout button: with LHR's
``Referrer-Policy: no-referrer`` Chromium posts it with ``Origin: null``; it must still end
the session and revoke the ThaiD tokens.

Launch arguments as in tests/browser/conftest.py (Debian Chromium, never `playwright install`).
"""
from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select
from waitress.server import create_server

from conftest import start_live
from lhr_demo.app import create_app
from lhr_demo.db import Database
from lhr_demo.models import AuditEntry
from lhr_demo.settings import Settings
from lhr_files import pdf
from lhr_helpers import CLIENT_ID, CLIENT_SECRET, MALI, NARONG, SUNEE, register_client

pytestmark = [pytest.mark.browser, pytest.mark.live]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 430, "height": 932}, "is_mobile": True, "has_touch": True}
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PIN = "13572468"
WAIT_MS = 15_000


@pytest.fixture
def servers(tmp_path, template_db):
    """The ThaiD mock and the LHR app, both live on 127.0.0.1 (free ports): (LHR's URL, the
    mock, the LHR app)."""
    mock = start_live()
    holder: dict = {}
    server = create_server(lambda environ, start: holder["app"](environ, start), host="127.0.0.1", port=0, threads=8)
    url = f"http://127.0.0.1:{server.effective_port}"
    register_client(mock.url, url + "/auth/thaid/callback")
    shutil.copy(template_db, tmp_path / "lhr.sqlite3")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'lhr.sqlite3'}", thaid_issuer=mock.url,
                        client_id="lhr-test", client_secret=CLIENT_SECRET, redirect_uri=url + "/auth/thaid/callback",
                        upload_dir=str(tmp_path / "uploads"), secret_key="browser-test")
    holder["app"] = create_app(settings, Database(settings.database_url))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield url, mock, holder["app"]
    finally:
        server.close()
        mock.server.close()


def in_own_thread(scenario, *args, timeout: float = 240.0) -> None:
    """Run ``scenario`` in a thread of its own, with its own Playwright.

    tests/browser keeps a session-wide sync Playwright open in the main thread, and a second
    sync Playwright cannot start in a thread whose asyncio loop is taken; a fresh thread can.
    Failures (assertions included) are re-raised here with their traceback.
    """
    failure: list[BaseException] = []

    def run() -> None:
        try:
            scenario(*args)
        except BaseException as exc:  # noqa: BLE001 (handed to the test's thread)
            failure.append(exc)

    thread = threading.Thread(target=run, name="lhr-browser", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"the browser scenario did not finish within {timeout:.0f} s")
    if failure:
        raise failure[0]


def launch(p):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium fonts-thai-tlwg)", pytrace=False)
    expect.set_options(timeout=10_000)  # the same as tests/browser (a process-wide setting)
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def context(browser, **options):
    ctx = browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok", **options)
    ctx.set_default_timeout(WAIT_MS)
    return ctx


def banner(page: Page) -> None:
    expect(page.locator("#demo-banner")).to_contain_text("ระบบสาธิต — DEMO")


def thaid_login(browser, lhr_url: str, pid: str, shot: str | None = None) -> Page:
    """Desktop: LHR -> ThaiD QR page. Phone (its own context): app link -> who -> PIN -> approve."""
    desktop = context(browser, **DESKTOP).new_page()
    errors: list[str] = []
    desktop.on("pageerror", lambda e: errors.append(str(e)))
    desktop.goto(lhr_url + "/")
    banner(desktop)
    if shot:
        desktop.screenshot(path=str(SHOTS / "lhr-home.png"))
    desktop.locator("#thaid-login").click()
    expect(desktop.locator("img#qr")).to_be_visible()
    link = desktop.locator("a#app-link").get_attribute("href")
    if shot:
        expect(desktop.locator("#countdown")).not_to_have_text("")
        desktop.screenshot(path=str(SHOTS / "lhr-thaid-qr.png"))
    phone = context(browser, **PHONE).new_page()
    phone.goto(link)
    phone.locator(f'button.person[data-pid="{pid}"]').click()
    phone.locator("#pin").fill(PIN)
    phone.locator("#approve").click()
    expect(phone.locator("#done")).to_be_visible()
    desktop.wait_for_url(re.compile(re.escape(lhr_url) + r"/me/record"), timeout=WAIT_MS)
    phone.context.close()
    assert errors == []
    return desktop


def test_owner_files_a_correction_and_the_officer_approves_it(servers, tmp_path):
    in_own_thread(scenario, servers[0], tmp_path)


def scenario(lhr_url: str, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = launch(p)
        try:
            owner_and_officer(chromium, lhr_url, tmp_path)
        finally:
            chromium.close()


def owner_and_officer(chromium, lhr_url: str, tmp_path: Path) -> None:

    owner = thaid_login(chromium, lhr_url, MALI, shot="owner")
    banner(owner)
    expect(owner.locator("h1")).to_have_text("ทะเบียนประวัติ (ก.พ.๗) ของฉัน")
    expect(owner.locator("#h-name")).to_have_text("นางสาวมะลิ รักษ์ถิ่นตาก")
    row = owner.locator("#sec-POSITION_SALARY tbody tr", has=owner.locator('td[data-field="effective_date"]',
                                                                           has_text="1 ต.ค. 2568"))
    expect(row).to_have_count(1)
    wrong = row.locator('td[data-field="salary"]').inner_text()
    digits = wrong.replace(",", "")
    right = f"{int(digits[0] + digits[2] + digits[1] + digits[3:]):,}"  # the seed swapped two digits
    owner.screenshot(path=str(SHOTS / "lhr-record.png"))

    row.locator("a.fix").click()
    expect(owner.locator("#current-row")).to_contain_text(wrong)
    owner.locator("#f_salary").fill(right.replace(",", ""))
    owner.locator("#reason").fill("เงินเดือนบันทึกสลับหลัก ตามคำสั่งเลื่อนเงินเดือน ที่ 394/2568")
    evidence = tmp_path / "คำสั่งเลื่อนเงินเดือน.pdf"
    evidence.write_bytes(pdf())
    owner.locator("#evidence").set_input_files(str(evidence))
    owner.screenshot(path=str(SHOTS / "lhr-request-form.png"), full_page=True)
    owner.locator("#submit-request").click()
    expect(owner.locator("#status")).to_have_attribute("data-status", "SUBMITTED")
    expect(owner.locator("#attachments")).to_contain_text("คำสั่งเลื่อนเงินเดือน.pdf")
    expect(owner.locator('#proposal tr[data-field="salary"] td.new')).to_have_text(right)
    request_no = owner.locator("#request-no").inner_text()
    owner.screenshot(path=str(SHOTS / "lhr-request-submitted.png"), full_page=True)

    officer = thaid_login(chromium, lhr_url, SUNEE)
    officer.locator("#nav-queue").click()
    officer.locator("#queue a", has_text=request_no).click()
    expect(officer.locator("#owner-name")).to_have_text("นางสาวมะลิ รักษ์ถิ่นตาก")
    href = officer.locator("#attachments a").first.get_attribute("href")
    got = officer.context.request.get(lhr_url + href)
    assert got.status == 200 and got.headers["content-type"] == "application/pdf" and got.body().startswith(b"%PDF-")
    officer.locator("#note").fill("ตรวจสอบกับคำสั่งแล้ว ถูกต้อง")
    officer.screenshot(path=str(SHOTS / "lhr-officer-review.png"), full_page=True)
    officer.locator("#approve").click()
    expect(officer.locator(".flash.ok")).to_be_visible()
    officer.locator("#nav-dashboard").click()
    expect(officer.locator("#total-figure")).to_be_visible()
    officer.screenshot(path=str(SHOTS / "lhr-dashboard.png"), full_page=True)

    owner.goto(lhr_url + "/me/record")
    row = owner.locator("#sec-POSITION_SALARY tbody tr", has=owner.locator('td[data-field="effective_date"]',
                                                                           has_text="1 ต.ค. 2568"))
    expect(row.locator('td[data-field="salary"]')).to_have_text(right)
    row.locator("a.history").click()
    history = owner.locator("#history tbody tr")
    expect(history).to_have_count(2)
    expect(owner.locator('#history tr.superseded td[data-field="salary"]')).to_have_text(wrong)
    expect(owner.locator('#history tr.current td[data-field="salary"]')).to_have_text(right)
    owner.screenshot(path=str(SHOTS / "lhr-history.png"), full_page=True)

    owner.goto(lhr_url + "/me/requests/")
    owner.locator("#requests a", has_text=request_no).click()
    expect(owner.locator("#status")).to_have_attribute("data-status", "APPLIED")
    expect(owner.locator("#officer-note")).to_contain_text("ตรวจสอบกับคำสั่งแล้ว")

    owner.locator("#nav-record").click()
    owner.locator("a.digits").click()
    owner.locator("#print-link").click()
    expect(owner.locator("#signature")).to_contain_text("ลงชื่อเจ้าของประวัติ")
    owner.emulate_media(media="print")
    owner.screenshot(path=str(SHOTS / "lhr-print.png"), full_page=True)
    owner.emulate_media(media="screen")
    owner.goto(lhr_url + "/lang/en?next=/me/record")
    expect(owner.locator("h1")).to_have_text("My personnel record (KP7)")
    banner(owner)
    owner.screenshot(path=str(SHOTS / "lhr-record-en.png"))

    province = thaid_login(chromium, lhr_url, NARONG)  # no own-record link needed: a supervisor's home
    province.locator("#nav-dashboard").click()
    expect(province.locator("#by-org tr[data-org]")).to_have_count(15)
    province.screenshot(path=str(SHOTS / "lhr-dashboard-province.png"), full_page=True)


def test_logout_in_chromium_ends_the_session_and_revokes_the_thaid_tokens(servers):
    in_own_thread(logout_scenario, *servers)


def logout_scenario(lhr_url: str, mock, app) -> None:
    with sync_playwright() as p:
        chromium = launch(p)
        try:
            owner = thaid_login(chromium, lhr_url, MALI)
            tokens = session_tokens(app, owner)
            assert userinfo_status(mock.url, tokens["access_token"]) == 200
            assert introspect(mock.url, tokens["refresh_token"])["active"] is True

            with owner.expect_request(lambda r: r.method == "POST" and "/auth/thaid/logout" in r.url) as sent, \
                    owner.expect_response(lambda r: "/auth/thaid/logout" in r.url) as answered:
                owner.locator("#logout").click()
            headers = sent.value.all_headers()
            # What made the old check refuse it, and what vouches for it now:
            assert headers.get("origin") == "null" and "referer" not in headers
            assert headers.get("sec-fetch-site") == "same-origin"
            assert answered.value.status == 302
            owner.wait_for_url(lhr_url + "/")
            expect(owner.locator("#thaid-login")).to_be_visible()
            assert owner.goto(lhr_url + "/me/record").url.startswith(lhr_url + "/?next=")  # logged out here

            assert userinfo_status(mock.url, tokens["access_token"]) == 401  # ...and at ThaiD
            assert introspect(mock.url, tokens["refresh_token"])["active"] is False
            assert introspect(mock.url, tokens["access_token"])["active"] is False
        finally:
            chromium.close()
    db = app.extensions["lhr"].db
    with db.Session() as s:
        audit = [(e.action, e.outcome, e.detail) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
                 if e.action in ("LOGIN", "LOGOUT")]
    assert [(action, outcome) for action, outcome, _ in audit] == [("LOGIN", "ALLOW"), ("LOGOUT", "ALLOW")]
    assert audit[-1][2]["revoked"] == ["access", "refresh"] and audit[-1][2]["revoke"] == "all"


def session_tokens(app, page: Page) -> dict:
    """The ThaiD tokens as LHR keeps them: rp_client's box in the signed session cookie this
    browser holds, read with the app's own key (nothing added to the app for the test)."""
    cookie, = [c for c in page.context.cookies() if c["name"] == app.config.get("SESSION_COOKIE_NAME", "session")]
    data = app.session_interface.get_signing_serializer(app).loads(cookie["value"])
    return data["thaid"]["tokens"]


def userinfo_status(mock_url: str, access_token: str) -> int:
    return requests.get(mock_url + "/api/v2/oauth2/userinfo/", headers={"Authorization": f"Bearer {access_token}"},
                        timeout=10).status_code


def introspect(mock_url: str, token: str) -> dict:
    r = requests.post(mock_url + "/api/v2/oauth2/introspect/", auth=(CLIENT_ID, CLIENT_SECRET), data={"token": token},
                      timeout=10)
    assert r.status_code == 200, r.text
    return r.json()
