"""Faithful where ThaiD is lenient (profile thaid), strict by the RFCs where asked (profile oidc):
PKCE, the API key, the refresh error, the response_type error, the QR page navigation, RFC 9207
`iss`, the token request's redirect_uri, and RP-initiated logout."""
from __future__ import annotations

import base64
import hashlib

import pytest
from conftest import DEMO_PID, DEMO_RP, make_app
from oidc_helpers import auth_url, exchange, get_code, query

DEMO_AUTH = {"Authorization": "Basic " + base64.b64encode(
    f"{DEMO_RP['client_id']}:{DEMO_RP['client_secret']}".encode()).decode()}
VERIFIER = "v" * 50
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


def _explanations(c) -> list[str | None]:
    return [e["explanation"] for e in c.get("/_mock/events").json["events"] if e["endpoint"] == "token"]


@pytest.mark.parametrize("verifier", [None, "x" * 50])
def test_thaid_profile_ignores_a_missing_or_wrong_verifier_and_the_inspector_warns(verifier):
    c = make_app().test_client()
    code = get_code(c, code_challenge=CHALLENGE, code_challenge_method="S256")
    form = {"code_verifier": verifier} if verifier else {}
    r = exchange(c, code, **form)
    assert r.status_code == 200 and r.json["id_token"]
    assert _explanations(c)[0].startswith("ThaiD accepted this; a strict provider would refuse it")


@pytest.mark.parametrize("overrides", [{"pkce": "verify-when-sent"}, {"pkce": "require"}, {"profile": "oidc"}])
def test_strict_settings_refuse_a_wrong_verifier(overrides):
    c = make_app(**overrides).test_client()
    code = get_code(c, code_challenge=CHALLENGE, code_challenge_method="S256")
    r = exchange(c, code, code_verifier="x" * 50)
    assert r.status_code == 400
    assert r.json["error"] == ("invalid_grant" if overrides.get("profile") == "oidc" else "invalid_request")
    code = get_code(c, code_challenge=CHALLENGE, code_challenge_method="S256")
    assert exchange(c, code, code_verifier=VERIFIER).status_code == 200


def test_pkce_require_refuses_an_authorize_without_a_challenge():
    c = make_app(pkce="require").test_client()
    r = c.get(auth_url(), headers={"X-Mock-Persona": DEMO_PID})
    assert query(r.headers["Location"])["error"] == "invalid_request"


def test_oidc_profile_refuses_a_pkce_downgrade_but_thaid_warns():
    strict = make_app(profile="oidc").test_client()
    r = exchange(strict, get_code(strict), code_verifier=VERIFIER)
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"
    lenient = make_app().test_client()
    assert exchange(lenient, get_code(lenient), code_verifier=VERIFIER).status_code == 200
    assert "PKCE downgrade" in _explanations(lenient)[0]


def test_oidc_profile_requires_the_redirect_uri_at_the_token_endpoint():
    c = make_app(profile="oidc").test_client()
    code = get_code(c)
    r = c.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": code}, headers=DEMO_AUTH)
    assert r.status_code == 400 and r.json["error"] == "invalid_grant"
    thaid = make_app().test_client()
    r = thaid.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": get_code(thaid)},
                   headers=DEMO_AUTH)
    assert r.status_code == 200  # ThaiD does not insist


def test_api_key_is_ignored_unless_required_and_refused_when_wrong_in_oidc():
    c = make_app().test_client()
    assert exchange(c, get_code(c), headers={**DEMO_AUTH, "x-imauth-apikey": "the-real-dopa-key"}).status_code == 200
    assert "x-imauth-apikey sent does not match" in _explanations(c)[0]
    strict = make_app(profile="oidc").test_client()
    r = exchange(strict, get_code(strict), headers={**DEMO_AUTH, "x-imauth-apikey": "stale"})
    assert r.status_code == 401


def test_refresh_error_code_is_a_setting_and_a_fault():
    bad = {"grant_type": "refresh_token", "refresh_token": "nope"}
    assert make_app().test_client().post("/api/v2/oauth2/token/", data=bad, headers=DEMO_AUTH).json["error"] \
        == "invalid_refresh_token"
    c = make_app(refresh_error="invalid_token").test_client()
    assert c.post("/api/v2/oauth2/token/", data=bad, headers=DEMO_AUTH).json["error"] == "invalid_token"
    f = make_app().test_client()
    good = exchange(f, get_code(f)).json
    f.post("/_mock/faults", json={"name": "token_invalid_token", "count": 1})
    r = f.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token", "refresh_token": good["refresh_token"]},
               headers=DEMO_AUTH)
    assert r.status_code == 401 and r.json["error"] == "invalid_token"


def test_by_default_authorize_answers_302_to_a_separate_qr_page():
    c = make_app(qr_page="redirect").test_client()
    r = c.get(auth_url(), headers={"Accept": "text/html"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/")
    page = c.get(r.headers["Location"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'id="app-link"' in page.get_data(as_text=True)
    assert make_app(qr_page="inline").test_client().get(auth_url()).status_code == 200


def test_oidc_profile_sends_iss_on_the_authorization_response_and_thaid_does_not():
    oidc = make_app(profile="oidc").test_client()
    r = oidc.get(auth_url(), headers={"X-Mock-Persona": DEMO_PID})
    assert query(r.headers["Location"])["iss"] == "http://mock.test"
    assert oidc.get("/.well-known/openid-configuration").json["authorization_response_iss_parameter_supported"]
    thaid = make_app().test_client()
    assert "iss" not in query(thaid.get(auth_url(), headers={"X-Mock-Persona": DEMO_PID}).headers["Location"])


def test_oidc_rp_initiated_logout_ends_the_tokens_and_goes_back():
    c = make_app(profile="oidc").test_client()
    doc = c.get("/.well-known/openid-configuration").json
    assert doc["end_session_endpoint"] == "http://mock.test/api/v2/oauth2/logout/"
    tokens = exchange(c, get_code(c)).json
    r = c.get("/api/v2/oauth2/logout/", query_string={"id_token_hint": tokens["id_token"], "state": "bye",
                                                     "post_logout_redirect_uri": DEMO_RP["redirect_uri"]})
    assert r.status_code == 302 and r.headers["Location"] == DEMO_RP["redirect_uri"] + "?state=bye"
    intro = c.post("/api/v2/oauth2/introspect/", data={"token": tokens["access_token"]}, headers=DEMO_AUTH).json
    assert intro["active"] is False
    bad = c.get("/api/v2/oauth2/logout/", query_string={"id_token_hint": tokens["id_token"],
                                                       "post_logout_redirect_uri": "https://evil.example/"})
    assert bad.status_code == 400
    assert make_app().test_client().get("/api/v2/oauth2/logout/").status_code == 404  # thaid: none


def test_the_inspector_says_a_secret_is_missing_not_wrong():
    c = make_app().test_client()
    r = c.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": "x", "client_id": "demo-rp"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized_client"
    explanation = c.get("/_mock/events").json["events"][0]["explanation"]
    assert "without a client_secret" in explanation and "does not match" not in explanation
