"""Full logins against mock_thaid in process (httpx.WSGITransport): both token-response
shapes, both claim namings, both expires_in conventions, refresh, revoke, introspect,
userinfo, client authentication options."""
from __future__ import annotations

import datetime as dt

import httpx
import pytest
from conftest import make_app

import rp_client as rp
from rp_testkit import ALL_SCOPES, DEMO_PID, DEMO_RP, headless_login, mock_config, wsgi_http


def setup(scopes: str = "openid pid name", mock: dict | None = None, clock=None, **settings):
    app = make_app(**(mock or {}))
    http = wsgi_http(app)
    kwargs = {"clock": clock} if clock else {}
    client = rp.ThaiDClient(mock_config(scopes=scopes, **settings), http=http, **kwargs)
    return client, http


@pytest.mark.parametrize("naming", ["thaid", "camel"])
@pytest.mark.parametrize("openid", [True, False], ids=["id_token", "flat"])
def test_login_all_claims(naming, openid):
    scopes = ALL_SCOPES if openid else ALL_SCOPES.replace("openid ", "")
    client, http = setup(scopes, mock={"claim_naming": naming})
    result = headless_login(client, http)
    who = result.identity
    assert who.pid == DEMO_PID
    assert (who.title, who.title_en, who.name, who.name_en) == ("นาย", "Mr.", "นาย ทดสอบ ระบบ", "Mr. Test System")
    assert (who.given_name, who.middle_name, who.family_name) == ("ทดสอบ", "", "ระบบ")
    assert (who.given_name_en, who.family_name_en, who.gender) == ("Test", "System", "male")
    assert who.birthdate == dt.date(1990, 1, 1)
    assert who.address == "1 หมู่ 1 ต.ระแหง อ.เมืองตาก จ.ตาก 63000"
    assert who.smartcard_code == "0711-03-82890366" and who.ial == "2.3"
    assert (who.date_of_issuance, who.date_of_expiry) == (dt.date(2022, 7, 7), dt.date(2030, 1, 1))
    if naming == "camel":
        assert "titleTh" in who.claims and "title" not in who.claims
    if openid:
        assert result.tokens.id_token and result.tokens.sub == DEMO_PID and who.sub == DEMO_PID
    else:
        assert result.tokens.id_token is None and who.sub is None
        assert result.tokens.flat_claims["pid"] == DEMO_PID


def test_thaid_profile_expires_in_is_absolute(clock):
    client, http = setup(clock=clock)
    tokens = headless_login(client, http).tokens
    raw = tokens.raw["expires_in"]
    assert raw > 10**9
    assert tokens.expires_at == raw
    assert abs(tokens.expires_at - (clock() + 900)) < 5
    assert not tokens.is_expired(now=clock())
    assert tokens.is_expired(now=clock() + 901)


def test_oidc_profile_expires_in_is_a_duration(clock):
    client, http = setup(mock={"profile": "oidc"}, clock=clock)
    tokens = headless_login(client, http).tokens
    assert tokens.raw["expires_in"] == 900
    assert tokens.expires_at == clock() + 900


def test_the_manuals_expire_in_spelling_is_read(clock):
    client, http = setup(mock={"expires_in_field": "expire_in"}, clock=clock)
    tokens = headless_login(client, http).tokens
    assert "expires_in" not in tokens.raw and tokens.expires_at == tokens.raw["expire_in"]


def test_expires_in_mode_can_be_forced(clock):
    client, http = setup(mock={"profile": "oidc"}, clock=clock, expires_in_mode="absolute")
    assert headless_login(client, http).tokens.expires_at == 900  # forced: read as an epoch


def test_refresh_revoke_introspect_userinfo():
    client, http = setup("openid pid name birthdate")
    tokens = headless_login(client, http).tokens
    info = client.introspect(tokens.access_token)
    assert info["active"] is True and info["sub"] == DEMO_PID
    assert client.userinfo(tokens)["sub"] == DEMO_PID
    with pytest.raises(rp.UserinfoSubMismatch):
        client.userinfo(tokens, expected_sub="3100600445635")

    fresh = client.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token and fresh.refresh_token != tokens.refresh_token
    assert fresh.sub == DEMO_PID and fresh.expires_at >= tokens.expires_at
    assert client.identity_from(fresh).birthdate == dt.date(1990, 1, 1)
    with pytest.raises(rp.ProviderError) as info:  # the mock rotates refresh tokens
        client.refresh(tokens)
    assert info.value.error == "invalid_refresh_token" and info.value.status == 401

    client.revoke(fresh.access_token, token_type_hint="access_token")
    assert client.introspect(fresh.access_token)["active"] is False
    with pytest.raises(rp.ProviderError) as info:
        client.userinfo(fresh)
    assert info.value.error == "invalid_token" and info.value.endpoint == "userinfo"


def test_bad_code_is_thaids_invalid_request():
    client, http = setup()
    login = client.begin_login()
    with pytest.raises(rp.ProviderError) as info:
        client.complete_login(login.pending, {"code": "x" * 32, "state": login.state})
    assert (info.value.error, info.value.status) == ("invalid_request", 400)


def test_client_secret_post():
    client, http = setup(token_auth_method="client_secret_post")
    assert headless_login(client, http).identity.pid == DEMO_PID


def test_api_key_header_is_sent_when_configured():
    strict = {"client_id": "strict-rp", "client_secret": "strict-rp-secret-TEST-ONLY",
              "redirect_uri": "http://127.0.0.1:8080/callback"}
    app = make_app()
    http = wsgi_http(app)
    client = rp.ThaiDClient(mock_config(rp=strict, api_key="strict-rp-apikey-TEST-ONLY"), http=http)
    assert headless_login(client, http).identity.pid == DEMO_PID  # also proves PKCE S256 works
    no_key = rp.ThaiDClient(mock_config(rp=strict), http=http)
    with pytest.raises(rp.ProviderError) as info:
        headless_login(no_key, http)
    assert info.value.error == "unauthorized_client"


def test_static_endpoints_without_discovery():
    app = make_app()
    seen: list[str] = []
    inner = httpx.WSGITransport(app=app)

    def spy(request):
        seen.append(request.url.path)
        return inner.handle_request(request)

    http = httpx.Client(transport=httpx.MockTransport(spy))
    client = rp.ThaiDClient(mock_config(discovery=False), http=http)
    assert client.metadata().token_endpoint == "http://mock.test/api/v2/oauth2/token/"
    assert headless_login(client, http).identity.pid == DEMO_PID
    assert "/.well-known/openid-configuration" not in seen


def test_discovery_is_cached_for_its_ttl(clock):
    app = make_app()
    inner = httpx.WSGITransport(app=app)
    count = {"n": 0}

    def spy(request):
        count["n"] += request.url.path == "/.well-known/openid-configuration"
        return inner.handle_request(request)

    client = rp.ThaiDClient(mock_config(discovery_ttl=300), http=httpx.Client(transport=httpx.MockTransport(spy)),
                            clock=clock)
    client.begin_login()
    client.begin_login()
    assert count["n"] == 1
    clock.advance(301)
    client.begin_login()
    assert count["n"] == 2


def test_user_denied_from_the_mock():
    app = make_app()
    http = wsgi_http(app)
    r = http.post("http://mock.test/_mock/clients/demo-rp/next-decision", json={"decision": "deny"})
    assert r.status_code == 200
    client = rp.ThaiDClient(mock_config(), http=http)
    login = client.begin_login()
    answer = http.get(login.url)  # no persona: the queued decision answers
    assert answer.status_code == 302
    with pytest.raises(rp.UserDenied) as info:
        client.complete_login(login.pending, answer.headers["Location"])
    assert info.value.error == "user_denied" and info.value.state == login.state


def test_the_authorization_url():
    client, _ = setup("openid pid name")
    login = client.begin_login(next="/x")
    params = rp.callback_params(login.url)
    assert login.url.startswith("http://mock.test/api/v2/oauth2/auth/?")
    assert params["scope"] == "openid pid name" and "%20" in login.url
    assert params["client_id"] == DEMO_RP["client_id"] and params["redirect_uri"] == DEMO_RP["redirect_uri"]
    assert params["code_challenge"] == rp.s256(login.pending.code_verifier)
    assert params["code_challenge_method"] == "S256"
    assert params["state"] == login.state and params["nonce"] == login.nonce
    assert len(login.state) >= 32 and login.state != login.nonce
