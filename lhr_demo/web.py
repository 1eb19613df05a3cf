"""Per-request plumbing shared by the blueprints: the database session, language and
digit preferences, the audit helper that fills in who/when/from where, and the
correction-request service bound to the request.

Nothing here commits: :func:`log` appends an audit row to the request's session and the
caller commits (a view after its audit row, the service after the change and its rows)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request, session

from . import audit
from .correction_service import CorrectionService
from .db import Database
from .settings import Settings


@dataclass
class LHR:
    """What ``app.extensions['lhr']`` holds."""
    settings: Settings
    db: Database


def lhr() -> LHR:
    return current_app.extensions["lhr"]


def dbs():
    """The request's database session (opened on first use, closed at teardown)."""
    if "db" not in g:
        g.db = lhr().db.Session()
    return g.db


def close_db(_exc=None) -> None:
    s = g.pop("db", None)
    if s is not None:
        s.rollback()
        s.close()


def lang() -> str:
    return "en" if session.get("lang") == "en" else "th"


def thai_digits() -> bool:
    """Thai digits on Thai screens when chosen (English screens keep Arabic digits)."""
    return session.get("digits") == "thai" and lang() == "th"


def tr(th: str, en: str) -> str:
    return en if lang() == "en" else th


def client_ip() -> str | None:
    return request.remote_addr


def log(action: str, *, outcome: str = "ALLOW", subject: str | None = None, object_type: str | None = None,
        object_id: str | None = None, detail: dict | None = None):
    """Append an audit entry for the current request to the request's session; it is stored
    when the caller commits (never here)."""
    user = g.get("user")
    return audit.record(dbs(), action, outcome=outcome,
                        actor=user.account.public_id if user and user.account else None,
                        actor_role=user.primary_role if user else None, subject=subject,
                        object_type=object_type, object_id=object_id, ip=client_ip(),
                        user_agent=request.headers.get("User-Agent"),
                        detail=dict(detail or {}, path=request.path, method=request.method), commit=False)


def correction_service() -> CorrectionService:
    """The correction-request workflow for the logged-in user, in the request's session."""
    user = g.get("user")
    return CorrectionService(dbs(), actor_name=user.account.display_name if user and user.account else "",
                             audit=log, upload_dir=lhr().settings.upload_dir)
