"""Every screen a class sees, in a real Chromium, in Thai and in English, on a phone (390×844)
and on a projector laptop (1366×768) — issue 14.

One walk per language drives the mock through every page a person can reach (index, QR and
sandbox login, the app's login pages, both registration paths step by step with their
failures, the sample cards, the officer console, the trainer console, the inspector, the
callback page, the error page, the control login, the logged-out page) and measures each
page at both sizes. The tests then read the measurements:

- no page scrolls sideways (``document.documentElement.scrollWidth <= window.innerWidth``);
- no table hides a link, button or checkbox past the screen's edge or its scroll box;
- a Thai page shows no internal code (step names, the registration error codes of
  domain/enrol_errors.py, login states, face/fingerprint outcomes) and no ISO date in its
  visible text. ``<code>`` and ``<pre>`` are left out: they are for developers.

``SCREENS_DIR=/some/dir`` also saves a full-page picture of every page measured.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import requests
from playwright.sync_api import Page, expect

from conftest import DEMO_PID, DEMO_RP, start_live
from mock_thaid.domain import machine
from mock_thaid.domain.enrol_errors import TABLE
from mock_thaid.login import state as login_state

pytestmark = pytest.mark.live

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SIZES = (PHONE, LAPTOP)
CALLBACK = DEMO_RP["redirect_uri"]
CHROMIUM_TIMEOUT_MS = 10_000

DEMO_PIN = "13572468"
NEW_PIN = "24681357"
MALI = "1057830862719"            # registered (self): registers again from another phone
KANLAYA = "1709347111866"         # registered: locks her PIN at a login
WARAPORN = "1153620226005"        # not registered: the self path to the end
PIYANUT = "1368410540482"         # face "mismatch": the self path fails at the selfie
ADISAK = "1052188433961"          # face "liveness_fail"
EKKACHAI = "3765898366910"        # card expired 2024-10-02
CHAKKAPHAN = "3647798421261"      # the officer path to the end (twice: the older one is stale)
SOMPORN = "3081442869245"         # fingerprint "mismatch"
OFFICE = "tak-maesot"

# What a person must never read on a Thai screen.
INTERNAL_WORDS = sorted(
    set(machine.STEPS) | set(TABLE)
    | {login_state.WAITING, login_state.SCANNED, login_state.APPROVED, login_state.DENIED, login_state.EXPIRED}
    | {"pass", "mismatch", "liveness_fail"}
)
INTERNAL = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, INTERNAL_WORDS)) + r")(?![A-Za-z0-9_])")
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")

MEASURE = """() => {
  const width = window.innerWidth;
  const hidden = [];
  for (const el of document.querySelectorAll('table a, table button, table input, table select')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    let clipped = r.left < -1 || r.right > width + 1;
    for (let p = el.parentElement; p && !clipped && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== 'visible') {
        const box = p.getBoundingClientRect();
        clipped = r.left < box.left - 1 || r.right > box.right + 1;
      }
    }
    if (clipped) hidden.push((el.innerText || el.value || el.outerHTML).trim().slice(0, 60));
  }
  const hide = document.createElement('style');
  hide.textContent = 'code, pre { display: none !important; }';
  document.head.appendChild(hide);
  const text = document.title + '\\n' + document.body.innerText;
  hide.remove();
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, hidden: hidden, text: text};
}"""


@dataclass
class Look:
    name: str
    lang: str
    size: str
    url: str
    scroll_width: int
    inner_width: int
    hidden: list[str]
    text: str


@dataclass
class Walk:
    lang: str
    base: str
    looks: list[Look] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list)

    def look(self, page: Page, name: str) -> None:
        """Measure the page as it is now, at both sizes (and put the page back as it was)."""
        page.wait_for_load_state("load")
        before = page.viewport_size
        for size in SIZES:
            page.set_viewport_size(size)
            m = page.evaluate(MEASURE)
            label = f"{size['width']}x{size['height']}"
            self.looks.append(Look(name, self.lang, label, page.url, m["scrollWidth"], m["innerWidth"],
                                   m["hidden"], m["text"]))
            if os.environ.get("SCREENS_DIR"):
                out = Path(os.environ["SCREENS_DIR"])
                out.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out / f"{self.lang}-{label}-{name}.png"), full_page=True)
        page.set_viewport_size(before)


# --- the walk -------------------------------------------------------------------------------

def new_page(browser, walk: Walk, size=PHONE) -> Page:
    ctx = browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok", viewport=size)
    walk.contexts.append(ctx)
    ctx.set_default_timeout(CHROMIUM_TIMEOUT_MS)
    ctx.add_cookies([{"name": "lang", "value": walk.lang, "url": walk.base}])
    ctx.route(CALLBACK + "**", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8",
        body="<!doctype html><html><head><title>callback</title></head><body><p id='callback'>callback ok</p></body></html>"))
    page = ctx.new_page()
    page.on("pageerror", lambda exc: walk.errors.append(f"{page.url}: {exc}"))
    return page


def press(page: Page, selector: str) -> None:
    """Click what submits a form or follows a link, and wait for the page it loads (the next
    look must not read the page before it)."""
    with page.expect_navigation():
        page.locator(selector).click()


def authorize_url(base: str, client_id: str = DEMO_RP["client_id"], **extra) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": CALLBACK,
              "scope": "openid pid name", "state": "S", "nonce": "N", **extra}
    return base + "/api/v2/oauth2/auth/?" + urlencode(params, quote_via=quote)


def open_qr(page: Page, base: str) -> str:
    page.goto(authorize_url(base))
    expect(page.locator("#login")).to_have_attribute("data-status", "waiting")
    return page.locator("a#app-link").get_attribute("href")


def pick(app: Page, link: str, pid: str) -> None:
    app.goto(link)
    press(app, f'button.person[data-pid="{pid}"]')


def at_step(page: Page, step: str) -> None:
    expect(page.locator("section.enrol")).to_have_attribute("data-step", step)


def sample_files(base: str, tmp: Path, pid: str, variant: str = "clear") -> dict[str, Path]:
    files = {}
    for side in ("front", "back"):
        target = tmp / f"{pid}-{side}-{variant}.png"
        target.write_bytes(requests.get(f"{base}/app/cards/{pid}/{side}.png", params={"variant": variant}).content)
        files[side] = target
    return files


def selfie_file(base: str, tmp: Path) -> Path:
    target = tmp / "selfie.png"
    target.write_bytes(requests.get(base + "/app/cards/selfie.png").content)
    return target


def start_self(page: Page, base: str) -> None:
    page.goto(base + "/app/")
    press(page, "#register")
    at_step(page, "camera")
    press(page, "#allow")
    at_step(page, "choose")
    press(page, "#choose-self")
    at_step(page, "terms")
    press(page, "#accept")
    at_step(page, "card")


def upload_card(page: Page, files: dict[str, Path]) -> None:
    page.locator("#front").set_input_files(str(files["front"]))
    page.locator("#back").set_input_files(str(files["back"]))
    press(page, "#upload")


def upload_selfie(page: Page, selfie: Path) -> None:
    page.locator("#selfie").set_input_files(str(selfie))
    press(page, "#upload")
    expect(page.locator("#preview-selfie")).to_be_visible()
    press(page, "#confirm")


def start_officer(page: Page, base: str, pid: str) -> str:
    page.goto(base + "/app/")
    press(page, "#register")
    press(page, "#allow")
    press(page, "#choose-officer")
    at_step(page, "visit")
    page.locator("#office").select_option(OFFICE)
    press(page, "#next")
    press(page, "#accept")
    at_step(page, "pid")
    page.locator("#pid").fill(pid)
    press(page, "#next")
    at_step(page, "at_officer")
    return page.locator("#ref").inner_text().strip()


def walk_logins(browser, walk: Walk, live) -> None:
    base = live.url
    desk = new_page(browser, walk, LAPTOP)
    desk.goto(base + "/")
    walk.look(desk, "index")

    # A QR login: waiting, scanned, then the phone's owner locks her PIN.
    link = open_qr(desk, base)
    expect(desk.locator("#countdown")).not_to_have_text("")
    walk.look(desk, "qr-login-waiting")
    app = new_page(browser, walk)
    app.goto(link)
    walk.look(app, "app-login-pick")
    press(app, f'button.person[data-pid="{KANLAYA}"]')
    expect(app.locator("#pin")).to_be_visible()
    walk.look(app, "app-login-consent")
    expect(desk.locator("#login")).to_have_attribute("data-status", "scanned")
    walk.look(desk, "qr-login-scanned")
    app.locator("#pin").fill("00000000")
    press(app, "#approve")
    expect(app.locator("#error")).to_be_visible()
    walk.look(app, "app-login-wrong-pin")
    for _ in range(live.app.extensions["mock_thaid"].settings.pin_max_attempts):
        if app.locator("#pin").count() == 0:
            break
        app.locator("#pin").fill("00000000")
        press(app, "#approve")
    expect(app.locator("#pin")).to_have_count(0)
    walk.look(app, "app-login-locked")
    desk.wait_for_timeout(1500)  # a poll or two
    walk.look(desk, "qr-login-locked")

    # A second login, approved; the phone comes back to the closed request.
    link = open_qr(desk, base)
    app2 = new_page(browser, walk)
    pick(app2, link, DEMO_PID)
    app2.locator("#pin").fill(DEMO_PIN)
    press(app2, "#approve")
    expect(app2.locator("#done")).to_be_visible()
    desk.wait_for_url(CALLBACK + "?**")  # the computer's page follows to the service
    walk.look(app2, "app-login-done")
    app2.goto(link)
    walk.look(app2, "app-login-closed")
    app2.goto(base + "/app/login/no-such-login-token-x")
    walk.look(app2, "app-login-unknown-qr")

    # A third, refused on the phone.
    link = open_qr(desk, base)
    app2.goto(link)
    press(app2, "#deny")
    expect(app2.locator("#done")).to_be_visible()
    desk.wait_for_url(CALLBACK + "?**")
    walk.look(app2, "app-login-refused")

    # A fourth: the phone's owner has not registered yet.
    link = open_qr(desk, base)
    app3 = new_page(browser, walk)
    pick(app3, link, WARAPORN)
    expect(app3.locator("#register-now")).to_be_visible()
    walk.look(app3, "app-login-unregistered")

    # The QR expires (the mock's clock moves on, then back).
    requests.post(base + "/_mock/clock", json={"advance": 3600})
    expect(desk.locator("#renew")).to_be_visible()
    walk.look(desk, "qr-login-expired")
    requests.post(base + "/_mock/clock", json={"offset": 0})

    # The sandbox login page (thaid-api.md §3), with a mistake.
    desk.goto(authorize_url(base, client_id="sandbox-rp"))
    walk.look(desk, "sandbox-login")
    desk.locator("#pid").fill("1234567890122")
    press(desk, "button[value=confirm]")
    expect(desk.locator("#error")).to_be_visible()
    walk.look(desk, "sandbox-login-error")

    # The mock's own callback page: a code, then an error.
    r = requests.get(authorize_url(base, redirect_uri=base + "/_mock/callback"),
                     headers={"X-Mock-Persona": DEMO_PID}, allow_redirects=False)
    desk.goto(r.headers["Location"])
    walk.look(desk, "callback-code")
    desk.goto(base + "/_mock/callback?error=access_denied&error_description=user+denied&state=S")
    walk.look(desk, "callback-error")

    # An error page a person can land on: an unknown service.
    desk.goto(authorize_url(base, client_id="no-such-client"))
    walk.look(desk, "error-page")
    desk.goto(base + "/_mock/admin/")
    walk.look(desk, "admin-clients")


def walk_self_path(browser, walk: Walk, live, tmp: Path) -> None:
    base = live.url
    selfie = selfie_file(base, tmp)
    page = new_page(browser, walk)
    page.goto(base + "/app/")
    walk.look(page, "app-home")
    page.goto(base + "/app/cards/")
    walk.look(page, "sample-cards")
    page.goto(base + "/app/")
    press(page, "#register")
    at_step(page, "camera")
    walk.look(page, "enrol-camera")
    press(page, "#allow")
    at_step(page, "choose")
    walk.look(page, "enrol-choose")
    press(page, "#choose-self")
    at_step(page, "terms")
    walk.look(page, "enrol-terms")
    press(page, "#accept")
    at_step(page, "card")
    walk.look(page, "enrol-card")
    upload_card(page, sample_files(base, tmp, WARAPORN, "blurred"))
    expect(page.locator("#error")).to_be_visible()
    walk.look(page, "enrol-card-unreadable")
    for side in ("front", "back"):
        if page.locator(f"#retake-{side}").count():
            press(page, f"#retake-{side}")
    upload_card(page, sample_files(base, tmp, WARAPORN))
    expect(page.locator("#preview-back")).to_be_visible()
    walk.look(page, "enrol-card-taken")
    press(page, "#confirm")
    at_step(page, "card_check")
    walk.look(page, "enrol-card-check")
    press(page, "#confirm")
    at_step(page, "selfie")
    walk.look(page, "enrol-selfie")
    upload_selfie(page, selfie)
    at_step(page, "pin")
    walk.look(page, "enrol-pin")
    page.locator("#pin").fill("11112222")
    page.locator("#pin-confirm").fill("11112222")
    press(page, "#next")
    expect(page.locator("#error")).to_be_visible()
    walk.look(page, "enrol-pin-rules-broken")
    page.locator("#pin").fill(NEW_PIN)
    page.locator("#pin-confirm").fill(NEW_PIN)
    press(page, "#next")
    at_step(page, "consent")
    walk.look(page, "enrol-consent")
    page.locator("#pin").fill("00000000")
    press(page, "#allow")
    expect(page.locator("#error")).to_be_visible()
    walk.look(page, "enrol-consent-wrong-pin")
    page.locator("#pin").fill(NEW_PIN)
    press(page, "#allow")
    at_step(page, "done")
    walk.look(page, "enrol-done")
    page.goto(base + "/app/card")
    walk.look(page, "digital-card")
    page.goto(base + "/app/")
    walk.look(page, "app-home-registered")

    # A face that does not match, three times: the registration fails.
    page = new_page(browser, walk)
    start_self(page, base)
    upload_card(page, sample_files(base, tmp, PIYANUT))
    press(page, "#confirm")
    press(page, "#confirm")
    at_step(page, "selfie")
    walk.look(page, "enrol-selfie-mismatch-person")
    upload_selfie(page, selfie)
    expect(page.locator("#error")).to_be_visible()
    walk.look(page, "enrol-selfie-mismatch")
    while page.locator("section.enrol").get_attribute("data-step") == "selfie":
        upload_selfie(page, selfie)
    at_step(page, "failed")
    walk.look(page, "enrol-failed-face")

    page = new_page(browser, walk)
    start_self(page, base)
    upload_card(page, sample_files(base, tmp, ADISAK))
    press(page, "#confirm")
    press(page, "#confirm")
    upload_selfie(page, selfie)
    expect(page.locator("#error")).to_be_visible()
    walk.look(page, "enrol-selfie-liveness")

    # An expired card ends the registration at the card check.
    page = new_page(browser, walk)
    start_self(page, base)
    upload_card(page, sample_files(base, tmp, EKKACHAI))
    press(page, "#confirm")
    expect(page.locator("#error")).to_be_visible()
    walk.look(page, "enrol-card-expired")

    # A photo the mock did not render: whose card is it? Mali's, who is registered already:
    # she registers again from this phone.
    page = new_page(browser, walk)
    start_self(page, base)
    upload_card(page, {"front": selfie, "back": selfie})
    press(page, "#confirm")
    at_step(page, "card_owner")
    walk.look(page, "enrol-card-owner")
    page.locator("#pid").fill(MALI)
    press(page, "#next")
    at_step(page, "card_check")
    walk.look(page, "enrol-card-check-registered")
    press(page, "#confirm")
    upload_selfie(page, selfie)
    page.locator("#pin").fill(NEW_PIN)
    page.locator("#pin-confirm").fill(NEW_PIN)
    press(page, "#next")
    page.locator("#pin").fill(NEW_PIN)
    press(page, "#allow")
    at_step(page, "done")
    walk.look(page, "enrol-done-registered-again")

    # A registration left at the card step, cancelled.
    page = new_page(browser, walk)
    start_self(page, base)
    press(page, "#cancel")
    walk.look(page, "app-home-cancelled")


def walk_officer_path(browser, walk: Walk, live) -> None:
    base = live.url
    older = new_page(browser, walk)
    start_officer(older, base, CHAKKAPHAN)
    phone = new_page(browser, walk)
    phone.goto(base + "/app/")
    press(phone, "#register")
    press(phone, "#allow")
    press(phone, "#choose-officer")
    at_step(phone, "visit")
    walk.look(phone, "enrol-visit")
    phone.locator("#office").select_option(OFFICE)
    press(phone, "#next")
    press(phone, "#accept")
    at_step(phone, "pid")
    walk.look(phone, "enrol-pid")
    phone.locator("#pid").fill("3-6477-98421-26-2")
    press(phone, "#next")
    expect(phone.locator("#error")).to_be_visible()
    walk.look(phone, "enrol-pid-error")
    phone.locator("#pid").fill(CHAKKAPHAN)
    press(phone, "#next")
    at_step(phone, "at_officer")
    ref = phone.locator("#ref").inner_text().strip()
    walk.look(phone, "enrol-at-officer")
    finger = new_page(browser, walk)
    finger_ref = start_officer(finger, base, SOMPORN)
    expired = new_page(browser, walk)
    expired_ref = start_officer(expired, base, EKKACHAI)

    console = new_page(browser, walk, LAPTOP)
    console.goto(base + "/officer/")
    walk.look(console, "officer-login")
    console.locator("#name").fill("สมชาย ใจดี")
    console.locator("#office").select_option(OFFICE)
    console.locator("#password").fill("wrong password")
    press(console, "#login")
    expect(console.locator("#error")).to_be_visible()
    walk.look(console, "officer-login-wrong")
    console.locator("#password").fill("officer-demo")
    press(console, "#login")
    expect(console.locator(f'tr[data-ref="{ref}"]')).to_be_visible()
    walk.look(console, "officer-list")

    console.goto(f"{base}/officer/e/{expired_ref}")
    walk.look(console, "officer-card-expired")
    press(console, "#card-check")
    expect(console.locator("#error")).to_be_visible()
    walk.look(console, "officer-card-expired-refused")
    walk.look(expired, "enrol-officer-card-expired")

    console.goto(f"{base}/officer/e/{finger_ref}")
    press(console, "#card-check")
    expect(console.locator("#fingerprint")).to_be_visible()
    walk.look(console, "officer-fingerprint-mismatch-person")
    press(console, "#fingerprint")
    expect(console.locator("#error")).to_be_visible()
    walk.look(console, "officer-fingerprint-mismatch")
    finger.wait_for_timeout(2000)
    walk.look(finger, "enrol-fingerprint-mismatch")

    console.goto(f"{base}/officer/e/{ref}")
    walk.look(console, "officer-card-check")
    press(console, "#card-check")
    expect(console.locator("#fingerprint")).to_be_visible()
    walk.look(console, "officer-fingerprint")
    phone.wait_for_function("() => document.querySelector('section.enrol').dataset.step === 'fingerprint'")
    walk.look(phone, "enrol-fingerprint")
    press(console, "#fingerprint")
    expect(console.locator("#qr")).to_be_visible()
    walk.look(console, "officer-qr")
    phone.wait_for_function("() => document.querySelector('section.enrol').dataset.step === 'scan_qr'")
    walk.look(phone, "enrol-scan-qr")
    phone.locator("#code").fill(console.locator("#qr-link").get_attribute("href"))
    press(phone, "#scan-submit")
    at_step(phone, "pin")
    expect(console.locator("#scanned")).to_be_visible()
    walk.look(console, "officer-scanned")
    console.goto(base + "/officer/")
    walk.look(console, "officer-list-after")
    phone.locator("#pin").fill(NEW_PIN)
    phone.locator("#pin-confirm").fill(NEW_PIN)
    press(phone, "#next")
    phone.locator("#pin").fill(NEW_PIN)
    press(phone, "#allow")
    at_step(phone, "done")
    walk.look(phone, "enrol-officer-done")


def walk_consoles(browser, walk: Walk, live) -> None:
    base = live.url
    desk = new_page(browser, walk, LAPTOP)
    desk.goto(base + "/_mock/trainer/")
    walk.look(desk, "trainer")
    desk.wait_for_timeout(2500)  # after a poll has replaced the rows
    walk.look(desk, "trainer-polled")
    desk.goto(base + "/_mock/trainer/handout")
    walk.look(desk, "trainer-handout")
    desk.goto(base + "/_mock/inspector/")
    walk.look(desk, "inspector")


def walk_guarded(browser, walk: Walk) -> None:
    """A second mock, guarded by a control token and in the oidc profile: the control login
    page and the logged-out page."""
    live = start_live(control_token="a-control-token-for-the-walk", profile="oidc", database_url="sqlite://")
    try:
        page = new_page(browser, walk, LAPTOP)
        page.context.add_cookies([{"name": "lang", "value": walk.lang, "url": live.url}])
        page.goto(live.url + "/_mock/login")
        walk.look(page, "control-login")
        page.locator("#token").fill("not the token")
        press(page, "button[type=submit]")
        expect(page.locator("#wrong")).to_be_visible()
        walk.look(page, "control-login-wrong")
        page.goto(live.url + "/api/v2/oauth2/logout/")
        walk.look(page, "logged-out")
    finally:
        live.close()


def run_walk(browser, lang: str, tmp: Path) -> Walk:
    # A SQLite file, as the mock runs for a class: several screens poll at once, and the
    # in-memory database of the other tests is one connection shared by every thread.
    live = start_live(database_url=f"sqlite:///{tmp}/walk.sqlite3")
    walk = Walk(lang, live.url)
    try:
        walk_logins(browser, walk, live)
        walk_self_path(browser, walk, live, tmp)
        walk_officer_path(browser, walk, live)
        walk_consoles(browser, walk, live)
        walk_guarded(browser, walk)
        return walk
    finally:
        for ctx in walk.contexts:
            ctx.close()
        live.close()


@pytest.fixture(scope="module")
def walks(browser, tmp_path_factory) -> dict[str, Walk]:
    return {lang: run_walk(browser, lang, tmp_path_factory.mktemp(f"walk-{lang}")) for lang in ("th", "en")}


# --- the checks -----------------------------------------------------------------------------

def every_look(walks):
    return [look for walk in walks.values() for look in walk.looks]


def test_the_walk_covers_every_kind_of_page(walks):
    names = {look.name for look in walks["th"].looks}
    assert len(names) >= 60, sorted(names)
    assert {look.name for look in walks["en"].looks} == names
    for look in walks["th"].looks:
        assert "ระบบจำลอง" in look.text or "MOCK" in look.text, look.name  # the banner is on every page


def test_no_page_scrolls_sideways(walks):
    wide = [f"{look.lang} {look.size} {look.name}: {look.scroll_width}px > {look.inner_width}px ({look.url})"
            for look in every_look(walks) if look.scroll_width > look.inner_width]
    assert not wide, "\n".join(wide)


def test_no_table_hides_an_action_off_screen(walks):
    hidden = [f"{look.lang} {look.size} {look.name}: {look.hidden}" for look in every_look(walks) if look.hidden]
    assert not hidden, "\n".join(hidden)


def test_thai_screens_show_no_internal_code_or_iso_date(walks):
    found = []
    for look in walks["th"].looks:
        if look.size != "390x844":
            continue
        for m in list(INTERNAL.finditer(look.text)) + list(ISO_DATE.finditer(look.text)):
            around = look.text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
            found.append(f"{look.name}: {m.group(0)!r} in …{around}…")
    assert not found, "\n".join(found)


def test_no_page_has_a_script_error(walks):
    errors = [e for walk in walks.values() for e in walk.errors]
    assert not errors, "\n".join(errors)
