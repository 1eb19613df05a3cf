"""Named faults a CI pipeline switches on through the control API (/_mock/faults).

Each fault is one small function at one hook point: ``authorize``, ``token``, ``id_token``,
``jwks``, ``introspect``, ``revoke`` or ``userinfo``. A fault lasts for the next N requests
at its point, or until cleared, optionally for one client only.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Callable

import jwt

from .claims import CAMEL_NAMES
from .errors import TABLE, ProtocolError
from .keys import generate_key


@dataclass(frozen=True)
class FaultSpec:
    name: str
    point: str
    description: str
    apply: Callable[..., Any]


REGISTRY: dict[str, FaultSpec] = {}


def fault(name: str, point: str, description: str):
    def deco(fn):
        REGISTRY[name] = FaultSpec(name, point, description, fn)
        return fn
    return deco


# --- authorize -----------------------------------------------------------------------
# An authorize fault returns an "action" the view carries out.

@fault("authorize_user_denies", "authorize", "the person refuses consent: redirect with error=user_denied")
def _deny(params):
    return ("deny", None)


@fault("authorize_qr_expires", "authorize", "the QR code is already expired when the page opens")
def _qr_expired(params):
    return ("expire", None)


@fault("authorize_server_error", "authorize", "redirect with error=server_error")
def _auth_server_error(params):
    return ("error", "server_error")


@fault("authorize_slow", "authorize", "answer after params.seconds (default 3) seconds")
def _auth_slow(params):
    time.sleep(float(params.get("seconds", 3)))
    return None


# --- token endpoint ---------------------------------------------------------------------
# A token fault raises ProtocolError, or returns (status, body, content_type).

def _token_error(key):
    def fn(params):
        raise ProtocolError(key, f"fault token_{key}")
    return fn


for _key in TABLE:
    if _key in ("pkce_required", "pkce_failed", "invalid_body"):
        continue
    fault(f"token_{_key}", "token", f"token endpoint answers {TABLE[_key][1]}: {TABLE[_key][2]}")(_token_error(_key))


@fault("token_http_503", "token", "token endpoint answers 503 with an HTML body, like a gateway")
def _token_503(params):
    return (503, "<html><body>503 Service Temporarily Unavailable</body></html>", "text/html")


@fault("token_malformed_json", "token", "token endpoint answers 200 with a truncated JSON body")
def _token_bad_json(params):
    return (200, '{"access_token": "abc", "token_type": "Bear', "application/json")


@fault("token_delay", "token", "token endpoint answers after params.seconds (default 3) seconds")
def _token_delay(params):
    time.sleep(float(params.get("seconds", 3)))
    return None


# --- ID token ------------------------------------------------------------------------------
# An id_token fault gets (claims, header, keyring) and returns the compact JWT to send.

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign(claims, header, ring) -> str:
    key = ring.current
    return jwt.encode(claims, key.private, algorithm="ES256", headers={**header, "kid": key.kid})


@fault("id_token_wrong_iss", "id_token", "iss is https://wrong-issuer.example")
def _wrong_iss(claims, header, ring, params):
    return _sign({**claims, "iss": params.get("iss", "https://wrong-issuer.example")}, header, ring)


@fault("id_token_wrong_aud", "id_token", "aud is another client")
def _wrong_aud(claims, header, ring, params):
    return _sign({**claims, "aud": params.get("aud", "some-other-client")}, header, ring)


@fault("id_token_expired", "id_token", "exp is one hour in the past")
def _expired(claims, header, ring, params):
    return _sign({**claims, "iat": claims["iat"] - 4500, "exp": claims["iat"] - 3600}, header, ring)


@fault("id_token_iat_future", "id_token", "iat is one hour in the future")
def _iat_future(claims, header, ring, params):
    return _sign({**claims, "iat": claims["iat"] + 3600, "exp": claims["exp"] + 3600}, header, ring)


@fault("id_token_wrong_nonce", "id_token", "nonce is not the one sent")
def _wrong_nonce(claims, header, ring, params):
    return _sign({**claims, "nonce": "not-the-nonce-you-sent"}, header, ring)


@fault("id_token_missing_nonce", "id_token", "nonce left out although one was sent")
def _missing_nonce(claims, header, ring, params):
    return _sign({k: v for k, v in claims.items() if k != "nonce"}, header, ring)


@fault("id_token_bad_signature", "id_token", "the signature does not verify")
def _bad_sig(claims, header, ring, params):
    head, body, sig = _sign(claims, header, ring).split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[0] ^= 0xFF
    return ".".join([head, body, _b64(bytes(raw))])


@fault("id_token_alg_none", "id_token", "unsigned token with alg none")
def _alg_none(claims, header, ring, params):
    return jwt.encode(claims, None, algorithm="none")


@fault("id_token_hs256", "id_token", "HS256 signed with the public key as the HMAC secret (key confusion)")
def _hs256(claims, header, ring, params):
    from cryptography.hazmat.primitives import serialization

    secret = ring.current.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": ring.current.kid}).encode())
    body = _b64(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


@fault("id_token_unknown_kid", "id_token", "signed by a key that is not in the JWKS")
def _unknown_kid(claims, header, ring, params):
    stranger = generate_key("not-published")
    return jwt.encode(claims, stranger.private, algorithm="ES256", headers={**header, "kid": stranger.kid})


@fault("id_token_missing_claim", "id_token", "params.claim (default sub) left out")
def _missing_claim(claims, header, ring, params):
    drop = params.get("claim", "sub")
    return _sign({k: v for k, v in claims.items() if k != drop}, header, ring)


@fault("id_token_other_naming", "id_token", "the other claim naming (titleTh, smartCardCode, ...)")
def _other_naming(claims, header, ring, params):
    forward = {k: v for k, v in CAMEL_NAMES.items()}
    backward = {v: k for k, v in CAMEL_NAMES.items()}
    mapping = forward if any(k in claims for k in forward) else backward
    return _sign({mapping.get(k, k): v for k, v in claims.items()}, header, ring)


# --- JWKS, introspect, revoke, userinfo ------------------------------------------------------

@fault("jwks_rotated", "id_token", "the signing key rotates just before this ID token is signed: its kid is one the RP has not cached")
def _jwks_rotated(claims, header, ring, params):
    from .services import svc

    svc().rotate_keys()
    return svc().keys.sign(claims)


@fault("jwks_unavailable", "jwks", "/jwks/ answers 503")
def _jwks_down(params):
    return ("status", 503)


@fault("introspect_error", "introspect", "introspect answers 400 server_error")
def _introspect_error(params):
    raise ProtocolError("server_error", "fault introspect_error")


@fault("revoke_error", "revoke", "revoke answers 400 server_error")
def _revoke_error(params):
    raise ProtocolError("server_error", "fault revoke_error")


@fault("userinfo_error", "userinfo", "userinfo answers 401 invalid_token")
def _userinfo_error(params):
    raise ProtocolError("invalid_token", "fault userinfo_error")


def catalogue() -> list[dict[str, str]]:
    return [{"name": f.name, "point": f.point, "description": f.description} for f in REGISTRY.values()]


def take(s, point: str, client_id: str | None):
    """(spec, params) of the fault to apply now at ``point``, or None. The use is committed
    at once, so a fault that answers with an error still counts."""
    from .services import svc
    from .store import faults as store

    if not svc().faults_active:
        return None
    f = store.take(s, point, client_id)
    if f is None:
        return None
    spec, params = REGISTRY[f.name], dict(f.params or {})
    s.commit()
    return spec, params
