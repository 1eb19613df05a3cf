"""Authorization codes and tokens. Codes are single-use; a replay revokes their tokens."""
from __future__ import annotations

import secrets
import string

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import AuthCode, Token

_ALNUM = string.ascii_letters + string.digits


def new_code() -> str:
    """32 alphanumerics, like ThaiD's codes."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


def create_code(s: Session, **fields) -> AuthCode:
    code = AuthCode(code=new_code(), used_at=None, **fields)
    s.add(code)
    return code


class CodeReplay(Exception):
    pass


def consume_code(s: Session, code: str, now: float) -> AuthCode | None:
    """Mark ``code`` used and return it; None if unknown; CodeReplay if already used
    (and every token issued from it is revoked)."""
    claimed = s.execute(
        update(AuthCode).where(AuthCode.code == code, AuthCode.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed == 1:
        row = s.get(AuthCode, code, populate_existing=True)
        return row
    if s.get(AuthCode, code) is None:
        return None
    revoke_family(s, code)
    raise CodeReplay(code)


def issue(s: Session, *, kind: str, family: str, client_id: str, pid: str, scope: str,
          auth_time: int, now: float, lifetime: float) -> Token:
    tok = Token(
        token=secrets.token_urlsafe(32), kind=kind, family=family, client_id=client_id, pid=pid,
        scope=scope, auth_time=auth_time, issued_at=now, expires_at=now + lifetime, revoked=False,
    )
    s.add(tok)
    return tok


def find(s: Session, token: str) -> Token | None:
    return s.get(Token, token)


def revoke(s: Session, token: str) -> bool:
    return s.execute(update(Token).where(Token.token == token).values(revoked=True)).rowcount == 1


def revoke_family(s: Session, family: str) -> int:
    return s.execute(update(Token).where(Token.family == family).values(revoked=True)).rowcount


def claim_refresh(s: Session, token: str) -> bool:
    """Rotate: mark a refresh token revoked; True only for the one caller that did it."""
    return s.execute(
        update(Token).where(Token.token == token, Token.kind == "refresh", Token.revoked.is_(False))
        .values(revoked=True)
    ).rowcount == 1


def active_tokens(s: Session, family: str) -> list[Token]:
    return list(s.scalars(select(Token).where(Token.family == family, Token.revoked.is_(False))))
