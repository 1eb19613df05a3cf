"""QR login sessions: created at authorize, moved along by the app, polled by the browser."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import fast
from .models import LoginSession

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_ref() -> str:
    """Six characters of a 32-letter alphabet, uniform (256 is a multiple of 32), one random read."""
    return "".join(_REF_ALPHABET[b % 32] for b in secrets.token_bytes(6))


def create(s: Session, *, now: float, lifetime: float, **fields) -> LoginSession:
    ref, app_token = new_token_pair(s)
    ls = LoginSession(
        id=secrets.token_urlsafe(24), ref=ref, app_token=app_token,
        created_at=now, expires_at=now + lifetime, status="waiting", **fields,
    )
    s.add(ls)
    return ls


_INSERT = ("INSERT INTO login_sessions (id, ref, app_token, client_id, redirect_uri, scope, state, nonce, "
           "code_challenge, code_challenge_method, status, pid, created_at, expires_at, finished_url) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def insert_finished(s: Session, *, now: float, lifetime: float, client_id: str, redirect_uri: str, scope: str,
                    state: str | None, nonce: str | None, code_challenge: str | None,
                    code_challenge_method: str | None, status: str, pid: str | None, finished_url: str) -> str:
    """A login that finished as it started (headless auto-login): the row :func:`create` and
    flow.approve would leave, in one plain insert. Returns its id."""
    while True:
        ref = new_ref()
        if fast.scalar(s, "SELECT id FROM login_sessions WHERE ref = ?", (ref,)) is None:
            break
    sid = secrets.token_urlsafe(24)
    fast.execute(s, _INSERT, (sid, ref, secrets.token_urlsafe(24), client_id, redirect_uri, scope, state, nonce,
                              code_challenge, code_challenge_method, status, pid, float(now), float(now + lifetime),
                              finished_url))
    return sid


_POLL = "SELECT status, ref, expires_at, pid, finished_url FROM login_sessions WHERE id = ?"


def poll(s: Session, sid: str) -> dict | None:
    """What the QR page's polling needs of a login, read without the ORM (a class polls every second)."""
    return fast.one(s, _POLL, (sid,))


def set_status(s: Session, sid: str, status: str) -> None:
    fast.execute(s, "UPDATE login_sessions SET status = ? WHERE id = ?", (status, sid))


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
