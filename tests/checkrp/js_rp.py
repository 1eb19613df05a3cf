"""A relying party whose login starts with JavaScript only — TEST ONLY.

Its start page (/) has no link to ThaiD: the button asks /api/login for the authorization URL
with fetch() and goes there with location.assign(), as single-page apps do. Behind the button
it is tests/checkrp/lax_rp.py (same callback, same three planted defects), so the browser
driver must reach the same verdicts on it as the HTTP driver reaches on the lax RP's /login.
"""
from __future__ import annotations

from flask import Flask, jsonify

import lax_rp

PAGE = """<!doctype html>
<html lang="th"><head><meta charset="utf-8"><title>JS RP</title></head>
<body>
<h1>ระบบทดสอบ</h1>
<button type="button" id="thaid-login">เข้าสู่ระบบด้วย ThaiD</button>
<script>
document.getElementById("thaid-login").addEventListener("click", async () => {
  const r = await fetch("/api/login", {method: "POST", headers: {"X-Requested-With": "fetch"}});
  const body = await r.json();
  window.location.assign(body.url);
});
</script>
</body></html>"""


def create_app(issuer: str, client_id: str, client_secret: str, redirect_uri: str, timeout: float = 1.0) -> Flask:
    app = lax_rp.create_app(issuer, client_id, client_secret, redirect_uri, timeout)
    start_login = app.view_functions["login"]
    app.config["API_LOGINS"] = 0

    @app.get("/")
    def index():
        return PAGE

    @app.post("/api/login")
    def api_login():
        app.config["API_LOGINS"] += 1
        return jsonify(url=start_login().location)

    return app
