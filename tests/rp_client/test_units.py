"""The pure parts: configuration, claims -> ThaiDIdentity, expires_at, errors, records."""
from __future__ import annotations

import datetime as dt

import pytest

import rp_client as rp
from rp_client import errors

BASE = {"client_id": "cid", "client_secret": "very-secret", "redirect_uri": "https://rp.example/cb"}


# --- configuration ---------------------------------------------------------------------
def test_defaults_are_production_es256_basic():
    cfg = rp.ThaiDConfig(**BASE)
    assert cfg.issuer == "https://imauth.bora.dopa.go.th" == rp.PRODUCTION_ISSUER
    assert cfg.id_token_algs == ("ES256",) and cfg.token_auth_method == "client_secret_basic"
    assert cfg.scopes == ("openid", "pid", "name") and cfg.expires_in_mode == "auto" and cfg.state_ttl == 600
    assert "very-secret" not in repr(cfg)


def test_one_setting_moves_between_production_sandbox_and_mock():
    assert rp.ThaiDConfig(**BASE, issuer="sandbox").issuer == "https://imauthsbx.bora.dopa.go.th"
    assert rp.ThaiDConfig(**BASE, issuer="http://127.0.0.1:8000").issuer == "http://127.0.0.1:8000"
    static = rp.ThaiDConfig(**BASE, issuer="sandbox", discovery=False).static_endpoints()
    assert static.token_endpoint == "https://imauthsbx.bora.dopa.go.th/api/v2/oauth2/token/"
    assert static.jwks_uri == "https://imauthsbx.bora.dopa.go.th/jwks/"


def test_from_env():
    env = {"THAID_CLIENT_ID": "cid", "THAID_CLIENT_SECRET": "s", "THAID_REDIRECT_URI": "https://rp/cb",
           "THAID_ISSUER": "sandbox", "THAID_SCOPES": "openid pid,name birthdate", "THAID_API_KEY": "k" * 40,
           "THAID_TOKEN_AUTH_METHOD": "client_secret_post", "THAID_DISCOVERY": "false", "THAID_LEEWAY": "30",
           "THAID_EXPIRES_IN_MODE": "absolute", "THAID_JWKS_MAX_AGE": "120.5", "UNRELATED": "x"}
    cfg = rp.ThaiDConfig.from_env(env)
    assert cfg.issuer == rp.SANDBOX_ISSUER and cfg.scopes == ("openid", "pid", "name", "birthdate")
    assert cfg.api_key == "k" * 40 and cfg.token_auth_method == "client_secret_post"
    assert (cfg.discovery, cfg.leeway, cfg.expires_in_mode, cfg.jwks_max_age) == (False, 30, "absolute", 120.5)
    assert rp.ThaiDConfig.from_env(env, leeway=5).leeway == 5


def test_from_env_static_endpoints():
    env = {"THAID_CLIENT_ID": "c", "THAID_CLIENT_SECRET": "s", "THAID_REDIRECT_URI": "https://rp/cb",
           "THAID_AUTHORIZATION_ENDPOINT": "https://op/a", "THAID_TOKEN_ENDPOINT": "https://op/t",
           "THAID_JWKS_URI": "https://op/k"}
    assert rp.ThaiDConfig.from_env(env).endpoints == rp.Endpoints("https://op/a", "https://op/t", "https://op/k")
    del env["THAID_JWKS_URI"]
    with pytest.raises(rp.ConfigError):
        rp.ThaiDConfig.from_env(env)


@pytest.mark.parametrize("env, field", [
    ({}, "client_id"),
    ({"THAID_CLIENT_ID": "c", "THAID_CLIENT_SECRET": "s", "THAID_REDIRECT_URI": "u", "THAID_LEEWAY": "x"}, "leeway"),
    ({"THAID_CLIENT_ID": "c", "THAID_CLIENT_SECRET": "s", "THAID_REDIRECT_URI": "u", "THAID_DISCOVERY": "maybe"},
     "discovery"),
])
def test_from_env_errors(env, field):
    with pytest.raises(rp.ConfigError) as info:
        rp.ThaiDConfig.from_env(env)
    assert info.value.field == field


@pytest.mark.parametrize("change, field", [
    ({"issuer": "imauth.bora.dopa.go.th"}, "issuer"), ({"token_auth_method": "private_key_jwt"}, "token_auth_method"),
    ({"expires_in_mode": "guess"}, "expires_in_mode"), ({"id_token_algs": ("RS256", "HS512")}, "id_token_algs"),
    ({"id_token_algs": ()}, "id_token_algs"), ({"scopes": ""}, "scopes"), ({"client_secret": ""}, "client_secret"),
    ({"leeway": -1}, "leeway"),
])
def test_config_validation(change, field):
    with pytest.raises(rp.ConfigError) as info:
        rp.ThaiDConfig(**{**BASE, **change})
    assert info.value.code == "config_invalid" and info.value.field == field


# --- identity ---------------------------------------------------------------------------
THAID = {"sub": "1234567890121", "pid": "1234567890121", "title": "นาง", "title_en": "Mrs.",
         "name": "นาง มาลี ใจดี", "smartcard_code": "1234-56-12345678", "date_of_issuance": "2020-01-02",
         "date_of_expiry": "2028-01-01", "birthdate": "1985-12-31", "address": {"formatted": "99/9 หมู่ 2"},
         "ial": "2.3", "gender": "female"}
CAMEL = dict(THAID)
for old, new in {"title": "titleTh", "title_en": "titleEn", "smartcard_code": "smartCardCode",
                 "date_of_issuance": "cardCreated", "date_of_expiry": "cardExpired"}.items():
    CAMEL[new] = CAMEL.pop(old)


@pytest.mark.parametrize("claims", [THAID, CAMEL], ids=["thaid", "camel"])
def test_both_claim_namings(claims):
    who = rp.ThaiDIdentity.from_claims(claims)
    assert (who.title, who.title_en, who.smartcard_code) == ("นาง", "Mrs.", "1234-56-12345678")
    assert (who.date_of_issuance, who.date_of_expiry) == (dt.date(2020, 1, 2), dt.date(2028, 1, 1))
    assert who.birthdate == dt.date(1985, 12, 31) and who.address == "99/9 หมู่ 2" and who.ial == "2.3"
    assert who.card_valid_on(dt.date(2027, 1, 1)) is True and who.card_valid_on(dt.date(2029, 1, 1)) is False
    assert rp.ThaiDIdentity.from_dict(who.to_dict()) == who


def test_identity_pid_falls_back_to_sub_and_missing_scopes_are_none():
    who = rp.ThaiDIdentity.from_claims({"sub": "1234567890121"})
    assert who.pid == "1234567890121" and who.name is None and who.birthdate is None
    assert who.display_name == "1234567890121"
    with pytest.raises(rp.IdentityError):
        rp.ThaiDIdentity.from_claims({"name": "x"})


@pytest.mark.parametrize("value", ["2533-13-01", "01/02/1990", "1990-1-1", 19900101, "1990-02-30"])
def test_bad_dates_are_identity_errors(value):
    with pytest.raises(rp.IdentityError) as info:
        rp.ThaiDIdentity.from_claims({"pid": "1234567890121", "birthdate": value})
    assert info.value.code == "identity_invalid" and info.value.claim == "birthdate"


def test_empty_dates_are_none_and_address_may_be_a_string():
    who = rp.ThaiDIdentity.from_claims({"pid": "1", "birthdate": "", "address": "plain"})
    assert who.birthdate is None and who.address == "plain"


# --- expires_at -------------------------------------------------------------------------
@pytest.mark.parametrize("body, mode, expected", [
    ({"expires_in": 1_800_000_900}, "auto", 1_800_000_900),
    ({"expires_in": 900}, "auto", 1_800_000_900),
    ({"expires_in": "900"}, "auto", 1_800_000_900),
    ({"expire_in": 1_800_000_900}, "auto", 1_800_000_900),
    ({"expires_in": 10**9}, "auto", 1_800_000_000 + 10**9),
    ({"expires_in": 10**9 + 1}, "auto", 10**9 + 1),
    ({"expires_in": 900}, "absolute", 900),
    ({"expires_in": 1_800_000_900}, "duration", 3_600_000_900),
    ({}, "auto", None),
])
def test_compute_expires_at(body, mode, expected):
    assert rp.compute_expires_at(body, 1_800_000_000, mode) == expected


@pytest.mark.parametrize("value", ["soon", -5])
def test_unusable_expires_in(value):
    with pytest.raises(rp.TokenResponseError):
        rp.compute_expires_at({"expires_in": value}, 0)


def test_token_set_round_trip():
    body = {"access_token": "a", "token_type": "bearer", "expires_in": 900, "scope": "pid name", "pid": "1"}
    tokens = rp.TokenSet.from_response(body, received_at=100.0)
    assert tokens.expires_at == 1000.0 and tokens.scope == ("pid", "name") and tokens.flat_claims == {"pid": "1"}
    again = rp.TokenSet.from_dict(tokens.to_dict())
    assert (again.access_token, again.expires_at, again.scope) == ("a", 1000.0, ("pid", "name"))
    with pytest.raises(rp.TokenResponseError):
        rp.TokenSet.from_response({"token_type": "Bearer"}, received_at=0)
    with pytest.raises(rp.TokenResponseError):
        rp.TokenSet.from_response({"access_token": "a", "token_type": "MAC"}, received_at=0)


def test_pending_login_round_trip():
    pending = rp.PendingLogin("s", "n", "v", 1.0, "https://rp/cb", ("openid", "pid"), next="/x")
    assert rp.PendingLogin.from_dict(pending.to_dict()) == pending


# --- errors -----------------------------------------------------------------------------
def test_every_error_has_a_unique_stable_code():
    classes = [getattr(errors, name) for name in errors.__all__]
    assert all(issubclass(c, rp.ThaiDError) for c in classes)
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes))
    assert {"state_mismatch", "id_token_invalid_signature", "id_token_wrong_issuer", "provider_error",
            "user_denied"} <= set(codes)


def test_errors_carry_data_not_messages():
    e = rp.ProviderError("x", error="invalid_request", error_description="d", status=400, endpoint="token")
    assert e.to_dict() == {"code": "provider_error", "message": "x", "error": "invalid_request",
                           "error_description": "d", "status": 400, "endpoint": "token"}
    with pytest.raises(TypeError):
        rp.ThaiDError("x", code="forged")


def test_jwks_refetch_policy_new_kids_are_picked_up_made_up_kids_are_capped():
    """A new kid (a rotation) forces one refetch even right after another kid did; the same
    kid never twice within the cooldown; at most MAX_FORCED refetches per cooldown window."""
    import pytest as _pytest

    from rp_client.errors import IDTokenUnknownKid
    from rp_client.jwks import MAX_FORCED, JWKSCache

    now = [1000.0]
    published = [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                  "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]
    cache = JWKSCache(lambda: {"keys": list(published)}, max_age=3600, cooldown=60, clock=lambda: now[0])
    cache.key_for("k1", "ES256")
    assert cache.fetch_count == 1
    with _pytest.raises(IDTokenUnknownKid):
        cache.key_for("rotated", "ES256")
    assert cache.fetch_count == 2
    published.append(dict(published[0], kid="rotated2"))
    now[0] += 1
    cache.key_for("rotated2", "ES256")  # a second new kid a second later is still fetched
    assert cache.fetch_count == 3
    with _pytest.raises(IDTokenUnknownKid):
        cache.key_for("rotated", "ES256")  # same unknown kid again: no refetch
    assert cache.fetch_count == 3
    for i in range(10):
        with _pytest.raises(IDTokenUnknownKid):
            cache.key_for(f"made-up-{i}", "ES256")
    assert cache.fetch_count == 1 + MAX_FORCED
    now[0] += 61
    with _pytest.raises(IDTokenUnknownKid):
        cache.key_for("made-up-0", "ES256")  # after the cooldown, allowed again
    assert cache.fetch_count == 2 + MAX_FORCED
