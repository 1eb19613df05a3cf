"""A page on another site, opened in the same Chromium, auto-submits a form at the mock's
control API (`enctype=text/plain`, the classic way around JSON-only APIs). The mock must
refuse it and keep its state."""
from __future__ import annotations

import requests
from conftest import start_live

NEW = {"pid": "1100000000016", "given_name": "ทดสอบ", "family_name": "ข้ามเว็บ"}


def _serve(html: str):
    return lambda route: route.fulfill(status=200, content_type="text/html", body=html)


def test_a_cross_site_form_cannot_reset_or_rotate(browser):
    live = start_live()
    try:
        assert requests.post(live.url + "/_mock/citizens", json=NEW, timeout=5).status_code == 201
        kids = [k["kid"] for k in requests.get(live.url + "/jwks/", timeout=5).json()["keys"]]
        answers: list[tuple[str, int]] = []
        ctx = browser.new_context()
        page = ctx.new_page()
        page.on("response", lambda r: answers.append((r.url, r.status)) if "/_mock/" in r.url else None)
        for target in ("/_mock/reset", "/_mock/keys/rotate"):
            html = (f"<!doctype html><form id=f method=post enctype=text/plain action='{live.url}{target}'>"
                    "<input name='{\"a\":\"' value='\"}'></form><script>document.getElementById('f').submit()</script>")
            page.route("http://attacker.test/**", _serve(html))
            with page.expect_response(lambda r: target in r.url):
                page.goto("http://attacker.test/")
            page.unroute("http://attacker.test/**")
        ctx.close()
        assert [s for _, s in answers] == [403, 403], answers
        people = requests.get(live.url + "/_mock/citizens", timeout=5).json()["citizens"]
        assert NEW["pid"] in {p["pid"] for p in people}  # not reset
        assert [k["kid"] for k in requests.get(live.url + "/jwks/", timeout=5).json()["keys"]] == kids  # not rotated
    finally:
        live.close()
