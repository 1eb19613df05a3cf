"""Flask integration — the ONLY rp_client module that imports Flask.

::

    thaid = ThaiDLogin(app, config=ThaiDConfig.from_env())   # or ThaiDLogin() + init_app(app)

Routes (``url_prefix`` defaults to ``/auth/thaid``):

- ``GET  {prefix}/login?next=/path`` — starts a login; the pending login (state, nonce,
  PKCE verifier, created_at, next) goes into ``flask.session`` keyed by its state;
- ``GET  {prefix}/callback`` — pops that pending login (single-use; 10 minutes by
  default, ``ThaiDConfig.state_ttl``), completes the login, stores the identity;
- ``POST {prefix}/logout`` — same-origin POSTs only (``rp_client.sameorigin``: judged by
  ``Sec-Fetch-Site`` when the browser sends it, so a page with ``Referrer-Policy: no-referrer``,
  whose form posts ``Origin: null``, can still log out; by ``Origin``/``Referer`` otherwise);
  clears the session, revokes the refresh and access tokens at the provider (a failure is
  logged and reported, the session ends all the same), then calls
  ``on_logout(identity, report)`` with what actually happened.

Flask's default session is a SIGNED, not encrypted, cookie: the tokens kept in it are
readable by their owner. Pass ``store_tokens=False`` or use a server-side session if that
matters. Behind a reverse proxy, apply ``werkzeug.middleware.proxy_fix.ProxyFix`` so the
same-origin check sees the public scheme and host.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from markupsafe import escape

from .client import PendingLogin, ThaiDClient
from .config import ThaiDConfig
from .errors import LoginRefused, LogoutRejected, StateMissing, StateUnknown, ThaiDError
from .identity import ThaiDIdentity
from .logout import RevocationReport, revoke_tokens
from .sameorigin import judge_same_origin
from .tokens import TokenSet

EXTENSION_KEY = "thaid"
F = TypeVar("F", bound=Callable[..., Any])
OnLogin = Callable[[ThaiDIdentity, TokenSet], Any]
OnError = Callable[[ThaiDError], Any]
OnLogout = Callable[[ThaiDIdentity | None, RevocationReport], Any]


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a local path (``/x?y``), else ``None`` — no open redirects."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in value):
        return None
    parts = urlsplit(value)
    return None if parts.scheme or parts.netloc else value


class ThaiDLogin:
    """ThaiD login for a Flask app: three routes, a session, and hooks.

    ``on_login(identity, tokens)`` may return a response (it is used) or ``None`` (then
    the browser goes to the login's ``next``, else ``/``). ``on_error(exc)`` renders a
    ``ThaiDError`` (a refused logout too: ``LogoutRejected``); the default is a small
    Thai/English 400 page naming ``exc.code``. ``on_logout(identity, report)`` runs after the
    logout happened (``identity``: who was logged in, or ``None``; ``report``: a
    ``RevocationReport``) and may return a response, else the browser goes to ``next``.
    ``client`` replaces the ``ThaiDClient`` built from ``config`` (tests inject one).
    """

    def __init__(self, app: Flask | None = None, *, config: ThaiDConfig | None = None,
                 client: ThaiDClient | None = None, on_login: OnLogin | None = None,
                 on_error: OnError | None = None, on_logout: OnLogout | None = None, url_prefix: str = "/auth/thaid",
                 session_key: str = "thaid", store_tokens: bool = True, max_pending: int = 5,
                 blueprint_name: str = "thaid") -> None:
        self.config = config or (client.config if client else None)
        self.client = client
        self.on_login_hook, self.on_error_hook, self.on_logout_hook = on_login, on_error, on_logout
        self.url_prefix, self.session_key = url_prefix.rstrip("/"), session_key
        self.store_tokens, self.max_pending, self.blueprint_name = store_tokens, max_pending, blueprint_name
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register the routes on ``app`` (reads ``THAID_*`` if no config was given)."""
        if self.client is None:
            self.config = self.config or ThaiDConfig.from_env()
            self.client = ThaiDClient(self.config)
        bp = Blueprint(self.blueprint_name, __name__, url_prefix=self.url_prefix)
        bp.add_url_rule("/login", "login", self._login, methods=["GET"])
        bp.add_url_rule("/callback", "callback", self._callback, methods=["GET"])
        bp.add_url_rule("/logout", "logout", self._logout, methods=["POST"])
        app.register_blueprint(bp)
        app.extensions[EXTENSION_KEY] = self

    def on_login(self, func: OnLogin) -> OnLogin:
        """Decorator form of the ``on_login`` hook."""
        self.on_login_hook = func
        return func

    def on_error(self, func: OnError) -> OnError:
        """Decorator form of the ``on_error`` hook."""
        self.on_error_hook = func
        return func

    def on_logout(self, func: OnLogout) -> OnLogout:
        """Decorator form of the ``on_logout`` hook."""
        self.on_logout_hook = func
        return func

    @property
    def _client(self) -> ThaiDClient:
        assert self.client is not None, "ThaiDLogin.init_app(app) was not called"
        return self.client

    def _box(self) -> dict[str, Any]:
        box = session.get(self.session_key)
        if not isinstance(box, dict):
            box = {}
            session[self.session_key] = box
        return box

    def _pending(self, box: dict[str, Any]) -> dict[str, dict[str, Any]]:
        pending = box.get("pending")
        if not isinstance(pending, dict):
            pending = box["pending"] = {}
        now, ttl = self._client.clock(), self._client.config.state_ttl
        for state in [s for s, p in pending.items() if now - float(p.get("created_at", 0)) > ttl]:
            del pending[state]
        return pending

    # --- routes -----------------------------------------------------------------------
    def _login(self) -> Any:
        login = self._client.begin_login(next=safe_next(request.args.get("next")))
        box = self._box()
        pending = self._pending(box)
        while len(pending) >= self.max_pending:  # a bounded session: drop the oldest
            del pending[min(pending, key=lambda s: float(pending[s].get("created_at", 0)))]
        pending[login.state] = login.pending.to_dict()
        session.modified = True
        return redirect(login.url)

    def _callback(self) -> Any:
        params = request.args.to_dict()
        state = params.get("state")
        box = self._box()
        data = box.get("pending", {}).pop(state, None) if state and isinstance(box.get("pending"), dict) else None
        session.modified = True
        try:
            self._client.raise_for_callback_error(params)
            if not state:
                raise StateMissing("the callback has no state")
            if data is None:
                raise StateUnknown("no pending login of this session has this state (replayed or foreign)")
            result = self._client.complete_login(PendingLogin.from_dict(data), params)
        except ThaiDError as exc:
            return self.render_error(exc)
        box["user"] = result.identity.to_dict()
        if self.store_tokens:
            kept = result.tokens.to_dict()
            kept.update(id_token=None, id_token_claims={"sub": result.tokens.sub} if result.tokens.sub else None)
            box["tokens"] = kept
        session.modified = True
        try:
            response = self.on_login_hook(result.identity, result.tokens) if self.on_login_hook else None
        except LoginRefused as exc:
            box.pop("user", None)
            box.pop("tokens", None)
            return self.render_error(exc, status=403)
        return response if response is not None else redirect(result.next or "/")

    def _logout(self) -> Any:
        verdict = judge_same_origin(request.headers, f"{request.scheme}://{request.host}")
        if not verdict:
            return self.render_error(LogoutRejected(
                "logout must be a same-origin POST", reason=verdict.reason,
                origin=(request.headers.get("Origin") or "")[:100] or None,
                sec_fetch_site=(request.headers.get("Sec-Fetch-Site") or "")[:30] or None), status=403)
        identity = current_identity()
        box = session.pop(self.session_key, None)
        report = revoke_tokens(self._client, box.get("tokens") if isinstance(box, dict) else None)
        for kind, code in report.failed.items():  # the local logout still happens
            current_app.logger.warning("ThaiD logout: the %s token was not revoked (%s)", kind, code)
        response = self.on_logout_hook(identity, report) if self.on_logout_hook else None
        if response is not None:
            return response
        return redirect(safe_next(request.form.get("next") or request.args.get("next")) or "/")

    # --- errors -----------------------------------------------------------------------
    def render_error(self, exc: ThaiDError, status: int = 400) -> Any:
        """The ``on_error`` hook's answer, or the default bilingual page."""
        current_app.logger.info("ThaiD sign-in or sign-out failed: %s %s", exc.code, exc.data)
        if self.on_error_hook is not None:
            response = self.on_error_hook(exc)
            if response is not None:
                return response
        login = escape(url_for(f"{self.blueprint_name}.login"))
        html = (
            '<!doctype html><html lang="th"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>เข้าสู่ระบบไม่สำเร็จ / Sign-in failed</title></head><body>"
            f"<h1>{escape(exc.message_th)}</h1><p lang=\"en\">{escape(exc.message_en)}</p>"
            f"<p>รหัสข้อผิดพลาด / Error code: <code>{escape(exc.code)}</code></p>"
            f'<p><a href="{login}">ลองใหม่ / Try again</a> · <a href="/">หน้าแรก / Home</a></p>'
            "</body></html>")
        return html, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def _ext() -> ThaiDLogin | None:
    ext = current_app.extensions.get(EXTENSION_KEY)
    return ext if isinstance(ext, ThaiDLogin) else None


def current_identity() -> ThaiDIdentity | None:
    """The logged-in person (from the session), or ``None``."""
    ext = _ext()
    box = session.get(ext.session_key if ext else "thaid")
    data = box.get("user") if isinstance(box, dict) else None
    return ThaiDIdentity.from_dict(data) if isinstance(data, dict) else None


def current_tokens() -> TokenSet | None:
    """The tokens of the logged-in person (if ``store_tokens``), or ``None``."""
    ext = _ext()
    box = session.get(ext.session_key if ext else "thaid")
    data = box.get("tokens") if isinstance(box, dict) else None
    return TokenSet.from_dict(data) if isinstance(data, dict) else None


def login_required(view: F) -> F:
    """Send people who are not logged in to the login route, with ``next`` = this URL."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_identity() is None:
            ext = _ext()
            name = ext.blueprint_name if ext else "thaid"
            return redirect(url_for(f"{name}.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return cast(F, wrapper)
