"""Run scenarios over HTTP only: set the mock up through its control API, drive a login
through a relying party (or the mock directly), and check what a user would notice.

A run shares the mock with whoever else uses it (a trainer's class, a developer, check-rp):
nothing is reset unless asked (``--reset``); each scenario's faults are armed for the client its
login uses, just before that login reaches ThaiD, and cleared by id afterwards; a clock it moved
is moved back. Citizens and clients a scenario registers are upserts, so running it again on a
used mock changes nothing."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from .loader import Scenario

AUTH_PATH = "/api/v2/oauth2/auth"


@dataclass
class Outcome:
    scenario: Scenario
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    final_url: str = ""
    status: int | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Hop:
    """One request a headless browser made: where, the status, and where it was sent next."""
    url: str
    status: int
    location: str | None = None


@dataclass
class Final:
    url: str
    status: int
    text: str
    redirect_params: dict[str, str] = field(default_factory=dict)
    json: dict | None = None
    hops: list[Hop] = field(default_factory=list)


class SetupFailed(Exception):
    pass


def _control(http: httpx.Client, mock: str, method: str, path: str, body=None) -> dict:
    """A control-API call; the control token (if any) rides on these calls only, never to the RP."""
    token = getattr(http, "control_token", "")
    r = http.request(method, mock + path, json=body,
                     headers={"Authorization": f"Bearer {token}"} if token else None)
    if r.status_code >= 400:
        raise SetupFailed(f"{method} {path} -> {r.status_code} {r.text[:300]}")
    return r.json()


@dataclass
class Slice:
    """One scenario's part of a shared mock: the faults it armed (by id, scoped to the client
    the scenario logs in with) and how far it moved the clock. ``undo`` clears those faults and
    moves the clock back, leaving whatever anybody else armed, registered or moved."""
    faults: list[dict] = field(default_factory=list)
    """The scenario's faults, armed just before its login reaches ThaiD's authorize endpoint."""
    armed: list[int] = field(default_factory=list)
    clock_moved: float = 0.0

    def arm(self, http: httpx.Client, mock: str, client_id: str | None) -> None:
        """Arm the scenario's faults for ``client_id`` (JWKS faults concern every client: they
        stay unscoped, for as few requests as the scenario says)."""
        if not self.faults:
            return
        points = {f["name"]: f["point"] for f in _control(http, mock, "GET", "/_mock/faults")["available"]}
        for f in self.faults:
            body = dict(f)
            if "client_id" not in body and client_id and points.get(body["name"]) != "jwks":
                body["client_id"] = client_id
            self.armed.append(_control(http, mock, "POST", "/_mock/faults", body)["id"])
        self.faults = []

    def move_clock(self, http: httpx.Client, mock: str, body: dict) -> None:
        before = _control(http, mock, "GET", "/_mock/clock")["offset"]
        after = _control(http, mock, "POST", "/_mock/clock", body)["offset"]
        self.clock_moved += after - before

    def undo(self, http: httpx.Client, mock: str) -> None:
        active = {f["id"] for f in _control(http, mock, "GET", "/_mock/faults")["active"]}
        for fid in self.armed:
            if fid in active:
                token = getattr(http, "control_token", "")
                http.delete(f"{mock}/_mock/faults/{fid}",  # 404: used up meanwhile, which is fine
                            headers={"Authorization": f"Bearer {token}"} if token else None)
        self.armed = []
        if self.clock_moved:
            _control(http, mock, "POST", "/_mock/clock", {"advance": -self.clock_moved})  # relative:
            self.clock_moved = 0.0  # another user's move in the meantime is kept


def setup(http: httpx.Client, mock: str, spec: dict, *, allow_reset: bool = False) -> Slice:
    """Register the scenario's citizens and clients (upserts: running it again changes nothing)
    and move the clock; its faults wait in the returned ``Slice`` until the login's client is
    known. The whole mock is reset only when asked (``allow_reset``, i.e. ``--reset``) and the
    scenario does not say ``reset: false``."""
    if allow_reset and spec.get("reset", True):
        _control(http, mock, "POST", "/_mock/reset")
    part = Slice(faults=[dict(f) for f in spec.get("faults", [])])
    for c in spec.get("citizens", []):
        _control(http, mock, "POST", "/_mock/citizens", c)
    for c in spec.get("clients", []):
        _control(http, mock, "POST", "/_mock/clients", c)
    if spec.get("clock"):
        part.move_clock(http, mock, spec["clock"])
    return part


def is_authorize(mock: str, url: str) -> bool:
    """True when ``url`` is the mock's authorization endpoint (with or without the slash)."""
    return url.startswith(mock) and urlsplit(url).path.rstrip("/") == AUTH_PATH


def follow(http: httpx.Client, mock: str, url: str, persona: str | None = None, max_redirects: int = 15,
           stop: Callable[[str], bool] | None = None) -> Final:
    """GET ``url`` and follow redirects like a browser, sending ``X-Mock-Persona`` only to the
    mock's authorize endpoint. Every request is kept in ``Final.hops``. When ``stop(next_url)``
    is true the walk ends before that request: ``Final`` is then the redirect that pointed there."""
    hops: list[Hop] = []
    for _ in range(max_redirects):
        headers = {"X-Mock-Persona": persona} if persona and is_authorize(mock, url) else {}
        r = http.get(url, headers=headers)
        hops.append(Hop(url, r.status_code, r.headers.get("location") if r.is_redirect else None))
        if not r.is_redirect:
            return Final(url, r.status_code, r.text, hops=hops)
        nxt = urljoin(url, r.headers["location"])
        if stop is not None and stop(nxt):
            return Final(url, r.status_code, r.text, hops=hops)
        url = nxt
    raise SetupFailed(f"more than {max_redirects} redirects, last {url}")


def drive_rp(http: httpx.Client, mock: str, rp: str, spec: dict, part: Slice | None = None) -> Final:
    """Follow the RP's login; the scenario's faults are armed, for the client_id the RP sends,
    at the moment the browser is about to reach ThaiD's authorize endpoint."""
    url = spec["start"] if "://" in spec["start"] else rp.rstrip("/") + "/" + spec["start"].lstrip("/")
    persona, limit = spec.get("persona"), spec.get("max_redirects", 15)
    if part is None or not part.faults:
        return follow(http, mock, url, persona, limit)
    nxt: list[str] = []

    def at_thaid(u: str) -> bool:
        if is_authorize(mock, u) and not nxt:
            nxt.append(u)
            return True
        return False

    if at_thaid(url):
        first = Final(url, 0, "")
    else:
        first = follow(http, mock, url, persona, limit, stop=at_thaid)
        if not nxt:  # the RP never sent the browser to ThaiD
            return first
    part.arm(http, mock, parse_qs(urlsplit(nxt[0]).query).get("client_id", [None])[0])
    rest = follow(http, mock, nxt[0], persona, max(1, limit - len(first.hops)))
    rest.hops = first.hops + rest.hops
    return rest


def drive_mock(http: httpx.Client, mock: str, spec: dict, part: Slice | None = None) -> Final:
    a = dict(spec["authorize"])
    persona = a.pop("persona", None)
    params = {"response_type": "code", "scope": "openid pid name", "state": "scenario-state", **a}
    params = {k: v for k, v in params.items() if v is not None}
    part = part or Slice()
    part.arm(http, mock, a.get("client_id"))
    r = http.get(mock + AUTH_PATH + "/", params=params,
                 headers={"X-Mock-Persona": persona} if persona else {})
    if not r.is_redirect:
        return Final(str(r.url), r.status_code, r.text, json=_maybe_json(r))
    location = r.headers["location"]
    q = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    final = Final(location, r.status_code, r.text, redirect_params=q)
    if "token" not in spec or "code" not in q:
        return final
    if spec.get("between", {}).get("clock"):
        part.move_clock(http, mock, spec["between"]["clock"])
    t = spec["token"]
    form = {"grant_type": "authorization_code", "code": q["code"],
            "redirect_uri": t.get("redirect_uri", a["redirect_uri"])}
    if "code_verifier" in t:
        form["code_verifier"] = t["code_verifier"]
    auth = None
    if t.get("auth", "basic") == "basic":
        auth = (a["client_id"], t["client_secret"])
    else:
        form.update(client_id=a["client_id"], client_secret=t["client_secret"])
    for _ in range(t.get("repeat", 1)):
        tr = http.post(mock + "/api/v2/oauth2/token/", data=form, auth=auth)
    return Final(location, tr.status_code, tr.text, redirect_params=q, json=_maybe_json(tr))


def _maybe_json(r: httpx.Response) -> dict | None:
    try:
        body = r.json()
    except (json.JSONDecodeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def visible_text(page: str) -> str:
    """What a person would read on the page: tags, scripts and styles dropped, spaces folded."""
    import html
    import re

    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return " ".join(html.unescape(re.sub(r"(?s)<[^>]+>", " ", page)).split())


def check(expect: dict, final: Final) -> list[str]:
    bad = []
    if "status" in expect and final.status != expect["status"]:
        bad.append(f"status {final.status}, expected {expect['status']}")
    if "url_contains" in expect and expect["url_contains"] not in final.url:
        bad.append(f"ended at {final.url}, expected it to contain {expect['url_contains']!r}")
    if "url_lacks" in expect and expect["url_lacks"] in final.url:
        bad.append(f"ended at {final.url}, which contains {expect['url_lacks']!r}")
    for text in expect.get("text_contains", []):
        if text not in final.text:
            bad.append(f"page lacks {text!r}; it shows: {visible_text(final.text)[:300]!r}")
    alternatives = expect.get("text_contains_any", [])
    if alternatives and not any(text in final.text for text in alternatives):
        bad.append(f"page shows none of {', '.join(map(repr, alternatives))}; "
                   f"it shows: {visible_text(final.text)[:300]!r}")
    for text in expect.get("text_lacks", []):
        if text in final.text:
            bad.append(f"page shows {text!r}")
    for k, v in expect.get("redirect_params", {}).items():
        got = final.redirect_params.get(k)
        if v is True and got is None:
            bad.append(f"redirect lacks {k}")
        elif v is False and got is not None:
            bad.append(f"redirect has {k}={got}")
        elif isinstance(v, str) and got != v:
            bad.append(f"redirect {k}={got!r}, expected {v!r}")
    for k, v in expect.get("json", {}).items():
        body = final.json or {}
        if v is True and k not in body:
            bad.append(f"answer lacks {k}")
        elif v is False and k in body:
            bad.append(f"answer has {k}")
        elif not isinstance(v, bool) and body.get(k) != v:
            bad.append(f"answer {k}={body.get(k)!r}, expected {v!r}")
    return bad


def run_one(scenario: Scenario, mock: str, rp: str | None, timeout: float = 15.0, *,
            control_token: str = "", reset: bool = False) -> Outcome:
    """One scenario in its own slice of the mock (see ``Slice``); ``reset`` (``--reset``) first
    resets the whole mock, as the scenario's ``setup.reset`` allows."""
    out = Outcome(scenario)
    t0 = time.perf_counter()
    data = scenario.data
    try:
        with httpx.Client(follow_redirects=False, timeout=timeout) as http:
            http.control_token = control_token  # type: ignore[attr-defined]
            part = Slice()
            try:
                part = setup(http, mock, data.get("setup", {}), allow_reset=reset)
                if "rp" in data:
                    if not rp:
                        raise SetupFailed("this scenario drives a relying party: pass --rp URL")
                    final = drive_rp(http, mock, rp, data["rp"], part)
                else:
                    final = drive_mock(http, mock, data["mock"], part)
                out.final_url, out.status = final.url, final.status
                out.failures = check(data.get("expect", {}), final)
            finally:
                try:
                    part.undo(http, mock)
                except (SetupFailed, httpx.HTTPError) as e:
                    out.failures.append(f"could not undo the scenario's faults or clock: {e}")
    except (SetupFailed, httpx.HTTPError) as e:
        out.failures = [f"{type(e).__name__}: {e}"] + out.failures
    out.seconds = time.perf_counter() - t0
    return out
