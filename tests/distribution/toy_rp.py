"""A small relying party for the CI-recipe test: a ThaiD login with the authorization code flow,
written with the standard library, httpx and PyJWT only (the mock's wheel brings both), and
sharing no code with the sandbox. It is copied into a scratch folder and run by the fresh venv.

    GET /healthz   200 {"status": "ok"}
    GET /login     302 to ThaiD's authorization endpoint (state + nonce)
    GET /callback  code -> token -> ID token checked (ES256 signature on the JWKS, iss, aud,
                   exp, nonce): 200 "logged in as <pid>", or 400 "login failed: <reason>"

Environment: THAID_ISSUER, THAID_CLIENT_ID, THAID_CLIENT_SECRET, RP_PORT (3000).
RP_SKIP_NONCE_CHECK=1 breaks it on purpose: the pipeline must then fail.
"""
from __future__ import annotations

import html
import json
import os
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt

ISSUER = os.environ.get("THAID_ISSUER", "http://127.0.0.1:8000").rstrip("/")
CLIENT_ID = os.environ["THAID_CLIENT_ID"]
CLIENT_SECRET = os.environ["THAID_CLIENT_SECRET"]
PORT = int(os.environ.get("RP_PORT", "3000"))
REDIRECT_URI = f"http://127.0.0.1:{PORT}/callback"
SKIP_NONCE_CHECK = os.environ.get("RP_SKIP_NONCE_CHECK") == "1"

PENDING: dict[str, str] = {}  # state -> nonce of logins under way
LOCK = threading.Lock()


class LoginFailed(Exception):
    pass


def provider() -> dict:
    return httpx.get(ISSUER + "/.well-known/openid-configuration", timeout=10).raise_for_status().json()


def finish_login(query: dict[str, str]) -> str:
    """The PID of the person, or LoginFailed."""
    if "error" in query:
        raise LoginFailed(query["error"])
    with LOCK:
        nonce = PENDING.pop(query.get("state", ""), None)
    if nonce is None:
        raise LoginFailed("state_mismatch")
    meta = provider()
    answer = httpx.post(meta["token_endpoint"], auth=(CLIENT_ID, CLIENT_SECRET), timeout=10,
                        data={"grant_type": "authorization_code", "code": query.get("code", ""),
                              "redirect_uri": REDIRECT_URI})
    try:
        body = answer.json()
    except ValueError:
        raise LoginFailed(f"token endpoint answered {answer.status_code} without JSON") from None
    if answer.status_code != 200 or "id_token" not in body:
        raise LoginFailed(f"token endpoint: {body.get('error', answer.status_code)}")
    try:
        key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(body["id_token"])
        claims = jwt.decode(body["id_token"], key.key, algorithms=["ES256"], audience=CLIENT_ID, issuer=ISSUER,
                            options={"require": ["iss", "aud", "exp", "iat", "sub"]})
    except jwt.PyJWTError as e:
        raise LoginFailed(f"id_token_invalid ({e})") from None
    if not SKIP_NONCE_CHECK and claims.get("nonce") != nonce:
        raise LoginFailed("id_token_nonce_mismatch")
    return str(claims.get("pid") or claims["sub"])


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, text: str, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        if url.path == "/healthz":
            return self._send(200, json.dumps({"status": "ok"}), "application/json")
        if url.path == "/login":
            state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
            with LOCK:
                PENDING[state] = nonce
            query = urlencode({"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
                               "scope": "openid pid name", "state": state, "nonce": nonce})
            return self._send(302, "", Location=provider()["authorization_endpoint"] + "?" + query)
        if url.path == "/callback":
            try:
                pid = finish_login(dict(parse_qsl(url.query)))
            except (LoginFailed, httpx.HTTPError) as e:
                return self._send(400, f"<h1>login failed: {html.escape(str(e))}</h1>")
            return self._send(200, f"<h1>logged in as {html.escape(pid)}</h1>")
        return self._send(404, "not found")

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write("toy-rp: " + fmt % args + "\n")


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print(f"toy-rp: serving http://127.0.0.1:{PORT} (issuer {ISSUER}, client {CLIENT_ID}"
          f"{', NONCE CHECK SKIPPED' if SKIP_NONCE_CHECK else ''})", flush=True)
    server.serve_forever()
