"""ThaiD's endpoints on the wire, in one table: the discovery document, the routes, the
transaction inspector and the error pages all read it, so a path is written once.

ThaiD publishes its paths with a trailing slash (thaid-api.md §1); the mock answers each
with and without it. ``json`` marks the endpoints programs call: their errors are JSON,
never an HTML page, whatever the Accept header says.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    name: str  # the inspector's label
    path: str  # as ThaiD publishes it
    methods: tuple[str, ...]
    discovery_key: str | None  # its key in the discovery document (None: not advertised there)
    json: bool  # errors are JSON (programs call it), not a page (browsers visit it)
    oidc_only: bool = False  # advertised only by the strict `oidc` profile
    inspected: bool = False  # the transaction inspector records its requests

    def url(self, issuer: str) -> str:
        return issuer.rstrip("/") + self.path


ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (
    Endpoint("discovery", "/.well-known/openid-configuration/", ("GET",), None, json=True),
    Endpoint("jwks", "/jwks/", ("GET",), "jwks_uri", json=True),
    Endpoint("authorize", "/api/v2/oauth2/auth/", ("GET",), "authorization_endpoint", json=False,
             inspected=True),
    Endpoint("token", "/api/v2/oauth2/token/", ("POST",), "token_endpoint", json=True, inspected=True),
    Endpoint("userinfo", "/api/v2/oauth2/userinfo/", ("GET", "POST"), "userinfo_endpoint", json=True,
             inspected=True),
    Endpoint("revoke", "/api/v2/oauth2/revoke/", ("POST",), "revocation_endpoint", json=True, inspected=True),
    Endpoint("introspect", "/api/v2/oauth2/introspect/", ("POST",), "introspection_endpoint", json=True,
             oidc_only=True, inspected=True),
    Endpoint("logout", "/api/v2/oauth2/logout/", ("GET", "POST"), "end_session_endpoint", json=False,
             oidc_only=True),
)}

_BY_PATH = {e.path.rstrip("/"): e for e in ENDPOINTS.values()}


def path(name: str) -> str:
    return ENDPOINTS[name].path


def url(issuer: str, name: str) -> str:
    return ENDPOINTS[name].url(issuer)


def by_path(request_path: str) -> Endpoint | None:
    """The endpoint a request path is, with or without the trailing slash."""
    return _BY_PATH.get(request_path.rstrip("/"))


def advertised(issuer: str, profile: str) -> dict[str, str]:
    """The discovery document's endpoint URLs for a profile."""
    return {e.discovery_key: e.url(issuer) for e in ENDPOINTS.values()
            if e.discovery_key and (profile == "oidc" or not e.oidc_only)}
