"""Back-channel HTTP: client authentication, the API key header, JSON answers and errors.

Any ``httpx.Client`` may be passed in (tests use ``httpx.WSGITransport`` or
``httpx.MockTransport``); transport failures become ``NetworkError`` and error answers
``ProviderError`` carrying the provider's ``error`` and ``error_description``.
With ``config.backchannel_url`` set, :meth:`Http.route` sends requests for URLs under the
issuer to that base URL instead (every request goes through ``_send``, so this is the one place).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from .config import API_KEY_HEADER, ThaiDConfig
from .errors import NetworkError, ProviderError, ProviderResponseError, ThaiDError

USER_AGENT = "rp_client (ThaiD relying party)"


class Http:
    """Thin wrapper over one ``httpx.Client``; closes it only if it created it."""

    def __init__(self, config: ThaiDConfig, client: httpx.Client | None = None) -> None:
        self._config = config
        self._owned = client is None
        self.client = client or httpx.Client(timeout=config.timeout, follow_redirects=False,
                                             headers={"User-Agent": USER_AGENT})

    def close(self) -> None:
        if self._owned:
            self.client.close()

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._config.api_key:
            headers[API_KEY_HEADER] = self._config.api_key
        return headers

    def route(self, url: str) -> str:
        """The URL this server actually contacts for ``url``: under the issuer and with a
        ``backchannel_url`` set, the back-channel base plus the rest; otherwise ``url``."""
        base = self._config.backchannel_url
        issuer = self._config.issuer.rstrip("/")
        if base and url.startswith(issuer) and url[len(issuer):len(issuer) + 1] in ("", "/", "?", "#"):
            return base + url[len(issuer):]
        return url

    def _send(self, method: str, url: str, endpoint: str, **kwargs: Any) -> httpx.Response:
        target = self.route(url)
        try:
            return self.client.request(method, target, **kwargs)
        except httpx.HTTPError as e:
            via = f" (the issuer's {url}, through backchannel_url)" if target != url else ""
            raise NetworkError(f"{endpoint} request to {target}{via} failed: {e.__class__.__name__}: {e}",
                               url=target, endpoint=endpoint, reason=e.__class__.__name__) from e

    def get_json(self, url: str, *, endpoint: str, error_cls: type[ThaiDError]) -> dict[str, Any]:
        """GET a public JSON document (discovery, JWKS); any failure is ``error_cls``."""
        resp = self._send("GET", url, endpoint, headers=self._headers())
        if resp.status_code != 200:
            raise error_cls(f"{endpoint} at {url} answered HTTP {resp.status_code}", url=url,
                            status=resp.status_code)
        body = _json_object(resp)
        if body is None:
            raise error_cls(f"{endpoint} at {url} did not answer with a JSON object", url=url,
                            status=resp.status_code)
        return body

    def post_form(self, url: str, data: dict[str, str], *, endpoint: str,
                  allow_empty: bool = False) -> dict[str, Any]:
        """POST a form with client authentication; the JSON object answered (``{}`` for an
        empty 200 when ``allow_empty``, as RFC 7009 revocation may answer)."""
        headers = self._headers()
        form = dict(data)
        auth = None
        if self._config.token_auth_method == "client_secret_post":
            form.update(client_id=self._config.client_id, client_secret=self._config.client_secret)
        else:  # RFC 6749 §2.3.1: form-encode both parts before Basic
            auth = httpx.BasicAuth(quote(self._config.client_id, safe=""),
                                   quote(self._config.client_secret, safe=""))
        resp = self._send("POST", url, endpoint, data=form, headers=headers, auth=auth)
        if allow_empty and resp.status_code == 200 and not resp.content.strip():
            return {}
        return self._answer(resp, endpoint)

    def get_bearer(self, url: str, token: str, *, endpoint: str) -> dict[str, Any]:
        """GET with ``Authorization: Bearer``; the JSON object answered (userinfo)."""
        headers = self._headers()
        headers["Authorization"] = f"Bearer {token}"
        return self._answer(self._send("GET", url, endpoint, headers=headers), endpoint)

    def _answer(self, resp: httpx.Response, endpoint: str) -> dict[str, Any]:
        body = _json_object(resp)
        if resp.status_code >= 400:
            error = body.get("error") if body else None
            desc = body.get("error_description") if body else None
            raise ProviderError(
                f"{endpoint} endpoint answered HTTP {resp.status_code}: {error or 'no error code'}"
                + (f" ({desc})" if desc else ""),
                error=str(error) if error else f"http_{resp.status_code}",
                error_description=str(desc) if desc is not None else None,
                status=resp.status_code, endpoint=endpoint)
        if resp.status_code != 200 or body is None:
            raise ProviderResponseError(f"{endpoint} endpoint answered HTTP {resp.status_code} without a "
                                        "JSON object", endpoint=endpoint, status=resp.status_code)
        return body


def _json_object(resp: httpx.Response) -> dict[str, Any] | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
