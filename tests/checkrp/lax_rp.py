"""A deliberately broken relying party — TEST ONLY, never copy it.

Its three planted defects:
  1. it does not check the ID token's signature (so it never fetches ThaiD's JWKS, and any alg,
     any key or no signature at all passes);
  2. it sends a nonce but never compares the ID token's nonce with it;
  3. it reads ThaiD's expires_in as a duration, so it believes the access token lasts ~56 years,
     and /me shows the claims it cached instead of asking ThaiD again.
Everything else is done right (state, iss, aud, exp, iat, errors, a 1 s timeout), so check-rp
must flag exactly the rows these defects cause.
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
    app.config.update(SECRET_KEY=secrets.token_hex(16), SESSION_COOKIE_NAME="lax_rp")
    http = httpx.Client(timeout=timeout)

    def refuse(why: str, status: int = 400):
        return f"<h1>Login failed</h1><p id='login-error'>{escape(why)}</p><a href='/login'>Try again</a>", status

    @app.get("/login")
    def login():
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        session["pending"] = {"state": state, "nonce": nonce}
        q = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": "openid pid name", "state": state, "nonce": nonce})
        return redirect(f"{issuer}/api/v2/oauth2/auth/?{q}")

    @app.get("/callback")
    def callback():
        pending = session.pop("pending", None)
        if not pending or request.args.get("state") != pending["state"]:
            return refuse("state does not match this browser's login")
        if "error" in request.args:
            return refuse(request.args["error"])
        try:
            r = http.post(f"{issuer}/api/v2/oauth2/token/", auth=(client_id, client_secret),
                          data={"grant_type": "authorization_code", "code": request.args.get("code", ""),
                                "redirect_uri": redirect_uri})
            body = r.json()
        except (httpx.HTTPError, ValueError) as e:
            return refuse(f"ThaiD is unavailable ({type(e).__name__})")
        if r.status_code != 200 or not isinstance(body, dict) or "id_token" not in body:
            return refuse(f"ThaiD refused: {body.get('error') if isinstance(body, dict) else r.status_code}")
        try:
            claims = jwt.decode(  # DEFECTS 1 and 2: no signature check, no nonce comparison
                body["id_token"], audience=client_id, issuer=issuer, leeway=30,
                options={"verify_signature": False, "verify_exp": True, "verify_iat": True,
                         "verify_aud": True, "verify_iss": True, "require": ["exp", "iat", "sub"]})
        except jwt.PyJWTError as e:
            return refuse(f"the ID token was refused: {e}")
        session["user"] = {"pid": claims.get("pid", claims["sub"]), "name": claims.get("name", "")}
        session["token"] = {"access_token": body["access_token"], "refresh_token": body.get("refresh_token"),
                            "expires_at": time.time() + int(body["expires_in"])}  # DEFECT 3: a duration
        return redirect("/home")

    @app.get("/home")
    def home():
        user = session.get("user")
        if not user:
            return redirect("/login")
        return f"<h1>Welcome</h1><p id='signed-in'>Signed in as {escape(user['name'])}</p>"

    @app.get("/me")
    def me():
        token, user = session.get("token"), session.get("user")
        if not token:
            return redirect("/login")
        if time.time() >= token["expires_at"]:  # never true: see DEFECT 3
            session.clear()
            return redirect("/login")
        return f"<h1>My ThaiD data</h1><p id='claims'>{escape(user['pid'])} {escape(user['name'])}</p>"

    return app
