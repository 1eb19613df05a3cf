"""POST /api/v2/oauth2/token/ — authorization_code and refresh_token grants."""
from __future__ import annotations

import hmac

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Blueprint, Response, g, jsonify, request

from .. import faults

from ..errors import ProtocolError
from ..services import svc
from ..store import grants
from ..store.grants import CodeReplay
from . import clientauth
from .routes import endpoint
from .tokens import token_response

bp = Blueprint("token", __name__)


def _pkce_problem(challenge: str | None, method: str | None, verifier: str | None) -> str | None:
    """What is wrong with the PKCE pair, in words, or None."""
    if not challenge:
        return "a code_verifier was sent for a code issued without a code_challenge (PKCE downgrade)" if verifier else None
    if not verifier:
        return "a code_challenge was sent at authorize but no code_verifier now"
    expected = create_s256_code_challenge(verifier) if (method or "plain") == "S256" else verifier
    if not hmac.compare_digest(expected.encode(), challenge.encode()):
        return "code_verifier does not match the code_challenge"
    return None


def _pkce(settings, client, code, verifier: str | None) -> None:
    """ThaiD accepts PKCE without enforcing it (policy ``ignore``: the inspector warns); a strict
    provider refuses a missing or wrong verifier and, in the oidc profile, a downgrade."""
    problem = _pkce_problem(code.code_challenge, code.code_challenge_method, verifier)
    if problem is None:
        return
    policy = "require" if client.require_pkce else settings.pkce_policy
    downgrade = not code.code_challenge
    if policy == "ignore" or (downgrade and settings.profile == "thaid"):
        g.mock_detail = f"ThaiD accepted this; a strict provider would refuse it: {problem}"
        return
    raise ProtocolError("invalid_code" if downgrade else "pkce_failed", problem)


@endpoint(bp, "token")
def token():
    services = svc()
    form = request.form
    # A code exchange with no fault armed needs no ORM: a plain transaction (store/fast.py).
    plain = form.get("grant_type") == "authorization_code" and not services.faults_active
    armed = faults.take_for(services, "token",
                            lambda s: clientauth.authenticate(s, request, services.settings.profile).client_id)
    result = faults.outcome(services, armed)  # counted in its own transaction, before this request's
    if isinstance(result, faults.Respond):
        return Response(result.body, status=result.status, content_type=result.content_type)
    if isinstance(result, faults.Fail):
        result.raise_it()
    with (services.db.fast_tx() if plain else services.db.session()) as s:
        client = clientauth.authenticate(s, request, services.settings.profile)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise ProtocolError("missing_parameter", "grant_type is missing")
        if grant_type == "authorization_code":
            body = _authorization_code(services, s, client, form)
        elif grant_type == "refresh_token":
            body = _refresh(services, s, client, form)
        else:
            raise ProtocolError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
    resp = jsonify(body)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _authorization_code(services, s, client, form) -> dict:
    code_value = form.get("code")
    if not code_value:
        raise ProtocolError("missing_parameter", "code is missing")
    now = services.clock.now()
    try:
        code = grants.consume_code(s, code_value, now)
    except CodeReplay:
        s.commit()  # keep the revocation even though we answer with an error
        raise ProtocolError("invalid_code", "code used twice: the tokens issued from it are now revoked")
    if code is None:
        raise ProtocolError("invalid_code", "unknown code")
    if code.client_id != client.client_id:
        raise ProtocolError("invalid_code", f"code was issued to {code.client_id!r}, not {client.client_id!r}")
    if code.expires_at < now:
        raise ProtocolError("invalid_code", "code expired")
    redirect_uri = form.get("redirect_uri")
    strict = services.settings.profile == "oidc"
    if redirect_uri is None and strict:  # RFC 6749 §4.1.3: required when authorize had one
        raise ProtocolError("invalid_code", "redirect_uri is missing; it was sent at authorize (RFC 6749 §4.1.3)")
    if redirect_uri is not None and redirect_uri != code.redirect_uri:
        raise ProtocolError("redirect_mismatch",
                            f"redirect_uri differs from authorize: got {redirect_uri!r}, expected {code.redirect_uri!r}")
    _pkce(services.settings, client, code, form.get("code_verifier"))
    return token_response(services, s, client=client, pid=code.pid, scope=code.scope,
                          auth_time=code.auth_time, nonce=code.nonce, family=code.code)


def _refresh(services, s, client, form) -> dict:
    value = form.get("refresh_token")
    if not value:
        raise ProtocolError("missing_parameter", "refresh_token is missing")
    tok = grants.find(s, value)
    now = services.clock.now()
    error = services.settings.refresh_error
    if tok is None or tok.kind != "refresh" or tok.client_id != client.client_id:
        raise ProtocolError(error, "unknown refresh token for this client")
    if tok.expires_at < now:
        raise ProtocolError(error, "refresh token expired")
    if not grants.claim_refresh(s, value):
        raise ProtocolError(error, "refresh token already used (rotated) or revoked")
    return token_response(services, s, client=client, pid=tok.pid, scope=tok.scope,
                          auth_time=tok.auth_time, nonce=None, family=tok.family)
