"""Authorization codes and tokens. Codes are single-use; a replay revokes their tokens."""
from __future__ import annotations

import secrets
import string
from types import SimpleNamespace

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .models import AuthCode, Token

_ALNUM = string.ascii_letters + string.digits


def new_code() -> str:
    """32 alphanumerics, like ThaiD's codes."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


def create_code(s: Session, **fields) -> str:
    """Store a new code (one Core insert: this is on every login's path) and return it."""
    code = new_code()
    s.execute(insert(AuthCode.__table__).values(code=code, used_at=None, **fields))
    return code


class CodeReplay(Exception):
    pass


def consume_code(s: Session, code: str, now: float) -> SimpleNamespace | None:
    """Mark ``code`` used and return it; None if unknown; CodeReplay if already used
    (and every token issued from it is revoked)."""
    t = AuthCode.__table__
    claimed = s.execute(
        update(t).where(t.c.code == code, t.c.used_at.is_(None)).values(used_at=now).returning(*t.c)
    ).mappings().first()
    if claimed is not None:
        return SimpleNamespace(**claimed)  # one statement, no ORM load: on every login's path
    if s.get(AuthCode, code) is None:
        return None
    revoke_family(s, code)
    raise CodeReplay(code)


def issue_pair(s: Session, *, family: str, client_id: str, pid: str, scope: str, auth_time: int,
               now: float, access_lifetime: float, refresh_lifetime: float) -> tuple[str, str]:
    """A new access token and refresh token (one Core insert); returns (access, refresh)."""
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    common = dict(family=family, client_id=client_id, pid=pid, scope=scope, auth_time=auth_time,
                  issued_at=now, revoked=False)
    s.execute(insert(Token.__table__), [
        dict(token=access, kind="access", expires_at=now + access_lifetime, **common),
        dict(token=refresh, kind="refresh", expires_at=now + refresh_lifetime, **common),
    ])
    return access, refresh


def find(s: Session, token: str) -> Token | None:
    return s.get(Token, token)


def revoke(s: Session, token: str) -> bool:
    return s.execute(update(Token).where(Token.token == token).values(revoked=True)).rowcount == 1


def revoke_family(s: Session, family: str) -> int:
    return s.execute(update(Token).where(Token.family == family).values(revoked=True)).rowcount


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
