"""The provider's key set: cached for a maximum age, refetched ONCE on an unknown ``kid``.

An unknown ``kid`` triggers one refetch (key rotation). The same kid triggers no other
refetch for ``cooldown`` seconds, and at most ``MAX_FORCED`` refetches happen in any
``cooldown`` window, so a stream of tokens with made-up kids cannot make us hammer the
provider, while a genuinely new key (a rotation) is still picked up at once. A token without ``kid`` is accepted only when the set holds exactly
one key. A key is used only for the algorithm family it belongs to (EC for ES*, RSA for
RS*/PS*, OKP for EdDSA), and never when its ``use``/``alg``/``key_ops`` say otherwise.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import jwt

from .errors import IDTokenKidAmbiguous, IDTokenUnknownKid, JWKSError

MAX_FORCED = 3
_KTY = {"ES": "EC", "RS": "RSA", "PS": "RSA", "Ed": "OKP"}
_CRV = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


def fits(jwk: dict[str, Any], alg: str) -> bool:
    """Whether ``jwk`` may verify a signature made with ``alg``."""
    if jwk.get("kty") != _KTY.get(alg[:2]):
        return False
    if alg in _CRV and jwk.get("crv") != _CRV[alg]:
        return False
    if alg == "EdDSA" and jwk.get("crv") not in ("Ed25519", "Ed448"):
        return False
    if jwk.get("use") not in (None, "sig"):
        return False
    if jwk.get("alg") not in (None, alg):
        return False
    ops = jwk.get("key_ops")
    return ops is None or (isinstance(ops, list) and "verify" in ops)


class JWKSCache:
    """Keys by ``kid``; ``fetch()`` returns the JWKS document (a dict with ``keys``)."""

    def __init__(self, fetch: Callable[[], dict[str, Any]], *, max_age: float, cooldown: float,
                 clock: Callable[[], float]) -> None:
        self._fetch, self.max_age, self.cooldown, self._clock = fetch, max_age, cooldown, clock
        self._lock = threading.Lock()
        self._keys: list[dict[str, Any]] | None = None
        self._fetched_at = 0.0
        self._forced: list[float] = []  # times of refetches forced by unknown kids
        self._tried: dict[str, float] = {}  # unknown kid -> when it forced a refetch
        #: How many times the set was fetched (for monitoring and tests).
        self.fetch_count = 0

    def _load(self, now: float) -> None:
        doc = self._fetch()
        keys = doc.get("keys")
        if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
            raise JWKSError("the key set has no 'keys' list of objects")
        self._keys, self._fetched_at = list(keys), now
        self.fetch_count += 1

    def key_for(self, kid: str | None, alg: str) -> Any:
        """The verification key for a token header's ``kid`` and ``alg``."""
        with self._lock:
            now = self._clock()
            fresh = False
            if self._keys is None or now - self._fetched_at >= self.max_age:
                self._load(now)
                fresh = True
            if kid is None:
                return self._only_key(alg)
            jwk = self._find(kid, alg)
            if jwk is None and not fresh and self._may_force(kid, now):
                self._forced.append(now)
                self._tried[kid] = now
                self._load(now)
                jwk = self._find(kid, alg)
            if jwk is None:
                raise IDTokenUnknownKid(f"no key with kid {kid!r} usable for {alg} in the provider's key set",
                                        kid=kid, alg=alg)
            return _to_key(jwk, alg)

    def _may_force(self, kid: str, now: float) -> bool:
        self._forced = [t for t in self._forced if now - t < self.cooldown]
        self._tried = {k: t for k, t in self._tried.items() if now - t < self.cooldown}
        return kid not in self._tried and len(self._forced) < MAX_FORCED

    def _find(self, kid: str, alg: str) -> dict[str, Any] | None:
        for jwk in self._keys or []:
            if jwk.get("kid") == kid and fits(jwk, alg):
                return jwk
        return None

    def _only_key(self, alg: str) -> Any:
        keys = self._keys or []
        if len(keys) != 1:
            raise IDTokenKidAmbiguous(f"the token has no kid and the key set holds {len(keys)} keys",
                                      keys=len(keys))
        if not fits(keys[0], alg):
            raise IDTokenUnknownKid(f"the token has no kid and the only key does not fit {alg}", kid=None, alg=alg)
        return _to_key(keys[0], alg)


def _to_key(jwk: dict[str, Any], alg: str) -> Any:
    try:
        return jwt.PyJWK(jwk, algorithm=alg).key
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
        kid = jwk.get("kid")
        kid = kid[:80] if isinstance(kid, str) else None
        raise JWKSError(f"key {kid!r} in the key set is unusable: {e.__class__.__name__}", kid=kid) from None
