"""TokenSet: what the token endpoint gave, with ``expires_at`` computed right.

ThaiD sends ``expires_in`` as an ABSOLUTE Unix time (issue time + 900), and its manual
spells it ``expire_in``; standard providers send a duration. In ``auto`` mode a value
above 10**9 (2001-09-09 as a timestamp, ~31 years as a duration) is read as absolute.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError, TokenResponseError

ABSOLUTE_THRESHOLD = 10**9
#: 9999-12-31T23:59:59Z: an expiry after it is no date (and a token that never expires).
MAX_TIME = 253402300799
TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "token_type", "expires_in", "expire_in",
                          "scope", "id_token"})


def compute_expires_at(body: dict[str, Any], received_at: float, mode: str = "auto") -> float | None:
    """When the access token expires (Unix time), or ``None`` if the answer does not say.

    Reads ``expires_in``, else ``expire_in``. ``mode``: ``auto`` | ``absolute`` | ``duration``.
    """
    raw = body.get("expires_in", body.get("expire_in"))
    if raw is None or raw == "":
        return None
    value = _seconds(raw)
    if mode == "auto":
        mode = "absolute" if value > ABSOLUTE_THRESHOLD else "duration"
    if mode == "absolute":
        return value
    if mode == "duration":
        if received_at + value > MAX_TIME:
            raise TokenResponseError(f"expires_in {value:.0f} s ends after the year 9999", missing="expires_in")
        return received_at + value
    raise ConfigError(f"expires_in_mode must be auto, absolute or duration, not {mode!r}", field="expires_in_mode")


def _seconds(raw: Any) -> float:
    """``expires_in`` as a number: an int, a float or digits in a string (some providers quote
    it); finite, not negative and not past the year 9999, or ``TokenResponseError``."""
    number: Any = raw
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            number = float(raw.strip())
        except ValueError:
            pass
    ok = (not isinstance(number, bool) and isinstance(number, (int, float))
          and (isinstance(number, int) or math.isfinite(number)) and 0 <= number <= MAX_TIME)
    if not ok:
        raise TokenResponseError(f"expires_in is not a usable number of seconds: {repr(raw)[:60]}",
                                 missing="expires_in")
    return float(number)


@dataclass
class TokenSet:
    """Tokens from one token-endpoint answer.

    ``id_token_claims`` are the VERIFIED claims of ``id_token`` (``None`` without one);
    ``raw`` is the whole answer, including ThaiD's flat claims when there is no ID token.
    """

    access_token: str
    token_type: str = "Bearer"
    refresh_token: str | None = None
    expires_at: float | None = None
    scope: tuple[str, ...] = ()
    id_token: str | None = None
    id_token_claims: dict[str, Any] | None = None
    received_at: float = 0.0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_response(cls, body: dict[str, Any], *, received_at: float, expires_in_mode: str = "auto",
                      requested_scope: tuple[str, ...] = ()) -> "TokenSet":
        """Parse a token answer (the ID token, if any, is verified by the caller)."""
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenResponseError("the token response has no access_token", missing="access_token")
        token_type = body.get("token_type") or "Bearer"
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise TokenResponseError(f"token_type {repr(token_type)[:40]} is not Bearer", missing="token_type")
        scope = body.get("scope")
        if scope is not None and not isinstance(scope, str):
            raise TokenResponseError(f"scope is not a string: {repr(scope)[:40]}", missing="scope")
        scopes = tuple(scope.replace("+", " ").split()) if scope else requested_scope
        refresh = body.get("refresh_token")
        id_token = body.get("id_token")
        return cls(access_token=access, token_type="Bearer",
                   refresh_token=refresh if isinstance(refresh, str) and refresh else None,
                   expires_at=compute_expires_at(body, received_at, expires_in_mode), scope=scopes,
                   id_token=id_token if isinstance(id_token, str) and id_token else None,
                   received_at=received_at, raw=dict(body))

    @property
    def flat_claims(self) -> dict[str, Any]:
        """Claims ThaiD puts beside the tokens when the scope has no ``openid``."""
        return {k: v for k, v in self.raw.items() if k not in TOKEN_FIELDS}

    @property
    def sub(self) -> str | None:
        """The verified ID token's ``sub`` (the PID at ThaiD), if there is an ID token."""
        return (self.id_token_claims or {}).get("sub")

    def expires_in(self, now: float | None = None) -> float | None:
        """Seconds left (negative when expired), or ``None`` if unknown."""
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if now is None else now)

    def is_expired(self, now: float | None = None, skew: float = 30.0) -> bool:
        """True once fewer than ``skew`` seconds are left (False when unknown)."""
        left = self.expires_in(now)
        return left is not None and left <= skew

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (for a server-side session); ``from_dict`` reverses it."""
        return {"access_token": self.access_token, "token_type": self.token_type,
                "refresh_token": self.refresh_token, "expires_at": self.expires_at, "scope": list(self.scope),
                "id_token": self.id_token, "id_token_claims": self.id_token_claims,
                "received_at": self.received_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TokenSet":
        """The token set a ``to_dict()`` described (without the raw answer)."""
        values = dict(data)
        values["scope"] = tuple(values.get("scope") or ())
        values.pop("raw", None)
        return cls(**values)
