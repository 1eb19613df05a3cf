"""Back-channel HTTP: client authentication, the API key header, JSON answers and errors.

Any ``httpx.Client`` may be passed in (tests use ``httpx.WSGITransport`` or
``httpx.MockTransport``); transport failures become ``NetworkError`` and error answers
``ProviderError`` carrying the provider's ``error`` and ``error_description``.
With ``config.backchannel_url`` set, :meth:`Http.route` sends requests for URLs under the
issuer to that base URL instead (every request goes through ``_send``, so this is the one place).

Every answer is read as a stream and reading stops at ``config.max_response_bytes``
(``ResponseTooLarge``): a hostile or broken provider cannot make us hold 30 MB, whatever
``Content-Length`` says or does not say. We ask for ``identity`` encoding; a gzip or deflate
answer is inflated in bounded steps (the limit applies to the inflated size), any other
encoding is refused. Bodies are parsed by ``jsonsafe`` (no NaN, no repeated names).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from .config import API_KEY_HEADER, ThaiDConfig
from .errors import NetworkError, ProviderError, ProviderResponseError, ResponseTooLarge, ThaiDError
from .jsonsafe import JSONRejected, loads_object


def is_http_url(value: Any) -> bool:
    """An absolute http(s) URL with a host and nothing a request line cannot carry."""
    if not isinstance(value, str) or not value.isascii() or any(ch <= " " or ch == "\x7f" for ch in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:  # an unclosed [IPv6 bracket, a port out of range
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer read within the size limit."""

    status_code: int
    content: bytes

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
        headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
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

    def _send(self, method: str, url: str, endpoint: str, **kwargs: Any) -> Answer:
        target = self.route(url)
        send = {"auth": kwargs.pop("auth")} if "auth" in kwargs else {}  # send() takes it, build_request() not
        via = f" (the issuer's {url}, through backchannel_url)" if target != url else ""
        try:
            if not is_http_url(target):
                raise ValueError("not an absolute http(s) URL")
            request = self.client.build_request(method, target, **kwargs)
        except (httpx.InvalidURL, ValueError) as e:  # e.g. a configured endpoint that is no URL
            raise NetworkError(f"{endpoint} URL {target[:200]!r}{via} is not usable: {e}",
                               url=target[:200], endpoint=endpoint, reason="invalid_url") from None
        try:
            resp = self.client.send(request, stream=True, **send)
            try:
                return Answer(resp.status_code, self._read(resp, target, endpoint))
            finally:
                resp.close()
        except (httpx.HTTPError, httpx.StreamError) as e:
            raise NetworkError(f"{endpoint} request to {target}{via} failed: {e.__class__.__name__}: {e}",
                               url=target, endpoint=endpoint, reason=e.__class__.__name__) from e

    def _read(self, resp: httpx.Response, url: str, endpoint: str) -> bytes:
        """The body, inflated if need be, never more than ``max_response_bytes`` of it."""
        limit = self._config.max_response_bytes

        def too_large() -> ResponseTooLarge:
            return ResponseTooLarge(f"{endpoint} answer from {url} is larger than {limit} bytes "
                                    "(setting max_response_bytes)", endpoint=endpoint, url=url, limit=limit)

        declared = resp.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            raise too_large()
        if resp.is_stream_consumed:  # an answer built in memory (httpx.MockTransport): nothing to stream
            if len(resp.content) > limit:
                raise too_large()
            return resp.content
        encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise ProviderResponseError(f"{endpoint} answered with Content-Encoding {encoding[:40]!r}, which "
                                        "was not asked for", endpoint=endpoint, status=resp.status_code)
        inflate = None if encoding in ("", "identity") else zlib.decompressobj(
            zlib.MAX_WBITS | 32 if "gzip" in encoding else zlib.MAX_WBITS)
        body = bytearray()
        for chunk in resp.iter_raw():
            if inflate is not None:
                try:
                    chunk = inflate.decompress(chunk, limit + 1 - len(body))  # bounded: no bomb
                except zlib.error as e:
                    raise ProviderResponseError(f"{endpoint} answer cannot be inflated: {e}", endpoint=endpoint,
                                                status=resp.status_code) from None
            body += chunk
            if len(body) > limit or (inflate is not None and inflate.unconsumed_tail):
                raise too_large()
        return bytes(body)

    def get_json(self, url: str, *, endpoint: str, error_cls: type[ThaiDError]) -> dict[str, Any]:
        """GET a public JSON document (discovery, JWKS); any failure is ``error_cls``."""
        resp = self._send("GET", url, endpoint, headers=self._headers())
        if resp.status_code != 200:
            raise error_cls(f"{endpoint} at {url} answered HTTP {resp.status_code}", url=url,
                            status=resp.status_code)
        body = _json_object(resp.content)
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

    def _answer(self, resp: Answer, endpoint: str) -> dict[str, Any]:
        body = _json_object(resp.content)
        if resp.status_code >= 400:
            error = _short_text(body.get("error")) if body else None
            desc = _short_text(body.get("error_description")) if body else None
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


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        return loads_object(content)
    except JSONRejected:
        return None


def _short_text(value: Any) -> str | None:
    """A provider's ``error``/``error_description``, if it is text (cut at 500 characters)."""
    return value[:500] if isinstance(value, str) and value else None
