"""The control plane against a web page in the same browser, a DNS-rebinding page and a
stranger on the network: Host allow-list, cross-site refusal, JSON-only control bodies, the
control token (API and pages), and the token `mock-thaid serve` prints when it leaves loopback."""
from __future__ import annotations

import logging
import re
import subprocess
import sys
import time

import pytest
import requests
from conftest import make_app, start_live

NEW = {"pid": "1100000000016", "given_name": "ทดสอบ", "family_name": "ควบคุม"}


def _n_citizens(c, **kw) -> int:
    return len(c.get("/_mock/citizens", **kw).json["citizens"])


# --------------------------------------------------------------------------- Host (DNS rebinding)
def test_a_foreign_host_gets_421_on_every_route_and_nothing_changes(caplog):
    c = make_app().test_client()
    c.post("/_mock/citizens", json=NEW)
    evil = {"Host": "attacker.example:8000"}
    with caplog.at_level(logging.WARNING, logger="mock_thaid"):
        for method, path in (("get", "/_mock/citizens"), ("post", "/_mock/reset"), ("get", "/.well-known/openid-configuration"),
                             ("get", "/api/v2/oauth2/auth/"), ("post", "/_mock/keys/rotate")):
            r = getattr(c, method)(path, headers=evil)
            assert r.status_code == 421, (method, path, r.status_code)
            assert "1100000000016" not in r.get_data(as_text=True)
    assert "refused Host 'attacker.example:8000'" in caplog.text
    assert _n_citizens(c) == 35  # the reset did not happen


def test_loopback_issuer_public_url_and_extra_hosts_are_answered():
    c = make_app(issuer="http://mock.test", public_url="http://192.0.2.10:8000", allowed_hosts="mock, proxy.lan").test_client()
    for host in ("localhost", "127.0.0.1:8000", "[::1]:8000", "mock.test", "192.0.2.10:8000", "mock:8000", "proxy.lan"):
        assert c.get("/healthz", headers={"Host": host}).status_code == 200, host
    assert c.get("/healthz", headers={"Host": "mock.test.evil"}).status_code == 421
    assert make_app(allowed_hosts="*").test_client().get("/healthz", headers={"Host": "any.example"}).status_code == 200


# --------------------------------------------------------------------------- a page in the same browser
@pytest.mark.parametrize("headers", [{"Origin": "http://attacker.example"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}])
def test_cross_site_state_changes_are_refused(headers):
    c = make_app().test_client()
    c.post("/_mock/citizens", json=NEW)
    for path in ("/_mock/reset", "/_mock/keys/rotate", "/_mock/clients/demo-rp/next-decision"):
        r = c.post(path, json={"decision": "deny"}, headers=headers)
        assert r.status_code == 403 and r.json["error"] == "cross_site_refused", path
    assert _n_citizens(c) == 35


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_bodies_a_plain_html_form_can_send_are_refused_by_the_json_api(ctype):
    c = make_app().test_client()
    c.post("/_mock/citizens", json=NEW)
    r = c.post("/_mock/reset", data='{"x": 1}', content_type=ctype)
    assert r.status_code == 415 and r.json["error"] == "json_required"
    assert _n_citizens(c) == 35


def test_same_origin_pages_and_programs_still_work():
    c = make_app(issuer="http://127.0.0.1:8000").test_client()
    assert c.post("/_mock/reset", headers={"Origin": "http://localhost"}).status_code == 200  # Host is localhost
    assert c.post("/_mock/reset", json={}, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert c.post("/_mock/reset").status_code == 200  # curl without a body
    # Chromium on a page with Referrer-Policy: no-referrer: Origin null, but Sec-Fetch-Site same-origin
    assert c.post("/_mock/reset", headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}).status_code == 200


# --------------------------------------------------------------------------- the control token
def test_with_a_token_every_control_call_needs_it():
    c = make_app(control_token="tok-123456").test_client()
    r = c.get("/_mock/citizens")
    assert r.status_code == 401 and r.json["error"] == "control_token_required"
    assert "control token" in r.json["error_description"] and "ต้องใช้ control token" in r.json["message_th"]
    assert c.get("/_mock/citizens", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.post("/_mock/reset", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = {"Authorization": "Bearer tok-123456"}
    assert _n_citizens(c, headers=ok) == 34
    assert c.post("/_mock/citizens", data='{"pid": "1100000000016", "given_name": "a", "family_name": "b"}',
                  content_type="text/plain", headers=ok).json["error"] == "invalid_body"  # past the guard, still JSON
    assert c.get("/_mock/health").status_code == 200 and c.get("/healthz").status_code == 200
    assert c.get("/_mock/openapi.yaml").status_code == 200


def test_with_a_token_people_enter_it_once_on_a_page():
    c = make_app(control_token="tok-123456").test_client()
    r = c.get("/_mock/trainer/", headers={"Accept": "text/html"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/_mock/login?next=/_mock/trainer/")
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "control token" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    bad = c.post("/_mock/login", data={"token": "nope", "next": "/_mock/trainer/", "csrf_token": csrf})
    assert bad.status_code == 401 and "ไม่ถูกต้อง" in bad.get_data(as_text=True)
    good = c.post("/_mock/login", data={"token": "tok-123456", "next": "/_mock/trainer/", "csrf_token": csrf})
    assert good.status_code == 302 and good.headers["Location"] == "/_mock/trainer/"
    assert c.get("/_mock/trainer/").status_code == 200
    assert c.get("/_mock/trainer/progress").status_code == 200  # the page's own polling
    assert c.get("/_mock/inspector/").status_code == 200
    other = make_app(control_token="tok-123456").test_client()  # another browser: no cookie
    assert other.get("/_mock/inspector/", headers={"Accept": "application/json"}).status_code == 401


def test_login_page_only_sends_people_back_into_the_control_pages():
    c = make_app(control_token="t0k").test_client()
    page = c.get("/_mock/login?next=//evil.example/").get_data(as_text=True)
    assert 'value="/_mock/trainer/"' in page


def test_serve_on_the_lan_prints_a_token_and_requires_it():
    proc = subprocess.Popen([sys.executable, "-m", "mock_thaid.cli", "serve", "--host", "0.0.0.0", "--port", "0",
                             "--database-url", "sqlite://", "--pin-kdf-n", "1024"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = ""
        deadline = time.time() + 30
        while "serving" not in out and time.time() < deadline:
            out += proc.stdout.readline()
        token = re.search(r"control token: (\S+)", out).group(1)
        port = re.search(r"on 0\.0\.0\.0:(\d+)", out).group(1)
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert requests.get(url + "/_mock/citizens", timeout=5).status_code == 401
        r = requests.get(url + "/_mock/citizens", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert r.status_code == 200 and len(r.json()["citizens"]) == 34
    finally:
        proc.terminate()
        proc.wait(10)


def test_loopback_serve_prints_no_token_and_needs_none():
    live = start_live()
    try:
        assert requests.get(live.url + "/_mock/citizens", timeout=5).status_code == 200
    finally:
        live.close()
