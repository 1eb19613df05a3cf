"""ThaiDConfig: every setting of the client, with its default, in one frozen dataclass.

``ThaiDConfig.from_env()`` is the only code in rp_client that reads ``os.environ``
(``THAID_<FIELD NAME>``, e.g. ``THAID_CLIENT_ID``; lists are space or comma separated;
the static endpoints are ``THAID_AUTHORIZATION_ENDPOINT`` etc.).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

PRODUCTION_ISSUER = "https://imauth.bora.dopa.go.th"
SANDBOX_ISSUER = "https://imauthsbx.bora.dopa.go.th"
#: Names accepted for ``issuer`` instead of a URL.
ISSUER_ALIASES = {"production": PRODUCTION_ISSUER, "sandbox": SANDBOX_ISSUER}
ENV_PREFIX = "THAID_"
API_KEY_HEADER = "x-imauth-apikey"
#: Asymmetric JWS algorithms the verifier can be allowed to accept. ``none`` and the
#: HMAC family are never accepted: a ThaiD ID token is signed with the provider's key.
SUPPORTED_ALGS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA")
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
EXPIRES_IN_MODES = ("auto", "absolute", "duration")
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024

# ThaiD's paths (thaid-api.md §1), for setups without discovery.
_THAID_PATHS = {
    "authorization_endpoint": "/api/v2/oauth2/auth/",
    "token_endpoint": "/api/v2/oauth2/token/",
    "jwks_uri": "/jwks/",
    "userinfo_endpoint": "/api/v2/oauth2/userinfo/",
    "revocation_endpoint": "/api/v2/oauth2/revoke/",
    "introspection_endpoint": "/api/v2/oauth2/introspect/",
}


@dataclass(frozen=True)
class Endpoints:
    """The provider's endpoints, when they are configured instead of discovered."""

    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None

    @classmethod
    def thaid(cls, issuer: str) -> "Endpoints":
        """ThaiD's documented paths under ``issuer`` (production, sandbox or the mock)."""
        base = ISSUER_ALIASES.get(issuer, issuer).rstrip("/")
        return cls(**{name: base + path for name, path in _THAID_PATHS.items()})


def _as_tuple(value: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


@dataclass(frozen=True)
class ThaiDConfig:
    """Settings of one ThaiD relying party (one client id).

    ``issuer`` is a URL, or ``"production"`` / ``"sandbox"``; point it at the mock's URL to
    test. With ``discovery=True`` the endpoints come from
    ``{issuer}/.well-known/openid-configuration`` (cached ``discovery_ttl`` seconds, and its
    ``issuer`` must equal ours character for character); with ``discovery=False`` they come
    from ``endpoints`` or, by default, ThaiD's documented paths under the issuer.
    """

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    issuer: str = PRODUCTION_ISSUER
    scopes: tuple[str, ...] = ("openid", "pid", "name")
    api_key: str | None = field(default=None, repr=False)
    """Sent as ``x-imauth-apikey`` on every back-channel request when set."""
    token_auth_method: str = "client_secret_basic"
    """``client_secret_basic`` (default) or ``client_secret_post``."""
    id_token_algs: tuple[str, ...] = ("ES256",)
    """Allow-list of ID token algorithms; ``none`` and ``HS*`` are refused."""
    discovery: bool = True
    endpoints: Endpoints | None = None
    discovery_ttl: float = 3600.0
    jwks_max_age: float = 3600.0
    jwks_refetch_cooldown: float = 60.0
    """At most one key-set refetch on an unknown ``kid`` per this many seconds."""
    leeway: int = 60
    """Seconds of clock skew tolerated for ``exp``, ``iat`` and ``nbf``."""
    expires_in_mode: str = "auto"
    """``auto`` (a value > 10**9 is ThaiD's absolute epoch), ``absolute`` or ``duration``."""
    state_ttl: int = 600
    """Seconds a pending login (state, nonce, PKCE verifier) stays usable."""
    use_pkce: bool = True
    timeout: float = 10.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """Reading any answer from the provider stops here (``ResponseTooLarge``), and a longer ID
    token is refused unread. 1 MiB: ThaiD's largest answer (a token response with an ID token
    and every claim) is a few kilobytes."""
    backchannel_url: str = ""
    """Where this server reaches the provider when that differs from where browsers reach it
    (containers: the issuer ``http://localhost:8000`` for the browser, ``http://mock:8000``
    for the app). When set, every server-to-server request (discovery, JWKS, token,
    introspection, revocation, userinfo) whose URL starts with the issuer goes to this base
    URL plus the rest of the path instead. ``iss`` is still checked against ``issuer`` and
    the browser is still sent to the issuer's authorization URL. An ``http(s)`` URL with
    no trailing slash (one is stripped); empty (the default) means the issuer itself."""

    def __post_init__(self) -> None:
        issuer = ISSUER_ALIASES.get(self.issuer, self.issuer)
        object.__setattr__(self, "issuer", issuer)
        object.__setattr__(self, "scopes", _as_tuple(self.scopes))
        object.__setattr__(self, "id_token_algs", _as_tuple(self.id_token_algs))
        for name in ("client_id", "client_secret", "redirect_uri", "issuer"):
            if not getattr(self, name):
                raise ConfigError(f"{name} is required", field=name)
        if not issuer.startswith(("https://", "http://")):
            raise ConfigError(f"issuer must be a URL, 'production' or 'sandbox', not {issuer!r}", field="issuer")
        if not self.scopes:
            raise ConfigError("scopes must not be empty", field="scopes")
        bad = [a for a in self.id_token_algs if a not in SUPPORTED_ALGS]
        if bad or not self.id_token_algs:
            raise ConfigError(f"id_token_algs may only hold {', '.join(SUPPORTED_ALGS)} (never none or HS*); "
                              f"got {', '.join(self.id_token_algs) or 'nothing'}", field="id_token_algs")
        if self.token_auth_method not in AUTH_METHODS:
            raise ConfigError(f"token_auth_method must be one of {AUTH_METHODS}", field="token_auth_method")
        if self.expires_in_mode not in EXPIRES_IN_MODES:
            raise ConfigError(f"expires_in_mode must be one of {EXPIRES_IN_MODES}", field="expires_in_mode")
        object.__setattr__(self, "backchannel_url", _backchannel(self.backchannel_url))
        for name in ("discovery_ttl", "jwks_max_age", "jwks_refetch_cooldown", "leeway", "state_ttl", "timeout"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative", field=name)
        if isinstance(self.max_response_bytes, bool) or not isinstance(self.max_response_bytes, int) \
                or self.max_response_bytes < 1024:
            raise ConfigError(f"max_response_bytes must be a whole number of at least 1024, not "
                              f"{self.max_response_bytes!r}", field="max_response_bytes")

    @property
    def wants_id_token(self) -> bool:
        """True when the scopes hold ``openid`` (ThaiD then answers with an ID token)."""
        return "openid" in self.scopes

    def static_endpoints(self) -> Endpoints:
        """The configured endpoints, or ThaiD's documented paths under the issuer."""
        return self.endpoints or Endpoints.thaid(self.issuer)

    def replace(self, **changes: Any) -> "ThaiDConfig":
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "ThaiDConfig":
        """Build from ``THAID_*`` variables (``environ`` defaults to ``os.environ``); ``overrides`` win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and f.name != "endpoints":
                values[f.name] = _coerce(f.name, str(f.type), raw)
        endpoint_env = {name: env.get(ENV_PREFIX + name.upper()) for name in _THAID_PATHS}
        if any(endpoint_env.values()):
            missing = [n for n in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not endpoint_env[n]]
            if missing:
                raise ConfigError("static endpoints need " + ", ".join(ENV_PREFIX + m.upper() for m in missing),
                                  field="endpoints")
            values["endpoints"] = Endpoints(**{k: v for k, v in endpoint_env.items() if v})
        values.update({k: v for k, v in overrides.items() if v is not None})
        missing = [n for n in ("client_id", "client_secret", "redirect_uri") if n not in values]
        if missing:
            raise ConfigError("missing settings: " + ", ".join(ENV_PREFIX + m.upper() for m in missing),
                              field=missing[0])
        return cls(**values)


def _backchannel(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    url = url[:-1] if url.endswith("/") else url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or url.endswith("/") \
            or parts.query or parts.fragment:
        raise ConfigError(f"backchannel_url must be an http(s) base URL without a trailing slash, query or "
                          f"fragment (e.g. http://mock:8000), not {url!r}", field="backchannel_url")
    return url


def _coerce(name: str, type_name: str, raw: str) -> Any:
    var = ENV_PREFIX + name.upper()
    if type_name == "bool":
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{var} must be true or false, not {raw!r}", field=name)
    if type_name in ("int", "float"):
        try:
            return int(raw) if type_name == "int" else float(raw)
        except ValueError:
            raise ConfigError(f"{var} must be a number, not {raw!r}", field=name) from None
    if type_name.startswith("tuple"):
        return _as_tuple(raw)
    if type_name == "str | None":
        return raw or None
    return raw
