"""Small helpers for driving the mock's endpoints in tests (no protocol logic of the mock)."""
from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlencode, urlsplit

from conftest import DEMO_PID, DEMO_RP


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


DEMO_AUTH = basic(DEMO_RP["client_id"], DEMO_RP["client_secret"])


def auth_url(**params) -> str:
    base = {"response_type": "code", "client_id": DEMO_RP["client_id"],
            "redirect_uri": DEMO_RP["redirect_uri"], "scope": "openid pid name", "state": "st-1"}
    base.update({k: v for k, v in params.items()})
    base = {k: v for k, v in base.items() if v is not None}
    return "/api/v2/oauth2/auth/?" + urlencode(base)


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(client, pid: str = DEMO_PID, **params) -> str:
    r = client.get(auth_url(**params), headers={"X-Mock-Persona": pid})
    assert r.status_code == 302, r.get_data(as_text=True)
    return query(r.headers["Location"])["code"]


def exchange(client, code: str, headers=None, **form):
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": DEMO_RP["redirect_uri"]}
    body.update(form)
    return client.post("/api/v2/oauth2/token/", data=body, headers=headers or DEMO_AUTH)
