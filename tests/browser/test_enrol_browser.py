"""Both registration paths in a real Chromium (file upload: headless Chromium has no camera).

Self-registration on a phone context, with the sample card downloaded from the mock's
gallery; registration with an officer on a second phone, the officer console in a desktop
context. Screenshots go to docs/screenshots/enrol-*.png.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import start_live

pytestmark = pytest.mark.live

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WARAPORN = "1153620226005"
CHAKKAPHAN = "3647798421261"
PIN = "24681357"


@pytest.fixture
def live():
    server = start_live()
    try:
        yield server
    finally:
        server.server.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"enrol-{name}.png"), full_page=True)


def at_step(page: Page, step: str) -> None:
    expect(page.locator("section.enrol")).to_have_attribute("data-step", step)
    expect(page.locator(".mock-banner")).to_be_visible()


def download(page: Page, selector: str, tmp_path: Path) -> Path:
    with page.expect_download() as info:
        page.locator(selector).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def start(page: Page, live) -> None:
    page.goto(live.url + "/app/")
    expect(page.locator("#register")).to_be_visible()
    page.locator("#register").click()
    at_step(page, "camera")


def create_pin_and_consent(page: Page, prefix: str) -> None:
    at_step(page, "pin")
    page.locator("#pin").fill(PIN)
    page.locator("#pin-confirm").fill("24681358")
    page.locator("#next").click()
    expect(page.locator("#error")).to_contain_text("ไม่ตรงกัน")
    page.locator("#pin").fill(PIN)
    page.locator("#pin-confirm").fill(PIN)
    if prefix == "self":
        shot(page, "self-7-pin")
    page.locator("#next").click()
    at_step(page, "consent")
    if prefix == "self":
        shot(page, "self-8-consent")
    page.locator("#pin").fill(PIN)
    page.locator("#allow").click()
    at_step(page, "done")
    expect(page.locator("#digital-card")).to_be_visible()
    page.wait_for_function("() => document.getElementById('digital-card').naturalWidth > 0")


def test_self_registration_in_chromium(live, phone, tmp_path):
    page = phone.page
    page.goto(live.url + "/app/")
    shot(page, "self-0-home")
    start(page, live)
    shot(page, "self-1-camera")
    page.locator("#allow").click()  # the page also asks the browser for the camera (refused headless)
    at_step(page, "choose")
    shot(page, "self-2-choose")
    page.locator("#choose-self").click()
    at_step(page, "terms")
    page.locator("#accept").click()
    at_step(page, "card")

    gallery = phone.context.new_page()  # the sample card, downloaded as a person would
    gallery.goto(live.url + "/app/cards/")
    row = f'li[data-pid="{WARAPORN}"]'
    front = download(gallery, f"{row} a.dl-front", tmp_path)
    back = download(gallery, f"{row} a.dl-back", tmp_path)
    blurred = download(gallery, f"{row} a.dl-front-blurred", tmp_path)
    gallery.close()

    page.locator("#front").set_input_files(str(blurred))  # unreadable: retake
    page.locator("#upload").click()
    expect(page.locator("#error")).to_contain_text("อ่านรูปบัตรไม่ได้")
    page.locator("#front").set_input_files(str(front))
    page.locator("#back").set_input_files(str(back))
    page.locator("#upload").click()
    expect(page.locator("#preview-front")).to_be_visible()
    expect(page.locator("#preview-back")).to_be_visible()
    page.wait_for_function("() => document.getElementById('preview-back').naturalWidth > 0")
    shot(page, "self-3-card")
    page.locator("#confirm").click()

    at_step(page, "card_check")
    expect(page.locator("#data-name")).to_contain_text("วราภรณ์")
    expect(page.locator("#data-pid")).to_have_text("1-1536-20226-00-5")
    shot(page, "self-4-card-check")
    page.locator("#confirm").click()

    at_step(page, "selfie")
    selfie = tmp_path / "selfie.png"
    selfie.write_bytes(phone.context.request.get(live.url + "/app/cards/selfie.png").body())
    page.locator("#selfie").set_input_files(str(selfie))
    page.locator("#upload").click()
    expect(page.locator("#preview-selfie")).to_be_visible()
    shot(page, "self-5-selfie")
    page.locator("#confirm").click()

    create_pin_and_consent(page, "self")
    expect(page.locator("#card-channel")).to_have_attribute("data-channel", "self")
    expect(page.locator("#card-ial")).to_have_text("2.3")
    shot(page, "self-9-done")
    page.locator("a.lang").click()
    expect(page.locator("#title")).to_have_text("Registration complete")
    assert phone.errors == []


def test_registration_with_an_officer_in_chromium(live, phone, desktop):
    page, console = phone.page, desktop.page
    start(page, live)
    page.locator("#allow").click()
    page.locator("#choose-officer").click()
    at_step(page, "visit")
    page.locator("#office").select_option("tak-maesot")
    shot(page, "officer-1-visit")
    page.locator("#next").click()
    at_step(page, "terms")
    page.locator("#accept").click()
    at_step(page, "pid")
    page.locator("#pid").fill("3-6477-98421-26-2")  # bad check digit
    page.locator("#next").click()
    expect(page.locator("#error")).to_contain_text("หลักตรวจสอบ")
    page.locator("#pid").fill("3-6477-98421-26-1")
    page.locator("#next").click()
    at_step(page, "at_officer")
    ref = page.locator("#ref").inner_text().strip()
    shot(page, "officer-2-phone-waiting")

    console.goto(live.url + "/officer/")
    console.locator("#name").fill("สมชาย ใจดี")
    console.locator("#office").select_option("tak-maesot")
    console.locator("#password").fill("officer-demo")
    console.locator("#login").click()
    expect(console.locator(f'tr[data-ref="{ref}"]')).to_be_visible()
    shot(console, "officer-3-console-list")
    console.locator(f'a.open[data-ref="{ref}"]').click()
    expect(console.locator("#card-image")).to_be_visible()
    shot(console, "officer-4-console-card")
    console.locator("#card-check").click()
    page.wait_for_function("() => document.querySelector('section.enrol').dataset.step === 'fingerprint'")
    console.locator("#fingerprint").click()
    expect(console.locator("#qr")).to_be_visible()
    expect(console.locator("#qr-countdown")).not_to_have_text("0")
    shot(console, "officer-5-console-qr")

    # The phone follows by itself (it polls) and offers to scan; it opens the QR's link.
    page.wait_for_function("() => document.querySelector('section.enrol').dataset.step === 'scan_qr'")
    expect(page.locator("#scan-form")).to_be_visible()
    shot(page, "officer-6-phone-scan")
    page.locator("#code").fill(console.locator("#qr-link").get_attribute("href"))
    page.locator("#scan-submit").click()

    create_pin_and_consent(page, "officer")
    expect(page.locator("#card-channel")).to_have_attribute("data-channel", "officer")
    shot(page, "officer-7-done")
    expect(console.locator("#scanned")).to_be_visible()  # the console followed too
    assert phone.errors == [] and desktop.errors == []



FAKE_CAMERA = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture
def camera_phone(browser):
    """A phone with a camera: a second Chromium (same Playwright) with Chromium's fake video device."""
    camera_browser = browser.browser_type.launch(executable_path="/usr/bin/chromium", args=FAKE_CAMERA)
    try:
        ctx = camera_browser.new_context(permissions=["camera"], locale="th-TH", is_mobile=True, has_touch=True,
                                         viewport={"width": 430, "height": 932})
        ctx.set_default_timeout(10_000)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        yield page
    finally:
        camera_browser.close()


def snap(page: Page, slot: str) -> None:
    box = page.locator(f'fieldset[data-slot="{slot}"]')
    box.locator(".open-camera").click()
    page.wait_for_function(f"() => document.querySelector('fieldset[data-slot=\"{slot}\"] video').videoWidth > 0")
    box.locator(".snap").click()
    expect(page.locator(f"#preview-{slot}")).to_be_visible()


def test_in_page_camera_capture_with_a_fake_camera(live, camera_phone):
    """getUserMedia where the browser has a camera. The snapshots are not sample cards, so the
    mock asks whose card it is."""
    page = camera_phone
    start(page, live)
    page.locator("#allow").click()
    at_step(page, "choose")
    page.locator("#choose-self").click()
    page.locator("#accept").click()
    at_step(page, "card")
    snap(page, "front")
    snap(page, "back")
    shot(page, "self-camera-capture")
    page.locator("#confirm").click()
    at_step(page, "card_owner")
    page.locator("#pid").fill(CHAKKAPHAN)
    page.locator("#next").click()
    at_step(page, "card_check")
    page.locator("#confirm").click()
    at_step(page, "selfie")
    snap(page, "selfie")
    page.locator("#confirm").click()
    at_step(page, "pin")
    ref = page.request.get(live.url + "/app/enrol/status").json()["ref"]
    from mock_thaid.store import enrolments
    with live.services.db.session() as s:
        e = enrolments.by_ref(s, ref)
        assert e.camera is True and e.card_source == "typed"
    assert page.errors == []
