"""Introspect and revoke (thaid-api.md §7), and userinfo with a Bearer token."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import faults
from ..claims import parse_scope
from ..errors import ProtocolError
from ..services import svc
from ..store import grants
from . import clientauth
from .routes import endpoint
from .tokens import identity_claims

bp = Blueprint("introspection", __name__)


def _token_from_body() -> str:
    """``token=<t>`` or, as DOPA's manual writes it, ``token=Bearer <t>``."""
    raw = request.form.get("token")
    if raw is None or not raw.strip():
        raise ProtocolError("invalid_body", "the form body has no token field")
    raw = raw.strip()
    if raw[:7].lower() == "bearer ":
        raw = raw[7:].strip()
    return raw


def _inject(services, point: str, find_client) -> None:
    """A fault armed at this point answers its error (counted in a transaction of its own)."""
    result = faults.outcome(services, faults.take_for(services, point, find_client))
    if isinstance(result, faults.Fail):
        result.raise_it()


def _client_of_request(s) -> str:
    return clientauth.authenticate(s, request, svc().settings.profile).client_id


def _check_hint() -> None:
    hint = request.form.get("token_type_hint")
    if hint is not None and hint not in ("access_token", "refresh_token"):
        raise ProtocolError("unsupported_token_hint", f"token_type_hint {hint!r} is not supported")


@endpoint(bp, "introspect")
def introspect():
    services = svc()
    _inject(services, "introspect", _client_of_request)
    with services.db.session() as s:
        client = clientauth.authenticate(s, request, services.settings.profile)
        _check_hint()
        tok = grants.find(s, _token_from_body())
        now = services.clock.now()
        if tok is None or tok.revoked or tok.expires_at < now or tok.client_id != client.client_id:
            return jsonify({"active": False})
        return jsonify({
            "active": True, "sub": tok.pid, "scope": tok.scope, "client_id": tok.client_id,
            "token_type": "Bearer" if tok.kind == "access" else "refresh_token",
            "exp": int(tok.expires_at), "iat": int(tok.issued_at), "iss": services.settings.issuer,
        })


@endpoint(bp, "revoke")
def revoke():
    services = svc()
    _inject(services, "revoke", _client_of_request)
    with services.db.session() as s:
        client = clientauth.authenticate(s, request, services.settings.profile)
        _check_hint()
        value = _token_from_body()
        tok = grants.find(s, value)
        if tok is not None and tok.client_id == client.client_id:
            grants.revoke(s, value)
    # RFC 7009: unknown tokens are answered like known ones.
    return jsonify({"status": "OK", "message": "revoked"})


@endpoint(bp, "userinfo")
def userinfo():
    services = svc()
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() != "bearer " or not auth[7:].strip():
        raise ProtocolError("invalid_token", "userinfo needs 'Authorization: Bearer <access_token>'")
    bearer = auth[7:].strip()
    _inject(services, "userinfo", lambda s: (tok.client_id if (tok := grants.find(s, bearer)) else None))
    with services.db.session() as s:
        tok = grants.find(s, bearer)
        if tok is None or tok.kind != "access" or tok.revoked or tok.expires_at < services.clock.now():
            raise ProtocolError("invalid_token", "access token unknown, expired or revoked")
        body = {"sub": tok.pid}
        body.update(identity_claims(services, s, tok.pid, parse_scope(tok.scope)))
        return jsonify(body)
