"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), served in the oidc profile only:
ThaiD documents no logout endpoint, but generic libraries (Authlib, openid-client) expect
``end_session_endpoint``. The mock keeps no single-sign-on session, so logging out means: the
person's tokens for that client end, and the browser goes back to the RP.

``post_logout_redirect_uri`` must equal one of the client's registered redirect URIs (the
mock has no separate list); ``id_token_hint`` names the client (its ``aud``) and the person
(``sub``) and must be a token this mock signed (an expired one is fine, as the spec allows).
"""
from __future__ import annotations

import jwt
from flask import Blueprint, abort, redirect, render_template, request

from ..errors import ProtocolError
from ..services import svc
from ..store import clients, grants
from .routes import endpoint

bp = Blueprint("logout", __name__)


def _hint(token: str) -> dict:
    services = svc()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = next(k for k in services.keys.keys if k.kid == kid)
        return jwt.decode(token, key.private.public_key(), algorithms=["ES256"], issuer=services.settings.issuer,
                          options={"verify_exp": False, "verify_aud": False})
    except (jwt.PyJWTError, StopIteration, ValueError):
        raise ProtocolError("missing_parameter", "id_token_hint is not an ID token this mock signed") from None


@endpoint(bp, "logout")
def end_session():
    services = svc()
    if services.settings.profile != "oidc":
        abort(404)
    args = request.values
    hint = _hint(args["id_token_hint"]) if args.get("id_token_hint") else {}
    client_id = args.get("client_id") or (hint.get("aud") if isinstance(hint.get("aud"), str) else None)
    target = args.get("post_logout_redirect_uri")
    with services.db.session() as s:
        client = clients.get(s, client_id) if client_id else None
        if target and (client is None or target not in client.redirect_uris):
            raise ProtocolError("redirect_mismatch", f"post_logout_redirect_uri {target!r} is not registered"
                                                     + (f" for {client_id!r}" if client else " (no client known)"))
        if client is not None and hint.get("sub"):
            grants.revoke_person(s, str(hint["sub"]), client_id=client.client_id)
    if target:
        state = args.get("state")
        return redirect(target + (("&" if "?" in target else "?") + "state=" + state if state else ""))
    return render_template("logged_out.html")
