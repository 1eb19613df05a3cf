"""PIN hashing with scrypt (hashlib). A PIN is never stored or logged in clear."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading

_R, _P = 8, 1

CPU_TURNS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
"""CPU-heavy work of a request (a PIN's scrypt, decoding an uploaded photo) takes turns: at most
one per core at a time in this process. A class of phones then queues its PIN and photo steps
here instead of crowding the cores, so cheap requests (pages, the QR pages' polling) still get
a core at once; and at most that many scrypt buffers (16 MB each) exist at a time."""


def hash_pin(pin: str, n: int = 2**14) -> str:
    salt = secrets.token_bytes(16)
    with CPU_TURNS:
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
        with CPU_TURNS:
            got = hashlib.scrypt(
                pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                dklen=len(expected),
            )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)
