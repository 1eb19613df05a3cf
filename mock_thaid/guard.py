"""Who may drive the mock: the ``Host`` allow-list (DNS rebinding), the cross-site check on
control requests (a page in the same browser), and the control token (a stranger on the
same network). One ``before_request`` hook, registered first, for every route.

- **Host**: the hostname must be a loopback name, the issuer's or the public URL's host, or one
  of ``allowed_hosts`` (``*`` turns the check off). Anything else gets 421 and is logged.
- **Cross-site**: a state-changing request under ``/_mock/`` that a browser marks as coming
  from another site (``Sec-Fetch-Site`` other than same-origin; without it, a foreign or
  ``null`` ``Origin``) is refused with 403;
  so is a body a plain HTML form can send (form-encoded, multipart, text/plain) to the JSON
  API unless it carries the control token. The HTML forms under ``/_mock/`` keep CSRF tokens.
- **Control token** (``control_token``): when set, every ``/_mock/`` call needs
  ``Authorization: Bearer <token>``; people enter it once on ``/_mock/login`` (a session
  cookie remembers it). ``/_mock/health``, ``/_mock/openapi.yaml`` and the login page are open.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from urllib.parse import quote, urlsplit

from flask import Flask, redirect, request, session

from .i18n import t
from .settings import Settings

log = logging.getLogger("mock_thaid")

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
OPEN_PATHS = frozenset({"/_mock/health", "/_mock/openapi.yaml", "/_mock/login"})
FORM_BLUEPRINTS = frozenset({"trainer", "control_login"})  # HTML forms with CSRF tokens
SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_KEY = "control"


def allowed_hostnames(settings: Settings) -> frozenset[str] | None:
    """Hostnames the mock answers to; None when ``allowed_hosts`` is ``*``."""
    extra = [h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()]
    if "*" in extra:
        return None
    names = set(LOOPBACK) | set(extra)
    for url in (settings.issuer, settings.public_url):
        if url and urlsplit(url).hostname:
            names.add(urlsplit(url).hostname.lower())
    return frozenset(names)


def token_marker(token: str, secret: str) -> str:
    """What the session keeps once a person gave the token: changes when the token does."""
    return hmac.new(secret.encode(), b"control:" + token.encode(), hashlib.sha256).hexdigest()[:32]


def has_token(settings: Settings, secret: str) -> bool:
    token = settings.control_token
    if not token:
        return True
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer " and hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
        return True
    return hmac.compare_digest(str(session.get(SESSION_KEY, "")), token_marker(token, secret))


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same_origin(origin: str) -> bool:
    """The page that sent it is one of the mock's own (``null`` and foreign origins are not)."""
    parts = urlsplit(origin)
    return bool(parts.hostname) and parts.netloc.lower() == request.host.lower()


def _refuse(status: int, code: str, key: str, detail: str | None):
    """A page for people; for programs JSON in both languages (English in error_description)."""
    from flask import jsonify

    from .errorpages import page_or_json, wants_html
    from .messages import MESSAGES

    if wants_html():
        return page_or_json(status, code, t(key), detail)
    th, en = MESSAGES[key]
    return jsonify({"error": code, "error_description": en, "message_th": th, "message_en": en}), status


def init_app(app: Flask, settings: Settings, secret: str) -> None:
    hosts = allowed_hostnames(settings)

    @app.before_request
    def _guard():
        if hosts is not None and _hostname(request.host) not in hosts:
            log.warning("refused Host %r (not in the allow-list: %s)", request.host[:100], ", ".join(sorted(hosts)))
            return _refuse(421, "host_not_allowed", "err_host",
                                f"Host {request.host[:100]!r}: allowed {', '.join(sorted(hosts))} (setting allowed_hosts)")
        if not request.path.startswith("/_mock/") or request.path in OPEN_PATHS:
            return None
        token_ok = has_token(settings, secret)
        if request.method in UNSAFE:
            site = request.headers.get("Sec-Fetch-Site", "")
            origin = request.headers.get("Origin")
            # Browsers that send Sec-Fetch-Site are judged by it: with the mock's no-referrer policy
            # Chromium sends ``Origin: null`` on the mock's own forms, but ``same-origin`` here.
            foreign = (site not in ("same-origin", "none") if site
                       else origin is not None and not _same_origin(origin))
            if foreign:
                log.warning("refused a cross-site %s %s (Origin %r, Sec-Fetch-Site %r)",
                            request.method, request.path, (origin or "")[:100], site)
                return _refuse(403, "cross_site_refused", "err_cross_site", None)
            ctype = (request.mimetype or "").lower()
            if (request.blueprint not in FORM_BLUEPRINTS and ctype in SIMPLE_TYPES
                    and not (settings.control_token and token_ok)):
                return _refuse(415, "json_required", "err_json_required", f"Content-Type {ctype}")
        if token_ok:
            return None
        if request.method == "GET" and _wants_page():
            return redirect("/_mock/login?next=" + quote(request.full_path.rstrip("?"), safe="/?=&"))
        return _refuse(401, "control_token_required", "err_control_token", None)


def _wants_page() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"
