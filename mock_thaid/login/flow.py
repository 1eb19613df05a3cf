"""Finishing a login: approve (issue a code) or refuse, and the URL the browser goes to."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.orm import Session

from ..errors import describe
from ..services import Services
from ..store import grants, logins
from ..store.models import LoginSession
from . import state


def redirect_with(redirect_uri: str, params: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return redirect_uri + ("&" if "?" in redirect_uri else "?") + query


def error_redirect(redirect_uri: str, key: str, profile: str, state_value: str | None,
                   description: str | None = None, issuer: str | None = None) -> str:
    """An error to the RP's redirect URI; the oidc profile adds RFC 9207's ``iss``."""
    body = describe(key, profile)
    return redirect_with(redirect_uri, {"error": body.error,
                                        "error_description": description or body.description,
                                        "state": state_value, "iss": issuer if profile == "oidc" else None})


def approve(services: Services, s: Session, ls: LoginSession, pid: str) -> str:
    now = services.clock.now()
    ls.status = state.advance(state.effective(ls.status, ls.expires_at, now), state.APPROVED)
    code = grants.create_code(
        s, client_id=ls.client_id, redirect_uri=ls.redirect_uri, scope=ls.scope, pid=pid,
        nonce=ls.nonce, code_challenge=ls.code_challenge,
        code_challenge_method=ls.code_challenge_method, auth_time=int(now),
        expires_at=now + services.settings.code_lifetime,
    )
    ls.pid = pid
    st = services.settings
    ls.finished_url = redirect_with(ls.redirect_uri, {"code": code, "state": ls.state,
                                                      "iss": st.issuer if st.profile == "oidc" else None})
    return ls.finished_url


def approve_headless(services: Services, s: Session, req, pid: str) -> str:
    """A login approved as it starts (X-Mock-Persona / login_hint): the code and the finished
    login in two plain inserts, the same rows :func:`approve` leaves. ``req``: authorize's
    validated AuthRequest."""
    now = services.clock.now()
    st = services.settings
    code = grants.create_code(
        s, client_id=req.client_id, redirect_uri=req.redirect_uri, scope=req.scope, pid=pid,
        nonce=req.nonce, code_challenge=req.code_challenge,
        code_challenge_method=req.code_challenge_method, auth_time=int(now),
        expires_at=now + st.code_lifetime,
    )
    url = redirect_with(req.redirect_uri, {"code": code, "state": req.state,
                                           "iss": st.issuer if st.profile == "oidc" else None})
    logins.insert_finished(s, now=now, lifetime=st.login_lifetime, client_id=req.client_id,
                           redirect_uri=req.redirect_uri, scope=req.scope, state=req.state, nonce=req.nonce,
                           code_challenge=req.code_challenge, code_challenge_method=req.code_challenge_method,
                           status=state.APPROVED, pid=pid, finished_url=url)
    return url


def deny(services: Services, s: Session, ls: LoginSession, pid: str | None = None) -> str:
    now = services.clock.now()
    ls.status = state.advance(state.effective(ls.status, ls.expires_at, now), state.DENIED)
    ls.pid = pid
    ls.finished_url = error_redirect(ls.redirect_uri, "user_denied", services.settings.profile, ls.state,
                                     issuer=services.settings.issuer)
    s.flush()
    return ls.finished_url


def scan(services: Services, s: Session, ls: LoginSession) -> str:
    now = services.clock.now()
    current = state.effective(ls.status, ls.expires_at, now)
    if current in state.OPEN:
        ls.status = state.advance(current, state.SCANNED)
    else:
        ls.status = current
    s.flush()
    return ls.status
