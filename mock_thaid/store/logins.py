"""QR login sessions: created at authorize, moved along by the app, polled by the browser."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import LoginSession

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_ref() -> str:
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


def create(s: Session, *, now: float, lifetime: float, **fields) -> LoginSession:
    ref, app_token = new_token_pair(s)
    ls = LoginSession(
        id=secrets.token_urlsafe(24), ref=ref, app_token=app_token,
        created_at=now, expires_at=now + lifetime, status="waiting", **fields,
    )
    s.add(ls)
    return ls


def by_id(s: Session, sid: str) -> LoginSession | None:
    return s.get(LoginSession, sid)


def by_ref(s: Session, ref: str) -> LoginSession | None:
    return s.scalar(select(LoginSession).where(LoginSession.ref == ref.upper()))


def by_app_token(s: Session, token: str) -> LoginSession | None:
    return s.scalar(select(LoginSession).where(LoginSession.app_token == token))


def recent(s: Session, limit: int = 50) -> list[LoginSession]:
    return list(s.scalars(select(LoginSession).order_by(LoginSession.created_at.desc()).limit(limit)))


def new_token_pair(s: Session) -> tuple[str, str]:
    """A fresh (reference, app token) pair for a renewed QR."""
    while True:
        ref = new_ref()
        if s.scalar(select(LoginSession.id).where(LoginSession.ref == ref)) is None:
            return ref, secrets.token_urlsafe(24)


def state_used(s: Session, client_id: str, state: str) -> bool:
    return s.scalar(select(LoginSession.id).where(
        LoginSession.client_id == client_id, LoginSession.state == state,
        LoginSession.status.in_(("approved", "denied")))) is not None
