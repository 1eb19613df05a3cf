"""Clickjacking headers on every HTML page, and no CORS anywhere.

Every page is reached by crawling the apps as the people who use them (a desktop browser
with a QR login, a phone at every registration step, an officer, the developer pages; in
the LHR demo an owner, HR officers, supervisors and an anonymous visitor), plus the error
pages. Every HTML answer must carry ``X-Frame-Options: DENY`` and
``Content-Security-Policy: frame-ancestors 'none'``; no answer carries
``Access-Control-Allow-Origin`` (neither app means to be called cross-origin from a
browser: the ThaiD endpoints are called server to server), preflights included.
"""
from __future__ import annotations

import io
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import make_app
from lhr_helpers import MALI, NARONG, SUNEE, SURACHET, csrf
from sec_helpers import check_answer, counted, csrf_of, headers_of
from test_enrol_pages import OFFICER_STEPS, SELF_STEPS, Officer, Phone, walk_officer, walk_self

HTML = {"Accept": "text/html", "Origin": "https://evil.example"}
SKIP = re.compile(r"/(logout|abandon|renew|reset|start)\b|download=|/static/")


def crawl(client, seeds, *, host: str, budget: int, lhr: bool = False) -> dict[str, dict]:
    """GET every same-site link reachable from ``seeds``; returns url -> headers of HTML pages."""
    seen, pages = set(), {}
    todo = deque(seeds)
    while todo and len(seen) < budget:
        url = todo.popleft()
        if url in seen or SKIP.search(url):
            continue
        seen.add(url)
        r = client.get(url, headers=HTML)
        check_answer(r, f"GET {url}", lhr=lhr)
        if r.mimetype != "text/html":
            continue
        pages[url] = headers_of(r)
        for href in re.findall(r'(?:href|action)="([^"#]+)"', r.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            parts = urlsplit(urljoin("http://" + host + url, href))
            if parts.netloc == host and parts.scheme in ("http", ""):
                todo.append(parts.path + ("?" + parts.query if parts.query else ""))
    return pages


def assert_anti_framing(pages: dict[str, dict]) -> None:
    for url, h in pages.items():
        assert h.get("x-frame-options") == "DENY", url
        assert "frame-ancestors 'none'" in h.get("content-security-policy", ""), url
        assert "access-control-allow-origin" not in h, url


# ------------------------------------------------------------------------- the mock
def test_every_html_page_of_the_mock_refuses_to_be_framed():
    app = counted(make_app())
    pages: dict = {}
    desk = app.test_client()
    qr = desk.get("/api/v2/oauth2/auth/?response_type=code&client_id=demo-rp&scope=openid+pid&state=s"
                  "&redirect_uri=http://127.0.0.1:8080/callback", headers=HTML)
    check_answer(qr, "QR page")
    sid = re.search(r'/login/([^/"]+)/status', qr.get_data(as_text=True)).group(1)
    app_link = urlsplit(re.search(r'id="app-link" href="([^"]+)"', qr.get_data(as_text=True)).group(1)).path
    pages.update(crawl(desk, ["/", f"/login/{sid}", "/_mock/admin/", "/_mock/inspector/", "/_mock/trainer/",
                              "/app/cards/", "/officer/"], host="mock.test", budget=120))
    phone = app.test_client()
    pick = phone.get(app_link, headers=HTML)
    pages[app_link] = headers_of(pick)
    phone.post(app_link + "/whoami", data={"pid": "1234567890121", "csrf_token": csrf_of(pick.get_data(as_text=True))})
    pages.update(crawl(phone, [app_link, "/app/", "/app/card"], host="mock.test", budget=20))
    token = csrf_of(phone.get(app_link, headers=HTML).get_data(as_text=True))
    for pin in ("24681357", "13572468"):  # wrong PIN page (401), then the done page
        r = phone.post(app_link, data={"csrf_token": token, "decision": "approve", "pin": pin}, headers=HTML)
        check_answer(r, "consent")
        pages[f"POST {app_link} {pin}"] = headers_of(r)
    pages.update(crawl(phone, [app_link], host="mock.test", budget=3))  # the closed page (410)
    for steps, walk in ((SELF_STEPS, walk_self), (OFFICER_STEPS, walk_officer)):
        for step in steps:
            p = Phone(app)
            if walk is walk_self:
                walk_self(p, until=step)
            else:
                walk_officer(p, Officer(app), until=step)
            pages.update(crawl(p.c, ["/app/enrol/", "/app/", "/app/card"], host="mock.test", budget=6))
    officer = Officer(app)
    p = Phone(app)
    walk_officer(p, officer, until="fingerprint")
    pages.update(crawl(officer.c, ["/officer/", f"/officer/e/{p.status()['ref']}"], host="mock.test", budget=10))
    sandbox = make_app(login_mode="sandbox").test_client()
    r = sandbox.get("/api/v2/oauth2/auth/?response_type=code&client_id=demo-rp&scope=openid&state=s"
                    "&redirect_uri=http://127.0.0.1:8080/callback", headers=HTML)
    pages["sandbox login"] = headers_of(r)
    # error pages: 404, 405, 413, a CSRF refusal, protocol errors shown in the browser
    for what, r in {
        "404": desk.get("/nope", headers=HTML),
        "405": desk.delete("/officer/", headers=HTML),
        "413": desk.post("/officer/login", data={"name": "x" * (13 * 1024 * 1024)}, headers=HTML),
        "csrf": desk.post("/officer/login", data={"name": "x"}, headers=HTML),
        "invalid_client": desk.get("/api/v2/oauth2/auth/?client_id=nobody", headers=HTML),
        "redirect_mismatch": desk.get("/api/v2/oauth2/auth/?client_id=demo-rp&redirect_uri=https://evil.example",
                                      headers=HTML),
        "qr_unknown": app.test_client().get("/app/enrol/qr/nope", headers=HTML),
        "unknown app token": app.test_client().get("/app/login/nope", headers=HTML),
    }.items():
        assert r.mimetype == "text/html", what
        pages["error " + what] = headers_of(r)
    assert len(pages) >= 45, sorted(pages)
    assert_anti_framing(pages)


@pytest.mark.parametrize("path", ["/api/v2/oauth2/token/", "/api/v2/oauth2/userinfo/", "/api/v2/oauth2/introspect/",
                                  "/.well-known/openid-configuration", "/jwks/", "/_mock/citizens", "/login/x/status",
                                  "/app/enrol/status", "/"])
def test_no_cors_preflight_is_ever_granted(path):
    c = make_app().test_client()
    r = c.options(path, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                                 "Access-Control-Request-Headers": "authorization, content-type"})
    h = headers_of(r)
    assert not any(k.startswith("access-control-") for k in h), (path, h)
    r = c.get(path, headers={"Origin": "https://evil.example"})
    assert not any(k.startswith("access-control-") for k in headers_of(r)), path


def test_token_and_discovery_answers_have_no_cors_and_tokens_are_not_cached():
    from oidc_helpers import exchange, get_code

    c = make_app().test_client()
    r = exchange(c, get_code(c), headers={"Origin": "https://evil.example",
                                          **__import__("oidc_helpers").DEMO_AUTH})
    h = headers_of(r)
    assert r.status_code == 200 and "access-control-allow-origin" not in h
    assert h.get("cache-control") == "no-store"


# ------------------------------------------------------------------------- the LHR demo
def test_every_html_page_of_the_lhr_demo_refuses_to_be_framed(lhr):
    from lhr_files import pdf
    from lhr_helpers import file_request, request_id

    pages: dict = {}
    anon = lhr.client()
    pages.update(crawl(anon, ["/", "/privacy", "/me/record", "/nope"], host="localhost", budget=20, lhr=True))
    owner, _ = lhr.login(MALI)
    rid = request_id(file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "พม่า"},
                                  files=[("e.pdf", pdf())]))
    pages.update(crawl(owner, ["/", f"/me/requests/{rid}", "/me/requests/new?section=ABILITY"], host="localhost",
                       budget=60, lhr=True))
    for pid in (SUNEE, SURACHET, NARONG):
        c, _ = lhr.login(pid)
        pages.update(crawl(c, ["/", "/officer/", f"/officer/requests/{rid}", "/dashboard/", "/dashboard/requests"],
                           host="localhost", budget=60, lhr=True))
    token = csrf(owner, "/me/record")
    for what, r in {
        "404": owner.get("/me/requests/nope", headers=HTML),
        "405": owner.delete("/me/record", headers=HTML),
        "400 csrf": owner.post("/me/requests/new", data={"section": "ABILITY"}, headers=HTML),
        "400 form": owner.post("/me/requests/new", data={"csrf_token": token, "section": "ABILITY", "row": "missing",
                                                         "action": "submit"}, headers=HTML),
        "413": owner.post(f"/me/requests/{rid}/attachments", content_type="multipart/form-data", data={
            "csrf_token": token, "evidence": [(io.BytesIO(b"0" * (12 * 1024 * 1024)), "x.pdf")]}),
        "login error": lhr.client().get("/auth/thaid/callback?code=x&state=y", headers=HTML),
    }.items():
        assert r.mimetype == "text/html", (what, r.status_code)
        pages["error " + what] = headers_of(r)
    assert len(pages) >= 30, sorted(pages)
    assert_anti_framing(pages)
