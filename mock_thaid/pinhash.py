"""PIN hashing with scrypt (hashlib). A PIN is never stored or logged in clear."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_R, _P = 8, 1


def hash_pin(pin: str, n: int = 2**14) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=_R, p=_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(
        n, _R, _P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    )


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)
