"""Every ID-token and callback attack we can forge is rejected, each with its own error code.

The provider is fake (httpx.MockTransport) and its keys are generated here; the ID token
always arrives from the TOKEN endpoint, which the client must verify all the same.
"""
from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

import rp_client as rp
from rp_testkit import CLIENT_ID, DEMO_PID, ISSUER, FakeClock, FakeProvider, new_key, public_jwk, raw_jws


@pytest.fixture
def op(clock: FakeClock) -> FakeProvider:
    return FakeProvider(clock)


def run_login(op: FakeProvider, client: rp.ThaiDClient | None = None, forge: dict | None = None,
              token: str | None = None, callback: dict | None = None):
    client = client or op.client()
    login = client.begin_login()
    if token is not None:
        op.id_token = token
    elif forge is not None:
        op.forge(login.nonce, **forge)
    else:
        op.forge(login.nonce)
    params = {"code": "c-1", "state": login.state} if callback is None else callback
    return client.complete_login(login.pending, params)


def rejected(op: FakeProvider, exc_type: type[rp.ThaiDError], code: str, **kw) -> rp.ThaiDError:
    with pytest.raises(exc_type) as info:
        run_login(op, **kw)
    assert info.value.code == code
    assert isinstance(info.value, rp.ThaiDError)
    return info.value


def test_the_fake_provider_accepts_a_good_token(op):
    result = run_login(op)
    assert result.identity.pid == DEMO_PID
    assert result.tokens.id_token_claims["iss"] == ISSUER
    assert op.last_token_headers["authorization"].startswith("Basic ")
    assert op.last_token_form["code_verifier"] and op.last_token_form["grant_type"] == "authorization_code"


def test_wrong_issuer(op):
    e = rejected(op, rp.IDTokenWrongIssuer, "id_token_wrong_issuer", forge={"iss": "https://evil.example"})
    assert e.expected == ISSUER and e.actual == "https://evil.example"


def test_wrong_audience(op):
    e = rejected(op, rp.IDTokenWrongAudience, "id_token_wrong_audience", forge={"aud": "another-rp"})
    assert e.actual == "another-rp"


def test_expired(op, clock):
    rejected(op, rp.IDTokenExpired, "id_token_expired",
             forge={"iat": int(clock()) - 2000, "exp": int(clock()) - 61 - 5})


def test_expiry_within_leeway_is_accepted(op, clock):
    assert run_login(op, forge={"exp": int(clock()) - 30}).identity.pid == DEMO_PID


def test_iat_in_the_future(op, clock):
    e = rejected(op, rp.IDTokenNotYetValid, "id_token_not_yet_valid", forge={"iat": int(clock()) + 600})
    assert e.claim == "iat"


def test_nbf_in_the_future(op, clock):
    e = rejected(op, rp.IDTokenNotYetValid, "id_token_not_yet_valid", forge={"nbf": int(clock()) + 600})
    assert e.claim == "nbf"


def test_wrong_nonce(op):
    rejected(op, rp.IDTokenNonceMismatch, "id_token_nonce_mismatch", forge={"nonce": "not-the-nonce-we-sent"})


def test_missing_nonce(op):
    client = op.client()
    login = client.begin_login()
    op.id_token = op.sign(op.claims(None))  # no nonce claim at all
    with pytest.raises(rp.IDTokenNonceMissing) as info:
        client.complete_login(login.pending, {"code": "c", "state": login.state})
    assert info.value.code == "id_token_nonce_missing"


def test_alg_none(op):
    client = op.client()
    login = client.begin_login()
    op.id_token = raw_jws({"alg": "none", "typ": "JWT"}, op.claims(login.nonce), lambda _: b"")
    with pytest.raises(rp.IDTokenUnsupportedAlg) as info:
        client.complete_login(login.pending, {"code": "c", "state": login.state})
    assert info.value.code == "id_token_unsupported_alg" and info.value.alg == "none"


@pytest.mark.parametrize("encoding", ["pem", "jwk-json"])
def test_hs256_signed_with_the_public_key_as_secret(op, encoding):
    """The classic key-confusion attack: HMAC keyed with the provider's PUBLIC key."""
    client = op.client()
    login = client.begin_login()
    public = op.key.public_key()
    secret = (public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
              if encoding == "pem" else str(op.jwks["keys"][0]).encode())
    op.id_token = raw_jws({"alg": "HS256", "typ": "JWT", "kid": op.kid}, op.claims(login.nonce),
                          lambda data: hmac.new(secret, data, hashlib.sha256).digest())
    with pytest.raises(rp.IDTokenUnsupportedAlg) as info:
        client.complete_login(login.pending, {"code": "c", "state": login.state})
    assert info.value.code == "id_token_unsupported_alg" and info.value.alg == "HS256"


def test_hs256_can_never_be_allowed():
    with pytest.raises(rp.ConfigError) as info:
        rp.ThaiDConfig(client_id="c", client_secret="s", redirect_uri="https://rp/cb", id_token_algs=("ES256", "HS256"))
    assert info.value.code == "config_invalid" and info.value.field == "id_token_algs"
    with pytest.raises(rp.ConfigError):
        rp.ThaiDConfig(client_id="c", client_secret="s", redirect_uri="https://rp/cb", id_token_algs="none")


def test_bad_signature(op):
    client = op.client()
    login = client.begin_login()
    op.id_token = op.sign(op.claims(login.nonce), key=new_key())  # right kid, wrong key
    with pytest.raises(rp.IDTokenInvalidSignature) as info:
        client.complete_login(login.pending, {"code": "c", "state": login.state})
    assert info.value.code == "id_token_invalid_signature"


def test_tampered_payload(op):
    client = op.client()
    login = client.begin_login()
    good = op.sign(op.claims(login.nonce))
    other = op.sign(op.claims(login.nonce, pid="3100600445635", sub="3100600445635"))
    op.id_token = good.split(".")[0] + "." + other.split(".")[1] + "." + good.split(".")[2]
    with pytest.raises(rp.IDTokenInvalidSignature):
        client.complete_login(login.pending, {"code": "c", "state": login.state})


def test_bad_at_hash(op):
    rejected(op, rp.IDTokenAtHashMismatch, "id_token_at_hash_mismatch",
             forge={"at_hash": rp.half_hash("some-other-access-token", "ES256")})


def test_unknown_kid_refetches_exactly_once_then_cools_down(op, clock):
    client = op.client(jwks_refetch_cooldown=60)
    run_login(op, client)  # the first login loads the key set
    assert op.hits["/jwks"] == 1
    stranger = new_key()

    def unknown_kid_login():
        login = client.begin_login()
        op.id_token = op.sign(op.claims(login.nonce), key=stranger, kid="k-unknown")
        with pytest.raises(rp.IDTokenUnknownKid) as info:
            client.complete_login(login.pending, {"code": "c", "state": login.state})
        assert info.value.code == "id_token_unknown_kid" and info.value.kid == "k-unknown"

    unknown_kid_login()
    assert op.hits["/jwks"] == 2  # ONE refetch
    unknown_kid_login()
    clock.advance(59)
    unknown_kid_login()
    assert op.hits["/jwks"] == 2  # cooldown: no refetch
    clock.advance(2)
    unknown_kid_login()
    assert op.hits["/jwks"] == 3  # cooldown over: one more


def test_a_rotated_key_is_found_by_the_refetch(op):
    client = op.client()
    run_login(op, client)
    rotated = new_key()
    op.jwks = {"keys": [public_jwk(op.key, "k1"), public_jwk(rotated, "k2")]}
    login = client.begin_login()
    op.id_token = op.sign(op.claims(login.nonce), key=rotated, kid="k2")
    assert client.complete_login(login.pending, {"code": "c", "state": login.state}).identity.pid == DEMO_PID
    assert op.hits["/jwks"] == 2


def test_kidless_token_with_a_single_key_is_accepted(op):
    client = op.client()
    login = client.begin_login()
    op.id_token = op.sign(op.claims(login.nonce), kid=None)
    assert client.complete_login(login.pending, {"code": "c", "state": login.state}).identity.pid == DEMO_PID


def test_kidless_token_with_two_keys_is_refused(op):
    op.jwks = {"keys": [public_jwk(op.key, "k1"), public_jwk(new_key(), "k2")]}
    client = op.client()
    login = client.begin_login()
    op.id_token = op.sign(op.claims(login.nonce), kid=None)
    with pytest.raises(rp.IDTokenKidAmbiguous) as info:
        client.complete_login(login.pending, {"code": "c", "state": login.state})
    assert info.value.code == "id_token_kid_ambiguous"


def test_azp_mismatch(op):
    e = rejected(op, rp.IDTokenWrongAzp, "id_token_wrong_azp", forge={"azp": "another-rp"})
    assert e.actual == "another-rp"


def test_several_audiences_need_azp(op):
    rejected(op, rp.IDTokenWrongAzp, "id_token_wrong_azp", forge={"aud": [CLIENT_ID, "another-rp"]})
    assert run_login(op, forge={"aud": [CLIENT_ID, "another-rp"], "azp": CLIENT_ID}).identity.pid == DEMO_PID


def test_missing_sub(op):
    e = rejected(op, rp.IDTokenMissingClaim, "id_token_missing_claim", forge={"sub": None})
    assert e.claim == "sub"


def test_malformed_token(op):
    rejected(op, rp.IDTokenMalformed, "id_token_malformed", token="not-a-jwt")


def test_state_mismatch(op):
    client = op.client()
    login = client.begin_login()
    with pytest.raises(rp.StateMismatch) as info:
        client.complete_login(login.pending, {"code": "c", "state": "somebody-elses-state"})
    assert info.value.code == "state_mismatch"
    assert op.hits["/token"] == 0  # the code is never exchanged


def test_missing_state(op):
    client = op.client()
    login = client.begin_login()
    with pytest.raises(rp.StateMissing):
        client.complete_login(login.pending, {"code": "c"})


def test_replayed_callback_is_refused(op):
    client = op.client()
    login = client.begin_login()
    op.forge(login.nonce)
    callback = {"code": "c", "state": login.state}
    client.complete_login(login.pending, callback)
    with pytest.raises(rp.StateReused) as info:
        client.complete_login(login.pending, callback)
    assert info.value.code == "state_reused"
    assert op.hits["/token"] == 1


def test_expired_pending_login(op, clock):
    client = op.client(state_ttl=600)
    login = client.begin_login()
    clock.advance(601)
    with pytest.raises(rp.StateExpired) as info:
        client.complete_login(login.pending, {"code": "c", "state": login.state})
    assert info.value.code == "state_expired" and info.value.ttl == 600


def test_user_denied_callback_is_typed(op):
    client = op.client()
    login = client.begin_login()
    with pytest.raises(rp.UserDenied) as info:
        client.complete_login(login.pending, {"error": "user_denied", "state": login.state,
                                              "error_description": "User denied the request (disapproved)"})
    e = info.value
    assert (e.code, e.error, e.error_description) == ("user_denied", "user_denied",
                                                      "User denied the request (disapproved)")
    assert isinstance(e, rp.AuthorizationError) and e.state == login.state


def test_other_error_callbacks_are_authorization_errors(op):
    client = op.client()
    login = client.begin_login()
    with pytest.raises(rp.AuthorizationError) as info:
        client.complete_login(login.pending, f"https://rp/cb?error=invalid_scope&state={login.state}")
    assert info.value.code == "authorization_error" and info.value.error == "invalid_scope"
    assert not isinstance(info.value, rp.UserDenied)


def test_callback_iss_must_be_ours(op):
    client = op.client()
    login = client.begin_login()
    with pytest.raises(rp.CallbackIssuerMismatch) as info:
        client.complete_login(login.pending, {"code": "c", "state": login.state, "iss": "https://evil.example"})
    assert info.value.code == "callback_wrong_issuer"


def test_openid_scope_without_id_token(op):
    op.token_body = {"access_token": "at", "token_type": "Bearer", "expires_in": 900, "pid": DEMO_PID}
    rejected(op, rp.IDTokenMissing, "id_token_missing")


def test_token_endpoint_error_carries_the_provider_error(op):
    client = op.client()
    login = client.begin_login()
    client._http.client = httpx.Client(transport=httpx.MockTransport(lambda r: (
        httpx.Response(400, json={"error": "invalid_request", "error_description": "Invalid Authorization Code"})
        if r.url.path == "/token" else op.handle(r))))
    with pytest.raises(rp.ProviderError) as info:
        client.complete_login(login.pending, {"code": "c", "state": login.state})
    e = info.value
    assert (e.code, e.error, e.error_description, e.status, e.endpoint) == (
        "provider_error", "invalid_request", "Invalid Authorization Code", 400, "token")


def test_network_failure_is_typed(clock):
    def down(request):
        raise httpx.ConnectError("connection refused", request=request)

    config = rp.ThaiDConfig(issuer=ISSUER, client_id=CLIENT_ID, client_secret="s", redirect_uri="https://rp/cb")
    client = rp.ThaiDClient(config, http=httpx.Client(transport=httpx.MockTransport(down)), clock=clock)
    with pytest.raises(rp.NetworkError) as info:
        client.begin_login()
    assert info.value.code == "network_error" and info.value.endpoint == "discovery"


def test_discovery_issuer_must_match(op):
    op.issuer_in_discovery = ISSUER + "/"
    with pytest.raises(rp.IssuerMismatch) as info:
        op.client().begin_login()
    assert info.value.code == "discovery_issuer_mismatch"
    assert isinstance(info.value, rp.DiscoveryError)


def test_userinfo_sub_must_match_the_id_token(op):
    client = op.client()
    tokens = run_login(op, client).tokens
    assert client.userinfo(tokens)["sub"] == DEMO_PID
    op.userinfo_body = {"sub": "3100600445635"}
    with pytest.raises(rp.UserinfoSubMismatch) as info:
        client.userinfo(tokens)
    assert info.value.code == "userinfo_sub_mismatch" and info.value.expected == DEMO_PID
    op.userinfo_body = {"pid": DEMO_PID}
    with pytest.raises(rp.UserinfoError):
        client.userinfo(tokens)


def test_refreshed_id_token_must_name_the_same_subject(op):
    client = op.client()
    tokens = run_login(op, client).tokens
    op.forge(None, sub="3100600445635", pid="3100600445635")
    with pytest.raises(rp.IDTokenSubMismatch) as info:
        client.refresh(tokens)
    assert info.value.code == "id_token_sub_mismatch"
