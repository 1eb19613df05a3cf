"""The mock's control API, used with care for whoever else shares the mock: faults are scoped to
the RP's own ``client_id`` and last one request (JWKS faults cannot be scoped: they are kept as
short as possible), nothing is ever reset, and a fault the RP did not use up is used up here
or, failing that, cleared by its id."""
from __future__ import annotations

from dataclasses import dataclass

import httpx

from ..scenarios.runner import AUTH_PATH


class ControlFailed(Exception):
    pass


@dataclass(frozen=True)
class Armed:
    id: int
    name: str
    point: str
    client_id: str | None


class Control:
    def __init__(self, mock: str, token: str = "", timeout: float = 15.0) -> None:
        self.mock = mock.rstrip("/")
        self.http = httpx.Client(follow_redirects=False, timeout=timeout)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, body=None, params=None) -> dict:
        try:
            r = self.http.request(method, self.mock + path, json=body, params=params, headers=self.headers)
        except httpx.HTTPError as e:
            raise ControlFailed(f"{method} {path}: {type(e).__name__}: {e}") from None
        if r.status_code >= 400:
            hint = " (pass --control-token)" if r.status_code == 401 else ""
            raise ControlFailed(f"{method} {path} -> {r.status_code}{hint} {r.text[:200]}")
        return r.json()

    def catalogue(self) -> dict[str, str]:
        """Every fault the mock knows: name -> one-line description."""
        return {f["name"]: f.get("description", "") for f in self.call("GET", "/_mock/faults")["available"]}

    def arm(self, name: str, client_id: str | None, params: dict | None = None, count: int = 1) -> Armed:
        body = {"name": name, "count": count, "params": params or {}}
        if client_id is not None:
            body["client_id"] = client_id
        f = self.call("POST", "/_mock/faults", body)
        return Armed(f["id"], f["name"], f["point"], f.get("client_id"))

    def still_armed(self, armed: list[Armed]) -> list[Armed]:
        ids = {f["id"] for f in self.call("GET", "/_mock/faults")["active"]}
        return [a for a in armed if a.id in ids]

    def remove(self, armed: list[Armed]) -> None:
        """Clear these faults by id (nobody else's); one used up meanwhile is fine."""
        for a in armed:
            try:
                self.http.delete(f"{self.mock}/_mock/faults/{a.id}", headers=self.headers)
            except httpx.HTTPError:
                pass

    def use_up_jwks(self, armed: list[Armed]) -> None:
        """Fetch the key set ourselves until our JWKS faults are gone (at most 5 tries)."""
        for _ in range(5):
            if not self.still_armed([a for a in armed if a.point == "jwks"]):
                return
            self.http.get(self.mock + "/jwks/")

    def advance_clock(self, seconds: float) -> None:
        """Relative, so another user's offset is kept."""
        self.call("POST", "/_mock/clock", {"advance": seconds})

    def last_event_id(self, client_id: str) -> int:
        events = self.call("GET", "/_mock/events", params={"limit": 1, "client_id": client_id})["events"]
        return max((e["id"] for e in events), default=0)

    def events_since(self, event_id: int, client_id: str) -> list[dict]:
        events = self.call("GET", "/_mock/events", params={"limit": 200, "client_id": client_id})["events"]
        return [e for e in events if e["id"] > event_id]

    def mint_callback(self, authorize_params: dict[str, str], persona: str) -> str:
        """A headless login at the mock with the RP's own authorization request: the callback URL
        (with a fresh code) that ThaiD would send the browser to."""
        r = self.http.get(self.mock + AUTH_PATH + "/", params=authorize_params,
                          headers={"X-Mock-Persona": persona})
        if not r.is_redirect:
            raise ControlFailed(f"the mock answered the RP's authorization request with {r.status_code}: "
                                f"{r.text[:200]}")
        return r.headers["location"]
