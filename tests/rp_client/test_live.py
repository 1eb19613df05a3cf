"""The client over real HTTP against a live mock (waitress on 127.0.0.1, port 0)."""
from __future__ import annotations

import datetime as dt
import threading

import httpx
import pytest
from conftest import LiveMock, make_app, start_live
from waitress.server import create_server

import rp_client as rp
from rp_testkit import ALL_SCOPES, DEMO_PID, mock_config

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live():
    server = start_live()
    yield server
    server.server.close()
    server.thread.join(2)


@pytest.fixture(scope="module")
def live_oidc_camel():
    server = start_live(profile="oidc", claim_naming="camel")
    yield server
    server.server.close()
    server.thread.join(2)


@pytest.fixture(scope="module")
def live_localhost():
    """The mock bound to 127.0.0.1 whose issuer is ``http://localhost:<port>``: the browser's
    URL differs from the server's, as in docker compose (start_live names 127.0.0.1 in both)."""
    holder: dict = {}
    server = create_server(lambda environ, start: holder["app"](environ, start), host="127.0.0.1", port=0, threads=4)
    holder["app"] = make_app(issuer=f"http://localhost:{server.effective_port}")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    live = LiveMock(f"http://localhost:{server.effective_port}", holder["app"], server, thread)
    yield live
    live.close()


def login_live(client: rp.ThaiDClient, pid: str = DEMO_PID) -> rp.LoginResult:
    login = client.begin_login()
    answer = httpx.get(login.url, headers={"X-Mock-Persona": pid}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return client.complete_login(login.pending, answer.headers["Location"])


@pytest.mark.parametrize("scopes", [ALL_SCOPES, ALL_SCOPES.replace("openid ", "")], ids=["id_token", "flat"])
def test_live_login_thaid_profile(live, scopes):
    with rp.ThaiDClient(mock_config(issuer=live.url, scopes=scopes)) as client:
        result = login_live(client)
        assert result.identity.pid == DEMO_PID and result.identity.birthdate == dt.date(1990, 1, 1)
        assert result.tokens.expires_at == result.tokens.raw["expires_in"] > 10**9
        assert client.introspect(result.tokens.access_token)["active"] is True
        fresh = client.refresh(result.tokens)
        assert client.userinfo(fresh, expected_sub=DEMO_PID)["sub"] == DEMO_PID
        client.revoke(fresh.refresh_token)
        with pytest.raises(rp.ProviderError):
            client.refresh(fresh)


def test_live_login_oidc_profile_camel_claims(live_oidc_camel):
    config = mock_config(issuer=live_oidc_camel.url, scopes=ALL_SCOPES)
    with rp.ThaiDClient(config) as client:
        before = client.clock()
        result = login_live(client)
        who = result.identity
        assert (who.title, who.title_en, who.smartcard_code) == ("นาย", "Mr.", "0711-03-82890366")
        assert (who.date_of_issuance, who.date_of_expiry) == (dt.date(2022, 7, 7), dt.date(2030, 1, 1))
        assert before + 900 <= result.tokens.expires_at <= client.clock() + 900
        assert client.userinfo(result.tokens)["sub"] == DEMO_PID


def test_live_user_denied(live):
    httpx.post(live.url + "/_mock/clients/demo-rp/next-decision", json={"decision": "deny"}).raise_for_status()
    with rp.ThaiDClient(mock_config(issuer=live.url)) as client:
        login = client.begin_login()
        answer = httpx.get(login.url, follow_redirects=False)
        with pytest.raises(rp.UserDenied):
            client.complete_login(login.pending, answer.headers["Location"])


def test_live_key_rotation_is_followed(live):
    with rp.ThaiDClient(mock_config(issuer=live.url, jwks_refetch_cooldown=0)) as client:
        login_live(client)
        httpx.post(live.url + "/_mock/keys/rotate").raise_for_status()
        assert login_live(client).identity.pid == DEMO_PID
        assert client.jwks.fetch_count == 2


def test_live_login_through_the_backchannel_url(live_localhost):
    """Issuer http://localhost:<port> for the browser; the server reaches 127.0.0.1:<port>."""
    back = f"http://127.0.0.1:{live_localhost.server.effective_port}"
    contacted: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda r: contacted.append(f"{r.url.scheme}://{r.url.netloc.decode()}")]})
    config = mock_config(issuer=live_localhost.url, backchannel_url=back, scopes=ALL_SCOPES)
    try:
        with rp.ThaiDClient(config, http=http) as client:
            assert client.metadata().authorization_endpoint.startswith(live_localhost.url + "/")  # the browser's URL
            result = login_live(client, "1057830862719")
            assert result.identity.pid == "1057830862719"
            assert result.tokens.id_token_claims["iss"] == live_localhost.url
            assert client.userinfo(result.tokens)["sub"] == "1057830862719"
            assert client.introspect(result.tokens.access_token)["active"] is True
            client.revoke(result.tokens.refresh_token)
    finally:
        http.close()
    assert len(contacted) >= 6 and set(contacted) == {back}  # discovery, JWKS, token, userinfo, introspect, revoke
