"""Signing keys: a ring of EC P-256 keys, the newest signs, all are published.

Keys are imported once when the ring is built (importing per request is what makes
other mocks slow). Files are ``<kid>.pem`` in the keys folder; kids sort by time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import jwt
from jwt.algorithms import ECAlgorithm

ALG = "ES256"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: ec.EllipticCurvePrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": ALG})
        return jwk


def new_kid() -> str:
    """Unique and sortable by creation time (nanoseconds), so kids are never reused."""
    ns = time.time_ns()
    return "thaid-test-" + time.strftime("%Y%m%d%H%M%S", time.gmtime(ns // 10**9)) + f"{ns % 10**9:09d}"


def generate_key(kid: str | None = None) -> SigningKey:
    return SigningKey(kid or new_kid(), ec.generate_private_key(ec.SECP256R1()))


def key_to_pem(key: SigningKey) -> bytes:
    return key.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class KeyRing:
    def __init__(self, keys: list[SigningKey], used: set[str] | None = None) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._keys = list(keys)
        self._used = {k.kid for k in keys} | set(used or ())  # a kid is never given to a second key

    @classmethod
    def from_dir(cls, folder: str | Path) -> "KeyRing":
        paths = sorted(Path(folder).glob("*.pem"))
        keys = []
        for p in paths:
            priv = serialization.load_pem_private_key(p.read_bytes(), password=None)
            if not isinstance(priv, ec.EllipticCurvePrivateKey) or priv.curve.name != "secp256r1":
                raise ValueError(f"{p}: not an EC P-256 private key")
            keys.append(SigningKey(p.stem, priv))
        if not keys:
            raise FileNotFoundError(
                f"no *.pem signing keys in {folder}: run `mock-thaid keys generate`"
            )
        return cls(keys)

    @property
    def current(self) -> SigningKey:
        return self._keys[-1]

    @property
    def keys(self) -> list[SigningKey]:
        return list(self._keys)

    def rotate(self, keep: int = 2) -> SigningKey:
        """Add a fresh key that signs from now on; keep the previous ``keep - 1`` published."""
        base = kid = new_kid()
        n = 1
        while kid in self._used:
            n += 1
            kid = f"{base}-{n}"
        self._used.add(kid)
        key = generate_key(kid)
        self._keys = (self._keys + [key])[-keep:]
        return key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in reversed(self._keys)]}

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact ES256 JWS of ``claims`` (header alg, kid, typ), by PyJWT. (A hand-made JWS
        saved ~30 µs of a ~2.6 ms login; the project keeps protocol encoding in libraries.)"""
        key = self.current
        return jwt.encode(claims, key.private, algorithm=ALG, headers={"kid": key.kid, "typ": "JWT"})


def write_new_key(folder: str | Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    path = folder / f"{key.kid}.pem"
    n = 1
    while path.exists():
        path = folder / f"{key.kid}-{n}.pem"
        n += 1
    path.write_bytes(key_to_pem(key))
    return path
