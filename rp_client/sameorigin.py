"""Did this POST come from one of our own pages? The logout route's cross-site check.

Why ``Sec-Fetch-Site`` is asked first, and why ``Origin: null`` alone is not enough
---------------------------------------------------------------------------------
A site that sends ``Referrer-Policy: no-referrer`` (LHR does, so that no URL of a personnel
record leaks to another site) makes Chromium send ``Origin: null`` and no ``Referer`` on a
form POST to *its own* origin. A check built on ``Origin``/``Referer`` therefore refuses the
site's own logout button, and the person's ThaiD tokens are never revoked. ``Origin: null``
cannot simply be accepted: a sandboxed iframe or a ``data:`` page on an attacker's site sends
it too.

``Sec-Fetch-Site`` (Fetch Metadata, sent by Chromium since 76, Firefox since 90, Safari since
16.4) settles it. It is a forbidden header name: no page script can set or change it, and
the browser computes it from the origin of whoever started the request (and every redirect
on the way), *independently of the referrer policy*: our own form gives ``same-origin``,
an attacker's page ``cross-site``, a sibling subdomain ``same-site``. So:

1. ``Sec-Fetch-Site`` present: only ``same-origin`` passes (``same-site`` does not: a sibling
   subdomain is not us; ``none`` is a typed URL or bookmark, never a form of ours). An
   ``Origin`` that names *another* real origin contradicts it and is refused; ``null`` does not.
2. No ``Sec-Fetch-Site`` (an older browser, or a program): the ``Origin``, else the ``Referer``,
   must be exactly ours. ``Origin: null`` there is refused: nothing vouches for it.
3. Neither: refused.

A program can forge all of these headers, but a program holds no victim's cookie: the
check is about browsers carrying someone's session to us from elsewhere. It is a second
line, not the only one: apps with a CSRF token on their forms (LHR: Flask-WTF's
``CSRFProtect``, which covers every POST view, this one included) refuse a logout without
the token before this check runs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class OriginVerdict:
    """``ok`` and why (``reason``: a short stable word, fit for an audit row)."""

    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def judge_same_origin(headers: Mapping[str, str], own_origin: str) -> OriginVerdict:
    """Whether a request with these headers comes from a page of ``own_origin``
    (``scheme://host[:port]`` as the browser addressed us)."""
    own = own_origin.lower()
    site = headers.get("Sec-Fetch-Site")
    origin = headers.get("Origin")
    if site is not None:
        site = site.strip().lower()
        if site != "same-origin":
            return OriginVerdict(False, "sec_fetch_site_" + (site.replace("-", "_")[:20] or "empty"))
        if origin is not None and origin.strip().lower() not in ("null", own):
            return OriginVerdict(False, "origin_contradicts_sec_fetch_site")
        return OriginVerdict(True, "sec_fetch_site")
    if origin is not None:
        origin = origin.strip().lower()
        if origin == own:
            return OriginVerdict(True, "origin")
        return OriginVerdict(False, "origin_null" if origin == "null" else "origin_mismatch")
    referer = headers.get("Referer")
    if referer:
        return OriginVerdict(True, "referer") if _origin_of(referer) == own else OriginVerdict(False, "referer_mismatch")
    return OriginVerdict(False, "no_origin_evidence")
