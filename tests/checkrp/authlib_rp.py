"""A third-party client: a few-line Flask app on Authlib's Flask integration, written the way
Authlib's documentation shows it (plus a page for OAuthError, the error type it documents, and
a 1 s timeout through default_timeout). Nothing ThaiD-specific — unless ``fix_expires_in``: then
it carries the compliance fix check-rp's report suggests for ThaiD's absolute expires_in."""
from __future__ import annotations

import json
import secrets
from html import escape

from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, redirect, session


def thaid_expires_at(session) -> None:
    """ThaiD's expires_in is already the expiry (a Unix time): hand it to Authlib as expires_at."""
    def hook(resp):
        try:
            data = resp.json()
        except ValueError:
            return resp  # not JSON: Authlib reports it as before
        if isinstance(data, dict) and int(data.get("expires_in", 0)) > 10**9:
            data["expires_at"] = int(data.pop("expires_in"))
            resp._content = json.dumps(data).encode()
        return resp
    session.register_compliance_hook("access_token_response", hook)
    session.register_compliance_hook("refresh_token_response", hook)


def create_app(issuer: str, client_id: str, client_secret: str, redirect_uri: str, timeout: float = 1.0,
               fix_expires_in: bool = False) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(16), SESSION_COOKIE_NAME="authlib_rp")

    def keep_refreshed(name, token, refresh_token=None, access_token=None):
        session["token"] = dict(token, userinfo=session["token"].get("userinfo"))

    oauth = OAuth(app, update_token=keep_refreshed if fix_expires_in else None)
    oauth.register("thaid", client_id=client_id, client_secret=client_secret,
                   server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid pid name", "default_timeout": timeout},
                   compliance_fix=thaid_expires_at if fix_expires_in else None)

    @app.get("/login")
    def login():
        return oauth.thaid.authorize_redirect(redirect_uri)

    @app.get("/callback")
    def callback():
        token = oauth.thaid.authorize_access_token()
        session["token"] = token
        return redirect("/home")

    @app.errorhandler(OAuthError)
    def login_failed(e):
        return f"<h1>Login failed</h1><p id='login-error'>{escape(e.error or '')}</p>", 400

    @app.get("/home")
    def home():
        token = session.get("token")
        if not token:
            return redirect("/login")
        return f"<h1>Welcome</h1><p id='signed-in'>Signed in as {escape(token['userinfo']['name'])}</p>"

    @app.get("/me")
    def me():
        if "token" not in session:
            return redirect("/login")
        info = oauth.thaid.userinfo(token=session["token"])
        return f"<h1>My ThaiD data</h1><p id='claims'>{escape(info['pid'])} {escape(info['name'])}</p>"

    return app
