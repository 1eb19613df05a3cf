"""Token endpoint: both response shapes, the §4 error table, single-use codes, PKCE, refresh."""
from __future__ import annotations

import base64
import hashlib
import time

import jwt
import pytest
from conftest import DEMO_PID, DEMO_RP, make_app
from oidc_helpers import DEMO_AUTH, basic, exchange, get_code

from mock_thaid.keys import KeyRing


def _verify(app, id_token: str, **kw) -> dict:
    ring: KeyRing = app.extensions["mock_thaid"].keys
    header = jwt.get_unverified_header(id_token)
    key = next(k for k in ring.keys if k.kid == header["kid"])
    return jwt.decode(id_token, key.private.public_key(), algorithms=["ES256"], audience=DEMO_RP["client_id"],
                      issuer="http://mock.test", **kw)


def test_openid_scope_gives_id_token_instead_of_flat_claims(client, mock_app):
    r = exchange(client, get_code(client, scope="openid pid name", nonce="n-1"))
    assert r.status_code == 200
    body = r.json
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "scope", "id_token"}
    assert body["token_type"] == "Bearer" and body["scope"] == "openid pid name"
    claims = _verify(mock_app, body["id_token"])
    assert claims["sub"] == claims["pid"] == DEMO_PID
    assert claims["name"] == "นาย ทดสอบ ระบบ"
    assert claims["nonce"] == "n-1" and claims["version"] == 2
    assert claims["exp"] - claims["iat"] == 900 and claims["auth_time"] <= claims["iat"]
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert jwt.get_unverified_header(body["id_token"])["alg"] == "ES256"


def test_without_openid_the_claims_come_back_flat(client):
    body = exchange(client, get_code(client, scope="pid name name_en birthdate address")).json
    assert "id_token" not in body
    assert body["pid"] == DEMO_PID and body["name"] == "นาย ทดสอบ ระบบ"
    assert body["name_en"] == "Mr. Test System"
    assert isinstance(body["address"], dict) and body["address"]["formatted"]


def test_expires_in_is_an_absolute_epoch(client):
    before = int(time.time())
    body = exchange(client, get_code(client)).json
    assert before + 900 <= body["expires_in"] <= int(time.time()) + 900
    assert "expire_in" not in body


@pytest.mark.parametrize("field,expected", [("expire_in", {"expire_in"}), ("both", {"expire_in", "expires_in"})])
def test_expire_in_setting(field, expected):
    c = make_app(expires_in_field=field).test_client()
    body = exchange(c, get_code(c)).json
    assert expected <= set(body) and ({"expire_in", "expires_in"} - expected).isdisjoint(body)


def test_no_nonce_claim_when_none_was_sent(client, mock_app):
    claims = _verify(mock_app, exchange(client, get_code(client)).json["id_token"])
    assert "nonce" not in claims


def test_client_secret_post_works(client):
    code = get_code(client)
    r = client.post("/api/v2/oauth2/token/", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": DEMO_RP["redirect_uri"],
        "client_id": DEMO_RP["client_id"], "client_secret": DEMO_RP["client_secret"]})
    assert r.status_code == 200 and "id_token" in r.json


def _err(r):
    return r.status_code, r.json["error"], r.json["error_description"]


def test_reused_code_is_invalid_request_and_revokes_its_tokens(client):
    code = get_code(client)
    first = exchange(client, code).json
    assert _err(exchange(client, code)) == (400, "invalid_request", "Invalid Authorization Code")
    r = client.post("/api/v2/oauth2/introspect/", data={"token": first["access_token"]}, headers=DEMO_AUTH)
    assert r.json == {"active": False}
    r = client.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token",
                    "refresh_token": first["refresh_token"]}, headers=DEMO_AUTH)
    assert r.json["error"] == "invalid_refresh_token"


def test_unknown_code(client):
    assert _err(exchange(client, "A" * 32)) == (400, "invalid_request", "Invalid Authorization Code")


def test_expired_code(client, mock_app):
    code = get_code(client)
    mock_app.extensions["mock_thaid"].clock.advance(301)
    assert _err(exchange(client, code))[1:] == ("invalid_request", "Invalid Authorization Code")


def test_code_of_another_client(client):
    code = get_code(client)
    r = exchange(client, code, headers=basic("sandbox-rp", "sandbox-rp-secret-TEST-ONLY"),
                 redirect_uri="http://127.0.0.1:8080/callback")
    assert _err(r)[1:] == ("invalid_request", "Invalid Authorization Code")


def test_missing_code_parameter(client):
    r = client.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code"}, headers=DEMO_AUTH)
    assert _err(r) == (400, "invalid_request", "The require parameter is missing or invalid")


def test_redirect_uri_mismatch_at_token(client):
    r = exchange(client, get_code(client), redirect_uri="http://127.0.0.1:8080/other")
    assert _err(r) == (400, "invalid_request", "The redirect or callback url mismatch or invalid")


def test_unsupported_grant_type(client):
    r = client.post("/api/v2/oauth2/token/", data={"grant_type": "password"}, headers=DEMO_AUTH)
    assert _err(r) == (400, "unsupported_grant_type", "Unsupported grant type")


def test_unknown_client_at_token(client):
    r = exchange(client, "x", headers=basic("nobody", "x"))
    assert _err(r) == (401, "invalid_client", "Client id not found")


def test_wrong_secret_and_no_authentication(client):
    assert _err(exchange(client, "x", headers=basic(DEMO_RP["client_id"], "wrong"))) == (
        401, "unauthorized_client", "The client is not authorized")
    r = client.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": "x"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized_client"
    assert "without client authentication" in r.json["mock_detail"]


def test_malformed_basic_header(client):
    r = client.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": "x"},
                    headers={"Authorization": "Basic %%%not-base64"})
    assert r.status_code == 401


def test_api_key_accepted_checked_and_required():
    from oidc_helpers import auth_url, query

    c = make_app().test_client()
    good = {**basic("strict-rp", "strict-rp-secret-TEST-ONLY"), "x-imauth-apikey": "strict-rp-apikey-TEST-ONLY"}
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()

    def code():
        r = c.get(auth_url(client_id="strict-rp", code_challenge=challenge, code_challenge_method="S256"),
                  headers={"X-Mock-Persona": DEMO_PID})
        return query(r.headers["Location"])["code"]

    no_key = basic("strict-rp", "strict-rp-secret-TEST-ONLY")
    assert exchange(c, code(), headers=no_key, code_verifier=verifier).json["error"] == "unauthorized_client"
    wrong = {**no_key, "x-imauth-apikey": "nope"}
    assert exchange(c, code(), headers=wrong, code_verifier=verifier).json["error"] == "unauthorized_client"
    assert exchange(c, code(), headers=good, code_verifier=verifier).status_code == 200
    # demo-rp does not require the key: ThaiD ignores it, a wrong or stale one included (§8)
    assert exchange(c, get_code(c), headers={**DEMO_AUTH, "x-imauth-apikey": "demo-rp-apikey-TEST-ONLY"}).status_code == 200
    assert exchange(c, get_code(c), headers={**DEMO_AUTH, "x-imauth-apikey": "bad"}).status_code == 200


def _pkce_pair():
    verifier = "correct-horse-battery-staple-" * 2
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def test_pkce_verified_whenever_a_challenge_was_sent_when_set():
    client = make_app(pkce="verify-when-sent").test_client()
    verifier, challenge = _pkce_pair()
    code = get_code(client, code_challenge=challenge, code_challenge_method="S256")
    assert _err(exchange(client, code))[1] == "invalid_request"  # no verifier: downgrade refused
    code = get_code(client, code_challenge=challenge, code_challenge_method="S256")
    assert _err(exchange(client, code, code_verifier="wrong" * 10))[1] == "invalid_request"
    code = get_code(client, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(client, code, code_verifier=verifier).status_code == 200


def test_pkce_not_enforced_when_no_challenge_was_sent(client):
    assert exchange(client, get_code(client)).status_code == 200


def test_refresh_rotates_and_old_refresh_token_is_refused(client, mock_app):
    first = exchange(client, get_code(client, scope="openid pid")).json
    r = client.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token",
                    "refresh_token": first["refresh_token"]}, headers=DEMO_AUTH)
    assert r.status_code == 200
    second = r.json
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert _verify(mock_app, second["id_token"])["sub"] == DEMO_PID
    r = client.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token",
                    "refresh_token": first["refresh_token"]}, headers=DEMO_AUTH)
    assert _err(r) == (401, "invalid_refresh_token", "Invalid refresh token")


def test_refresh_with_client_secret_post(client):
    first = exchange(client, get_code(client)).json
    r = client.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
                    "client_id": DEMO_RP["client_id"], "client_secret": DEMO_RP["client_secret"]})
    assert r.status_code == 200


def test_camel_claim_naming_setting():
    c = make_app(claim_naming="camel").test_client()
    body = exchange(c, get_code(c, scope="pid title title_en")).json
    assert body["titleTh"] == "นาย" and body["titleEn"] == "Mr." and "title" not in body


def test_oidc_profile_uses_rfc_codes_and_duration():
    c = make_app(profile="oidc").test_client()
    body = exchange(c, get_code(c)).json
    assert body["expires_in"] == 900
    r = exchange(c, "A" * 32)
    assert r.json["error"] == "invalid_grant"
    doc = c.get("/.well-known/openid-configuration").json
    assert doc["code_challenge_methods_supported"] == ["S256"]
