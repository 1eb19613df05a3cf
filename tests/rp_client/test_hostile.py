"""A hostile provider gets nothing but typed errors out of rp_client (issue 13, part A).

Each attack the issue measured has its own case (a numeric or empty ``kid``, an unknown
``crit``, ``exp: NaN``/``1e999``, a 30 MB answer, ``pid`` ≠ ``sub``...), then Hypothesis
feeds random headers, claims and bodies, signed with the fake provider's key where a
signature is needed, and asserts that only ``ThaiDError`` subclasses come out: never a bare
PyJWT, json, ValueError, TypeError, OverflowError or RecursionError.
"""
from __future__ import annotations

import gzip
import json
import os

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rp_client as rp
from rp_client.idtoken import check_claims
from rp_testkit import DEMO_PID, ISSUER, CLIENT_ID, FakeClock, FakeProvider, es256_signer, raw_jws_text

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MIB = 1024 * 1024


def login(op: FakeProvider, make_token=None, client: rp.ThaiDClient | None = None) -> rp.LoginResult:
    """One login against ``op``; ``make_token(nonce)`` gives the ID token /token serves."""
    client = client or op.client()
    begun = client.begin_login()
    if make_token is not None:
        op.id_token = make_token(begun.nonce)
    return client.complete_login(begun.pending, {"code": "c", "state": begun.state})


def signed(op: FakeProvider, header: dict | str, claims: dict | str) -> str:
    """A JWS over this header and payload (dicts are dumped as Python does: NaN stays NaN)."""
    text = [part if isinstance(part, str) else json.dumps(part) for part in (header, claims)]
    return raw_jws_text(text[0], text[1], es256_signer(op.key))


def refused(op: FakeProvider, error: type[rp.ThaiDError], code: str, make_token=None, **client) -> rp.ThaiDError:
    with pytest.raises(error) as info:
        login(op, make_token, op.client(**client) if client else None)
    assert info.value.code == code
    return info.value


@pytest.fixture
def op(clock: FakeClock) -> FakeProvider:
    return FakeProvider(clock)


# --- the header --------------------------------------------------------------------------
@pytest.mark.parametrize("kid", [7, 0, 1.5, "", None, ["k1"], {"k": 1}, "k" * 257])
def test_a_kid_that_is_not_a_short_string_is_refused(op, kid):
    e = refused(op, rp.IDTokenBadKid, "id_token_bad_kid",
                lambda nonce: signed(op, {"alg": "ES256", "kid": kid}, op.claims(nonce)))
    assert e.kid_type == type(kid).__name__
    assert op.hits["/jwks"] == 0  # refused before any key is looked up


@pytest.mark.parametrize("extra", [{"crit": ["exp"]}, {"crit": ["b64"], "b64": False}, {"crit": []},
                                   {"crit": "x"}, {"crit": None}, {"b64": True}])
def test_any_crit_is_refused(op, extra):
    refused(op, rp.IDTokenCritUnsupported, "id_token_crit_unsupported",
            lambda nonce: signed(op, {"alg": "ES256", "kid": op.kid, **extra}, op.claims(nonce)))


@pytest.mark.parametrize("header", ['{"alg":"ES256","alg":"none","kid":"k1"}', '[1]', '{"alg": NaN}', "",
                                    '{"alg":"ES256","kid":"\\ud800"}'])
def test_a_header_that_is_not_strict_json_is_malformed(op, header):
    refused(op, rp.IDTokenMalformed, "id_token_malformed", lambda nonce: signed(op, header, op.claims(nonce)))


@pytest.mark.parametrize("token", ["a.b", "a.b.c.d", "é.b.c", "eyJhbGciOiJFUzI1NiJ9.e30.!!", "eyJhbGciOiJFUzI1NiJ9=.e30.AA",
                                   "eyJhbGciOiJFUzI1NiJ9.e30.A"])
def test_broken_compact_serialisations_are_malformed(op, token):
    refused(op, rp.IDTokenMalformed, "id_token_malformed", lambda nonce: token)


def test_an_id_token_over_the_limit_is_refused_unread(op, clock):
    client = op.client()
    token = signed(op, {"alg": "ES256", "kid": op.kid}, op.claims("n", name="ก" * 600_000))
    with pytest.raises(rp.IDTokenTooLarge) as info:
        rp.verify_id_token(token, keys=client.jwks, issuer=ISSUER, client_id=CLIENT_ID, algorithms=("ES256",),
                           now=clock(), leeway=60, nonce="n", max_bytes=MIB)
    assert info.value.code == "id_token_too_large" and info.value.limit == MIB
    assert op.hits["/jwks"] == 0


# --- the claims --------------------------------------------------------------------------
@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_non_finite_times_are_not_even_json(op, claim, literal):
    """``exp: NaN`` / ``1e999`` used to be accepted: a token that never expires."""
    def token(nonce):
        claims = json.dumps(op.claims(nonce, **{claim: "@@"})).replace('"@@"', literal)
        return signed(op, {"alg": "ES256", "kid": op.kid}, claims)
    e = refused(op, rp.IDTokenMalformed, "id_token_malformed", token)
    assert "strict JSON" in str(e)


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ["900", True, -1, 10**400, 253402300800, [1], {"a": 1}, 1.5e300])
def test_times_that_are_no_number_of_seconds_are_refused(op, clock, claim, value):
    e = refused(op, rp.IDTokenInvalidTime, "id_token_invalid_time",
                lambda nonce: signed(op, {"alg": "ES256", "kid": op.kid}, op.claims(nonce, **{claim: value})))
    assert e.claim == claim


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_check_claims_refuses_non_finite_times_handed_to_it_directly(op, value):
    claims = op.claims(None, exp=value)
    with pytest.raises(rp.IDTokenInvalidTime):
        check_claims(claims, issuer=ISSUER, client_id=CLIENT_ID, now=op.clock(), leeway=60, nonce=None)


@pytest.mark.parametrize("pid", ["3100600445635", 1234567890121, "", None])
def test_pid_must_be_sub(op, pid):
    """A signed token with pid ≠ sub used to log in as the pid."""
    token = lambda nonce: signed(op, {"alg": "ES256", "kid": op.kid}, {**op.claims(nonce), "pid": pid})  # noqa: E731
    refused(op, rp.IDTokenPidMismatch, "id_token_pid_mismatch", token)


def test_flat_claims_and_userinfo_with_pid_not_sub_name_nobody():
    with pytest.raises(rp.IdentityPidMismatch) as info:
        rp.ThaiDIdentity.from_claims({"sub": DEMO_PID, "pid": "3100600445635"})
    assert info.value.code == "identity_pid_mismatch" and isinstance(info.value, rp.IdentityError)
    assert rp.ThaiDIdentity.from_claims({"pid": DEMO_PID}).pid == DEMO_PID  # ThaiD's flat claims: no sub


@pytest.mark.parametrize("payload", [
    '{"sub":"1234567890121","sub":"3100600445635"}',         # two parsers, two people
    '{"nonce":"\\ud800"}',                                   # not Unicode text
    '{"x":' + "[" * 40 + "]" * 40 + "}",                     # nested past any reason
    '{"x":' + "[" * 100_000 + "]" * 100_000 + "}",           # past Python's recursion limit
    "[1, 2]", "null", '"text"', "{", "\xff",
])
def test_a_payload_that_is_not_strict_json_is_malformed(op, payload):
    refused(op, rp.IDTokenMalformed, "id_token_malformed",
            lambda nonce: signed(op, {"alg": "ES256", "kid": op.kid}, payload))


# --- HTTP answers ------------------------------------------------------------------------
def _stream(total: int, read: list[int]):
    chunk = b" " * 65536
    for _ in range(total // len(chunk)):
        read.append(len(chunk))
        yield chunk


def test_a_30_mb_token_response_is_cut_off_while_streaming(op):
    read: list[int] = []
    op.token_answer = httpx.Response(200, headers={"Content-Type": "application/json"},
                                     content=_stream(30 * MIB, read))
    e = refused(op, rp.ResponseTooLarge, "response_too_large")
    assert e.endpoint == "token" and e.limit == MIB
    assert sum(read) <= MIB + 65536  # stopped at the limit, not after reading 30 MB


def test_a_declared_content_length_over_the_limit_is_refused_before_reading(op):
    read: list[int] = []
    op.token_answer = httpx.Response(200, headers={"Content-Length": str(30 * MIB)}, content=_stream(MIB, read))
    refused(op, rp.ResponseTooLarge, "response_too_large")
    assert read == []


def test_the_limit_is_a_setting(op):
    assert rp.ThaiDConfig.from_env({"THAID_CLIENT_ID": "c", "THAID_CLIENT_SECRET": "s",
                                    "THAID_REDIRECT_URI": "https://rp/cb",
                                    "THAID_MAX_RESPONSE_BYTES": "4096"}).max_response_bytes == 4096
    with pytest.raises(rp.ConfigError):
        rp.ThaiDConfig(client_id="c", client_secret="s", redirect_uri="https://rp/cb", max_response_bytes=10)
    login(op, lambda nonce: op.forge(nonce, name="ก" * 3000))  # about 13 kB: fine under 1 MiB
    refused(op, rp.ResponseTooLarge, "response_too_large", lambda nonce: op.forge(nonce, name="ก" * 3000),
            max_response_bytes=4096)


def test_a_gzip_bomb_is_inflated_only_up_to_the_limit(op):
    bomb = gzip.compress(b"{" + b" " * (50 * MIB) + b"}")
    assert len(bomb) < 100_000
    stream = httpx.ByteStream(bomb)  # a real stream: httpx leaves the inflating to rp_client
    op.token_answer = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=stream)
    refused(op, rp.ResponseTooLarge, "response_too_large")


def test_a_small_gzip_answer_is_fine_and_an_unasked_encoding_is_not(op):
    good = {"access_token": op.access_token, "token_type": "Bearer", "expires_in": 900, "scope": "openid pid"}

    def answer(encoding: str, body: bytes) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": encoding}, stream=httpx.ByteStream(body))

    def token(nonce):
        op.token_answer = answer("gzip", gzip.compress(json.dumps({**good, "id_token": op.forge(nonce)}).encode()))
        return op.id_token
    assert login(op, token).identity.pid == DEMO_PID
    op.token_answer = answer("br", b"\x00")
    refused(op, rp.ProviderResponseError, "provider_bad_response")


@pytest.mark.parametrize("body", [b'{"access_token":"a","token_type":"Bearer","expires_in":NaN}',
                                  b'{"access_token":"a","access_token":"b","token_type":"Bearer"}',
                                  b"\xef\xbb\xbf{}", b"[]", b"", b"\xff\xfe"])
def test_token_bodies_that_are_not_strict_json(op, body):
    op.token_answer = body
    refused(op, rp.ProviderResponseError, "provider_bad_response")


@pytest.mark.parametrize("expires_in", ["inf", "nan", "1e999", 10**400, -5, True, [900], "soon", 1e300])
def test_expires_in_that_is_no_time(op, expires_in):
    op.token_body = {"access_token": op.access_token, "token_type": "Bearer", "expires_in": expires_in}
    refused(op, rp.TokenResponseError, "token_response_invalid", scopes="pid")


@pytest.mark.parametrize("field,value", [("token_type", ["Bearer"]), ("scope", ["openid"]), ("access_token", 7)])
def test_token_fields_of_the_wrong_type(op, field, value):
    op.token_body = {"access_token": op.access_token, "token_type": "Bearer", "expires_in": 900, field: value}
    refused(op, rp.TokenResponseError, "token_response_invalid", scopes="pid")


@pytest.mark.parametrize("jwk", [{"kty": "EC", "crv": "P-256", "x": 123, "y": []},
                                 {"kty": "EC", "crv": "P-256", "x": "é", "y": "AA"},
                                 {"kty": "EC", "crv": "P-256"}, {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}])
def test_a_broken_key_in_the_key_set(op, jwk):
    op.jwks = {"keys": [{**jwk, "kid": op.kid}]}
    refused(op, rp.JWKSError, "jwks_fetch_failed", lambda nonce: op.forge(nonce))


@pytest.mark.parametrize("url", ["relative/path", "ftp://x/y", "http://x/\u0000", "http://x/a b", "http://[bad",
                                 "http://a:99999/", "javascript:alert(1)", "http:///nohost", 7, ["http://x"]])
@pytest.mark.parametrize("key", ["token_endpoint", "jwks_uri", "revocation_endpoint"])
def test_discovered_endpoints_must_be_urls(op, key, url):
    op.discovery = lambda: {**FakeProvider.discovery(op), key: url}
    with pytest.raises(rp.DiscoveryError) as info:
        op.client().begin_login()
    assert info.value.code == "discovery_failed"
    assert info.value.data.get("invalid", info.value.data.get("missing")) == [key]  # a non-string: "missing"


def test_a_configured_endpoint_that_is_no_url_is_a_network_error(op):
    endpoints = rp.Endpoints(authorization_endpoint=ISSUER + "/authorize", token_endpoint="relative/token",
                             jwks_uri=ISSUER + "/jwks")
    with pytest.raises(rp.NetworkError) as info:
        login(op, op.forge, op.client(discovery=False, endpoints=endpoints))
    assert info.value.reason == "invalid_url" and info.value.endpoint == "token"


# --- Hypothesis: anything in, only ThaiDError out ----------------------------------------
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from([10**400, -(10**30), 2**63]),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
                      st.sampled_from(["\ud800", "", "k1", "ES256", "none", ISSUER, CLIENT_ID, DEMO_PID]))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
RAW_NUMBERS = ["1e999", "-1e999", "NaN", "Infinity", "1" * 5000, "-0", "1E400", "0.0000001"]
CLAIMS = ["iss", "aud", "sub", "pid", "exp", "iat", "nbf", "nonce", "at_hash", "azp", "auth_time", "name",
          "birthdate", "address", "title", "ial", "date_of_expiry"]


def _time_value(now: int):
    return st.one_of(st.integers(now - 4000, now + 4000), st.floats(now - 4000.0, now + 4000.0), json_leaf,
                     st.sampled_from([0, -1, 253402300799, 253402300800, 10**400, 1e300, "900", True]))


def _often(draw, percent: int) -> bool:
    return draw(st.integers(0, 99)) >= 100 - percent  # 0, where Hypothesis starts and shrinks to, is "no"


@st.composite
def hostile_token(draw, op: FakeProvider, nonce: str) -> str:
    """Mostly a nearly good token with a few things wrong, so that every check gets its turn."""
    now = int(op.clock())
    header: dict = {"alg": "ES256"}
    if _often(draw, 10):
        header["alg"] = draw(st.sampled_from(["none", "HS256", "RS256", "ES384", "es256"]) | json_leaf)
    if not _often(draw, 10):
        header["kid"] = op.kid if not _often(draw, 15) else draw(st.sampled_from(["", "other"]) | json_value)
    if _often(draw, 15):
        header.update(draw(st.dictionaries(st.sampled_from(["crit", "b64", "typ", "jku", "cty"]) | st.text(max_size=4),
                                           json_value, min_size=1, max_size=2)))
    claims = op.claims(nonce)
    for name in draw(st.lists(st.sampled_from(CLAIMS) | st.text(max_size=5), max_size=3)):
        if _often(draw, 20):
            claims.pop(name, None)
        elif name in ("exp", "iat", "nbf", "auth_time"):
            claims[name] = draw(_time_value(now))
        elif name in ("sub", "pid"):
            claims[name] = draw(st.sampled_from([DEMO_PID, "3100600445635", ""]) | json_leaf)
        else:
            claims[name] = draw(json_value)
    payload = json.dumps(claims)
    if _often(draw, 10):
        name = draw(st.sampled_from(["exp", "iat", "nbf", "sub", "x"]))
        payload = payload[:-1] + f', "{name}": {draw(st.sampled_from(RAW_NUMBERS))}}}'  # may repeat a name
    if _often(draw, 4):
        return draw(st.text(min_size=1, max_size=60) | st.sampled_from(["..", "a.b.c", payload]))
    head = json.dumps(header) if not _often(draw, 4) else draw(st.text(max_size=30))
    return raw_jws_text(head, payload, es256_signer(op.key))


@FUZZ
@given(data=st.data())
def test_random_headers_and_claims_give_only_typed_errors(data):
    op = FakeProvider(FakeClock())
    client = op.client(scopes="openid pid name")
    begun = client.begin_login()
    op.id_token = data.draw(hostile_token(op, begun.nonce))
    try:
        result = client.complete_login(begun.pending, {"code": "c", "state": begun.state})
    except rp.ThaiDError:
        return
    claims = result.tokens.id_token_claims  # accepted: then it really is a good token
    assert claims["sub"] == result.identity.pid and claims.get("pid", claims["sub"]) == claims["sub"]
    assert isinstance(claims["exp"], (int, float)) and op.clock() <= claims["exp"] + 60 < 253402300800
    json.dumps(result.identity.to_dict())  # fit for a session


body_bytes = st.one_of(
    st.binary(max_size=200),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(["access_token", "token_type", "expires_in", "expire_in", "scope", "id_token",
                                     "refresh_token", "pid", "sub", "name", "error", "error_description"]),
                    json_value, max_size=6).map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b'{"access_token":"a","expires_in":1e999}', b'{"access_token":"a","expires_in":NaN}',
                     b"[" * 5000 + b"]" * 5000, b'{"a":1,"a":2}']),
)


@FUZZ
@given(where=st.sampled_from(["/token", "/jwks", "/.well-known/openid-configuration", "/userinfo", "/introspect",
                              "/revoke"]),
       status=st.sampled_from([200, 200, 200, 201, 204, 302, 400, 401, 500, 503]), body=body_bytes,
       scopes=st.sampled_from(["openid pid", "pid name"]),
       encoding=st.sampled_from([None, None, "gzip", "deflate", "br", "identity"]))
def test_random_answers_from_every_endpoint_give_only_typed_errors(where, status, body, scopes, encoding):
    op = FakeProvider(FakeClock())
    normal = op.handle
    headers = {"Content-Encoding": encoding} if encoding else {}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path != where:
            return normal(request)
        op.hits[where] += 1
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))

    client = op.client(scopes=scopes)
    client._http.client = httpx.Client(transport=httpx.MockTransport(handle))
    try:
        begun = client.begin_login()
        op.forge(begun.nonce)
        tokens = client.complete_login(begun.pending, {"code": "c", "state": begun.state}).tokens
        client.userinfo(tokens)
        client.introspect(tokens.access_token)
        client.revoke(tokens.access_token)
        client.refresh(tokens)
    except rp.ThaiDError:
        pass


url_like = st.one_of(st.sampled_from([ISSUER + "/token", ISSUER + "/jwks", "http://[x", "relative", "http://x/\x00",
                                      "https://op.example:0/", "http://xn--/", "http://a:99999/"]),
                     st.text(max_size=30), st.text(max_size=20).map(lambda t: "http://" + t))


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                                                "userinfo_endpoint", "revocation_endpoint", "introspection_endpoint"]),
                               url_like | st.sampled_from([None, 7, True, [], {}]), max_size=3))
def test_random_discovery_documents_give_only_typed_errors(changes):
    op = FakeProvider(FakeClock())
    op.discovery = lambda: {**FakeProvider.discovery(op), **changes}
    client = op.client()
    try:
        tokens = login(op, op.forge, client).tokens
        client.userinfo(tokens)
        client.introspect(tokens.access_token)
        rp.revoke_tokens(client, tokens)
    except rp.ThaiDError:
        pass


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["code", "state", "iss", "error", "error_description", "x"]),
                              st.text(max_size=20) | st.sampled_from(["\ud800", ISSUER, "user_denied"]), max_size=4))
def test_random_callbacks_give_only_typed_errors(params):
    op = FakeProvider(FakeClock())
    client = op.client()
    begun = client.begin_login()
    op.forge(begun.nonce)
    try:
        client.complete_login(begun.pending, params)
    except rp.ThaiDError:
        pass
