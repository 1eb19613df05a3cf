"""backchannel_url: the server reaches the provider at another base URL than the browser
(containers: issuer http://localhost:8000, server-side http://mock:8000). Every back-channel
request goes there; the issuer stays what ``iss`` is checked against and what the browser sees."""
from __future__ import annotations

import httpx
import pytest

import rp_client as rp
from rp_client.http import Http
from rp_testkit import CLIENT_ID, DEMO_PID, ISSUER, FakeProvider

BACK = "http://op-internal:9000"


@pytest.fixture
def op(clock) -> FakeProvider:
    return FakeProvider(clock)


def routed_client(op: FakeProvider, seen: list[httpx.URL], **settings) -> rp.ThaiDClient:
    """The fake provider behind a transport that records every URL the client contacts."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.path.rstrip("/").endswith("/introspect"):
            return httpx.Response(200, json={"active": True})
        if request.url.path.rstrip("/").endswith("/revoke"):
            return httpx.Response(200)
        return op.handle(request)

    config = rp.ThaiDConfig(issuer=ISSUER, client_id=CLIENT_ID, client_secret="s3cret", redirect_uri="https://rp/cb",
                            scopes="openid pid", **settings)
    return rp.ThaiDClient(config, http=httpx.Client(transport=httpx.MockTransport(handle)), clock=op.clock)


def test_every_back_channel_request_goes_to_the_backchannel_url(op):
    seen: list[httpx.URL] = []
    with routed_client(op, seen, backchannel_url=BACK + "/") as client:
        login = client.begin_login()
        assert login.url.startswith(ISSUER + "/authorize?")  # the browser still goes to the issuer
        op.forge(login.nonce)
        result = client.complete_login(login.pending, {"code": "c-1", "state": login.state})
        assert result.tokens.id_token_claims["iss"] == ISSUER and result.identity.pid == DEMO_PID
        assert client.introspect(result.tokens.access_token)["active"] is True
        assert client.userinfo(result.tokens)["sub"] == DEMO_PID
        client.revoke(result.tokens.access_token)
    assert {u.path for u in seen} == {"/.well-known/openid-configuration", "/jwks", "/token", "/introspect",
                                      "/userinfo", "/revoke"}
    assert {f"{u.scheme}://{u.netloc.decode()}" for u in seen} == {BACK}


def test_the_iss_check_still_uses_the_issuer(op):
    seen: list[httpx.URL] = []
    with routed_client(op, seen, backchannel_url=BACK) as client:
        login = client.begin_login()
        op.forge(login.nonce, iss=BACK)  # a token naming the back-channel host is still refused
        with pytest.raises(rp.IDTokenWrongIssuer) as info:
            client.complete_login(login.pending, {"code": "c-1", "state": login.state})
    assert info.value.expected == ISSUER and info.value.actual == BACK


def test_without_backchannel_url_the_issuer_is_contacted(op):
    seen: list[httpx.URL] = []
    with routed_client(op, seen) as client:
        client.metadata()
    assert [str(u) for u in seen] == [ISSUER + "/.well-known/openid-configuration"]


def test_static_endpoints_under_the_issuer_are_routed_too(op):
    seen: list[httpx.URL] = []
    with routed_client(op, seen, discovery=False, backchannel_url=BACK) as client:
        assert client.begin_login().url.startswith(ISSUER + "/api/v2/oauth2/auth/?")
        assert client.introspect("at-1")["active"] is True
    assert [str(u) for u in seen] == [BACK + "/api/v2/oauth2/introspect/"]


def config(**settings) -> rp.ThaiDConfig:
    return rp.ThaiDConfig(issuer="http://localhost:8000", client_id="c", client_secret="s", redirect_uri="http://x/cb",
                          **settings)


@pytest.mark.parametrize("url, routed", [
    ("http://localhost:8000/jwks/", "http://mock:8000/jwks/"),
    ("http://localhost:8000", "http://mock:8000"),
    ("http://localhost:8000?x=1", "http://mock:8000?x=1"),
    ("http://localhost:80001/jwks/", "http://localhost:80001/jwks/"),  # another port is not the issuer
    ("https://elsewhere.example/token", "https://elsewhere.example/token"),
])
def test_route(url, routed):
    assert Http(config(backchannel_url="http://mock:8000")).route(url) == routed


@pytest.mark.parametrize("raw, kept", [("", ""), ("http://mock:8000/", "http://mock:8000"),
                                       ("https://mock.internal/base", "https://mock.internal/base")])
def test_backchannel_url_is_normalised(raw, kept):
    assert config(backchannel_url=raw).backchannel_url == kept


@pytest.mark.parametrize("bad", ["mock:8000", "ftp://mock", "http://", "http://mock:8000//", "http://mock?x=1"])
def test_backchannel_url_must_be_an_http_base_url(bad):
    with pytest.raises(rp.ConfigError) as info:
        config(backchannel_url=bad)
    assert info.value.field == "backchannel_url"


def test_backchannel_url_from_the_environment():
    env = {"THAID_CLIENT_ID": "c", "THAID_CLIENT_SECRET": "s", "THAID_REDIRECT_URI": "http://x/cb",
           "THAID_ISSUER": "http://localhost:8000", "THAID_BACKCHANNEL_URL": "http://mock:8000/"}
    assert rp.ThaiDConfig.from_env(env).backchannel_url == "http://mock:8000"
    assert rp.ThaiDConfig.from_env({k: v for k, v in env.items() if k != "THAID_BACKCHANNEL_URL"}).backchannel_url == ""


def test_a_network_error_names_both_urls():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = rp.ThaiDClient(config(backchannel_url="http://mock:8000"),
                            http=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(rp.NetworkError) as info:
        client.metadata()
    assert info.value.url == "http://mock:8000/.well-known/openid-configuration"
    assert "http://localhost:8000/.well-known/openid-configuration" in str(info.value)
