"""ThaiDClient: begin a login, complete it, and use the tokens. Framework-free.

Typical use (any web framework; ``rp_client.flask_ext`` does this for Flask)::

    client = ThaiDClient(ThaiDConfig.from_env())
    req = client.begin_login()                 # keep req.pending in the user's session
    redirect(req.url)
    ...
    result = client.complete_login(pending, request.args)   # on the callback
    result.identity.pid, result.tokens.expires_at
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx

from .config import Endpoints, ThaiDConfig
from .discovery import Discovery, ProviderMetadata
from .errors import (AuthorizationError, CallbackIssuerMismatch, CodeMissing, DiscoveryError, IDTokenMissing,
                     IDTokenSubMismatch, JWKSError, ProviderResponseError, StateExpired, StateMismatch, StateMissing,
                     StateReused, TokenResponseError, UserDenied, UserinfoError, UserinfoSubMismatch)
from .http import Http
from .identity import ThaiDIdentity
from .idtoken import verify_id_token
from .jwks import JWKSCache
from .tokens import TokenSet

DENIED_ERRORS = frozenset({"user_denied", "access_denied"})


@dataclass
class PendingLogin:
    """What the RP must remember between redirect and callback (bound to ONE user session).

    Store ``to_dict()`` server-side or in a signed session; it holds the PKCE verifier.
    ``used`` makes it single-use: ``complete_login`` refuses it a second time.
    """

    state: str
    nonce: str
    code_verifier: str | None
    created_at: float
    redirect_uri: str
    scopes: tuple[str, ...]
    next: str | None = None
    used: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; ``from_dict`` reverses it."""
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PendingLogin":
        """The pending login a ``to_dict()`` described."""
        values = dict(data)
        values["scopes"] = tuple(values.get("scopes") or ())
        return cls(**values)


@dataclass(frozen=True)
class LoginRequest:
    """The URL to send the browser to, and the pending login to keep."""

    url: str
    pending: PendingLogin

    @property
    def state(self) -> str:
        return self.pending.state

    @property
    def nonce(self) -> str:
        return self.pending.nonce


@dataclass(frozen=True)
class LoginResult:
    """A finished login: who, and the tokens (ID token already verified)."""

    identity: ThaiDIdentity
    tokens: TokenSet
    next: str | None = field(default=None)


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def callback_params(callback: str | Mapping[str, Any]) -> dict[str, str]:
    """The callback's query as a dict, from a full URL, a query string or a mapping."""
    if isinstance(callback, str):
        query = urlsplit(callback).query if "?" in callback or "://" in callback else callback
        return dict(parse_qsl(query, keep_blank_values=True))
    return {str(k): str(callback.get(k)) for k in callback.keys() if callback.get(k) is not None}


class ThaiDClient:
    """A ThaiD relying party for one ``ThaiDConfig``. Thread-safe; share one per app.

    ``http``: an ``httpx.Client`` to use (e.g. with ``httpx.WSGITransport`` in tests);
    ``clock``: returns Unix time (tests freeze it).
    """

    def __init__(self, config: ThaiDConfig, *, http: httpx.Client | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self._http = Http(config, http)
        self._discovery = Discovery(config, self._http, clock)
        self.jwks = JWKSCache(self._fetch_jwks, max_age=config.jwks_max_age,
                              cooldown=config.jwks_refetch_cooldown, clock=clock)

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        self._http.close()

    def __enter__(self) -> "ThaiDClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def metadata(self) -> ProviderMetadata:
        """The provider's endpoints (discovered and cached, or static)."""
        return self._discovery.get()

    def _fetch_jwks(self) -> dict[str, Any]:
        return self._http.get_json(self.metadata().jwks_uri, endpoint="jwks", error_cls=JWKSError)

    # --- the login --------------------------------------------------------------------
    def begin_login(self, *, next: str | None = None, scopes: tuple[str, ...] | None = None,
                    extra_params: Mapping[str, str] | None = None) -> LoginRequest:
        """A fresh state, nonce and PKCE S256 verifier, and the authorization URL."""
        cfg = self.config
        scopes = tuple(scopes or cfg.scopes)
        verifier = secrets.token_urlsafe(48) if cfg.use_pkce else None
        pending = PendingLogin(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                               code_verifier=verifier, created_at=self.clock(), redirect_uri=cfg.redirect_uri,
                               scopes=scopes, next=next)
        params = {"response_type": "code", "client_id": cfg.client_id, "redirect_uri": cfg.redirect_uri,
                  "scope": " ".join(scopes), "state": pending.state, "nonce": pending.nonce}
        if verifier:
            params.update(code_challenge=s256(verifier), code_challenge_method="S256")
        params.update(extra_params or {})
        endpoint = self.metadata().authorization_endpoint
        sep = "&" if "?" in endpoint else "?"
        return LoginRequest(endpoint + sep + urlencode(params, quote_via=quote), pending)

    def raise_for_callback_error(self, callback: str | Mapping[str, Any]) -> None:
        """Raise ``UserDenied`` / ``AuthorizationError`` if the callback carries ``error=``."""
        params = callback_params(callback)
        error = params.get("error")
        if error:
            cls = UserDenied if error in DENIED_ERRORS else AuthorizationError
            desc = params.get("error_description")
            raise cls(f"the provider answered error={error}" + (f" ({desc})" if desc else ""),
                      error=error, error_description=desc, state=params.get("state"))

    def check_callback(self, pending: PendingLogin, callback: str | Mapping[str, Any]) -> str:
        """Check the callback against ``pending`` (marking it used); return the code."""
        params = callback_params(callback)
        if pending.used:
            raise StateReused("this pending login was already completed or tried")
        pending.used = True
        self.raise_for_callback_error(params)
        state = params.get("state")
        if not state:
            raise StateMissing("the callback has no state")
        if not hmac.compare_digest(state.encode("utf-8", "surrogatepass"), pending.state.encode()):
            raise StateMismatch("the callback's state is not this login's state")
        age = self.clock() - pending.created_at
        if age > self.config.state_ttl:
            raise StateExpired(f"the login was started {int(age)} s ago (limit {self.config.state_ttl} s)",
                               age=age, ttl=self.config.state_ttl)
        iss = params.get("iss")
        if iss is not None and iss != self.config.issuer:
            raise CallbackIssuerMismatch(f"callback iss {iss!r} is not {self.config.issuer!r}",
                                         expected=self.config.issuer, actual=iss)
        code = params.get("code")
        if not code:
            raise CodeMissing("the callback has neither code nor error")
        return code

    def complete_login(self, pending: PendingLogin, callback: str | Mapping[str, Any]) -> LoginResult:
        """Check the callback, exchange the code, verify the ID token, build the identity."""
        code = self.check_callback(pending, callback)
        tokens = self.exchange_code(code, pending)
        return LoginResult(self.identity_from(tokens), tokens, pending.next)

    def exchange_code(self, code: str, pending: PendingLogin) -> TokenSet:
        """POST the code to the token endpoint; the ID token (if any) is verified."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": pending.redirect_uri}
        if pending.code_verifier:
            form["code_verifier"] = pending.code_verifier
        tokens = self._token_request(form, pending.scopes)
        if tokens.id_token is not None:
            tokens.id_token_claims = self.verify_id_token(tokens.id_token, nonce=pending.nonce,
                                                          access_token=tokens.access_token)
        elif "openid" in pending.scopes:
            raise IDTokenMissing("the scope has openid but the token response has no id_token",
                                 missing="id_token")
        return tokens

    def identity_from(self, tokens: TokenSet) -> ThaiDIdentity:
        """The person from the verified ID token, or from ThaiD's flat claims without one."""
        if tokens.id_token_claims is not None:
            return ThaiDIdentity.from_claims(tokens.id_token_claims)
        return ThaiDIdentity.from_claims(tokens.flat_claims)

    def verify_id_token(self, id_token: str, *, nonce: str | None, access_token: str | None = None) -> dict[str, Any]:
        """Verify an ID token with this client's settings; its claims, or an ``IDTokenError``."""
        cfg = self.config
        return verify_id_token(id_token, keys=self.jwks, issuer=cfg.issuer, client_id=cfg.client_id,
                               algorithms=cfg.id_token_algs, now=self.clock(), leeway=cfg.leeway,
                               nonce=nonce, access_token=access_token, max_bytes=cfg.max_response_bytes)

    def _token_request(self, form: dict[str, str], scopes: tuple[str, ...]) -> TokenSet:
        body = self._http.post_form(self.metadata().token_endpoint, form, endpoint="token")
        return TokenSet.from_response(body, received_at=self.clock(), expires_in_mode=self.config.expires_in_mode,
                                      requested_scope=scopes)

    # --- after the login --------------------------------------------------------------
    def refresh(self, tokens: TokenSet | str) -> TokenSet:
        """Use the refresh token; a new ID token is verified and must name the same ``sub``."""
        refresh_token = tokens.refresh_token if isinstance(tokens, TokenSet) else tokens
        if not refresh_token:
            raise TokenResponseError("there is no refresh token to use", missing="refresh_token")
        old = tokens if isinstance(tokens, TokenSet) else None
        new = self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token},
                                  old.scope if old else self.config.scopes)
        if new.id_token is not None:
            new.id_token_claims = self.verify_id_token(new.id_token, nonce=None, access_token=new.access_token)
            if old is not None and old.sub is not None and new.sub != old.sub:
                raise IDTokenSubMismatch("the refreshed ID token names another subject",
                                         expected=old.sub, actual=new.sub)
        elif old is not None:  # keep the (verified) claims of the login's ID token
            new.id_token, new.id_token_claims = old.id_token, old.id_token_claims
        if new.refresh_token is None:
            new.refresh_token = refresh_token
        return new

    def _endpoint(self, name: str) -> str:
        url = getattr(self.metadata(), name)
        if url is None and self.config.endpoints is None:
            url = getattr(Endpoints.thaid(self.config.issuer), name)  # ThaiD does not advertise all
        if url is None:
            raise DiscoveryError(f"the provider has no {name}", url=self.config.issuer, missing=[name])
        return str(url)

    def revoke(self, token: str, *, token_type_hint: str | None = None) -> None:
        """Revoke an access or refresh token (ThaiD body ``token=<t>``)."""
        form = {"token": token}
        if token_type_hint:
            form["token_type_hint"] = token_type_hint
        self._http.post_form(self._endpoint("revocation_endpoint"), form, endpoint="revocation",
                             allow_empty=True)

    def introspect(self, token: str, *, token_type_hint: str | None = None) -> dict[str, Any]:
        """The introspection answer (``active`` is always a bool in it)."""
        form = {"token": token}
        if token_type_hint:
            form["token_type_hint"] = token_type_hint
        body = self._http.post_form(self._endpoint("introspection_endpoint"), form, endpoint="introspection")
        if not isinstance(body.get("active"), bool):
            raise ProviderResponseError("the introspection answer has no boolean 'active'",
                                        endpoint="introspection", status=200)
        return body

    def userinfo(self, tokens: TokenSet | str, *, expected_sub: str | None = None) -> dict[str, Any]:
        """The userinfo claims; ``sub`` must equal the ID token's (or ``expected_sub``)."""
        access = tokens.access_token if isinstance(tokens, TokenSet) else tokens
        if expected_sub is None and isinstance(tokens, TokenSet):
            expected_sub = tokens.sub
        body = self._http.get_bearer(self._endpoint("userinfo_endpoint"), access, endpoint="userinfo")
        sub = body.get("sub")
        if not isinstance(sub, str) or not sub:
            raise UserinfoError("the userinfo answer has no sub")
        if expected_sub is not None and not hmac.compare_digest(sub.encode("utf-8", "surrogatepass"),
                                                                expected_sub.encode("utf-8", "surrogatepass")):
            raise UserinfoSubMismatch("userinfo names another subject than the ID token",
                                      expected=expected_sub, actual=sub)
        return body
