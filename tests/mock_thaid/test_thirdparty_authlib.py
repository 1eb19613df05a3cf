"""The mock seen through Authlib's OAuth 2 clients, a library nobody on the team wrote.

Two transports run the same tests:
- ``inprocess``: ``authlib.integrations.httpx_client.OAuth2Client`` over
  ``httpx.WSGITransport(app=mock_app)``; the issuer is ``http://mock.test``;
- ``live``: ``authlib.integrations.requests_client.OAuth2Session`` over real HTTP to
  ``live_mock`` on 127.0.0.1.

Authlib's client does not check ID tokens, so they are verified here with joserfc
(signature against the published JWKS, iss, aud, exp, iat, nonce, at_hash) and, once, with
PyJWT's ``PyJWKClient``. Authlib's JOSE module (``authlib.jose``) is deliberately not used.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt as pyjwt
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from joserfc.jwk import KeySet

import authlib.deprecate  # noqa: F401  (installs its "always" filter before ours)

with warnings.catch_warnings():
    # Authlib 1.9 warns that its httpx integration prefers the `httpx2` package.
    warnings.simplefilter("ignore")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.integrations.requests_client import OAuth2Session

from conftest import DEMO_PID, DEMO_RP, make_app, start_live

STRICT_RP = {"client_id": "strict-rp", "client_secret": "strict-rp-secret-TEST-ONLY",
             "api_key": "strict-rp-apikey-TEST-ONLY", "redirect_uri": "http://127.0.0.1:8080/callback"}
THAID_TOKEN_LIFETIME = 900
TEN_YEARS = 10 * 365 * 24 * 3600


# --------------------------------------------------------------------------- harness


@dataclass
class Env:
    """Where the mock runs and how to reach it."""

    kind: str  # "inprocess" or "live"
    base: str  # the issuer
    app: Any

    @property
    def services(self):
        return self.app.extensions["mock_thaid"]

    def rp(self, **kw) -> "RP":
        return RP(self, **kw)


def _inprocess(app) -> Env:
    return Env("inprocess", "http://mock.test", app)


def _live(live) -> Env:
    return Env("live", live.url, live.app)


@pytest.fixture(params=["inprocess", "live"])
def env(request) -> Env:
    """The mock in its default ``thaid`` profile, in-process or live."""
    if request.param == "inprocess":
        return _inprocess(request.getfixturevalue("mock_app"))
    return _live(request.getfixturevalue("live_mock"))


@pytest.fixture(params=["inprocess", "live"])
def oidc_env(request) -> Env:
    """The mock in its strict generic ``oidc`` profile."""
    if request.param == "inprocess":
        return _inprocess(make_app(profile="oidc"))
    live = start_live(profile="oidc")
    request.addfinalizer(lambda: stop_live(live))
    return _live(live)


def stop_live(live) -> None:
    """Close every socket from inside waitress's own loop thread, then stop its workers:
    closing them from this thread races the loop's select() (EBADF in the server thread)."""
    from waitress import wasyncore

    live.server.trigger.pull_trigger(lambda: wasyncore.close_all(live.server._map))
    live.thread.join(5)
    live.server.task_dispatcher.shutdown()


class RP:
    """A relying party built on an Authlib client; the harness only moves bytes."""

    def __init__(self, env: Env, *, client=DEMO_RP, scope="openid pid name",
                 auth_method="client_secret_basic", headers: dict | None = None) -> None:
        self.env = env
        self.client_id = client["client_id"]
        self.redirect_uri = client["redirect_uri"]
        common = dict(client_id=client["client_id"], client_secret=client["client_secret"],
                      token_endpoint_auth_method=auth_method,
                      revocation_endpoint_auth_method=auth_method,
                      scope=scope, redirect_uri=client["redirect_uri"], code_challenge_method="S256")
        if env.kind == "inprocess":
            self.c = OAuth2Client(transport=httpx.WSGITransport(app=env.app), headers=headers or {},
                                  **common)
            self._noredirect: dict = {}
        else:
            self.c = OAuth2Session(**common)
            self.c.headers.update(headers or {})
            self._noredirect = {"allow_redirects": False}
        self.last_token_response = None
        for hook in ("access_token_response", "refresh_token_response"):
            self.c.register_compliance_hook(hook, self._remember)
        self.meta = self.get(f"{env.base}/.well-known/openid-configuration").json()
        self.introspection_endpoint = self.meta.get("introspection_endpoint", f"{env.base}/api/v2/oauth2/introspect/")

    def _remember(self, resp):
        self.last_token_response = resp
        return resp

    # plain requests (no access token attached)
    def get(self, url, **kw):
        return self.c.request("GET", url, withhold_token=True, **kw)

    def post(self, url, **kw):
        return self.c.request("POST", url, withhold_token=True, **kw)

    def jwks(self) -> dict:
        return self.get(self.meta["jwks_uri"]).json()

    def authorize(self, *, persona: str | None = DEMO_PID, login_hint: str | None = None,
                  state: str | None = None, nonce: str | None = None, verifier: str | None = None,
                  **extra):
        """Authorization URL by Authlib, headless login by the mock; returns the callback URL."""
        state = state or secrets.token_urlsafe(16)
        if nonce:
            extra["nonce"] = nonce
        if login_hint:
            extra["login_hint"] = login_hint
        url, state_out = self.c.create_authorization_url(
            self.meta["authorization_endpoint"], state=state, code_verifier=verifier, **extra)
        assert state_out == state
        headers = {"X-Mock-Persona": persona} if persona else {}
        resp = self.get(url, headers=headers, **self._noredirect)
        assert resp.status_code == 302, (resp.status_code, resp.text[:300])
        return url, resp.headers["location"]

    def login(self, **kw) -> "Login":
        """The whole code flow with state, nonce and PKCE S256; returns what the RP holds."""
        nonce = kw.pop("nonce", secrets.token_urlsafe(16))
        verifier = kw.pop("verifier", secrets.token_urlsafe(48))
        state = kw.pop("state", secrets.token_urlsafe(16))
        t0 = int(time.time())
        url, callback = self.authorize(state=state, nonce=nonce, verifier=verifier, **kw)
        token = self.c.fetch_token(self.meta["token_endpoint"], authorization_response=callback,
                                   state=state, code_verifier=verifier)
        raw = self.last_token_response.json()
        return Login(url=url, callback=callback, token=token, raw=raw, nonce=nonce, state=state,
                     verifier=verifier, t0=t0, t1=int(time.time()))

    def introspect(self, token: str) -> Any:
        return self.c.introspect_token(self.introspection_endpoint, token=token)

    def revoke(self, token: str) -> Any:
        return self.c.revoke_token(self.meta["revocation_endpoint"], token=token)

    def verify_id_token(self, id_token: str, *, nonce: str | None, access_token: str | None,
                        jwks: dict | None = None) -> jwt.Token:
        return verify_id_token(id_token, jwks or self.jwks(), issuer=self.env.base,
                               client_id=self.client_id, nonce=nonce, access_token=access_token)


@dataclass
class Login:
    url: str
    callback: str
    token: dict  # Authlib's OAuth2Token (it adds expires_at)
    raw: dict  # the token endpoint's JSON as sent
    nonce: str
    state: str
    verifier: str
    t0: int
    t1: int


def at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def verify_id_token(id_token: str, jwks: dict, *, issuer: str, client_id: str, nonce: str | None,
                    access_token: str | None) -> jwt.Token:
    """OIDC Core §3.1.3.7 with joserfc: signature by a JWKS key (by kid), then the claims."""
    tok = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["ES256"])
    assert tok.header["alg"] == "ES256"
    assert tok.header["kid"] in {k["kid"] for k in jwks["keys"]}
    options: dict = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    jwt.JWTClaimsRegistry(leeway=5, **options).validate(tok.claims)
    if nonce is None:
        assert "nonce" not in tok.claims, "no nonce was sent, so none may come back (never null)"
    if access_token is not None:
        assert tok.claims["at_hash"] == at_hash(access_token)
    return tok


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --------------------------------------------------------------------------- discovery


def test_discovery_document_is_thaids(env: Env):
    rp = env.rp()
    m = rp.meta
    assert m["issuer"] == env.base
    for key, path in [("authorization_endpoint", "/api/v2/oauth2/auth/"),
                      ("token_endpoint", "/api/v2/oauth2/token/"),
                      ("userinfo_endpoint", "/api/v2/oauth2/userinfo/"),
                      ("jwks_uri", "/jwks/"),
                      ("revocation_endpoint", "/api/v2/oauth2/revoke/")]:
        assert m[key] == env.base + path
    assert m["response_types_supported"] == ["code"]
    assert m["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert m["subject_type_supported"] == ["public"]  # ThaiD's (sic)
    assert m["subject_types_supported"] == ["public"]
    assert m["id_token_signing_alg_values_supported"] == ["ES256"]
    assert set(m["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}
    assert {"openid", "pid", "name", "name_en", "birthdate", "address"} <= set(m["scopes_supported"])
    assert "code_challenge_methods_supported" not in m  # PKCE not advertised (quirk 8)
    jwks = rp.jwks()
    assert jwks["keys"] and all(k["kty"] == "EC" and k["crv"] == "P-256" and "d" not in k for k in jwks["keys"])


# --------------------------------------------------------------------------- code flow, openid


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_code_flow_with_openid_returns_a_verifiable_id_token(env: Env, auth_method: str):
    rp = env.rp(auth_method=auth_method)
    login = rp.login()

    # Authlib built the request: state, nonce and a PKCE S256 challenge of our verifier
    sent = query(login.url)
    assert sent["response_type"] == "code" and sent["client_id"] == DEMO_RP["client_id"]
    assert sent["state"] == login.state and sent["nonce"] == login.nonce
    assert sent["code_challenge_method"] == "S256"
    assert sent["code_challenge"] == base64.urlsafe_b64encode(
        hashlib.sha256(login.verifier.encode()).digest()).rstrip(b"=").decode()
    back = query(login.callback)
    assert login.callback.startswith(DEMO_RP["redirect_uri"] + "?")
    assert back["state"] == login.state and len(back["code"]) == 32 and back["code"].isalnum()

    # the "openid" shape: an ID token replaces the flat claims
    raw = login.raw
    assert set(raw) == {"access_token", "refresh_token", "token_type", "expires_in", "scope", "id_token"}
    assert raw["token_type"] == "Bearer" and raw["scope"] == "openid pid name"
    tok = rp.verify_id_token(raw["id_token"], nonce=login.nonce, access_token=raw["access_token"])
    c = tok.claims
    assert tok.header["typ"] == "JWT"
    assert c["sub"] == DEMO_PID and c["pid"] == DEMO_PID and c["name"] == "นาย ทดสอบ ระบบ"
    assert c["aud"] == DEMO_RP["client_id"]  # a string, not a list
    assert c["version"] == 2
    assert isinstance(c["auth_time"], int) and login.t0 - 1 <= c["auth_time"] <= c["iat"] <= login.t1 + 1
    assert c["exp"] == c["iat"] + THAID_TOKEN_LIFETIME

    # quirk 1: expires_in is an absolute Unix time, and Authlib misreads it as a duration
    assert raw["expires_in"] == c["exp"]
    assert login.t0 + THAID_TOKEN_LIFETIME - 1 <= raw["expires_in"] <= login.t1 + THAID_TOKEN_LIFETIME + 1
    assert login.token["expires_at"] - raw["expires_in"] >= login.t0 - 1  # Authlib: now + "duration"
    assert login.token["expires_at"] > time.time() + TEN_YEARS
    assert login.token.is_expired() is False


def test_id_token_verifies_with_pyjwt_jwks_client_too(live_mock):
    rp = _live(live_mock).rp()
    login = rp.login()
    jwks_client = pyjwt.PyJWKClient(rp.meta["jwks_uri"])
    key = jwks_client.get_signing_key_from_jwt(login.raw["id_token"])
    claims = pyjwt.decode(login.raw["id_token"], key.key, algorithms=["ES256"], audience=DEMO_RP["client_id"],
                          issuer=live_mock.url, options={"require": ["exp", "iat", "sub", "nonce", "at_hash"]})
    assert claims["nonce"] == login.nonce and claims["at_hash"] == at_hash(login.raw["access_token"])


def test_login_hint_query_logs_in_like_the_header(env: Env):
    rp = env.rp()
    login = rp.login(persona=None, login_hint=DEMO_PID)
    assert rp.verify_id_token(login.raw["id_token"], nonce=login.nonce,
                              access_token=login.raw["access_token"]).claims["sub"] == DEMO_PID


# --------------------------------------------------------------------------- code flow, no openid


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_code_flow_without_openid_returns_flat_claims(env: Env, auth_method: str):
    rp = env.rp(scope="pid name birthdate", auth_method=auth_method)
    login = rp.login()
    raw = login.raw
    assert "id_token" not in raw
    assert raw["pid"] == DEMO_PID and raw["name"] == "นาย ทดสอบ ระบบ" and raw["birthdate"] == "1990-01-01"
    assert raw["scope"] == "pid name birthdate" and raw["token_type"] == "Bearer"
    assert login.t0 + THAID_TOKEN_LIFETIME - 1 <= raw["expires_in"] <= login.t1 + THAID_TOKEN_LIFETIME + 1
    # Authlib keeps the flat claims in its token dict
    assert login.token["pid"] == DEMO_PID


# --------------------------------------------------------------------------- userinfo


def test_userinfo_with_bearer_token(env: Env):
    rp = env.rp(scope="openid pid name name_en")
    rp.login()
    resp = rp.c.get(rp.meta["userinfo_endpoint"])  # Authlib attaches "Authorization: Bearer"
    assert resp.status_code == 200
    info = resp.json()
    assert info["sub"] == DEMO_PID and info["pid"] == DEMO_PID
    assert info["name"] == "นาย ทดสอบ ระบบ" and info["name_en"] == "Mr. Test System"
    assert "birthdate" not in info  # not requested


# --------------------------------------------------------------------------- refresh


def test_refresh_token_grant_rotates_and_refuses_the_old_one(env: Env):
    rp = env.rp()
    login = rp.login()
    old = dict(login.raw)
    new = rp.c.refresh_token(rp.meta["token_endpoint"], refresh_token=old["refresh_token"])
    assert rp.last_token_response.status_code == 200
    assert new["refresh_token"] != old["refresh_token"]
    assert new["access_token"] != old["access_token"]
    tok = rp.verify_id_token(new["id_token"], nonce=None, access_token=new["access_token"])
    first = jwt.decode(old["id_token"], KeySet.import_key_set(rp.jwks()), algorithms=["ES256"]).claims
    assert tok.claims["sub"] == first["sub"] and tok.claims["auth_time"] == first["auth_time"]

    # the new access token works, the old refresh token is refused the ThaiD way
    assert rp.c.get(rp.meta["userinfo_endpoint"]).json()["sub"] == DEMO_PID
    with pytest.raises(OAuthError) as err:
        rp.c.refresh_token(rp.meta["token_endpoint"], refresh_token=old["refresh_token"])
    assert err.value.error == "invalid_refresh_token"
    assert rp.last_token_response.status_code == 401


# --------------------------------------------------------------------------- introspect, revoke


@pytest.mark.parametrize("form", ["bare", "bearer"])
def test_introspect_then_revoke(env: Env, form: str):
    rp = env.rp()
    login = rp.login()
    access = login.raw["access_token"]
    as_sent = access if form == "bare" else f"Bearer {access}"  # the manual writes token=Bearer <t>

    resp = rp.introspect(as_sent)
    assert resp.status_code == 200
    body = resp.json()
    assert body["active"] is True and body["sub"] == DEMO_PID and body["scope"] == "openid pid name"

    resp = rp.revoke(as_sent)
    assert resp.status_code == 200
    assert resp.json() == {"status": "OK", "message": "revoked"}

    assert rp.introspect(as_sent).json()["active"] is False
    resp = rp.c.get(rp.meta["userinfo_endpoint"])
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_token"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_refresh_token_cannot_refresh(env: Env):
    rp = env.rp(auth_method="client_secret_post")
    login = rp.login()
    refresh = login.raw["refresh_token"]
    assert rp.introspect(refresh).json()["active"] is True
    assert rp.revoke(f"Bearer {refresh}").status_code == 200
    assert rp.introspect(refresh).json()["active"] is False
    with pytest.raises(OAuthError) as err:
        rp.c.refresh_token(rp.meta["token_endpoint"], refresh_token=refresh)
    assert err.value.error == "invalid_refresh_token"


def test_introspect_without_token_is_the_body_error(env: Env):
    rp = env.rp()
    resp = rp.c.introspect_token(rp.introspection_endpoint, token="")
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"
    assert resp.json()["error_description"] == "The body is invalid"


# --------------------------------------------------------------------------- code errors


def test_used_code_is_invalid_request_and_revokes_its_tokens(env: Env):
    rp = env.rp()
    login = rp.login()
    with pytest.raises(OAuthError) as err:
        rp.c.fetch_token(rp.meta["token_endpoint"], authorization_response=login.callback,
                         state=login.state, code_verifier=login.verifier)
    assert err.value.error == "invalid_request"  # quirk 3: not invalid_grant
    assert rp.last_token_response.status_code == 400
    assert rp.introspect(login.raw["access_token"]).json()["active"] is False


def test_a_regenerated_pkce_verifier_still_gets_tokens_like_thaid(env: Env):
    """ETDA's C# sample sends one verifier's challenge and another verifier: ThaiD accepts it."""
    rp = env.rp()
    url, callback = rp.authorize(state="s-1", nonce="n-1", verifier=secrets.token_urlsafe(48))
    token = rp.c.fetch_token(rp.meta["token_endpoint"], authorization_response=callback, state="s-1",
                             code_verifier=secrets.token_urlsafe(48))
    assert token["id_token"]


def test_wrong_pkce_verifier_is_refused_by_the_oidc_profile(oidc_env: Env):
    rp = oidc_env.rp()
    url, callback = rp.authorize(state="s-1", nonce="n-1", verifier=secrets.token_urlsafe(48))
    with pytest.raises(OAuthError) as err:
        rp.c.fetch_token(rp.meta["token_endpoint"], authorization_response=callback, state="s-1",
                         code_verifier=secrets.token_urlsafe(48))
    assert err.value.error == "invalid_grant"


def test_authlib_checks_the_state_it_gets_back(env: Env):
    """Authlib refuses a callback whose state differs, before any request to the mock."""
    from authlib.oauth2.rfc6749.errors import MismatchingStateException

    rp = env.rp()
    url, callback = rp.authorize(state="the-state", nonce="n")
    with pytest.raises(MismatchingStateException):
        rp.c.fetch_token(rp.meta["token_endpoint"], authorization_response=callback, state="another-state")


# --------------------------------------------------------------------------- strict client


def test_strict_client_needs_api_key_and_pkce(env: Env):
    with_key = env.rp(client=STRICT_RP, headers={"x-imauth-apikey": STRICT_RP["api_key"]})
    login = with_key.login()
    with_key.verify_id_token(login.raw["id_token"], nonce=login.nonce, access_token=login.raw["access_token"])
    assert with_key.introspect(login.raw["access_token"]).json()["active"] is True

    # no PKCE: refused through the redirect URI
    url, callback = with_key.authorize(state="s-nopkce", nonce="n")
    back = query(callback)
    assert back["error"] == "invalid_request" and back["state"] == "s-nopkce" and "code" not in back

    # no API key: the token endpoint refuses the client
    without_key = env.rp(client=STRICT_RP)
    verifier = secrets.token_urlsafe(48)
    url, callback = without_key.authorize(state="s-2", nonce="n", verifier=verifier)
    with pytest.raises(OAuthError) as err:
        without_key.c.fetch_token(without_key.meta["token_endpoint"], authorization_response=callback,
                                  state="s-2", code_verifier=verifier)
    assert err.value.error == "unauthorized_client"
    assert without_key.last_token_response.status_code == 401


# --------------------------------------------------------------------------- key rotation


def test_key_rotation_new_kid_signs_and_both_verify(env: Env):
    rp = env.rp()
    before = rp.login()
    old_kid = jwt.decode(before.raw["id_token"], KeySet.import_key_set(rp.jwks()), algorithms=["ES256"]).header["kid"]

    resp = rp.post(f"{env.base}/_mock/keys/rotate")
    assert resp.status_code == 200
    new_kid = resp.json()["signing_kid"]
    assert new_kid != old_kid

    jwks = rp.jwks()
    assert len(jwks["keys"]) == 2
    assert {k["kid"] for k in jwks["keys"]} == {old_kid, new_kid}

    after = rp.login()
    tok = rp.verify_id_token(after.raw["id_token"], nonce=after.nonce, access_token=after.raw["access_token"],
                             jwks=jwks)
    assert tok.header["kid"] == new_kid
    # an ID token from before the rotation still verifies against the new JWKS
    rp.verify_id_token(before.raw["id_token"], nonce=before.nonce, access_token=before.raw["access_token"],
                       jwks=jwks)
    # and not against a key set that only has the new key, even if it claimed the old kid
    only_new = [k for k in jwks["keys"] if k["kid"] == new_kid]
    with pytest.raises(InvalidKeyIdError):
        jwt.decode(before.raw["id_token"], KeySet.import_key_set({"keys": only_new}), algorithms=["ES256"])
    impostor = {"keys": [{**only_new[0], "kid": old_kid}]}
    with pytest.raises(BadSignatureError):
        jwt.decode(before.raw["id_token"], KeySet.import_key_set(impostor), algorithms=["ES256"])

    if env.kind == "live":  # a second verifier that fetches the JWKS itself
        key = pyjwt.PyJWKClient(rp.meta["jwks_uri"]).get_signing_key_from_jwt(after.raw["id_token"])
        assert key.key_id == new_kid
        pyjwt.decode(after.raw["id_token"], key.key, algorithms=["ES256"], audience=DEMO_RP["client_id"])


def test_rotating_several_times_within_one_second_never_reuses_a_kid(mock_app, monkeypatch):
    """KeyRing.rotate() names keys after the wall clock, to the second, and de-duplicates
    against the keys *still in the ring* only. Within one second the 4th rotation hands out
    the 1st rotation's kid again, for a different key. An RP that cached the JWKS (the mock
    says ``max-age=300``) then verifies new ID tokens against the old key of that kid and
    fails. The kid is pinned here to make "within one second" deterministic.
    (The 3-rotation case, two keys published under one kid, is the earlier form of this bug.)"""
    import mock_thaid.keys as keys_module

    monkeypatch.setattr(keys_module, "new_kid", lambda: "thaid-test-20260101000000")
    env = _inprocess(mock_app)
    rp = env.rp()
    signing_kids = []
    cached_jwks = None
    for i in range(4):
        signing_kids.append(rp.post(f"{env.base}/_mock/keys/rotate").json()["signing_kid"])
        jwks = rp.jwks()
        kids = [k["kid"] for k in jwks["keys"]]
        assert len(kids) == len(set(kids)), f"duplicate kids published in one JWKS: {kids}"
        if i == 0:
            cached_jwks = jwks  # what an RP holds for the next 300 s
    assert len(signing_kids) == len(set(signing_kids)), f"a kid was reused for a new key: {signing_kids}"

    # the RP's view: a token signed now, checked against its cached JWKS, which has that kid
    login = rp.login()
    kid = jwt.decode(login.raw["id_token"], KeySet.import_key_set(rp.jwks()), algorithms=["ES256"]).header["kid"]
    if kid in {k["kid"] for k in cached_jwks["keys"]}:
        rp.verify_id_token(login.raw["id_token"], nonce=login.nonce, access_token=login.raw["access_token"],
                           jwks=cached_jwks)


# --------------------------------------------------------------------------- the oidc profile


def test_oidc_profile_duration_expires_in_and_pkce_advertised(oidc_env: Env):
    rp = oidc_env.rp()
    assert rp.meta["code_challenge_methods_supported"] == ["S256"]
    login = rp.login()
    assert login.raw["expires_in"] == THAID_TOKEN_LIFETIME  # a small duration this time
    assert login.t0 + THAID_TOKEN_LIFETIME - 1 <= login.token["expires_at"] <= login.t1 + THAID_TOKEN_LIFETIME + 1
    tok = rp.verify_id_token(login.raw["id_token"], nonce=login.nonce, access_token=login.raw["access_token"])
    assert tok.claims["version"] == 2 and tok.claims["sub"] == DEMO_PID
    assert rp.c.get(rp.meta["userinfo_endpoint"]).json()["sub"] == DEMO_PID


def test_oidc_profile_uses_rfc6749_error_codes(oidc_env: Env):
    rp = oidc_env.rp()
    login = rp.login()
    new = rp.c.refresh_token(rp.meta["token_endpoint"], refresh_token=login.raw["refresh_token"])
    assert new["refresh_token"] != login.raw["refresh_token"] and new["expires_in"] == THAID_TOKEN_LIFETIME
    with pytest.raises(OAuthError) as err:
        rp.c.refresh_token(rp.meta["token_endpoint"], refresh_token=login.raw["refresh_token"])
    assert err.value.error == "invalid_grant" and rp.last_token_response.status_code == 400
    with pytest.raises(OAuthError) as err:  # the code again
        rp.c.fetch_token(rp.meta["token_endpoint"], authorization_response=login.callback,
                         state=login.state, code_verifier=login.verifier)
    assert err.value.error == "invalid_grant"


def test_oidc_profile_basic_auth_failure_carries_www_authenticate(oidc_env: Env):
    """BUG (strict profile only): RFC 6749 §5.2 says a client that authenticated with the
    Authorization header and failed MUST get 401 *with* a WWW-Authenticate header for that
    scheme. The mock adds WWW-Authenticate only when the request carried a Bearer token."""
    rp = oidc_env.rp(client={**DEMO_RP, "client_secret": "not-the-secret"})
    verifier = secrets.token_urlsafe(48)
    url, callback = rp.authorize(state="s", nonce="n", verifier=verifier)
    with pytest.raises(OAuthError) as err:
        rp.c.fetch_token(rp.meta["token_endpoint"], authorization_response=callback, state="s",
                         code_verifier=verifier)
    assert err.value.error == "invalid_client"
    resp = rp.last_token_response
    assert resp.status_code == 401
    assert resp.headers.get("WWW-Authenticate", "").lower().startswith("basic"), (
        f"401 invalid_client after client_secret_basic without 'WWW-Authenticate: Basic ...' "
        f"(headers: {dict(resp.headers)})")


# --------------------------------------------------------------------------- coping with quirk 1


def test_an_authlib_compliance_hook_can_read_the_absolute_expires_in(mock_app):
    """How an Authlib RP copes with ThaiD: turn the absolute time into a duration before
    Authlib computes expires_at."""
    import json

    def absolute_to_duration(resp: httpx.Response) -> httpx.Response:
        body = resp.json()
        if resp.status_code == 200 and body.get("expires_in", 0) > 10**9:  # an epoch, not seconds
            body["expires_in"] = body["expires_in"] - int(time.time())
            headers = {k: v for k, v in resp.headers.items() if k.lower() != "content-length"}
            return httpx.Response(resp.status_code, headers=headers, content=json.dumps(body).encode(),
                                  request=resp.request)
        return resp

    rp = _inprocess(mock_app).rp()
    rp.c.register_compliance_hook("access_token_response", absolute_to_duration)
    login = rp.login()
    exp = jwt.decode(login.token["id_token"], KeySet.import_key_set(rp.jwks()), algorithms=["ES256"]).claims["exp"]
    assert abs(login.token["expires_at"] - exp) <= 2
    assert 0 < login.token["expires_in"] <= THAID_TOKEN_LIFETIME


def test_oidc_profile_logout_from_the_advertised_end_session_endpoint(oidc_env: Env):
    """Authlib's client reads end_session_endpoint from the metadata (it is there in the oidc
    profile) and the mock ends the person's tokens and sends the browser back with the state."""
    rp = oidc_env.rp()
    login = rp.login()
    assert parse_qs(urlsplit(login.callback).query)["iss"] == [oidc_env.base]  # RFC 9207
    url = rp.meta["end_session_endpoint"] + "?" + urlencode(
        {"id_token_hint": login.raw["id_token"], "post_logout_redirect_uri": rp.redirect_uri, "state": "bye"})
    resp = rp.get(url, **rp._noredirect)
    assert resp.status_code == 302 and resp.headers["location"] == rp.redirect_uri + "?state=bye"
    assert rp.introspect(login.raw["access_token"]).json()["active"] is False
