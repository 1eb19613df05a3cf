"""Ending a session at the provider: revoke the refresh token and the access token (RFC 7009),
and say exactly what happened.

The local session ends whatever the provider answers; a revocation that fails is reported
(and the app can audit it), never raised: a person who pressed "log out" is logged out here.
The refresh token goes first: it is the one that could mint new access tokens. After a
``NetworkError`` the provider is not tried again in the same logout (one timeout is enough),
and the remaining token is reported failed with the same code.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import NetworkError, ThaiDError
from .tokens import TokenSet

if TYPE_CHECKING:
    from .client import ThaiDClient

#: (short name in reports, TokenSet field and RFC 7009 token_type_hint), in revocation order.
KINDS = (("refresh", "refresh_token"), ("access", "access_token"))


@dataclass(frozen=True)
class RevocationReport:
    """What the logout did at the provider. ``revoked``: the kinds revoked (``"refresh"``,
    ``"access"``); ``failed``: kind -> the ``ThaiDError`` code that stopped it."""

    revoked: tuple[str, ...] = ()
    failed: Mapping[str, str] = field(default_factory=dict)

    @property
    def attempted(self) -> bool:
        """Whether there was any token to revoke."""
        return bool(self.revoked or self.failed)

    @property
    def complete(self) -> bool:
        """True when nothing failed (also when there was nothing to revoke)."""
        return not self.failed

    @property
    def outcome(self) -> str:
        """``none`` (no token kept), ``all``, ``partial`` or ``failed``."""
        if not self.attempted:
            return "none"
        if not self.failed:
            return "all"
        return "partial" if self.revoked else "failed"

    def to_dict(self) -> dict[str, Any]:
        """For an audit row: ``{"revoke": outcome, "revoked": [...], "revoke_failed": {...}}``
        (lists sorted; no token in it)."""
        out: dict[str, Any] = {"revoke": self.outcome, "revoked": sorted(self.revoked)}
        if self.failed:
            out["revoke_failed"] = dict(sorted(self.failed.items()))
        return out


def revoke_tokens(client: "ThaiDClient", tokens: TokenSet | Mapping[str, Any] | None) -> RevocationReport:
    """Revoke every token ``tokens`` holds (a ``TokenSet`` or its ``to_dict()``); never raises
    a ``ThaiDError``."""
    revoked: list[str] = []
    failed: dict[str, str] = {}
    unreachable: str | None = None
    for kind, name in KINDS:
        value = getattr(tokens, name, None) if isinstance(tokens, TokenSet) else \
            (tokens.get(name) if isinstance(tokens, Mapping) else None)
        if not isinstance(value, str) or not value:
            continue
        if unreachable:
            failed[kind] = unreachable
            continue
        try:
            client.revoke(value, token_type_hint=name)
        except NetworkError as exc:
            failed[kind] = unreachable = exc.code
        except ThaiDError as exc:
            failed[kind] = exc.code
        else:
            revoked.append(kind)
    return RevocationReport(tuple(revoked), failed)
