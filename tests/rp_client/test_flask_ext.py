"""The Flask integration against the in-process mock (the RP's ThaiDClient talks WSGI)."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import make_app
from flask import Flask, jsonify

import rp_client as rp
from rp_client.flask_ext import ThaiDLogin, current_identity, current_tokens, login_required, safe_next
from rp_testkit import DEMO_PID, LHR, mock_config, wsgi_http

SAME_ORIGIN = {"Origin": "http://localhost"}


class RP:
    """A small Flask RP, its test client (the browser) and the mock behind it."""

    def __init__(self, clock, **ext):
        self.mock = make_app()
        self.http = wsgi_http(self.mock)
        self.client = rp.ThaiDClient(mock_config(rp=LHR, scopes="openid pid name birthdate"), http=self.http,
                                     clock=clock)
        self.app = Flask("rp_test")
        self.app.secret_key = "rp-test-secret"
        self.thaid = ThaiDLogin(self.app, client=self.client, **ext)

        @self.app.get("/")
        def home():
            who = current_identity()
            return "anonymous" if who is None else f"home {who.pid}"

        @self.app.get("/private")
        @login_required
        def private():
            return f"private {current_identity().pid} {current_identity().birthdate}"

        @self.app.get("/access-token")
        @login_required
        def access_token():
            return current_tokens().access_token

        self.browser = self.app.test_client()

    def to_provider(self, next="/private"):
        r = self.browser.get("/auth/thaid/login", query_string={"next": next})
        assert r.status_code == 302
        return r.headers["Location"]

    def provider_answer(self, authorize_url, pid=DEMO_PID):
        answer = self.http.get(authorize_url, headers={"X-Mock-Persona": pid} if pid else {})
        assert answer.status_code == 302, answer.text
        back = urlsplit(answer.headers["Location"])
        return back.path, dict(parse_qsl(back.query))

    def callback(self, path, query, browser=None):
        return (browser or self.browser).get(path, query_string=query)

    def login(self, next="/private"):
        return self.callback(*self.provider_answer(self.to_provider(next)))

    def box(self, browser=None):
        with (browser or self.browser).session_transaction() as sess:
            return dict(sess.get("thaid") or {})


@pytest.fixture
def site(clock):
    return RP(clock)


def test_login_callback_and_logout(site):
    assert site.browser.get("/").text == "anonymous"
    authorize = site.to_provider("/private")
    assert authorize.startswith("http://mock.test/api/v2/oauth2/auth/?")
    pending = site.box()["pending"]
    assert len(pending) == 1
    (state, saved), = pending.items()
    assert {"state", "nonce", "code_verifier", "created_at", "next"} <= set(saved)
    assert saved["next"] == "/private" and saved["state"] == state

    r = site.callback(*site.provider_answer(authorize))
    assert r.status_code == 302 and r.headers["Location"] == "/private"
    assert site.browser.get("/private").text == f"private {DEMO_PID} 1990-01-01"
    box = site.box()
    assert box["pending"] == {} and box["user"]["pid"] == DEMO_PID
    access_token = site.browser.get("/access-token").text
    assert site.client.introspect(access_token)["active"] is True

    assert site.browser.post("/auth/thaid/logout").status_code == 403  # no Origin/Referer: refused
    assert site.browser.get("/").text == f"home {DEMO_PID}"
    r = site.browser.post("/auth/thaid/logout", headers=SAME_ORIGIN)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert site.browser.get("/").text == "anonymous"
    assert site.client.introspect(access_token)["active"] is False  # revoked at logout


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},  # with no Fetch Metadata nothing vouches for a null origin
    {"Referer": "https://evil.example/page"},
    {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # an attacker's sandboxed iframe
    {"Origin": "http://sub.localhost", "Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},  # contradictory: refused
])
def test_logout_refuses_cross_origin_posts(site, headers):
    site.login()
    access_token = site.browser.get("/access-token").text
    r = site.browser.post("/auth/thaid/logout", headers=headers)
    assert r.status_code == 403 and "logout_not_same_origin" in r.text
    assert site.browser.get("/").text == f"home {DEMO_PID}"
    assert site.client.introspect(access_token)["active"] is True  # nothing revoked either


def test_logout_from_a_no_referrer_page_works(clock):
    """Chromium on a page with Referrer-Policy: no-referrer posts Origin: null and no Referer,
    but Sec-Fetch-Site: same-origin (a header no page can forge): that is our own form."""
    seen = []
    site = RP(clock, on_logout=lambda identity, report: seen.append((identity.pid, report)))
    site.login()
    tokens = site.box()["tokens"]
    r = site.browser.post("/auth/thaid/logout", headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
                          data={"next": "/bye"})
    assert r.status_code == 302 and r.headers["Location"] == "/bye"
    assert site.browser.get("/").text == "anonymous"
    (pid, report), = seen
    assert pid == DEMO_PID and report.revoked == ("refresh", "access") and report.outcome == "all"
    assert report.to_dict() == {"revoke": "all", "revoked": ["access", "refresh"]}
    for name in ("access_token", "refresh_token"):
        assert site.client.introspect(tokens[name])["active"] is False


def test_a_failing_revoke_is_reported_and_the_session_ends_all_the_same(clock, caplog):
    seen = []
    site = RP(clock, on_logout=lambda identity, report: seen.append(report))
    site.login()
    access_token = site.browser.get("/access-token").text
    r = site.http.post("http://mock.test/_mock/faults", json={"name": "revoke_error", "count": 1,
                                                             "client_id": "lhr-demo"})
    assert r.status_code == 201, r.text
    r = site.browser.post("/auth/thaid/logout", headers={"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 302 and site.browser.get("/").text == "anonymous"
    report, = seen
    assert report.revoked == ("access",) and dict(report.failed) == {"refresh": "provider_error"}
    assert report.outcome == "partial" and not report.complete
    assert site.client.introspect(access_token)["active"] is False
    assert "refresh token was not revoked (provider_error)" in caplog.text


def test_an_unreachable_provider_is_tried_once_at_logout(clock):
    import httpx

    seen, calls = [], []
    site = RP(clock, on_logout=lambda identity, report: seen.append(report))
    site.login()
    working = site.client._http.client

    def down(request):
        calls.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)
    site.client._http.client = httpx.Client(transport=httpx.MockTransport(down))
    try:
        assert site.browser.post("/auth/thaid/logout", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 302
    finally:
        site.client._http.client = working
    assert site.browser.get("/").text == "anonymous"
    report, = seen
    assert calls == ["/api/v2/oauth2/revoke/"]  # one timeout is enough
    assert report.outcome == "failed" and dict(report.failed) == {"refresh": "network_error", "access": "network_error"}


@pytest.mark.parametrize("headers,ok,reason", [
    ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, True, "sec_fetch_site"),
    ({"Sec-Fetch-Site": "same-origin"}, True, "sec_fetch_site"),
    ({"Sec-Fetch-Site": "same-origin", "Origin": "http://LOCALHOST"}, True, "sec_fetch_site"),
    ({"Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example"}, False, "origin_contradicts_sec_fetch_site"),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, False, "sec_fetch_site_cross_site"),
    ({"Sec-Fetch-Site": "same-site"}, False, "sec_fetch_site_same_site"),
    ({"Sec-Fetch-Site": ""}, False, "sec_fetch_site_empty"),
    ({"Origin": "http://localhost"}, True, "origin"),
    ({"Origin": "null"}, False, "origin_null"),
    ({"Origin": "http://localhost:8080"}, False, "origin_mismatch"),
    ({"Referer": "http://localhost/me?x=1"}, True, "referer"),
    ({"Referer": "http://localhost.evil.example/"}, False, "referer_mismatch"),
    ({}, False, "no_origin_evidence"),
])
def test_the_same_origin_judge(headers, ok, reason):
    verdict = rp.judge_same_origin(headers, "http://localhost")
    assert (bool(verdict), verdict.reason) == (ok, reason)


def test_logout_accepts_a_same_origin_referer(site):
    site.login()
    r = site.browser.post("/auth/thaid/logout", headers={"Referer": "http://localhost/private"},
                          data={"next": "/bye"})
    assert r.headers["Location"] == "/bye"
    assert site.browser.get("/").text == "anonymous"


def test_state_is_single_use(site):
    path, query = site.provider_answer(site.to_provider())
    assert site.callback(path, query).status_code == 302
    again = site.callback(path, query)
    assert again.status_code == 400 and "state_unknown" in again.text


def test_state_is_bound_to_the_session(site):
    path, query = site.provider_answer(site.to_provider())
    other_browser = site.app.test_client()
    r = site.callback(path, query, browser=other_browser)
    assert r.status_code == 400 and "state_unknown" in r.text
    assert site.callback(path, query).status_code == 302  # the right session still can


def test_pending_login_expires_after_ten_minutes(site, clock):
    path, query = site.provider_answer(site.to_provider())
    clock.advance(601)
    r = site.callback(path, query)
    assert r.status_code == 400 and "state_expired" in r.text
    assert site.box()["pending"] == {}


def test_callback_without_state(site):
    r = site.browser.get("/auth/thaid/callback", query_string={"code": "abc"})
    assert r.status_code == 400 and "state_missing" in r.text


def test_user_denied_shows_the_bilingual_error_page(site):
    authorize = site.to_provider()
    site.http.post("http://mock.test/_mock/clients/lhr-demo/next-decision", json={"decision": "deny"})
    r = site.callback(*site.provider_answer(authorize, pid=None))
    assert r.status_code == 400
    assert "user_denied" in r.text and "คุณไม่ได้ยืนยัน" in r.text and "did not confirm" in r.text
    assert r.headers["Content-Type"].startswith("text/html")
    assert site.box()["pending"] == {}  # the denied login's state is gone too


def test_login_required_sends_to_login_with_next(site):
    r = site.browser.get("/private?tab=2")
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert location.path == "/auth/thaid/login" and dict(parse_qsl(location.query)) == {"next": "/private?tab=2"}
    assert site.login("/private?tab=2").headers["Location"] == "/private?tab=2"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_next_never_leaves_the_site(site, target):
    assert safe_next(target) is None
    assert site.login(target).headers["Location"] == "/"


def test_hooks(clock):
    seen = {}

    def on_login(identity, tokens):
        seen["login"] = (identity.pid, tokens.sub)
        return jsonify(welcome=identity.pid)

    def on_error(exc):
        return jsonify(code=exc.code, data=exc.data), 418

    site = RP(clock, on_login=on_login, on_error=on_error)
    assert site.login().json == {"welcome": DEMO_PID}
    assert seen["login"] == (DEMO_PID, DEMO_PID)
    r = site.browser.get("/auth/thaid/callback", query_string={"error": "user_denied", "state": "s"})
    assert r.status_code == 418 and r.json["code"] == "user_denied" and r.json["data"]["error"] == "user_denied"


def test_on_login_may_return_none(clock):
    calls = []
    site = RP(clock, on_login=lambda identity, tokens: calls.append(identity.pid))
    assert site.login("/private").headers["Location"] == "/private" and calls == [DEMO_PID]


def test_pending_logins_per_session_are_bounded(site):
    for _ in range(8):
        site.to_provider()
    assert len(site.box()["pending"]) == 5


def test_init_app_factory_style(clock):
    site = RP(clock)
    ext = ThaiDLogin(client=site.client, url_prefix="/sso", session_key="who", blueprint_name="sso")
    app = Flask("factory")
    app.secret_key = "x"
    ext.init_app(app)
    r = app.test_client().get("/sso/login")
    assert r.status_code == 302 and r.headers["Location"].startswith("http://mock.test/")


def test_on_login_hook_can_refuse_and_nothing_stays_in_the_session():
    """A hook that raises LoginRefused leaves no identity or tokens behind (403 page)."""
    import httpx
    from flask import Flask

    from conftest import DEMO_PID, make_app
    from rp_client import LoginRefused, ThaiDClient, ThaiDConfig
    from rp_client.flask_ext import ThaiDLogin, current_identity

    mock = make_app()
    cfg = ThaiDConfig(issuer="http://mock.test", client_id="demo-rp", client_secret="demo-rp-secret-TEST-ONLY",
                      redirect_uri="http://127.0.0.1:8080/callback")
    http = httpx.Client(transport=httpx.WSGITransport(app=mock))
    app = Flask(__name__)
    app.secret_key = "t"

    def refuse(identity, tokens):
        raise LoginRefused("not staff", reason="no personnel record")

    ThaiDLogin(app, client=ThaiDClient(cfg, http=http), on_login=refuse)

    @app.get("/who")
    def who():
        person = current_identity()
        return person.pid if person else "nobody"

    browser = app.test_client()
    start = browser.get("/auth/thaid/login")
    r = http.get(start.headers["Location"], headers={"X-Mock-Persona": DEMO_PID})
    cb = browser.get("/auth/thaid/callback?" + r.headers["Location"].split("?", 1)[1])
    assert cb.status_code == 403 and "login_refused" in cb.get_data(as_text=True)
    assert browser.get("/who").get_data(as_text=True) == "nobody"
