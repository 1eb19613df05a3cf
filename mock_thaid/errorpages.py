"""How failures are answered: JSON for programs, a bilingual page for people."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .domain.endpoints import ENDPOINTS
from .errors import ProtocolError, describe
from .i18n import t
from .services import svc

log = logging.getLogger("mock_thaid")

_PAGE_MESSAGES = {
    "invalid_client": "err_invalid_client",
    "redirect_mismatch": "err_redirect_mismatch",
    "invalid_scope": "err_invalid_scope",
    "access_denied": "err_access_denied",
}


# Programs call these: their errors are JSON whatever the Accept header says.
_JSON_PREFIXES = ("/_mock/api", "/.well-known") + tuple(e.path.rstrip("/") for e in ENDPOINTS.values() if e.json)


def wants_html() -> bool:
    if request.path.startswith(_JSON_PREFIXES):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes[best] > request.accept_mimetypes["application/json"]


def register(app: Flask) -> None:
    @app.errorhandler(ProtocolError)
    def protocol_error(e: ProtocolError):
        body = e.body(svc().settings.profile)
        g.mock_detail = e.detail
        log.info("protocol error %s at %s", e.key, request.path)
        if wants_html():
            msg = t(_PAGE_MESSAGES.get(e.key, "err_generic"))
            detail = e.detail if svc().settings.control_api else None  # hardened: no explanation
            return render_template("error.html", message=msg, error=body.error,
                                   description=body.description, detail=detail), body.status
        payload = body.as_json()
        if e.detail and svc().settings.control_api:
            payload["mock_detail"] = e.detail  # explains the mistake; absent when hardened
        resp = jsonify(payload)
        scheme = request.headers.get("Authorization", "").split(" ", 1)[0].lower()
        if body.status == 401 and scheme == "bearer":
            resp.headers["WWW-Authenticate"] = f'Bearer error="{body.error}"'
        elif body.status == 401 and scheme == "basic" and svc().settings.profile == "oidc":  # RFC 6749 §5.2
            resp.headers["WWW-Authenticate"] = f'Basic realm="{svc().settings.issuer}"'
        return resp, body.status

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        return page_or_json(400, "csrf_failed", t("err_csrf"), e.description)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        key = {404: "err_not_found", 413: "err_too_large"}.get(e.code or 0, "err_generic")
        return page_or_json(e.code or 400, (e.name or "error").lower().replace(" ", "_"), t(key), e.description)

    @app.errorhandler(Exception)
    def crash(e: Exception):
        log.exception("unhandled error at %s", request.path)
        if request.path.startswith("/api/v2/") and not wants_html():
            body = describe("server_error", svc().settings.profile)  # ThaiD answers 400 server_error
            return jsonify(body.as_json()), body.status
        return page_or_json(500, "server_error", t("err_internal"), type(e).__name__)


def page_or_json(status: int, code: str, message: str, detail: str | None):
    if wants_html():
        return render_template("error.html", message=message, error=code, description=None,
                               detail=detail), status
    return jsonify({"error": code, "error_description": message}), status
