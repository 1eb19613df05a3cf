"""Helpers for the rp_client tests: a frozen clock, the in-process mock, and a fake
provider (httpx.MockTransport) that serves ID tokens the tests forge themselves."""
from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwt.algorithms import ECAlgorithm

from rp_client import ThaiDClient, ThaiDConfig, half_hash

DEMO_PID = "1234567890121"
DEMO_RP = {"client_id": "demo-rp", "client_secret": "demo-rp-secret-TEST-ONLY",
           "redirect_uri": "http://127.0.0.1:8080/callback"}
LHR = {"client_id": "lhr-demo", "client_secret": "lhr-demo-secret-TEST-ONLY",
       "redirect_uri": "http://127.0.0.1:5001/auth/thaid/callback"}
ALL_SCOPES = ("openid pid name name_en title title_en given_name middle_name family_name given_name_en "
              "middle_name_en family_name_en birthdate gender address smartcard_code ial date_of_issuance "
              "date_of_expiry")


class FakeClock:
    """A clock the tests move by hand (starts at the real time, so the mock agrees)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = float(start if start is not None else time.time())

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- the mock, in process ------------------------------------------------------------
def wsgi_http(app) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app))


def mock_config(issuer: str = "http://mock.test", rp: dict | None = None, **settings: Any) -> ThaiDConfig:
    rp = rp or DEMO_RP
    settings.setdefault("scopes", "openid pid name")
    return ThaiDConfig(issuer=issuer, client_id=rp["client_id"], client_secret=rp["client_secret"],
                       redirect_uri=rp["redirect_uri"], **settings)


def headless_login(client: ThaiDClient, http: httpx.Client, pid: str = DEMO_PID, **begin: Any):
    """begin_login -> the mock's authorize with X-Mock-Persona -> complete_login."""
    login = client.begin_login(**begin)
    answer = http.get(login.url, headers={"X-Mock-Persona": pid})
    assert answer.status_code == 302, answer.text
    return client.complete_login(login.pending, answer.headers["Location"])


# --- a provider whose ID tokens the tests forge ----------------------------------------
ISSUER = "https://op.example"
CLIENT_ID = "rp-test"


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_jwk(key: ec.EllipticCurvePrivateKey, kid: str | None) -> dict[str, Any]:
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"use": "sig", "alg": "ES256"})
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_jws(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A compact JWS assembled by hand (for algorithms PyJWT rightly refuses to produce)."""
    signing_input = (b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())).encode()
    return signing_input.decode() + "." + b64(sign(signing_input))


def es256_signer(key: ec.EllipticCurvePrivateKey) -> Callable[[bytes], bytes]:
    """``sign(data) -> raw r||s``: an ES256 signature as a JWS carries it."""
    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return sign


def raw_jws_text(header: str | bytes, payload: str | bytes, sign: Callable[[bytes], bytes]) -> str:
    """A compact JWS over header and payload TEXT as given (for JSON that json.dumps would not
    write: ``1e999``, repeated names, lone surrogates...), signed by ``sign``."""
    def raw(x: str | bytes) -> bytes:
        return x.encode("utf-8", "surrogatepass") if isinstance(x, str) else x
    signing_input = (b64(raw(header)) + "." + b64(raw(payload))).encode()
    return signing_input.decode() + "." + b64(sign(signing_input))


class FakeProvider:
    """Discovery, JWKS, token and userinfo endpoints on ``https://op.example`` (MockTransport)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.key, self.kid = new_key(), "k1"
        self.jwks: dict[str, Any] = {"keys": [public_jwk(self.key, self.kid)]}
        self.hits: Counter[str] = Counter()
        self.access_token = "at-" + "x" * 30
        self.id_token: str | None = None
        self.token_body: dict[str, Any] | None = None
        self.userinfo_body: dict[str, Any] = {"sub": DEMO_PID, "pid": DEMO_PID}
        self.last_token_form: dict[str, str] = {}
        self.last_token_headers: httpx.Headers | None = None
        self.issuer_in_discovery = ISSUER
        #: When set, /token answers exactly this (an httpx.Response or its body bytes).
        self.token_answer: httpx.Response | bytes | None = None
        #: Tokens posted to /revoke, and what /revoke answers (a status, or an exception to raise).
        self.revoked: list[str] = []
        self.revoke_answer: int | Exception = 200

    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.issuer_in_discovery, "authorization_endpoint": ISSUER + "/authorize",
                "token_endpoint": ISSUER + "/token", "jwks_uri": ISSUER + "/jwks",
                "userinfo_endpoint": ISSUER + "/userinfo", "revocation_endpoint": ISSUER + "/revoke",
                "introspection_endpoint": ISSUER + "/introspect"}

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.hits[path] += 1
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery())
        if path == "/jwks":
            return httpx.Response(200, json=self.jwks)
        if path == "/token":
            self.last_token_form = dict(parse_qsl(request.content.decode()))
            self.last_token_headers = request.headers
            if isinstance(self.token_answer, httpx.Response):
                return self.token_answer
            if self.token_answer is not None:
                return httpx.Response(200, content=self.token_answer, headers={"Content-Type": "application/json"})
            body = self.token_body or {"access_token": self.access_token, "token_type": "Bearer",
                                       "expires_in": int(self.clock()) + 900, "scope": "openid pid",
                                       "refresh_token": "rt-1", "id_token": self.id_token}
            return httpx.Response(200, json={k: v for k, v in body.items() if v is not None})
        if path == "/userinfo":
            return httpx.Response(200, json=self.userinfo_body)
        if path == "/revoke":
            if isinstance(self.revoke_answer, Exception):
                raise self.revoke_answer
            self.revoked.append(dict(parse_qsl(request.content.decode())).get("token", ""))
            return httpx.Response(self.revoke_answer, json={"status": "OK"} if self.revoke_answer == 200
                                  else {"error": "server_error"})
        return httpx.Response(404, json={"error": "not_found"})

    def client(self, **settings: Any) -> ThaiDClient:
        settings.setdefault("scopes", "openid pid")
        config = ThaiDConfig(issuer=ISSUER, client_id=CLIENT_ID, client_secret="s3cret", redirect_uri="https://rp/cb",
                             **settings)
        return ThaiDClient(config, http=httpx.Client(transport=httpx.MockTransport(self.handle)), clock=self.clock)

    def claims(self, nonce: str | None, /, **overrides: Any) -> dict[str, Any]:
        now = int(self.clock())
        claims: dict[str, Any] = {"iss": ISSUER, "aud": CLIENT_ID, "sub": DEMO_PID, "iat": now, "exp": now + 900,
                                  "auth_time": now, "pid": DEMO_PID, "nonce": nonce,
                                  "at_hash": half_hash(self.access_token, "ES256")}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict[str, Any], *, key: ec.EllipticCurvePrivateKey | None = None,
             kid: str | None = "default", headers: dict[str, Any] | None = None) -> str:
        hdr = dict(headers or {})
        kid = self.kid if kid == "default" else kid
        if kid is not None:
            hdr["kid"] = kid
        return jwt.encode(claims, key or self.key, algorithm="ES256", headers=hdr or None)

    def forge(self, nonce: str | None, /, **overrides: Any) -> str:
        """Serve an ID token with these claim overrides (None drops a claim) at /token."""
        self.id_token = self.sign(self.claims(nonce, **overrides))
        return self.id_token
