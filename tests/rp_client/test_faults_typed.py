"""Every named fault of the mock, seen through rp_client: the exact typed error and ``.code``
it raises (or the login that still works).

Parametrized over ``mock_thaid.faults.REGISTRY``: a fault added to the mock without an entry
in ``EXPECTED`` below fails ``test_every_fault_has_an_expectation`` and its own case. Each case
arms the fault for the next request at its point (for ``demo-rp``) through ``POST /_mock/faults``
on an in-process mock (``httpx.WSGITransport``, issuer http://mock.test), runs rp_client's
``begin_login`` / ``complete_login`` (then ``userinfo`` / ``introspect`` / ``revoke`` for
the faults at those endpoints), and checks that the fault was used up.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from conftest import make_app

import rp_client as rp
from mock_thaid import faults
from mock_thaid.errors import TABLE
from rp_testkit import DEMO_PID, DEMO_RP, mock_config, wsgi_http

MOCK = "http://mock.test"


@dataclass(frozen=True)
class Expect:
    """What rp_client does when the fault is armed. ``error=None``: the login succeeds."""

    error: type[rp.ThaiDError] | None
    code: str | None = None
    at: str = "login"                      # login | userinfo | introspect | revoke | qr_page
    attrs: dict[str, Any] = field(default_factory=dict)   # e.g. ProviderError.error / status / endpoint
    params: dict[str, Any] = field(default_factory=dict)  # the fault's params


def _token_table(key: str) -> Expect:
    status, error, description = TABLE[key][:3]
    return Expect(rp.ProviderError, "provider_error",
                  attrs={"error": error, "error_description": description, "status": status, "endpoint": "token"})


# ThaiD's error table at the token endpoint (faults.py arms token_<key> for each entry it
# chooses to): rp_client's expectation is the same for all of them, the ProviderError that
# carries that table row, so it is derived rather than listed (the mock adds rows as it learns
# of them, e.g. invalid_token).
TOKEN_TABLE_KEYS = tuple(key for key in TABLE if f"token_{key}" in faults.REGISTRY)

EXPECTED: dict[str, Expect] = {
    # authorize
    "authorize_user_denies": Expect(rp.UserDenied, "user_denied",
                                    attrs={"error": "user_denied",
                                           "error_description": "User denied the request (disapproved)"}),
    "authorize_qr_expires": Expect(None, at="qr_page"),
    "authorize_server_error": Expect(rp.AuthorizationError, "authorization_error", attrs={"error": "server_error"}),
    "authorize_slow": Expect(None, params={"seconds": 0.1}),
    # token endpoint
    **{f"token_{key}": _token_table(key) for key in TOKEN_TABLE_KEYS},
    "token_http_503": Expect(rp.ProviderError, "provider_error",
                             attrs={"error": "http_503", "error_description": None, "status": 503,
                                    "endpoint": "token"}),
    "token_malformed_json": Expect(rp.ProviderResponseError, "provider_bad_response",
                                   attrs={"endpoint": "token", "status": 200}),
    "token_delay": Expect(None, params={"seconds": 0.1}),
    # ID token
    "id_token_wrong_iss": Expect(rp.IDTokenWrongIssuer, "id_token_wrong_issuer",
                                 attrs={"expected": MOCK, "actual": "https://wrong-issuer.example"}),
    "id_token_wrong_aud": Expect(rp.IDTokenWrongAudience, "id_token_wrong_audience",
                                 attrs={"expected": "demo-rp", "actual": "some-other-client"}),
    "id_token_expired": Expect(rp.IDTokenExpired, "id_token_expired"),
    "id_token_iat_future": Expect(rp.IDTokenNotYetValid, "id_token_not_yet_valid", attrs={"claim": "iat"}),
    "id_token_wrong_nonce": Expect(rp.IDTokenNonceMismatch, "id_token_nonce_mismatch"),
    "id_token_missing_nonce": Expect(rp.IDTokenNonceMissing, "id_token_nonce_missing"),
    "id_token_bad_signature": Expect(rp.IDTokenInvalidSignature, "id_token_invalid_signature",
                                     attrs={"alg": "ES256"}),
    "id_token_alg_none": Expect(rp.IDTokenUnsupportedAlg, "id_token_unsupported_alg", attrs={"alg": "none"}),
    "id_token_hs256": Expect(rp.IDTokenUnsupportedAlg, "id_token_unsupported_alg", attrs={"alg": "HS256"}),
    "id_token_unknown_kid": Expect(rp.IDTokenUnknownKid, "id_token_unknown_kid",
                                   attrs={"kid": "not-published", "alg": "ES256"}),
    "id_token_missing_claim": Expect(rp.IDTokenMissingClaim, "id_token_missing_claim", attrs={"claim": "sub"},
                                     params={"claim": "sub"}),
    "id_token_other_naming": Expect(None),
    # JWKS
    "jwks_rotated": Expect(None),
    "jwks_unavailable": Expect(rp.JWKSError, "jwks_fetch_failed", attrs={"status": 503}),
    # after the login
    "introspect_error": Expect(rp.ProviderError, "provider_error", at="introspect",
                               attrs={"error": "server_error", "status": 400, "endpoint": "introspection"}),
    "revoke_error": Expect(rp.ProviderError, "provider_error", at="revoke",
                           attrs={"error": "server_error", "status": 400, "endpoint": "revocation"}),
    "userinfo_error": Expect(rp.ProviderError, "provider_error", at="userinfo",
                             attrs={"error": "invalid_token", "status": 401, "endpoint": "userinfo"}),
}

# For the claim-naming fault: ask for the five claims ThaiD names two ways.
NAMING_SCOPES = "openid pid name title title_en smartcard_code date_of_issuance date_of_expiry"


class Setup:
    """A fresh in-process mock, an httpx client on it and a ThaiDClient for demo-rp."""

    def __init__(self, scopes: str = "openid pid name") -> None:
        self.app = make_app()
        self.http = wsgi_http(self.app)
        self.client = rp.ThaiDClient(mock_config(scopes=scopes), http=self.http)

    def arm(self, name: str, *, params: dict | None = None, client_id: str | None = "demo-rp") -> dict:
        body: dict[str, Any] = {"name": name, "count": 1, "params": params or {}}
        if client_id is not None:
            body["client_id"] = client_id
        r = self.http.post(MOCK + "/_mock/faults", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def active(self) -> list[str]:
        return [f["name"] for f in self.http.get(MOCK + "/_mock/faults").json()["active"]]

    def authorize(self, pid: str = DEMO_PID):
        login = self.client.begin_login()
        return login, self.http.get(login.url, headers={"X-Mock-Persona": pid})

    def login(self, pid: str = DEMO_PID) -> rp.LoginResult:
        login, answer = self.authorize(pid)
        assert answer.status_code == 302, answer.text[:500]
        return self.client.complete_login(login.pending, answer.headers["Location"])


def _point(name: str) -> str:
    return faults.REGISTRY[name].point


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_every_fault_has_an_expectation():
    assert sorted(set(faults.REGISTRY) - set(EXPECTED)) == [], "add the new faults to EXPECTED"
    assert sorted(set(EXPECTED) - set(faults.REGISTRY)) == [], "EXPECTED names faults the mock no longer has"


@pytest.mark.parametrize("name", sorted(faults.REGISTRY))
def test_fault_as_rp_client_sees_it(name):
    expect = EXPECTED.get(name)
    assert expect is not None, f"fault {name} has no expectation in EXPECTED: say what rp_client must do"
    scopes = NAMING_SCOPES if name == "id_token_other_naming" else "openid pid name"
    t = Setup(scopes)
    point = _point(name)
    # JWKS requests carry no client: a JWKS fault is armed for everyone.
    client_id = None if point == "jwks" else "demo-rp"

    if expect.at == "qr_page":
        return _check_qr_expired(t, name)
    if name == "jwks_rotated":
        return _check_rotation(t)

    tokens = None
    if expect.at != "login":  # a login first; the fault then hits the endpoint used after it
        tokens = t.login().tokens
    t.arm(name, params=expect.params, client_id=client_id)
    started = time.perf_counter()
    if expect.error is None:
        result = t.login()
        assert result.identity.pid == DEMO_PID and result.tokens.sub == DEMO_PID
        if "seconds" in expect.params:
            assert time.perf_counter() - started >= expect.params["seconds"]
        if name == "id_token_other_naming":
            who = result.identity
            assert "titleTh" in who.claims and "smartCardCode" in who.claims and "title" not in who.claims
            assert (who.title, who.title_en, who.smartcard_code) == ("นาย", "Mr.", "0711-03-82890366")
            assert who.date_of_issuance is not None and who.date_of_expiry is not None
    else:
        with pytest.raises(rp.ThaiDError) as info:
            if expect.at == "login":
                t.login()
            elif expect.at == "userinfo":
                t.client.userinfo(tokens)
            elif expect.at == "introspect":
                t.client.introspect(tokens.access_token)
            elif expect.at == "revoke":
                t.client.revoke(tokens.access_token, token_type_hint="access_token")
        exc = info.value
        assert type(exc) is expect.error, f"{name}: {type(exc).__name__} {exc}"
        assert exc.code == expect.code
        for attr, value in expect.attrs.items():
            assert getattr(exc, attr) == value, f"{name}: {attr}={getattr(exc, attr)!r}, expected {value!r}"
        assert "access_token" not in str(exc.to_dict()) and "code_verifier" not in str(exc.to_dict())
    assert name not in t.active(), f"{name} was armed but never used"


def _check_qr_expired(t: Setup, name: str) -> None:
    """No code at all: the authorize page is the QR page of a login that has already expired."""
    t.arm(name, client_id="demo-rp")
    login, page = t.authorize()
    assert page.status_code == 200 and "location" not in page.headers
    html = page.text
    assert 'id="login"' in html and 'id="qr"' in html
    assert re.search(r'<span id="countdown">0</span>', html), "the QR's countdown should be at 0"
    status_url = re.search(r'data-status-url="([^"]+)"', html).group(1)
    status = t.http.get(MOCK + status_url).json()
    assert status["status"] == "expired" and status["expires_in"] == 0 and "redirect" not in status
    ref = re.search(r'<strong id="ref">([^<]+)</strong>', html).group(1)
    late = t.http.post(f"{MOCK}/_mock/logins/{ref}/approve", json={"pid": DEMO_PID})
    assert late.status_code == 409 and late.json()["error"] == "login_closed"
    assert not login.pending.used  # rp_client never got a callback
    assert name not in t.active()


def _check_rotation(t: Setup) -> None:
    """With a warm key cache: the key rotates just before the next ID token is signed; its new
    kid makes rp_client fetch the key set once more, and the login works."""
    first = t.login().tokens
    assert t.client.jwks.fetch_count == 1
    t.arm("jwks_rotated", client_id=None)
    result = t.login()
    assert "jwks_rotated" not in t.active()
    assert result.identity.pid == DEMO_PID
    assert _kid(result.tokens.id_token) != _kid(first.id_token)
    assert t.client.jwks.fetch_count == 2  # one refetch for the unknown kid, then verified


def test_jwks_rotated_gives_the_next_token_a_kid_the_rp_has_not_cached():
    t = Setup()
    first = t.login().tokens
    t.arm("jwks_rotated", client_id=None)
    second = t.login().tokens
    assert _kid(second.id_token) != _kid(first.id_token)
    assert t.client.jwks.fetch_count == 2


def test_a_jwks_fault_armed_for_one_client_is_refused_or_fires():
    t = Setup()
    r = t.http.post(MOCK + "/_mock/faults", json={"name": "jwks_unavailable", "client_id": "demo-rp"})
    if r.status_code == 400:
        return
    with pytest.raises(rp.JWKSError):
        t.login()
