"""`check-rp --driver browser`: real Chromium (the Debian /usr/bin/chromium, driven by
Playwright as tests/browser does) against tests/checkrp/js_rp.py, an RP whose login button
works with JavaScript only (fetch, then location.assign).

* The HTTP driver cannot start its login: every row "could not run", and the report says why
  and suggests --driver browser.
* The browser driver clicks the button and checks the rows: the same verdicts the HTTP driver
  gives the lax RP behind it (its missing signature check is caught, its refusals pass).
* Without Chromium or Playwright the command stops at once with a Thai and English message that
  names what to install.
"""
from __future__ import annotations

import builtins
import io
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import httpx
import pytest
import yaml

from mock_thaid.cli import main

pytestmark = [pytest.mark.live, pytest.mark.browser]

ROWS = ["login_openid", "user_denied", "id_token_wrong_iss", "id_token_alg_none", "state_replay", "qr_expired"]
PROFILE = {"success": {"status": 200, "url": "/home$", "text": "Signed in as"}, "click": "#thaid-login"}


def _check(stack, tmp_path: Path, *extra: str, profile: dict | None = None):
    prof = tmp_path / "js.profile.yaml"
    prof.write_text(yaml.safe_dump(profile if profile is not None else PROFILE), encoding="utf-8")
    junit = tmp_path / "js.xml"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(["check-rp", "--rp", stack["js"].url, "--start", "/", "--mock", stack["mock"],
                   "--profile", str(prof), "--junit", str(junit), "--only", ",".join(ROWS), "--lang", "en", *extra])
    status = {}
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            kind = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
            status[case.get("name")] = {"failure": "failed", "error": "error", "skipped": "na"}.get(kind, kind)
    return rc, out.getvalue() + err.getvalue(), status


def test_the_http_driver_cannot_start_a_javascript_login_and_says_so(stack, tmp_path):
    before = stack["js"].app.config["API_LOGINS"]
    rc, out, status = _check(stack, tmp_path)
    assert rc == 1
    assert status == {r: "error" for r in ROWS}, out
    assert "/ never reached ThaiD's authorize endpoint" in out and "try --driver browser" in out
    assert stack["js"].app.config["API_LOGINS"] == before  # nobody pressed the button


def test_the_browser_driver_clicks_the_button_and_checks_the_rp_in_chromium(stack, tmp_path):
    before = stack["js"].app.config["API_LOGINS"]
    rc, out, status = _check(stack, tmp_path, "--driver", "browser", "--html", str(tmp_path / "js.html"))
    page = (tmp_path / "js.html").read_text(encoding="utf-8")
    assert "ตรวจด้วยเบราว์เซอร์ Chromium จริง" in page and "Checked in a real Chromium" in page
    assert status == {"login_openid": "passed", "user_denied": "passed", "id_token_wrong_iss": "passed",
                      "state_replay": "passed", "qr_expired": "passed",
                      "id_token_alg_none": "failed"}, out  # lax_rp's planted defect: no signature check
    assert rc == 1
    assert "the RP showed its signed-in page" in out and "/home → 200" in out
    assert stack["js"].app.config["API_LOGINS"] >= len(ROWS)  # every login went through the button
    assert not [f for f in httpx.get(stack["mock"] + "/_mock/faults").json()["active"]
                if f["client_id"] == stack["js"].client_id]


def test_without_a_click_selector_the_button_that_names_thaid_is_clicked(stack, tmp_path):
    rc, out, status = _check(stack, tmp_path, "--driver", "browser",
                             profile={k: v for k, v in PROFILE.items() if k != "click"})
    assert status["login_openid"] == "passed", out


def test_no_chromium_stops_at_once_in_thai_and_english(stack, tmp_path):
    rc, out, status = _check(stack, tmp_path, "--driver", "browser", "--chromium", str(tmp_path / "no-chromium"))
    assert rc == 2 and status == {}
    assert "--driver browser ใช้ไม่ได้: ไม่พบ Chromium ที่" in out
    assert "--driver browser cannot run: no Chromium at" in out
    assert "apt-get install chromium" in out and "pip install 'thaid-sandbox[browser]'" in out


def test_no_playwright_package_names_the_extra_to_install(stack, tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_playwright(name, *args, **kwargs):
        if name.startswith("playwright"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_playwright)
    rc, out, status = _check(stack, tmp_path, "--driver", "browser")
    assert rc == 2 and status == {}
    assert "ไม่พบแพ็กเกจ playwright ของ Python" in out and "the Python package playwright is not installed" in out
    assert "pip install 'thaid-sandbox[browser]'" in out


SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "check-rp-report.png"


def test_the_report_card_of_the_lax_rp_in_chromium(stack, tmp_path, monkeypatch):
    """The HTML report of a whole check against the lax RP, opened in Chromium: its planted
    defects are the failed rows a reader sees, the page fits an A4-wide window without sideways
    scrolling, and its first screen is the README's screenshot (docs/screenshots/check-rp-report.png)."""
    from playwright.sync_api import sync_playwright

    from mock_thaid.checkrp.chromium import CHROMIUM, CHROMIUM_ARGS

    monkeypatch.chdir(tmp_path)  # the report names the profile as given: my-rp.yaml, no machine path
    Path("my-rp.yaml").write_text(yaml.safe_dump({"protected_path": "/me", "token_timeout": 1}), encoding="utf-8")
    html = tmp_path / "check-rp.html"
    with redirect_stdout(io.StringIO()):
        rc = main(["check-rp", "--rp", stack["lax"].url, "--start", "/login", "--mock", stack["mock"],
                   "--profile", "my-rp.yaml", "--html", str(html)])
    assert rc == 1
    def look() -> tuple[int, bool, bool]:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 1400}, locale="th-TH")
                page.goto(html.as_uri())
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT))
                return (page.locator("tr.is-failed").count(),
                        "ลายเซ็น" in page.locator("body").inner_text(),  # Thai first: the signature rows
                        page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
            finally:
                browser.close()

    # A thread of its own: in a full run, tests/browser's session-wide Playwright is active in
    # this one, and Playwright's sync API refuses to start a second one beside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        failed, thai_first, fits = pool.submit(look).result()
    assert failed == 8
    assert thai_first
    assert fits
    assert SCREENSHOT.stat().st_size > 20_000
