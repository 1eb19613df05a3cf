"""Every named fault does what its description says (seen from the wire), and wears off."""
from __future__ import annotations

import base64
import json

import jwt
import pytest
from conftest import DEMO_PID, DEMO_RP, make_app
from oidc_helpers import DEMO_AUTH, auth_url, exchange, get_code, query

from mock_thaid import faults
from mock_thaid.errors import TABLE


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def c(app):
    return app.test_client()


def arm(c, name, **kw):
    r = c.post("/_mock/faults", json={"name": name, **kw})
    assert r.status_code == 201, r.json
    return r.json


def login_tokens(c, **params):
    r = exchange(c, get_code(c, **params))
    return r


def payload(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def header(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def verify(app, token: str, **kw):
    ring = app.extensions["mock_thaid"].keys
    keys = {k.kid: k.private.public_key() for k in ring.keys}
    kid = header(token).get("kid", ring.current.kid)
    if kid not in keys:
        raise jwt.InvalidKeyError(kid)
    return jwt.decode(token, keys[kid], algorithms=["ES256"], audience=DEMO_RP["client_id"],
                      issuer="http://mock.test", **kw)


CHECKS = {}


def check(name):
    def deco(fn):
        CHECKS[name] = fn
        return fn
    return deco


@check("authorize_user_denies")
def _(app, c):
    r = c.get(auth_url(), headers={"X-Mock-Persona": DEMO_PID})
    assert query(r.headers["Location"])["error"] == "user_denied"


@check("authorize_qr_expires")
def _(app, c):
    r = c.get(auth_url(), headers={"Accept": "text/html"})
    assert r.status_code == 200 and "data:image/png" in r.get_data(as_text=True)
    assert c.get("/_mock/logins").json["logins"][0]["status"] == "expired"


@check("authorize_server_error")
def _(app, c):
    r = c.get(auth_url(), headers={"X-Mock-Persona": DEMO_PID})
    assert query(r.headers["Location"])["error"] == "server_error"


@check("authorize_slow")
def _(app, c):
    import time

    t = time.perf_counter()
    r = c.get(auth_url(), headers={"X-Mock-Persona": DEMO_PID})
    assert r.status_code == 302 and time.perf_counter() - t >= 0.2


def _token_error_check(key):
    def fn(app, c):
        r = login_tokens(c)
        assert (r.status_code, r.json["error"]) == (TABLE[key][0], TABLE[key][1])
    return fn


for _k in TABLE:
    if f"token_{_k}" in faults.REGISTRY:
        CHECKS[f"token_{_k}"] = _token_error_check(_k)


@check("token_http_503")
def _(app, c):
    r = login_tokens(c)
    assert r.status_code == 503 and r.content_type.startswith("text/html")


@check("token_malformed_json")
def _(app, c):
    r = login_tokens(c)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.get_data(as_text=True))


@check("token_delay")
def _(app, c):
    assert login_tokens(c).status_code == 200


def _id_token(c, **params):
    r = login_tokens(c, nonce="n-1", **params)
    assert r.status_code == 200
    return r.json["id_token"]


@check("id_token_wrong_iss")
def _(app, c):
    with pytest.raises(jwt.InvalidIssuerError):
        verify(app, _id_token(c))


@check("id_token_wrong_aud")
def _(app, c):
    with pytest.raises(jwt.InvalidAudienceError):
        verify(app, _id_token(c))


@check("id_token_expired")
def _(app, c):
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(app, _id_token(c))


@check("id_token_iat_future")
def _(app, c):
    with pytest.raises(jwt.ImmatureSignatureError):
        verify(app, _id_token(c))


@check("id_token_wrong_nonce")
def _(app, c):
    assert verify(app, _id_token(c))["nonce"] != "n-1"


@check("id_token_missing_nonce")
def _(app, c):
    assert "nonce" not in verify(app, _id_token(c))


@check("id_token_bad_signature")
def _(app, c):
    with pytest.raises(jwt.InvalidSignatureError):
        verify(app, _id_token(c))


@check("id_token_alg_none")
def _(app, c):
    tok = _id_token(c)
    assert header(tok)["alg"] == "none" and tok.endswith(".")
    with pytest.raises(jwt.InvalidAlgorithmError):
        verify(app, tok)


@check("id_token_hs256")
def _(app, c):
    tok = _id_token(c)
    assert header(tok)["alg"] == "HS256"
    with pytest.raises(jwt.InvalidAlgorithmError):
        verify(app, tok)


@check("id_token_unknown_kid")
def _(app, c):
    tok = _id_token(c)
    with pytest.raises(jwt.InvalidKeyError):
        verify(app, tok)
    assert header(tok)["kid"] not in [k["kid"] for k in c.get("/jwks/").json["keys"]]


@check("id_token_missing_claim")
def _(app, c):
    assert "sub" not in verify(app, _id_token(c))


@check("id_token_other_naming")
def _(app, c):
    claims = verify(app, _id_token(c, scope="openid pid title"))
    assert claims["titleTh"] == "นาย" and "title" not in claims


@check("jwks_rotated")
def _(app, c):
    before = [k["kid"] for k in c.get("/jwks/").json["keys"]]
    tok = _id_token(c)
    keys = [k["kid"] for k in c.get("/jwks/").json["keys"]]
    assert len(keys) == 2 and header(tok)["kid"] == keys[0] and keys[0] not in before  # newest first, it signed
    verify(app, tok)


@check("jwks_unavailable")
def _(app, c):
    assert c.get("/jwks/").status_code == 503


@check("introspect_error")
def _(app, c):
    tok = login_tokens(c).json["access_token"]
    r = c.post("/api/v2/oauth2/introspect/", data={"token": tok}, headers=DEMO_AUTH)
    assert (r.status_code, r.json["error"]) == (400, "server_error")


@check("revoke_error")
def _(app, c):
    tok = login_tokens(c).json["access_token"]
    r = c.post("/api/v2/oauth2/revoke/", data={"token": tok}, headers=DEMO_AUTH)
    assert (r.status_code, r.json["error"]) == (400, "server_error")


@check("userinfo_error")
def _(app, c):
    tok = login_tokens(c).json["access_token"]
    r = c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + tok})
    assert (r.status_code, r.json["error"]) == (401, "invalid_token")


def test_every_fault_has_a_check():
    assert sorted(faults.REGISTRY) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(faults.REGISTRY))
def test_fault(app, c, name):
    params = {"seconds": 0.2} if name.endswith(("_slow", "_delay")) else {}
    arm(c, name, params=params)
    CHECKS[name](app, c)
    assert c.get("/_mock/faults").json["active"] == []  # count 1: used up


def test_fault_for_one_client_only_and_until_cleared(c):
    arm(c, "authorize_user_denies", client_id="sandbox-rp", count=None)
    assert "code" in query(c.get(auth_url(), headers={"X-Mock-Persona": DEMO_PID}).headers["Location"])
    for _ in range(3):
        r = c.get(auth_url(client_id="sandbox-rp"), headers={"X-Mock-Persona": DEMO_PID})
        assert query(r.headers["Location"])["error"] == "user_denied"
    assert c.delete("/_mock/faults").json == {"cleared": 1}
    r = c.get(auth_url(client_id="sandbox-rp"), headers={"X-Mock-Persona": DEMO_PID})
    assert "code" in query(r.headers["Location"])


def test_fault_for_n_requests(c):
    arm(c, "token_server_error", count=2)
    assert login_tokens(c).status_code == 400
    assert login_tokens(c).status_code == 400
    assert login_tokens(c).status_code == 200


@pytest.mark.parametrize("body,error", [({"name": "nope"}, "unknown_fault"),
                                        ({"name": "jwks_unavailable", "count": 0}, "invalid_field"),
                                        ({"name": "jwks_unavailable", "params": []}, "invalid_field")])
def test_bad_fault_requests(c, body, error):
    r = c.post("/_mock/faults", json=body)
    assert (r.status_code, r.json["error"]) == (400, error)


def test_catalogue_lists_name_point_description(c):
    cat = c.get("/_mock/faults").json["available"]
    assert len(cat) == len(faults.REGISTRY) and all(f["description"] for f in cat)


def test_clock_moves_expiry(c):
    tok = login_tokens(c).json["access_token"]
    assert c.post("/_mock/clock", json={"advance": 901}).json["offset"] == 901
    r = c.post("/api/v2/oauth2/introspect/", data={"token": tok}, headers=DEMO_AUTH)
    assert r.json == {"active": False}
    assert c.post("/_mock/clock", json={"offset": 0}).json["offset"] == 0
    assert c.post("/_mock/clock", json={}).status_code == 400
