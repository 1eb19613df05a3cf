"""ID token verification (OpenID Connect Core §3.1.3.7), each check with its own error.

The compact JWS is taken apart here, not by PyJWT: the token's length is capped, the
header and payload are strict base64url and strict JSON (``jsonsafe``: no NaN, no
repeated names), and the header is judged before any key is looked up: ``alg`` must be in
the configured allow-list (``none`` and ``HS*`` can never be in it, so the "HS256 signed with
the public key" confusion cannot happen: a key from the set is also only used for its own
algorithm family), ``kid`` absent or a non-empty string, and no ``crit`` (ThaiD defines no
critical extension; RFC 7515 §4.1.11 says refuse what you do not understand). PyJWT's
algorithm objects then verify the signature over the exact bytes received. The claim
checks use the client's clock, so that tests can freeze time, and every time claim must be
a finite number of seconds between 1970 and 9999.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
from collections.abc import Sequence
from typing import Any

import jwt
from jwt.algorithms import get_default_algorithms

from .errors import (IDTokenAtHashMismatch, IDTokenBadKid, IDTokenCritUnsupported, IDTokenExpired,
                     IDTokenInvalidSignature, IDTokenInvalidTime, IDTokenMalformed, IDTokenMissingClaim,
                     IDTokenNonceMismatch, IDTokenNonceMissing, IDTokenNotYetValid, IDTokenPidMismatch,
                     IDTokenTooLarge, IDTokenUnsupportedAlg, IDTokenWrongAudience, IDTokenWrongAzp,
                     IDTokenWrongIssuer, JWKSError)
from .jsonsafe import JSONRejected, loads_object
from .jwks import JWKSCache

_HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
_ALGORITHMS = get_default_algorithms()
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
#: The default cap on an ID token's length (ThaiDConfig.max_response_bytes overrides it).
MAX_ID_TOKEN_BYTES = 1024 * 1024
#: A kid names a key; no provider needs a longer name (a longer one is refused unlooked-up).
MAX_KID = 256
#: 9999-12-31T23:59:59Z: a later exp/iat/nbf is no date at all (and would defeat expiry).
MAX_TIME = 253402300799


def half_hash(value: str, alg: str) -> str:
    """``at_hash``/``c_hash``: base64url of the left half of the alg's hash of ``value``."""
    if alg == "EdDSA":
        digest = hashlib.sha512(value.encode("ascii")).digest()  # Ed25519 (OIDC Core errata)
    else:
        digest = _HASHES[alg[-3:]](value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def _segment(part: str, name: str) -> bytes:
    """Strict base64url without padding (RFC 7515 §2), and canonical: one spelling per value."""
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise IDTokenMalformed(f"the ID token's {name} is not base64url")
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise IDTokenMalformed(f"the ID token's {name} is not base64url") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != part:
        raise IDTokenMalformed(f"the ID token's {name} is not canonical base64url")
    return raw


def _object(raw: bytes, name: str) -> dict[str, Any]:
    try:
        return loads_object(raw)
    except JSONRejected as e:
        raise IDTokenMalformed(f"the ID token's {name} is not a strict JSON object: {e}") from None


def _check_header(header: dict[str, Any], algorithms: Sequence[str]) -> tuple[str, str | None]:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or alg.lower() == "none" or alg.startswith("HS") \
            or alg not in _ALGORITHMS:
        raise IDTokenUnsupportedAlg(f"ID token alg {str(alg)[:40]!r} is not allowed (allowed: "
                                    f"{', '.join(algorithms)})", alg=alg[:40] if isinstance(alg, str) else None,
                                    allowed=list(algorithms))
    if "crit" in header or "b64" in header:
        raise IDTokenCritUnsupported("the ID token header has crit (or b64): ThaiD defines no critical "
                                     "extension, so none is understood", crit=repr(header.get("crit"))[:80])
    kid = header.get("kid")
    if "kid" in header and (not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID):
        raise IDTokenBadKid(f"the ID token header's kid is {type(kid).__name__} {repr(kid)[:40]}, not a "
                            f"string of 1 to {MAX_KID} characters", kid_type=type(kid).__name__)
    return alg, kid


def _verify_signature(signing_input: bytes, signature: bytes, key: Any, alg: str, kid: str | None) -> None:
    algorithm = _ALGORITHMS[alg]
    try:
        prepared = algorithm.prepare_key(key)
    except (jwt.PyJWTError, ValueError, TypeError) as e:
        raise JWKSError(f"key {kid!r} of the key set cannot verify {alg}: {e}", kid=kid) from None
    try:
        valid = algorithm.verify(signing_input, prepared, signature)
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        valid = False
    if not valid:
        raise IDTokenInvalidSignature("the ID token signature does not verify", kid=kid, alg=alg)


def verify_id_token(token: str, *, keys: JWKSCache, issuer: str, client_id: str, algorithms: Sequence[str],
                    now: float, leeway: float, nonce: str | None, access_token: str | None = None,
                    max_bytes: int = MAX_ID_TOKEN_BYTES) -> dict[str, Any]:
    """Verify ``token`` and return its claims, or raise an ``IDTokenError`` subclass (or
    ``JWKSError`` when the key set cannot be had).

    ``nonce``: the nonce sent at authorize (then the token must carry it) or ``None`` (a
    token from a refresh: a nonce in it is then not checked). ``access_token``: when given
    and the token has ``at_hash``, the hash must match. ``max_bytes``: a longer token is
    refused before anything in it is read.
    """
    if not isinstance(token, str):
        raise IDTokenMalformed("the ID token is not a string")
    if len(token) > max_bytes:
        raise IDTokenTooLarge(f"the ID token is {len(token)} characters long (limit {max_bytes})",
                              size=len(token), limit=max_bytes)
    if token.count(".") != 2 or not token.isascii():
        raise IDTokenMalformed("the ID token is not a compact JWS (three dot-separated base64url parts)")
    head, body, sig = token.split(".")
    header = _object(_segment(head, "header"), "header")
    alg, kid = _check_header(header, algorithms)
    signature = _segment(sig, "signature")
    payload = _segment(body, "payload")
    key = keys.key_for(kid, alg)
    _verify_signature(f"{head}.{body}".encode("ascii"), signature, key, alg, kid)
    claims = _object(payload, "payload")
    check_claims(claims, issuer=issuer, client_id=client_id, now=now, leeway=leeway, nonce=nonce)
    at_hash = claims.get("at_hash")
    if access_token is not None and at_hash is not None:
        if not isinstance(at_hash, str) or not _same(at_hash, half_hash(access_token, alg)):
            raise IDTokenAtHashMismatch("at_hash does not match the access token")
    return claims


def _number(claims: dict[str, Any], name: str, required: bool = True) -> float | None:
    """A time claim as seconds: absent (``IDTokenMissingClaim`` when required), else a finite
    JSON number in [0, MAX_TIME] (``IDTokenInvalidTime``: NaN, 1e999, 10**400, "900", true...).
    Big integers are compared before any float conversion, which would overflow."""
    value = claims.get(name)
    if value is None:  # absent or null
        if required:
            raise IDTokenMissingClaim(f"the ID token has no {name}", claim=name)
        return None
    ok = (not isinstance(value, bool) and isinstance(value, (int, float))
          and (isinstance(value, int) or math.isfinite(value)) and 0 <= value <= MAX_TIME)
    if not ok:
        raise IDTokenInvalidTime(f"the ID token's {name} is not a number of seconds between 1970 and 9999: "
                                 f"{type(value).__name__} {repr(value)[:40]}", claim=name)
    return float(value)


def _brief(value: Any) -> Any:
    """A claim value fit for an error's data: short text as is, anything else as a short repr."""
    return value if isinstance(value, str) and len(value) <= 200 else repr(value)[:80]


def check_claims(claims: dict[str, Any], *, issuer: str, client_id: str, now: float, leeway: float,
                 nonce: str | None) -> None:
    """The claim checks of OIDC Core §3.1.3.7 (everything but the signature and at_hash)."""
    iss = claims.get("iss")
    if iss != issuer:
        raise IDTokenWrongIssuer(f"ID token iss {_brief(iss)!r} is not {issuer!r}", expected=issuer,
                                 actual=_brief(iss))
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise IDTokenWrongAudience(f"ID token aud {_brief(aud)!r} does not hold {client_id!r}",
                                   expected=client_id, actual=_brief(aud))
    azp = claims.get("azp")
    if azp is not None and azp != client_id:
        raise IDTokenWrongAzp(f"ID token azp {_brief(azp)!r} is not {client_id!r}", expected=client_id,
                              actual=_brief(azp))
    if azp is None and len(audiences) > 1:
        raise IDTokenWrongAzp("ID token has several audiences and no azp", expected=client_id, actual=None)
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise IDTokenMissingClaim("the ID token has no sub", claim="sub")
    if "pid" in claims and claims["pid"] != sub:  # ThaiD: sub IS the PID; two names, two people
        raise IDTokenPidMismatch("the ID token's pid is not its sub")
    exp = _number(claims, "exp")
    iat = _number(claims, "iat")
    nbf = _number(claims, "nbf", required=False)
    if exp is None or iat is None:  # unreachable (required claims raise); no assert, for python -O
        raise IDTokenMissingClaim("the ID token has no exp or iat", claim="exp" if exp is None else "iat")
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
