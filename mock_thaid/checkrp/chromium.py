"""The browser driver (``check-rp --driver browser``): one person is a real Chromium window,
for relying parties whose login starts with JavaScript (a button that fetches the login URL and
calls ``location.assign``, a single-page app…). Same interface as ``browser.Browser``.

Chromium is the system's (Debian: ``apt-get install chromium``), driven by the Python
``playwright`` package (``pip install 'thaid-sandbox[browser]'``); ``playwright install`` is never
needed. The person's persona rides on ThaiD's authorize request only, as with the HTTP driver:
Chromium's own request interception (DevTools ``Fetch``) adds ``X-Mock-Persona`` to that request
— also when it is the target of the RP's redirect, which Playwright's ``page.route`` does not see —
and stops the visit before a second trip to ThaiD.
"""
from __future__ import annotations

import base64
import re
import time
from pathlib import Path

from ..scenarios.runner import Final, Hop, SetupFailed, is_authorize
from .browser import Visit, absolute

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
LOGIN_WORDS = re.compile(r"thaid|ไทยดี", re.I)
"""Without a ``click`` selector, the start page's button or link whose name says ThaiD is clicked."""
SETTLE_ROUNDS = 6
STOPPED_PAGE = b"<!doctype html><title>check-rp</title><p>check-rp stopped here</p>"


class BrowserMissing(Exception):
    """Playwright or Chromium is not there: the message says what to install, in Thai and English."""


def _missing(what_th: str, what_en: str, detail: str = "") -> BrowserMissing:
    return BrowserMissing(
        f"--driver browser ใช้ไม่ได้: {what_th}\n"
        f"  ติดตั้งด้วย: pip install 'thaid-sandbox[browser]' (แพ็กเกจ playwright ของ Python) "
        f"และ apt-get install chromium (Chromium ของระบบ) — ไม่ต้องรัน playwright install\n"
        f"--driver browser cannot run: {what_en}\n"
        f"  Install: pip install 'thaid-sandbox[browser]' (the Python playwright package) and "
        f"apt-get install chromium (the system's Chromium), or pass --chromium PATH; "
        f"`playwright install` is not needed" + (f"\n  ({detail})" if detail else ""))


class Chromium:
    """One headless Chromium for a whole run; every person gets a fresh context (own cookies)."""

    def __init__(self, path: str = CHROMIUM) -> None:
        try:
            from playwright.sync_api import Error, sync_playwright
        except ImportError as e:
            raise _missing("ไม่พบแพ็กเกจ playwright ของ Python", "the Python package playwright is not installed",
                           str(e)) from None
        if not Path(path).exists():
            raise _missing(f"ไม่พบ Chromium ที่ {path}", f"no Chromium at {path}")
        self._pw = sync_playwright().start()
        try:
            self.browser = self._pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        except Error as e:
            self._pw.stop()
            raise _missing(f"เปิด Chromium ที่ {path} ไม่ได้", f"Chromium at {path} did not start",
                           str(e).splitlines()[0]) from None

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self._pw.stop()

    def person(self, rp: str, mock: str, persona: str, timeout: float, starts: set[str],
               click: str = "") -> "ChromiumPerson":
        return ChromiumPerson(self, rp, mock, persona, timeout, starts, click)


class ChromiumPerson:
    """A person in a Chromium window. ``visit`` follows whatever the pages do (redirects and
    script navigations) and, on a login start that did not go to ThaiD by itself, clicks the
    login button (the profile's ``click`` selector, or the button or link that names ThaiD)."""

    def __init__(self, chromium: Chromium, rp: str, mock: str, persona: str, timeout: float,
                 starts: set[str], click: str = "") -> None:
        self.rp, self.mock, self.persona = rp.rstrip("/"), mock.rstrip("/"), persona
        self.timeout, self.starts, self.click = timeout, starts, click
        self.context = chromium.browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok")
        self.context.set_default_timeout(timeout * 1000)
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self._visit: dict = {}
        self.navigations = 0
        self.cdp.on("Fetch.requestPaused", self._paused)
        self.cdp.send("Fetch.enable", {"patterns": [
            {"urlPattern": self.mock + "/*", "resourceType": "Document", "requestStage": "Request"}]})
        self.page.on("response", self._response)
        self.page.on("framenavigated", self._navigated)

    def __enter__(self) -> "ChromiumPerson":
        return self

    def __exit__(self, *exc) -> None:
        self.context.close()

    # --- what Chromium does ------------------------------------------------------------------

    def _paused(self, ev: dict) -> None:
        url, rid, v = ev["request"]["url"], ev["requestId"], self._visit
        if not is_authorize(self.mock, url):
            self.cdp.send("Fetch.continueRequest", {"requestId": rid})
            return
        v["authorize"] = v.get("authorize", 0) + 1
        if v["authorize"] > v.get("max_authorize", 1):
            v["stopped"] = url
            self.cdp.send("Fetch.fulfillRequest", {
                "requestId": rid, "responseCode": 200,
                "responseHeaders": [{"name": "Content-Type", "value": "text/html; charset=utf-8"}],
                "body": base64.b64encode(STOPPED_PAGE).decode()})
            return
        headers = [{"name": k, "value": val} for k, val in ev["request"]["headers"].items()
                   if k.lower() != "x-mock-persona"]
        if v.get("persona"):
            headers.append({"name": "X-Mock-Persona", "value": v["persona"]})
        self.cdp.send("Fetch.continueRequest", {"requestId": rid, "headers": headers})

    def _response(self, r) -> None:
        req = r.request
        if not req.is_navigation_request() or r.frame != self.page.main_frame:
            return
        if self._visit.get("stopped") == r.url:
            return
        location = r.headers.get("location") if 300 <= r.status < 400 else None
        self._visit.setdefault("hops", []).append(Hop(r.url, r.status, location))

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1

    # --- one visit ---------------------------------------------------------------------------

    def _settle(self, deadline: float) -> None:
        """Until the page stops moving: no request for half a second and no new navigation."""
        from playwright.sync_api import Error

        for _ in range(SETTLE_ROUNDS):
            seen = self.navigations
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                self.page.wait_for_load_state("networkidle", timeout=left * 1000)
            except Error:
                return
            if self.navigations == seen:
                return

    def _login_button(self):
        if self.click:
            loc = self.page.locator(self.click)
        else:
            loc = self.page.get_by_role("button", name=LOGIN_WORDS).or_(
                self.page.get_by_role("link", name=LOGIN_WORDS))
        loc = loc.first
        return loc if loc.count() and loc.is_visible() else None

    def visit(self, path: str, max_authorize: int = 1, persona: str | None = "") -> Visit:
        from playwright.sync_api import Error
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        who = self.persona if persona == "" else persona
        url = absolute(self.rp, path)
        if is_authorize(self.mock, url) and max_authorize < 1:
            return Visit(Final(url, 0, ""), self.mock, 0.0, self._cookies(), stopped=True)
        self._visit = v = {"max_authorize": max_authorize, "persona": who, "hops": []}
        t0 = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        try:
            self.page.goto(url, wait_until="load", timeout=self.timeout * 1000)
            self._settle(deadline)
            if (path in self.starts and not v.get("stopped") and v.get("authorize", 0) == 0
                    and not self.page.url.startswith(self.mock)):
                button = self._login_button()
                if button is not None:
                    before = self.page.url
                    button.click(timeout=self.timeout * 1000)
                    try:
                        self.page.wait_for_url(lambda u: u != before, timeout=max(0.1, deadline - time.monotonic()) * 1000)
                    except PlaywrightTimeout:
                        pass  # the button did not leave the page: judged on the page as it is
                    self._settle(deadline)
            hops: list[Hop] = v["hops"]
            if v.get("stopped"):
                last = hops[-1] if hops else Hop(url, 0)
                final = Final(last.url, last.status, "", hops=hops)
            else:
                status = next((h.status for h in reversed(hops) if h.url == self.page.url), hops[-1].status if hops else 0)
                final = Final(self.page.url, status, self.page.content(), hops=hops)
        except PlaywrightTimeout:
            raise SetupFailed(f"no answer within {self.timeout:g} s in Chromium "
                              f"after {time.perf_counter() - t0:.1f} s") from None
        except Error as e:
            raise SetupFailed(f"Chromium: {str(e).splitlines()[0]}") from None
        finally:
            self._visit = {}
        return Visit(final, self.mock, time.perf_counter() - t0, self._cookies(), stopped=bool(v.get("stopped")))

    def _cookies(self) -> set[str]:
        return {c["name"] for c in self.context.cookies()}
