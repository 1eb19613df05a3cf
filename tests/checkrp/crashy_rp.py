"""A deliberately broken relying party — TEST ONLY, never copy it.

Its two planted defects:
  1. the callback reads ``code`` before it looks for ``error``, so ThaiD's error=user_denied
     crashes it with a 500;
  2. it trusts an ID token whose header says alg none (it skips the signature for those).
Everything else is done right: state, the ES256 signature with ThaiD's JWKS (refetched once on
an unknown kid), iss, aud, exp, iat, nonce, flat claims without openid (/login-flat), ThaiD's
absolute expires_in with a refresh on /me, and a 1 s timeout on every call to ThaiD.
"""
from __future__ import annotations

import secrets
import time
from html import escape
from urllib.parse import urlencode

import httpx
import jwt
from flask import Flask, redirect, request, session


def create_app(issuer: str, client_id: str, client_secret: str, redirect_uri: str, timeout: float = 1.0) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(16), SESSION_COOKIE_NAME="crashy_rp")
    http = httpx.Client(timeout=timeout, auth=(client_id, client_secret))
    # cooldown 0: refetch at once on an unknown kid (PyJWT's default, one refetch per 30 s, would
    # refuse the key rotation check-rp makes a second after this RP's first login).
    jwks = jwt.PyJWKClient(f"{issuer}/jwks/", timeout=timeout, cooldown_duration=0)

    def refuse(why: str, status: int = 400):
        return f"<h1>Login failed</h1><p id='login-error'>{escape(why)}</p><a href='/login'>Try again</a>", status

    def start(scope: str):
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        session["pending"] = {"state": state, "nonce": nonce}
        q = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": scope, "state": state, "nonce": nonce})
        return redirect(f"{issuer}/api/v2/oauth2/auth/?{q}")

    app.get("/login")(lambda: start("openid pid name"))
    app.get("/login-flat", endpoint="login_flat")(lambda: start("pid name"))

    def token_call(form: dict) -> dict:
        r = http.post(f"{issuer}/api/v2/oauth2/token/", data=form)
        body = r.json()
        if r.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise ValueError(f"ThaiD refused: {body.get('error') if isinstance(body, dict) else r.status_code}")
        return body

    def verify(id_token: str, nonce: str) -> dict:
        opts = {"audience": client_id, "issuer": issuer, "leeway": 30}
        if jwt.get_unverified_header(id_token).get("alg") == "none":  # DEFECT 2: trusts alg none
            claims = jwt.decode(id_token, options={"verify_signature": False, "verify_exp": True,
                                                   "verify_aud": True, "verify_iss": True}, **opts)
        else:
            key = jwks.get_signing_key_from_jwt(id_token)
            claims = jwt.decode(id_token, key.key, algorithms=["ES256"], **opts)
        if claims.get("nonce") != nonce:
            raise jwt.InvalidTokenError("nonce does not match")
        return claims

    @app.get("/callback")
    def callback():
        pending = session.pop("pending", None)
        if not pending or request.args.get("state") != pending["state"]:
            return refuse("state does not match this browser's login")
        code = request.args.to_dict()["code"]  # DEFECT 1: error=user_denied has no code -> KeyError -> 500
        try:
            body = token_call({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})
            claims = verify(body["id_token"], pending["nonce"]) if "id_token" in body else body
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as e:
            return refuse(f"login refused: {e}")
        session["user"] = {"pid": claims.get("pid", claims.get("sub", "")), "name": claims.get("name", "")}
        session["token"] = {k: body.get(k) for k in ("access_token", "refresh_token", "expires_in")}
        return redirect("/home")

    @app.get("/home")
    def home():
        user = session.get("user")
        if not user:
            return redirect("/login")
        return f"<h1>Welcome</h1><p id='signed-in'>Signed in as {escape(user['name'])}</p>"

    @app.get("/me")
    def me():
        token = session.get("token")
        if not token:
            return redirect("/login")
        try:
            if time.time() >= int(token["expires_in"]):  # ThaiD: an absolute Unix time
                fresh = token_call({"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
                token = session["token"] = {k: fresh.get(k) for k in ("access_token", "refresh_token", "expires_in")}
            r = http.get(f"{issuer}/api/v2/oauth2/userinfo/", auth=None,
                         headers={"Authorization": f"Bearer {token['access_token']}"})
        except (httpx.HTTPError, ValueError):
            session.clear()
            return redirect("/login")
        if r.status_code != 200:
            session.clear()
            return redirect("/login")
        info = r.json()
        return f"<h1>My ThaiD data</h1><p id='claims'>{escape(info.get('pid', ''))} {escape(info.get('name', ''))}</p>"

    return app
