"""ID token verification (OpenID Connect Core §3.1.3.7), each check with its own error.

PyJWT verifies the signature, with ``algorithms=[alg]`` where ``alg`` is the header's
value only after it passed the configured allow-list (``none`` and ``HS*`` can never be
in it, so the "HS256 signed with the public key" confusion cannot happen: a key from the
set is also only used for its own algorithm family). The claim checks are done here with
the client's clock, so that tests can freeze time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import jwt

from .errors import (IDTokenAtHashMismatch, IDTokenExpired, IDTokenInvalidSignature, IDTokenMalformed,
                     IDTokenMissingClaim, IDTokenNonceMismatch, IDTokenNonceMissing, IDTokenNotYetValid,
                     IDTokenUnsupportedAlg, IDTokenWrongAudience, IDTokenWrongAzp, IDTokenWrongIssuer)
from .jwks import JWKSCache

_HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


def half_hash(value: str, alg: str) -> str:
    """``at_hash``/``c_hash``: base64url of the left half of the alg's hash of ``value``."""
    if alg == "EdDSA":
        digest = hashlib.sha512(value.encode("ascii")).digest()  # Ed25519 (OIDC Core errata)
    else:
        digest = _HASHES[alg[-3:]](value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def verify_id_token(token: str, *, keys: JWKSCache, issuer: str, client_id: str, algorithms: Sequence[str],
                    now: float, leeway: float, nonce: str | None, access_token: str | None = None) -> dict[str, Any]:
    """Verify ``token`` and return its claims, or raise an ``IDTokenError`` subclass.

    ``nonce``: the nonce sent at authorize (then the token must carry it) or ``None`` (a
    token from a refresh: a nonce in it is then not checked). ``access_token``: when given
    and the token has ``at_hash``, the hash must match.
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise IDTokenMalformed("the ID token is not a compact JWS (three dot-separated parts)")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as e:
        raise IDTokenMalformed(f"the ID token header cannot be read: {e}") from e
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or alg.lower() == "none" or alg.startswith("HS"):
        raise IDTokenUnsupportedAlg(f"ID token alg {alg!r} is not allowed (allowed: {', '.join(algorithms)})",
                                    alg=alg, allowed=list(algorithms))
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise IDTokenMalformed("the ID token header's kid is not a string")
    key = keys.key_for(kid, alg)
    try:
        claims = jwt.decode(token, key, algorithms=[alg], options={
            "verify_signature": True, "verify_exp": False, "verify_iat": False, "verify_nbf": False,
            "verify_aud": False, "verify_iss": False, "verify_sub": False, "verify_jti": False, "require": []})
    except jwt.InvalidSignatureError as e:
        raise IDTokenInvalidSignature("the ID token signature does not verify", kid=kid, alg=alg) from e
    except jwt.PyJWTError as e:
        raise IDTokenMalformed(f"the ID token cannot be decoded: {e}") from e
    if not isinstance(claims, dict):
        raise IDTokenMalformed("the ID token payload is not a JSON object")
    check_claims(claims, issuer=issuer, client_id=client_id, now=now, leeway=leeway, nonce=nonce)
    at_hash = claims.get("at_hash")
    if access_token is not None and at_hash is not None:
        if not isinstance(at_hash, str) or not _same(at_hash, half_hash(access_token, alg)):
            raise IDTokenAtHashMismatch("at_hash does not match the access token")
    return claims


def _number(claims: dict[str, Any], name: str, required: bool = True) -> float | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IDTokenMissingClaim(f"the ID token's {name} is missing or not a number", claim=name)
    return float(value)


def check_claims(claims: dict[str, Any], *, issuer: str, client_id: str, now: float, leeway: float,
                 nonce: str | None) -> None:
    """The claim checks of OIDC Core §3.1.3.7 (everything but the signature and at_hash)."""
    iss = claims.get("iss")
    if iss != issuer:
        raise IDTokenWrongIssuer(f"ID token iss {iss!r} is not {issuer!r}", expected=issuer, actual=iss)
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise IDTokenWrongAudience(f"ID token aud {aud!r} does not hold {client_id!r}",
                                   expected=client_id, actual=aud)
    azp = claims.get("azp")
    if azp is not None and azp != client_id:
        raise IDTokenWrongAzp(f"ID token azp {azp!r} is not {client_id!r}", expected=client_id, actual=azp)
    if azp is None and len(audiences) > 1:
        raise IDTokenWrongAzp("ID token has several audiences and no azp", expected=client_id, actual=None)
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise IDTokenMissingClaim("the ID token has no sub", claim="sub")
    exp = _number(claims, "exp")
    iat = _number(claims, "iat")
    nbf = _number(claims, "nbf", required=False)
    assert exp is not None and iat is not None
    if now > exp + leeway:
        raise IDTokenExpired(f"ID token expired {int(now - exp)} s ago", exp=exp, now=now)
    if iat > now + leeway:
        raise IDTokenNotYetValid(f"ID token iat is {int(iat - now)} s in the future", claim="iat", now=now)
    if nbf is not None and nbf > now + leeway:
        raise IDTokenNotYetValid(f"ID token nbf is {int(nbf - now)} s in the future", claim="nbf", now=now)
    if nonce is not None:
        got = claims.get("nonce")
        if got is None:
            raise IDTokenNonceMissing("a nonce was sent but the ID token has none")
        if not isinstance(got, str) or not _same(got, nonce):
            raise IDTokenNonceMismatch("the ID token's nonce is not the one sent")
