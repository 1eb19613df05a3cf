"""One headless person: a fresh cookie jar that logs in through the relying party (using the
scenario runner's ``follow``), and a plain description of what the RP showed."""
from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from ..scenarios.runner import Final, SetupFailed, follow, is_authorize
from .profile import ERROR_MARKERS, Profile

SUCCESS, REFUSAL, SERVER_ERROR, AT_THAID, BACK_TO_THAID, OTHER = (
    "success", "refusal", "server_error", "at_thaid", "back_to_thaid", "other")


def absolute(base: str, path: str) -> str:
    return path if "://" in path else base.rstrip("/") + "/" + path.lstrip("/")


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|template)\b.*?</\1\s*>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))).strip()


def shown(url: str) -> str:
    """A URL for a report: the code (and any token) shortened."""
    return re.sub(r"((?:^|[?&])(?:code|id_token|access_token)=)([^&#]{4})[^&#]*", r"\1\2…", url)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class Visit:
    final: Final
    mock: str
    seconds: float
    cookies: set[str]
    stopped: bool = False
    """The walk stopped because the RP sent the person to ThaiD's authorize endpoint (again)."""

    @property
    def authorize_urls(self) -> list[str]:
        return [h.url for h in self.final.hops if is_authorize(self.mock, h.url)]

    @property
    def callback_url(self) -> str | None:
        """The first RP URL the mock redirected the browser to: the RP's redirect URI."""
        hops = self.final.hops
        for prev, hop in zip(hops, hops[1:]):
            if prev.url.startswith(self.mock) and not hop.url.startswith(self.mock):
                return hop.url
        return None

    @property
    def at_mock(self) -> bool:
        return self.final.url.startswith(self.mock)

    def evidence(self) -> str:
        f = self.final
        if self.stopped:
            return f"{shown(f.url)} → {f.status} to ThaiD's authorize endpoint (a new login)"
        snippet = visible_text(f.text)[:140]
        return f"{shown(f.url)} → {f.status}" + (f"; page: “{snippet}”" if snippet else "; empty page")


@dataclass
class Look:
    kind: str
    why_not_success: list[str]


def look(v: Visit, profile: Profile, *, after_callback: bool = True) -> Look:
    """Success, refusal, a 5xx, still at ThaiD, or sent back to ThaiD — as the profile defines them."""
    f = v.final
    if v.stopped:
        return Look(BACK_TO_THAID, ["the RP started a new login at ThaiD"])
    if v.at_mock:
        return Look(AT_THAID, [f"the browser ended on ThaiD's page ({f.status}), not on the RP"])
    if f.status >= 500:
        return Look(SERVER_ERROR, [f"the RP answered {f.status}"])
    text = f.text
    if profile.success is not None:
        bad = profile.success.mismatches(f.status, f.url, text, v.cookies)
    else:
        bad = []
        if not 200 <= f.status < 300:
            bad.append(f"status {f.status}, not 2xx")
        if after_callback and v.callback_url is None:
            bad.append("the browser never came back to the RP's callback")
        if "error" in query(f.url):
            bad.append("the URL carries error=")
        m = ERROR_MARKERS.search(visible_text(text))
        if m:
            bad.append(f"the page says {m.group(0)!r}")
    if not bad:
        return Look(SUCCESS, [])
    if profile.refusal is not None:
        why = profile.refusal.mismatches(f.status, f.url, text, v.cookies)
        if why:
            return Look(OTHER, bad + [f"and it is not the refusal page either: {'; '.join(why)}"])
    return Look(REFUSAL, bad)


class Browser:
    """A person with their own cookies. ``max_authorize`` bounds how often one visit may go to
    ThaiD's authorize endpoint: the next time, the visit stops (the RP started a new login)."""

    def __init__(self, rp: str, mock: str, persona: str, timeout: float = 15.0) -> None:
        self.rp, self.mock, self.persona = rp.rstrip("/"), mock.rstrip("/"), persona
        self.http = httpx.Client(follow_redirects=False, timeout=timeout)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.http.close()

    def visit(self, path: str, max_authorize: int = 1, persona: str | None = "") -> Visit:
        seen = {"authorize": 0, "stopped": False}

        def stop(url: str) -> bool:
            if is_authorize(self.mock, url):
                seen["authorize"] += 1
                if seen["authorize"] > max_authorize:
                    seen["stopped"] = True
                    return True
            return False

        t0 = time.perf_counter()
        who = self.persona if persona == "" else persona
        url = absolute(self.rp, path)
        try:
            if stop(url):
                return Visit(Final(url, 0, ""), self.mock, 0.0, self._cookies(), stopped=True)
            final = follow(self.http, self.mock, url, who, stop=stop)
        except httpx.TimeoutException as e:
            raise SetupFailed(f"no answer within {self.http.timeout.read} s ({type(e).__name__}) "
                              f"after {time.perf_counter() - t0:.1f} s") from None
        except httpx.HTTPError as e:
            raise SetupFailed(f"{type(e).__name__}: {e}") from None
        return Visit(final, self.mock, time.perf_counter() - t0, self._cookies(), stopped=seen["stopped"])

    def _cookies(self) -> set[str]:
        return {c.name for c in self.http.cookies.jar}
