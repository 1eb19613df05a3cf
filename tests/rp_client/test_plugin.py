"""The pytest plugin's ``thaid_mock`` fixture (a mock_thaid subprocess), and the README's
example app run as is against it."""
from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path

import httpx
import pytest
from flask import Flask, jsonify

from rp_client.flask_ext import ThaiDLogin, current_identity, login_required
from rp_testkit import DEMO_PID, LHR

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
NEW_PID = "3100600445635"
CALLBACK = "http://127.0.0.1:5001/auth/thaid/callback"
SOMYING = {"pid": NEW_PID, "title": "นางสาว", "title_en": "Miss", "given_name": "สมหญิง", "family_name": "ทดลอง",
           "given_name_en": "Somying", "family_name_en": "Todlong", "birthdate": "1992-02-29"}


def flask_rp(config) -> Flask:
    app = Flask("plugin_rp")
    app.secret_key = "plugin-test"
    ThaiDLogin(app, config=config)

    @app.get("/me")
    @login_required
    def me():
        who = current_identity()
        return jsonify(pid=who.pid, name=who.name, birthdate=who.birthdate.isoformat() if who.birthdate else None,
                       title=who.title)

    return app


def test_fixture_adds_a_citizen_and_a_client_and_logs_in(thaid_mock):
    assert thaid_mock.url.startswith("http://127.0.0.1:")
    thaid_mock.add_citizen(**SOMYING)
    created = thaid_mock.add_client("plugin-rp", [CALLBACK], scopes=["openid", "pid", "name", "birthdate"])
    config = thaid_mock.config("plugin-rp", created["client_secret"], CALLBACK, scopes="openid pid name birthdate")
    browser = flask_rp(config).test_client()
    r = thaid_mock.login_as(browser, NEW_PID, next="/me")
    assert r.status_code == 302 and r.headers["Location"] == "/me"
    assert browser.get("/me").json == {"pid": NEW_PID, "name": "นางสาว สมหญิง ทดลอง", "birthdate": "1992-02-29",
                                       "title": None}  # no title scope


def test_fail_next_login(thaid_mock):
    config = thaid_mock.config(**LHR)
    browser = flask_rp(config).test_client()
    thaid_mock.fail_next_login("lhr-demo", "deny")
    r = thaid_mock.login_as(browser, DEMO_PID)
    assert r.status_code == 400 and "user_denied" in r.text
    assert thaid_mock.login_as(browser, DEMO_PID).status_code == 302  # only the next one failed


@pytest.mark.thaid_settings(profile="oidc", claim_naming="camel")
@pytest.mark.thaid_citizens(SOMYING)
@pytest.mark.thaid_clients({"client_id": "marked-rp", "client_secret": "marked-rp-secret-TEST-ONLY",
                            "redirect_uris": [CALLBACK], "scopes": ["openid", "pid", "name", "title", "birthdate"]})
def test_markers_configure_the_mock(thaid_mock):
    assert httpx.get(thaid_mock.url + "/_mock/health").json()["profile"] == "oidc"
    config = thaid_mock.config("marked-rp", "marked-rp-secret-TEST-ONLY", CALLBACK,
                               scopes="openid pid name title birthdate")
    browser = flask_rp(config).test_client()
    assert thaid_mock.login_as(browser, NEW_PID, next="/me").status_code == 302
    assert browser.get("/me").json["title"] == "นางสาว"  # sent as titleTh by this mock


class TestFixtureOverride:
    @pytest.fixture
    def thaid_mock_clients(self):
        return [{"client_id": "fixture-rp", "redirect_uris": [CALLBACK], "client_secret": "fixture-rp-secret"}]

    def test_fixture_overrides_and_reset(self, thaid_mock):
        assert thaid_mock.http.get("/_mock/clients/fixture-rp").status_code == 200
        thaid_mock.reset()
        assert thaid_mock.http.get("/_mock/clients/fixture-rp").status_code == 404


def test_readme_example_end_to_end(thaid_mock, monkeypatch):
    for name, value in {"THAID_ISSUER": thaid_mock.url, "THAID_CLIENT_ID": LHR["client_id"],
                        "THAID_CLIENT_SECRET": LHR["client_secret"], "THAID_REDIRECT_URI": LHR["redirect_uri"],
                        "THAID_SCOPES": "openid pid name name_en birthdate",
                        "FLASK_SECRET_KEY": "readme-test-secret"}.items():
        monkeypatch.setenv(name, value)
    app = runpy.run_path(str(ROOT / "examples" / "rp_client_flask_app.py"), run_name="readme_example")["app"]
    browser = app.test_client()
    assert "Sign in with ThaiD" in browser.get("/").text
    assert browser.get("/me").status_code == 302  # login_required

    r = thaid_mock.login_as(browser, DEMO_PID, next="/me")
    assert r.status_code == 302 and r.headers["Location"] == "/me"
    page = browser.get("/me").text
    assert "สวัสดี นาย ทดสอบ ระบบ" in page and "Hello Mr. Test System, born 1990-01-01" in page
    assert browser.get("/").status_code == 302

    assert browser.post("/auth/thaid/logout", headers={"Origin": "http://localhost"}).status_code == 302
    assert browser.get("/me").status_code == 302
    assert dt.date.today()  # the example needs no other state


@pytest.mark.thaid_settings(control_token="plugin-token-TEST")
def test_a_mock_with_a_control_token_is_driven_with_it(thaid_mock):
    import httpx

    assert httpx.get(thaid_mock.url + "/_mock/citizens").status_code == 401  # the token is required
    added = thaid_mock.add_citizen(pid="1100000000016", given_name="โทเคน", family_name="ทดสอบ")
    assert added["pid"] == "1100000000016"  # the fixture sent it
