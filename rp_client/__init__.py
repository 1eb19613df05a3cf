"""rp_client — a strict, reusable relying-party library for ThaiD (DOPA Digital ID).

Works against the real service (production or sandbox) and the mock alike: only the
issuer changes. Core API (no web framework)::

    from rp_client import ThaiDClient, ThaiDConfig
    client = ThaiDClient(ThaiDConfig.from_env())
    login = client.begin_login()               # redirect to login.url, keep login.pending
    result = client.complete_login(pending, callback_query)
    result.identity.pid, result.identity.birthdate, result.tokens.expires_at

Flask: ``rp_client.flask_ext.ThaiDLogin``. pytest: the ``thaid_mock`` fixture in
``rp_client.pytest_plugin``. Every failure is a ``ThaiDError`` with a stable ``.code``.
"""
from __future__ import annotations

from .client import LoginRequest, LoginResult, PendingLogin, ThaiDClient, callback_params, s256
from .config import (PRODUCTION_ISSUER, SANDBOX_ISSUER, SUPPORTED_ALGS, Endpoints, ThaiDConfig)
from .discovery import ProviderMetadata
from .errors import *  # noqa: F401,F403  (every error class, listed in errors.__all__)
from .errors import __all__ as _error_names
from .identity import ThaiDIdentity
from .idtoken import half_hash, verify_id_token
from .jwks import JWKSCache
from .logout import RevocationReport, revoke_tokens
from .sameorigin import OriginVerdict, judge_same_origin
from .tokens import TokenSet, compute_expires_at

__version__ = "0.1.0"

__all__ = [
    "Endpoints", "JWKSCache", "LoginRequest", "LoginResult", "OriginVerdict", "PRODUCTION_ISSUER", "PendingLogin",
    "ProviderMetadata", "RevocationReport", "SANDBOX_ISSUER", "SUPPORTED_ALGS", "ThaiDClient", "ThaiDConfig",
    "ThaiDIdentity", "TokenSet", "callback_params", "compute_expires_at", "half_hash", "judge_same_origin",
    "revoke_tokens", "s256", "verify_id_token",
    *_error_names,
]
