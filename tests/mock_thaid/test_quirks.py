"""The quirks of thaid-api.md §11 and the remaining rows of the §4 error table, one test each."""
from __future__ import annotations

import pytest
from conftest import DEMO_PID, make_app
from oidc_helpers import DEMO_AUTH, auth_url, exchange, get_code, query


def test_discovery_as_thaid_publishes_it(client):
    doc = client.get("/.well-known/openid-configuration").json
    assert doc["issuer"] == "http://mock.test"
    assert doc["subject_type_supported"] == ["public"]  # quirk 10, sic
    assert doc["subject_types_supported"] == ["public"]
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert doc["jwks_uri"] == "http://mock.test/jwks/"
    assert doc["authorization_endpoint"] == "http://mock.test/api/v2/oauth2/auth/"
    assert "code_challenge_methods_supported" not in doc  # quirk 8
    assert {"pid", "name", "openid", "smartcard_code"} <= set(doc["scopes_supported"])
    assert "email" not in doc["scopes_supported"] and "profile" not in doc["scopes_supported"]


@pytest.mark.parametrize("path", ["/jwks/", "/jwks", "/.well-known/openid-configuration",
                                  "/.well-known/openid-configuration/"])
def test_paths_with_and_without_trailing_slash(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/v2/oauth2/token/", "/api/v2/oauth2/token", "/api/v2/oauth2/introspect/",
                                  "/api/v2/oauth2/introspect", "/api/v2/oauth2/revoke/", "/api/v2/oauth2/revoke"])
def test_post_endpoints_answer_on_both_spellings(client, path):
    r = client.post(path, data={}, headers=DEMO_AUTH)
    assert r.status_code == 400 and r.is_json  # reached the endpoint, not a 404/308


def test_jwks_has_es256_p256_keys_with_kid(client):
    keys = client.get("/jwks/").json["keys"]
    assert keys and all(k["kty"] == "EC" and k["crv"] == "P-256" and k["kid"] and k["alg"] == "ES256" for k in keys)
    assert all("d" not in k for k in keys)


def test_sub_is_the_pid(client):  # quirk 7
    import jwt

    body = exchange(client, get_code(client, scope="openid pid")).json
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["sub"] == claims["pid"] == DEMO_PID


@pytest.mark.parametrize("form", [lambda t: {"token": f"Bearer {t}"}, lambda t: {"token": t}])
def test_introspect_accepts_bearer_prefix_and_bare_token(client, form):  # quirk 4
    tokens = exchange(client, get_code(client, scope="pid name")).json
    r = client.post("/api/v2/oauth2/introspect/", data=form(tokens["access_token"]), headers=DEMO_AUTH)
    assert r.status_code == 200
    assert r.json["active"] is True and r.json["sub"] == DEMO_PID and r.json["scope"] == "pid name"


@pytest.mark.parametrize("prefix", ["Bearer ", ""])
def test_revoke_accepts_both_forms(client, prefix):
    tokens = exchange(client, get_code(client)).json
    r = client.post("/api/v2/oauth2/revoke/", data={"token": prefix + tokens["access_token"]}, headers=DEMO_AUTH)
    assert r.json == {"status": "OK", "message": "revoked"}
    r = client.post("/api/v2/oauth2/introspect/", data={"token": tokens["access_token"]}, headers=DEMO_AUTH)
    assert r.json["active"] is False


def test_introspect_bad_body(client):
    r = client.post("/api/v2/oauth2/introspect/", data={}, headers=DEMO_AUTH)
    assert (r.status_code, r.json["error"], r.json["error_description"]) == (400, "invalid_request", "The body is invalid")


def test_unsupported_token_hint(client):
    r = client.post("/api/v2/oauth2/introspect/", data={"token": "x", "token_type_hint": "id_token"}, headers=DEMO_AUTH)
    assert (r.status_code, r.json["error"]) == (400, "unsupported_token_hint")


def test_userinfo_with_bearer(client):
    tokens = exchange(client, get_code(client, scope="openid pid name_en")).json
    r = client.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert r.json == {"sub": DEMO_PID, "pid": DEMO_PID, "name_en": "Mr. Test System"}
    r = client.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers
    assert client.get("/api/v2/oauth2/userinfo").status_code == 401


def test_user_denied_row(client, mock_app):
    client.post("/_mock/clients/demo-rp/next-decision", json={"decision": "deny"})
    r = client.get(auth_url())
    q = query(r.headers["Location"])
    assert q == {"error": "user_denied", "error_description": "User denied the request (disapproved)", "state": "st-1"}


def test_access_denied_row(client):
    r = client.get(auth_url(), headers={"X-Mock-Persona": "1234567890123"})
    assert (r.status_code, r.json["error"], r.json["error_description"]) == (401, "access_denied", "You're not allowed")


def test_duplicate_request_row():
    c = make_app(reject_duplicate_state=True).test_client()
    get_code(c, state="once")
    r = c.get(auth_url(state="once"), headers={"X-Mock-Persona": DEMO_PID})
    assert (r.status_code, r.json["error"]) == (400, "duplicate_request")
    assert r.json["error_description"] == "The duplicate request is not allowed"


def test_server_error_row(client, monkeypatch):
    from mock_thaid.store import grants

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(grants, "consume_code", boom)
    r = exchange(client, "A" * 32)
    assert (r.status_code, r.json["error"]) == (400, "server_error")
    assert r.json["error_description"] == "Something went wrong, please try again in the moment"
    assert "disk on fire" not in r.get_data(as_text=True)


def test_refresh_token_in_every_response(client):  # quirk 11: we include it
    assert "refresh_token" in exchange(client, get_code(client)).json


def test_headless_login_needs_no_browser_and_is_not_blocked(client):  # quirk 9 (the mock must not block)
    r = client.get(auth_url(), headers={"User-Agent": "HeadlessChrome/120", "X-Mock-Persona": DEMO_PID})
    assert r.status_code == 302
