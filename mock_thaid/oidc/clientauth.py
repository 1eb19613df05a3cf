"""Client authentication for the token, introspect and revoke endpoints.

client_secret_basic (Authlib parses the header) or client_secret_post; the optional
``x-imauth-apikey`` header is ignored (the inspector warns on a mismatch) unless the client
requires it; the oidc profile refuses a wrong key.
Secrets are compared in constant time.
"""
from __future__ import annotations

import hmac

from authlib.oauth2.rfc6749.util import extract_basic_authorization
from flask import Request, g
from sqlalchemy.orm import Session

from ..errors import ProtocolError
from ..store import clients
from ..store.clients import ClientView

API_KEY_HEADER = "x-imauth-apikey"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def authenticate(s: Session, req: Request, profile: str = "thaid") -> ClientView:
    try:
        cid, secret = extract_basic_authorization(req.headers)
    except (ValueError, UnicodeDecodeError):  # Authlib raises on "Basic " and on non-UTF-8 credentials
        raise ProtocolError("unauthorized_client", "the Authorization: Basic header cannot be read") from None
    if not cid:
        cid, secret = req.form.get("client_id"), req.form.get("client_secret")
    if not cid:
        raise ProtocolError("unauthorized_client",
                            "request without client authentication (no Basic header, no client_id)")
    client = clients.peek(s, cid)  # a read-only view: every token request
    if client is None:
        raise ProtocolError("invalid_client", f"client_id {cid!r} is not registered")
    if not secret:
        raise ProtocolError("unauthorized_client", f"client_id {cid!r} sent without a client_secret "
                                                   "(no Basic header password, no client_secret in the body)")
    if not _same(secret, client.client_secret):
        raise ProtocolError("unauthorized_client", "client_secret does not match")
    api_key = req.headers.get(API_KEY_HEADER)
    if client.require_api_key and api_key is None:
        raise ProtocolError("unauthorized_client", f"this client must send the {API_KEY_HEADER} header")
    if api_key is not None and not _same(api_key, client.api_key or ""):
        if client.require_api_key or profile == "oidc":
            raise ProtocolError("unauthorized_client", f"{API_KEY_HEADER} does not match")
        # ThaiD ignores the key unless the client requires it (a stale key still works).
        g.mock_detail = f"ThaiD accepted this; the {API_KEY_HEADER} sent does not match this client's key"
    return client
