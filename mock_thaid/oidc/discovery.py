"""/.well-known/openid-configuration and /jwks/ (thaid-api.md §1)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .. import faults
from ..claims import SCOPES
from ..domain import endpoints
from ..services import svc
from .routes import endpoint

bp = Blueprint("discovery", __name__)


def document(issuer: str, profile: str) -> dict:
    doc = {
        "issuer": issuer,
        **endpoints.advertised(issuer, profile),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_type_supported": ["public"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": list(SCOPES),
    }
    if profile == "oidc":  # ThaiD itself does not advertise introspection or PKCE (§1)
        doc["code_challenge_methods_supported"] = ["S256"]
        doc["response_modes_supported"] = ["query"]
        doc["claims_parameter_supported"] = False
        doc["authorization_response_iss_parameter_supported"] = True  # RFC 9207
    return doc


@endpoint(bp, "discovery")
def openid_configuration():
    s = svc().settings
    return jsonify(document(s.issuer, s.profile))


@endpoint(bp, "jwks")
def jwks():
    services = svc()
    result = faults.outcome(services, faults.take(services, "jwks", None))
    if isinstance(result, faults.Respond):
        return Response(result.body, status=result.status, content_type=result.content_type)
    resp = jsonify(services.keys.jwks())
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp
