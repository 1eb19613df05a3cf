"""The check-rp profile: a small YAML file saying what the relying party shows.

    persona: "1057830862719"        # who logs in (a registered citizen of the mock)
    client_id: my-rp                # default: read from the RP's authorization request
    other_scope_start: /login?flat=1  # a second start asking for the other scope shape
    protected_path: /me             # a page that uses the ThaiD access token (userinfo)
    token_timeout: 10               # seconds the RP waits for ThaiD's token endpoint
    click: "#thaid-login"           # --driver browser: the login button on the start page
    success: {status: 200, url: "/home$", text: "Signed in", cookie: session}
    refusal: {status: [400, 401], text: 'id="login-error"'}
    skip: [token_delay]

Every key is optional. Without ``success`` a login counts as successful when the browser went
through the RP's callback and ended on a 2xx page of the RP that does not look like an error
page; without ``refusal`` a refusal is anything else that is not a 5xx. ``click`` (a Playwright
selector, e.g. ``#login`` or ``text=Sign in with ThaiD``) is used by the browser driver only;
without it, a start page that does not go to ThaiD by itself gets its button or link that names
ThaiD clicked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_PERSONA = "1057830862719"
DEFAULT_TOKEN_TIMEOUT = 10.0
ERROR_MARKERS = re.compile(
    r"(?i)\b(error|errors|exception|traceback|failed|failure|denied|invalid|unauthori[sz]ed|forbidden"
    r"|bad request|not allowed)\b|ผิดพลาด|ไม่สำเร็จ|ปฏิเสธ|ไม่ถูกต้อง")
"""Words that make a 2xx page count as an error page when the profile gives no ``success``."""


class ProfileError(Exception):
    pass


def _as_list(value, kind, where: str) -> tuple:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, kind) and not isinstance(v, bool) for v in items):
        raise ProfileError(f"{where} must be a {kind.__name__} or a list of them")
    return tuple(items)


@dataclass(frozen=True)
class Expectation:
    """What one kind of page looks like; every field given must hold."""
    status: tuple[int, ...] = ()
    url: str = ""
    """A regular expression searched in the final URL."""
    text: tuple[str, ...] = ()
    cookie: str = ""
    """A cookie the RP has set by then (any value)."""

    @classmethod
    def parse(cls, data, where: str) -> "Expectation | None":
        if data is None:
            return None
        if not isinstance(data, dict):
            raise ProfileError(f"{where} must be a mapping of status, url, text, cookie")
        unknown = set(data) - {"status", "url", "text", "cookie"}
        if unknown:
            raise ProfileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (status, url, text, cookie)")
        url = data.get("url", "")
        try:
            re.compile(url)
        except (re.error, TypeError) as e:
            raise ProfileError(f"{where}.url is not a regular expression: {e}") from None
        return cls(status=_as_list(data["status"], int, f"{where}.status") if "status" in data else (),
                   url=url, text=_as_list(data["text"], str, f"{where}.text") if "text" in data else (),
                   cookie=str(data.get("cookie", "")))

    def mismatches(self, status: int, url: str, text: str, cookies: set[str]) -> list[str]:
        """What does not hold, in words (empty when the page matches)."""
        bad = []
        if self.status and status not in self.status:
            bad.append(f"status {status}, expected {' or '.join(map(str, self.status))}")
        if self.url and not re.search(self.url, url):
            bad.append(f"URL does not match /{self.url}/")
        bad += [f"page lacks {t!r}" for t in self.text if t not in text]
        if self.cookie and self.cookie not in cookies:
            bad.append(f"no cookie {self.cookie!r}")
        return bad

    def describe(self) -> str:
        parts = [f"status {'/'.join(map(str, self.status))}" if self.status else "",
                 f"URL ~ /{self.url}/" if self.url else "", *(f"text {t!r}" for t in self.text),
                 f"cookie {self.cookie}" if self.cookie else ""]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Profile:
    persona: str = DEFAULT_PERSONA
    client_id: str = ""
    other_scope_start: str = ""
    protected_path: str = ""
    token_timeout: float = DEFAULT_TOKEN_TIMEOUT
    success: Expectation | None = None
    refusal: Expectation | None = None
    skip: tuple[str, ...] = field(default_factory=tuple)
    click: str = ""
    """--driver browser: a Playwright selector for the start page's login button."""


KEYS = {"persona", "client_id", "other_scope_start", "protected_path", "token_timeout", "success", "refusal", "skip",
        "click"}


def parse(data) -> Profile:
    if data is None:
        return Profile()
    if not isinstance(data, dict):
        raise ProfileError("a profile is a YAML mapping")
    unknown = set(data) - KEYS
    if unknown:
        raise ProfileError(f"unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYS))}")
    for key in ("persona", "client_id", "other_scope_start", "protected_path", "click"):
        if key in data and not isinstance(data[key], (str, int)) or isinstance(data.get(key), bool):
            raise ProfileError(f"{key} must be a string")
    persona = re.sub(r"[\s-]", "", str(data.get("persona", DEFAULT_PERSONA)))
    if not re.fullmatch(r"\d{13}", persona):
        raise ProfileError("persona must be a 13-digit PID of a registered citizen of the mock")
    timeout = data.get("token_timeout", DEFAULT_TOKEN_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 120:
        raise ProfileError("token_timeout must be a number of seconds from 0 to 120")
    skip = data.get("skip", [])
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise ProfileError("skip must be a list of row ids")
    return Profile(persona=persona, client_id=str(data.get("client_id", "")),
                   other_scope_start=str(data.get("other_scope_start", "")),
                   protected_path=str(data.get("protected_path", "")), token_timeout=float(timeout),
                   success=Expectation.parse(data.get("success"), "success"),
                   refusal=Expectation.parse(data.get("refusal"), "refusal"), skip=tuple(skip),
                   click=str(data.get("click", "")))


def load(path: str | Path | None) -> Profile:
    if not path:
        return Profile()
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise ProfileError(f"{p}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ProfileError(f"{p}: not valid YAML: {e}") from None
    try:
        return parse(data)
    except ProfileError as e:
        raise ProfileError(f"{p}: {e}") from None
