"""ThaiD's error table (thaid-api.md §4) and the strict ``oidc`` profile's equivalents.

Views raise ``ProtocolError(KEY)``; the profile decides the status, code and text.
Nothing else in the mock writes an ``{"error": ...}`` dict by hand.
"""
from __future__ import annotations

from dataclasses import dataclass

# key: (thaid status, thaid error, thaid description, oidc status, oidc error)
TABLE: dict[str, tuple[int, str, str, int, str]] = {
    "missing_parameter": (400, "invalid_request", "The require parameter is missing or invalid", 400, "invalid_request"),
    "invalid_code": (400, "invalid_request", "Invalid Authorization Code", 400, "invalid_grant"),
    "redirect_mismatch": (400, "invalid_request", "The redirect or callback url mismatch or invalid", 400, "invalid_request"),
    "invalid_scope": (400, "invalid_scope", "The scope is invalid", 400, "invalid_scope"),
    "unsupported_response_type": (400, "unsupported_response_type", "Unsupported response type", 400, "unsupported_response_type"),
    "unsupported_grant_type": (400, "unsupported_grant_type", "Unsupported grant type", 400, "unsupported_grant_type"),
    "unsupported_token_hint": (400, "unsupported_token_hint", "Unsupported token hint", 400, "unsupported_token_type"),
    "unsupported_token_type": (400, "unsupported_token_type", "Unsupported token type", 400, "unsupported_token_type"),
    "duplicate_request": (400, "duplicate_request", "The duplicate request is not allowed", 400, "invalid_request"),
    "server_error": (400, "server_error", "Something went wrong, please try again in the moment", 500, "server_error"),
    "unauthorized_client": (401, "unauthorized_client", "The client is not authorized", 401, "invalid_client"),
    "invalid_client": (401, "invalid_client", "Client id not found", 401, "invalid_client"),
    "user_denied": (401, "user_denied", "User denied the request (disapproved)", 400, "access_denied"),
    "invalid_refresh_token": (401, "invalid_refresh_token", "Invalid refresh token", 400, "invalid_grant"),
    "access_denied": (401, "access_denied", "You're not allowed", 403, "access_denied"),
    "invalid_body": (400, "invalid_request", "The body is invalid", 400, "invalid_request"),
    "invalid_token": (401, "invalid_token", "The access token is invalid or expired", 401, "invalid_token"),
    "pkce_required": (400, "invalid_request", "code_challenge (S256) is required for this client", 400, "invalid_request"),
    "pkce_failed": (400, "invalid_request", "Invalid Authorization Code", 400, "invalid_grant"),
}

OIDC_DESCRIPTIONS = {
    "invalid_code": "The authorization code is invalid, expired or already used",
    "pkce_failed": "code_verifier does not match the code_challenge",
    "invalid_refresh_token": "The refresh token is invalid, expired or revoked",
    "user_denied": "The user denied the request",
}


@dataclass(frozen=True)
class ErrorBody:
    status: int
    error: str
    description: str

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class ProtocolError(Exception):
    """A failure a relying party sees. ``detail`` explains it to a developer (logs, pages)."""

    def __init__(self, key: str, detail: str = "") -> None:
        if key not in TABLE:
            raise KeyError(key)
        super().__init__(key)
        self.key = key
        self.detail = detail

    def body(self, profile: str) -> ErrorBody:
        return describe(self.key, profile)


def describe(key: str, profile: str) -> ErrorBody:
    t_status, t_error, t_desc, o_status, o_error = TABLE[key]
    if profile == "oidc":
        return ErrorBody(o_status, o_error, OIDC_DESCRIPTIONS.get(key, t_desc))
    return ErrorBody(t_status, t_error, t_desc)
