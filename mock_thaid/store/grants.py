"""Authorization codes and tokens. Codes are single-use; a replay revokes their tokens."""
from __future__ import annotations

import secrets
import string
from types import SimpleNamespace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import fast
from .models import AuthCode, Token

_ALNUM = string.ascii_letters + string.digits


def new_code() -> str:
    """32 alphanumerics, like ThaiD's codes (rejection sampling over random bytes: uniform)."""
    out: list[str] = []
    while len(out) < 32:
        out.extend(_ALNUM[b % 62] for b in secrets.token_bytes(48) if b < 248)
    return "".join(out[:32])


_INSERT_CODE = ("INSERT INTO auth_codes (code, client_id, redirect_uri, scope, pid, nonce, code_challenge, "
                "code_challenge_method, auth_time, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)")


def create_code(s: Session, *, client_id: str, redirect_uri: str, scope: str, pid: str, nonce: str | None,
                code_challenge: str | None, code_challenge_method: str | None, auth_time: int,
                expires_at: float) -> str:
    """Store a new code (one plain insert: this is on every login's path) and return it."""
    code = new_code()
    fast.execute(s, _INSERT_CODE, (code, client_id, redirect_uri, scope, pid, nonce, code_challenge,
                                   code_challenge_method, int(auth_time), float(expires_at)))
    return code


class CodeReplay(Exception):
    pass


_CODE_COLUMNS = [c.name for c in AuthCode.__table__.columns]
_CLAIM_CODE = (f"UPDATE auth_codes SET used_at = ? WHERE code = ? AND used_at IS NULL "
               f"RETURNING {', '.join(_CODE_COLUMNS)}")


def consume_code(s: Session, code: str, now: float) -> SimpleNamespace | None:
    """Mark ``code`` used and return it; None if unknown; CodeReplay if already used
    (and every token issued from it is revoked)."""
    claimed = fast.execute(s, _CLAIM_CODE, (float(now), code)).fetchone()
    if claimed is not None:
        return SimpleNamespace(**dict(zip(_CODE_COLUMNS, claimed)))  # one statement: every login's path
    if fast.scalar(s, "SELECT code FROM auth_codes WHERE code = ?", (code,)) is None:
        return None
    revoke_family(s, code)
    raise CodeReplay(code)


_INSERT_PAIR = ("INSERT INTO tokens (token, kind, client_id, pid, scope, family, auth_time, issued_at, "
                "expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def issue_pair(s: Session, *, family: str, client_id: str, pid: str, scope: str, auth_time: int,
               now: float, access_lifetime: float, refresh_lifetime: float) -> tuple[str, str]:
    """A new access token and refresh token (one plain insert of two rows); returns (access, refresh)."""
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    common = (client_id, pid, scope, family, int(auth_time), float(now))
    fast.execute(s, _INSERT_PAIR, (
        access, "access", *common, float(now + access_lifetime), False,
        refresh, "refresh", *common, float(now + refresh_lifetime), False))
    return access, refresh


def find(s: Session, token: str) -> Token | None:
    return s.get(Token, token)


def revoke(s: Session, token: str) -> bool:
    return s.execute(update(Token).where(Token.token == token).values(revoked=True)).rowcount == 1


def revoke_family(s: Session, family: str) -> int:
    return fast.execute(s, "UPDATE tokens SET revoked = ? WHERE family = ?", (True, family)).rowcount


def revoke_person(s: Session, pid: str, client_id: str | None = None) -> int:
    """Every live token of one person (they registered again, or logged out of one client)."""
    where = [Token.pid == pid, Token.revoked.is_(False)] + ([Token.client_id == client_id] if client_id else [])
    return s.execute(update(Token).where(*where).values(revoked=True)).rowcount


def claim_refresh(s: Session, token: str) -> bool:
    """Rotate: mark a refresh token revoked; True only for the one caller that did it."""
    return s.execute(
        update(Token).where(Token.token == token, Token.kind == "refresh", Token.revoked.is_(False))
        .values(revoked=True)
    ).rowcount == 1


def active_tokens(s: Session, family: str) -> list[Token]:
    return list(s.scalars(select(Token).where(Token.family == family, Token.revoked.is_(False))))
