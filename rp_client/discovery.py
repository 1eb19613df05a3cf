"""The provider's metadata: discovered (with an issuer-equality check and a TTL) or static."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import ThaiDConfig
from .errors import DiscoveryError, IssuerMismatch
from .http import Http, is_http_url

WELL_KNOWN = "/.well-known/openid-configuration"
OPTIONAL = ("userinfo_endpoint", "revocation_endpoint", "introspection_endpoint")



@dataclass(frozen=True)
class ProviderMetadata:
    """The endpoints the client uses; ``raw`` is the whole discovery document (if any)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_document(cls, doc: dict[str, Any], url: str) -> "ProviderMetadata":
        required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        missing = [k for k in required if not isinstance(doc.get(k), str) or not doc.get(k)]
        if missing:
            raise DiscoveryError(f"discovery document lacks {', '.join(missing)}", url=url, missing=missing)
        bad = [k for k in (*required, *OPTIONAL) if doc.get(k) is not None and not is_http_url(doc[k])]
        if bad:  # refused here, not later as a request that cannot even be built
            raise DiscoveryError(f"discovery document's {', '.join(bad)} is not an absolute http(s) URL", url=url,
                                 invalid=bad)

        def opt(key: str) -> str | None:
            value = doc.get(key)
            return value if isinstance(value, str) and value else None

        return cls(issuer=doc["issuer"], authorization_endpoint=doc["authorization_endpoint"],
                   token_endpoint=doc["token_endpoint"], jwks_uri=doc["jwks_uri"],
                   userinfo_endpoint=opt("userinfo_endpoint"), revocation_endpoint=opt("revocation_endpoint"),
                   introspection_endpoint=opt("introspection_endpoint"), raw=dict(doc))


class Discovery:
    """Caches the metadata for ``config.discovery_ttl`` seconds (thread-safe)."""

    def __init__(self, config: ThaiDConfig, http: Http, clock: Callable[[], float]) -> None:
        self._config, self._http, self._clock = config, http, clock
        self._lock = threading.Lock()
        self._cached: ProviderMetadata | None = None
        self._fetched_at = 0.0

    @property
    def url(self) -> str:
        return self._config.issuer.rstrip("/") + WELL_KNOWN

    def get(self) -> ProviderMetadata:
        """The metadata; fetched when missing or older than the TTL."""
        cfg = self._config
        if not cfg.discovery:
            ep = cfg.static_endpoints()
            return ProviderMetadata(issuer=cfg.issuer, authorization_endpoint=ep.authorization_endpoint,
                                    token_endpoint=ep.token_endpoint, jwks_uri=ep.jwks_uri,
                                    userinfo_endpoint=ep.userinfo_endpoint,
                                    revocation_endpoint=ep.revocation_endpoint,
                                    introspection_endpoint=ep.introspection_endpoint)
        with self._lock:
            now = self._clock()
            if self._cached is None or now - self._fetched_at >= cfg.discovery_ttl:
                self._cached = self._fetch()
                self._fetched_at = now
            return self._cached

    def invalidate(self) -> None:
        """Forget the cached document; the next ``get()`` fetches it again."""
        with self._lock:
            self._cached = None

    def _fetch(self) -> ProviderMetadata:
        doc = self._http.get_json(self.url, endpoint="discovery", error_cls=DiscoveryError)
        meta = ProviderMetadata.from_document(doc, self.url)
        if meta.issuer != self._config.issuer:
            raise IssuerMismatch(f"discovery document names issuer {meta.issuer!r}, expected "
                                 f"{self._config.issuer!r}", expected=self._config.issuer, actual=meta.issuer)
        if self._config.endpoints is not None:  # configured endpoints override discovered ones
            ep = self._config.endpoints
            meta = ProviderMetadata(issuer=meta.issuer, authorization_endpoint=ep.authorization_endpoint,
                                    token_endpoint=ep.token_endpoint, jwks_uri=ep.jwks_uri,
                                    userinfo_endpoint=ep.userinfo_endpoint or meta.userinfo_endpoint,
                                    revocation_endpoint=ep.revocation_endpoint or meta.revocation_endpoint,
                                    introspection_endpoint=ep.introspection_endpoint or meta.introspection_endpoint,
                                    raw=meta.raw)
        return meta
