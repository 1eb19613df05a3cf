"""Named faults a CI pipeline switches on through the control API (/_mock/faults).

Each fault is one small function at one hook point: ``authorize``, ``token``, ``id_token``,
``jwks``, ``introspect``, ``revoke`` or ``userinfo``. A fault lasts for the next N requests
at its point, or until cleared, optionally for one client only.

One seam for all of them: a fault gets a :class:`FaultContext` (its parameters, the services,
and at ``id_token`` the claims) and returns one :class:`Outcome` — :class:`Proceed`,
:class:`DenyLogin`, :class:`ExpireQr`, :class:`RedirectError`, :class:`Fail`,
:class:`Respond` or :class:`SignedToken` — which the hook point carries out. Each fault
declares its parameters as JSON Schema; the control API checks them when the fault is armed.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Union

import jwt

from .claims import CAMEL_NAMES
from .errors import TABLE, ProtocolError
from .keys import generate_key

POINTS = ("authorize", "token", "id_token", "jwks", "introspect", "revoke", "userinfo")


# --- what a fault does: one small set of outcomes every hook point understands ----------------

@dataclass(frozen=True)
class Proceed:
    """Carry on as if no fault were armed (a delay may already have been served)."""


@dataclass(frozen=True)
class DenyLogin:
    """authorize: the person refuses consent."""


@dataclass(frozen=True)
class ExpireQr:
    """authorize: the login's QR code is already expired when the page opens."""


@dataclass(frozen=True)
class RedirectError:
    """authorize: redirect back to the RP with ``error``."""
    error: str


@dataclass(frozen=True)
class Fail:
    """Answer ThaiD's error ``key`` (errors.py) at this point."""
    key: str
    detail: str

    def raise_it(self) -> None:
        raise ProtocolError(self.key, self.detail)


@dataclass(frozen=True)
class Respond:
    """Answer this raw response instead (a gateway page, truncated JSON, a 503)."""
    status: int
    body: str
    content_type: str


@dataclass(frozen=True)
class SignedToken:
    """id_token: send this compact JWT instead of the real one."""
    jwt: str


Outcome = Union[Proceed, DenyLogin, ExpireQr, RedirectError, Fail, Respond, SignedToken]
PROCEED = Proceed()

#: The outcomes each hook point can carry out (a test holds every fault to its point's list).
OUTCOMES: dict[str, tuple[type, ...]] = {
    "authorize": (Proceed, DenyLogin, ExpireQr, RedirectError),
    "token": (Proceed, Fail, Respond),
    "id_token": (SignedToken,),
    "jwks": (Respond,),
    "introspect": (Fail,), "revoke": (Fail,), "userinfo": (Fail,),
}


@dataclass(frozen=True)
class FaultContext:
    """What a fault may use, passed in: never reached for."""
    params: dict
    services: Any = None  # mock_thaid.services.Services (typed loosely: services imports nothing of this)
    claims: dict | None = None  # id_token: the claims of the real token
    session: Any = None  # id_token: the token request's own transaction (a fault that writes uses it)


@dataclass(frozen=True)
class FaultSpec:
    name: str
    point: str
    description: str
    apply: Callable[[FaultContext], Outcome]
    params: dict[str, dict] = field(default_factory=dict)  # name -> JSON Schema of that parameter

    def params_schema(self) -> dict:
        return {"type": "object", "properties": self.params, "additionalProperties": False}


REGISTRY: dict[str, FaultSpec] = {}

SECONDS = {"type": "number", "minimum": 0, "maximum": 300, "description": "the delay in seconds (default 3)"}


def fault(name: str, point: str, description: str, params: dict[str, dict] | None = None):
    assert point in POINTS, point

    def deco(fn):
        REGISTRY[name] = FaultSpec(name, point, description, fn, dict(params or {}))
        return fn
    return deco


# --- authorize -----------------------------------------------------------------------

@fault("authorize_user_denies", "authorize", "the person refuses consent: redirect with error=user_denied")
def _deny(ctx: FaultContext) -> Outcome:
    return DenyLogin()


@fault("authorize_qr_expires", "authorize", "the QR code is already expired when the page opens")
def _qr_expired(ctx: FaultContext) -> Outcome:
    return ExpireQr()


@fault("authorize_server_error", "authorize", "redirect with error=server_error")
def _auth_server_error(ctx: FaultContext) -> Outcome:
    return RedirectError("server_error")


@fault("authorize_slow", "authorize", "answer after params.seconds (default 3) seconds", {"seconds": SECONDS})
def _auth_slow(ctx: FaultContext) -> Outcome:
    time.sleep(float(ctx.params.get("seconds", 3)))
    return PROCEED


# --- token endpoint ---------------------------------------------------------------------

def _token_error(key):
    def fn(ctx: FaultContext) -> Outcome:
        return Fail(key, f"fault token_{key}")
    return fn


for _key in TABLE:
    if _key in ("pkce_required", "pkce_failed", "invalid_body"):
        continue
    fault(f"token_{_key}", "token", f"token endpoint answers {TABLE[_key][1]}: {TABLE[_key][2]}")(_token_error(_key))


@fault("token_http_503", "token", "token endpoint answers 503 with an HTML body, like a gateway")
def _token_503(ctx: FaultContext) -> Outcome:
    return Respond(503, "<html><body>503 Service Temporarily Unavailable</body></html>", "text/html")


@fault("token_malformed_json", "token", "token endpoint answers 200 with a truncated JSON body")
def _token_bad_json(ctx: FaultContext) -> Outcome:
    return Respond(200, '{"access_token": "abc", "token_type": "Bear', "application/json")


@fault("token_delay", "token", "token endpoint answers after params.seconds (default 3) seconds", {"seconds": SECONDS})
def _token_delay(ctx: FaultContext) -> Outcome:
    time.sleep(float(ctx.params.get("seconds", 3)))
    return PROCEED


# --- ID token ------------------------------------------------------------------------------
# An id_token fault gets the real token's claims and returns the compact JWT to send instead.

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


HEADER = {"typ": "JWT"}


def _sign(ctx: FaultContext, claims: dict) -> SignedToken:
    key = ctx.services.keys.current
    return SignedToken(jwt.encode(claims, key.private, algorithm="ES256", headers={**HEADER, "kid": key.kid}))


@fault("id_token_wrong_iss", "id_token", "iss is params.iss (default https://wrong-issuer.example)",
       {"iss": {"type": "string", "description": "the issuer to put in the token"}})
def _wrong_iss(ctx: FaultContext) -> Outcome:
    return _sign(ctx, {**ctx.claims, "iss": ctx.params.get("iss", "https://wrong-issuer.example")})


@fault("id_token_wrong_aud", "id_token", "aud is another client (params.aud, default some-other-client)",
       {"aud": {"type": "string", "description": "the audience to put in the token"}})
def _wrong_aud(ctx: FaultContext) -> Outcome:
    return _sign(ctx, {**ctx.claims, "aud": ctx.params.get("aud", "some-other-client")})


@fault("id_token_expired", "id_token", "exp is one hour in the past")
def _expired(ctx: FaultContext) -> Outcome:
    c = ctx.claims
    return _sign(ctx, {**c, "iat": c["iat"] - 4500, "exp": c["iat"] - 3600})


@fault("id_token_iat_future", "id_token", "iat is one hour in the future")
def _iat_future(ctx: FaultContext) -> Outcome:
    c = ctx.claims
    return _sign(ctx, {**c, "iat": c["iat"] + 3600, "exp": c["exp"] + 3600})


@fault("id_token_wrong_nonce", "id_token", "nonce is not the one sent")
def _wrong_nonce(ctx: FaultContext) -> Outcome:
    return _sign(ctx, {**ctx.claims, "nonce": "not-the-nonce-you-sent"})


@fault("id_token_missing_nonce", "id_token", "nonce left out although one was sent")
def _missing_nonce(ctx: FaultContext) -> Outcome:
    return _sign(ctx, {k: v for k, v in ctx.claims.items() if k != "nonce"})


@fault("id_token_bad_signature", "id_token", "the signature does not verify")
def _bad_sig(ctx: FaultContext) -> Outcome:
    head, body, sig = _sign(ctx, ctx.claims).jwt.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[0] ^= 0xFF
    return SignedToken(".".join([head, body, _b64(bytes(raw))]))


@fault("id_token_alg_none", "id_token", "unsigned token with alg none")
def _alg_none(ctx: FaultContext) -> Outcome:
    return SignedToken(jwt.encode(ctx.claims, None, algorithm="none"))


@fault("id_token_hs256", "id_token", "HS256 signed with the public key as the HMAC secret (key confusion)")
def _hs256(ctx: FaultContext) -> Outcome:
    # By hand on purpose: PyJWT refuses to use a PEM public key as an HMAC secret, which is
    # exactly the forgery this fault makes.
    from cryptography.hazmat.primitives import serialization

    ring = ctx.services.keys
    secret = ring.current.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": ring.current.kid}).encode())
    body = _b64(json.dumps(ctx.claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return SignedToken(f"{head}.{body}.{_b64(sig)}")


@fault("id_token_unknown_kid", "id_token", "signed by a key that is not in the JWKS")
def _unknown_kid(ctx: FaultContext) -> Outcome:
    stranger = generate_key("not-published")
    return SignedToken(jwt.encode(ctx.claims, stranger.private, algorithm="ES256",
                                  headers={**HEADER, "kid": stranger.kid}))


@fault("id_token_missing_claim", "id_token", "params.claim (default sub) left out",
       {"claim": {"type": "string", "description": "the claim to leave out (default sub)"}})
def _missing_claim(ctx: FaultContext) -> Outcome:
    drop = ctx.params.get("claim", "sub")
    return _sign(ctx, {k: v for k, v in ctx.claims.items() if k != drop})


@fault("id_token_other_naming", "id_token", "the other claim naming (titleTh, smartCardCode, ...)")
def _other_naming(ctx: FaultContext) -> Outcome:
    forward = {k: v for k, v in CAMEL_NAMES.items()}
    backward = {v: k for k, v in CAMEL_NAMES.items()}
    mapping = forward if any(k in ctx.claims for k in forward) else backward
    return _sign(ctx, {mapping.get(k, k): v for k, v in ctx.claims.items()})


# --- JWKS, introspect, revoke, userinfo ------------------------------------------------------

@fault("jwks_rotated", "id_token", "the signing key rotates just before this ID token is signed: its kid is one the RP has not cached")
def _jwks_rotated(ctx: FaultContext) -> Outcome:
    ctx.services.rotate_keys(session=ctx.session)  # published when the token response is committed
    return SignedToken(ctx.services.keys.sign(ctx.claims))


@fault("jwks_unavailable", "jwks", "/jwks/ answers 503")
def _jwks_down(ctx: FaultContext) -> Outcome:
    return Respond(503, json.dumps({"error": "server_error", "error_description": "JWKS unavailable (fault)"}),
                   "application/json")


@fault("introspect_error", "introspect", "introspect answers 400 server_error")
def _introspect_error(ctx: FaultContext) -> Outcome:
    return Fail("server_error", "fault introspect_error")


@fault("revoke_error", "revoke", "revoke answers 400 server_error")
def _revoke_error(ctx: FaultContext) -> Outcome:
    return Fail("server_error", "fault revoke_error")


@fault("userinfo_error", "userinfo", "userinfo answers 401 invalid_token")
def _userinfo_error(ctx: FaultContext) -> Outcome:
    return Fail("invalid_token", "fault userinfo_error")


def catalogue() -> list[dict[str, Any]]:
    return [{"name": f.name, "point": f.point, "description": f.description,
             **({"params": f.params} if f.params else {})} for f in REGISTRY.values()]


def check_params(spec: FaultSpec, params: dict) -> str | None:
    """The first problem with ``params`` for this fault (an English sentence naming the field), or None."""
    from jsonschema import Draft202012Validator

    error = next(iter(sorted(Draft202012Validator(spec.params_schema()).iter_errors(params),
                             key=lambda e: list(e.path))), None)
    if error is None:
        return None
    where = ".".join(["params", *map(str, error.path)]) if error.path else "params"
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(spec.params)) or "none"
        return f"{where}: {spec.name} takes no such parameter (it takes: {allowed})"
    return f"{where}: {error.message}"


def _take(s, point: str, client_id: str | None) -> tuple[FaultSpec, dict] | None:
    from .store import faults as store

    f = store.take(s, point, client_id)
    return (REGISTRY[f.name], dict(f.params or {})) if f is not None else None


def take(services, point: str, client_id: str | None) -> tuple[FaultSpec, dict] | None:
    """(spec, params) of the fault to apply now at ``point``, its use counted and committed in
    a transaction of its own: call it before the request's own transaction writes anything, so
    a fault that answers with an error still counts and nothing of the request is committed."""
    if not services.faults_active:
        return None
    with services.db.session() as own:
        return _take(own, point, client_id)


def take_for(services, point: str, find_client: Callable[[Any], str | None]) -> tuple[FaultSpec, dict] | None:
    """:func:`take` for a point that must first learn whose request it is (authenticate the
    client, look up a token): ``find_client(session)`` runs in a short read-only session that is
    closed before the fault's own transaction starts. Costs nothing when no fault is armed."""
    if not services.faults_active:
        return None
    with services.db.session() as s:
        client_id = find_client(s)
    return take(services, point, client_id)


def outcome(services, armed: tuple[FaultSpec, dict] | None, **inputs) -> Outcome:
    """What an armed fault (from :func:`take`) does; :data:`PROCEED` when none is armed."""
    if armed is None:
        return PROCEED
    spec, params = armed
    return spec.apply(FaultContext(params=params, services=services, **inputs))


def at_id_token(services, s, client_id: str, claims: dict) -> str | None:
    """The forged ID token to send instead of the real one, or None. The fault's use is counted
    in the caller's transaction (``s``) and NOT committed here: it is used up exactly when the
    token response that carries it is committed."""
    if not services.faults_active:
        return None
    armed = _take(s, "id_token", client_id)
    if armed is None:
        return None
    result = outcome(services, armed, claims=claims, session=s)
    assert isinstance(result, SignedToken), result
    return result.jwt
