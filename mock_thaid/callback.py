"""``/_mock/callback``: a redirect URI that needs no relying party.

Registered for ``demo-rp`` (``{issuer}/_mock/callback`` in the shipped clients file), so the
"try a login" link that ``make demo`` prints ends on a page instead of a dead port. It shows
what arrived (code, state, or the error) and a ready ``curl`` for the token request. It only
reads the code's client to fill in the command: the code stays unused and single-use.
"""
from __future__ import annotations

import shlex

from flask import Blueprint, render_template, request

from .domain import endpoints
from .services import svc
from .store.models import AuthCode, Client

bp = Blueprint("callback", __name__, url_prefix="/_mock")
PATH = "/_mock/callback"


@bp.get("/callback")
def callback():
    args = request.args
    code, state, error = args.get("code", ""), args.get("state", ""), args.get("error", "")
    curl = None
    if code:
        with svc().db.session() as s:
            row = s.get(AuthCode, code[:64])
            client = s.get(Client, row.client_id) if row is not None else None
            if client is not None:
                curl = token_curl(svc().settings.issuer, client.client_id, client.client_secret,
                                  code, row.redirect_uri, with_verifier=bool(row.code_challenge))
    return render_template("callback.html", code=code, state=state, error=error,
                           error_description=args.get("error_description", ""), curl=curl,
                           iss=args.get("iss", "")), (400 if error or not code else 200)


def token_curl(issuer: str, client_id: str, secret: str, code: str, redirect_uri: str,
               *, with_verifier: bool) -> str:
    """The token request as one shell command (client_secret_basic, as ThaiD's manual shows)."""
    parts = ["curl -s -u", shlex.quote(f"{client_id}:{secret}"),
             "-d grant_type=authorization_code", "-d", shlex.quote(f"code={code}"),
             "--data-urlencode", shlex.quote(f"redirect_uri={redirect_uri}")]
    if with_verifier:
        parts += ["-d", "code_verifier=YOUR_VERIFIER"]
    parts.append(shlex.quote(endpoints.url(issuer, "token")))
    return " ".join(parts)
