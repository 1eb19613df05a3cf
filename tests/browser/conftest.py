"""Real-browser fixtures: one headless Chromium for the session, one context per device.

The Debian Chromium at /usr/bin/chromium is driven by the Playwright Python package (its
wheel carries the driver). ``playwright install`` is never needed and must not be run.
CI installs Chromium, so a missing browser FAILS these tests instead of skipping them.

Every test in this folder is marked ``browser`` (``pytest -m "not browser"`` leaves them out).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
TIMEOUT_MS = 10_000

# The demo relying party's redirect URI: nothing listens there, so the browser's visit is
# answered by Playwright itself and recorded.
CALLBACK = "http://127.0.0.1:8080/callback"
CALLBACK_GLOB = CALLBACK + "**"
CALLBACK_BODY = ("<!doctype html><html><head><meta charset='utf-8'><title>callback</title></head>"
                 "<body><p id='callback'>callback ok</p></body></html>")

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 430, "height": 932}, "is_mobile": True, "has_touch": True}

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # Called with every item of the session, not only this folder's: filter by path.
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need the Debian package "
            "(apt-get install -y chromium fonts-thai-tlwg). Do not run `playwright install`.",
            pytrace=False,
        )
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Device:
    """A browser context (one person's computer or phone, with its own cookies) and its page.

    ``callbacks`` lists every URL the page was sent to at the RP's callback; ``errors``
    lists uncaught JavaScript errors of the page.
    """

    def __init__(self, context) -> None:
        self.context = context
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        self.page = context.new_page()
        self.callbacks: list[str] = []
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.route(CALLBACK_GLOB, self._callback)

    def _callback(self, route) -> None:
        self.callbacks.append(route.request.url)
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=CALLBACK_BODY)


@pytest.fixture
def new_device(browser):
    """Factory: ``new_device(**DESKTOP)`` / ``new_device(**PHONE)``; contexts closed after the test."""
    contexts = []

    def make(**context_options) -> Device:
        ctx = browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok", **context_options)
        contexts.append(ctx)
        return Device(ctx)

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def desktop(new_device) -> Device:
    return new_device(**DESKTOP)


@pytest.fixture
def phone(new_device) -> Device:
    return new_device(**PHONE)
