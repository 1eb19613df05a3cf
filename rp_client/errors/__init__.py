"""Every failure of the relying-party client, as a class with a stable ``code``.

Callers branch on the class or on ``exc.code`` — never on the message. Each exception
carries its data as attributes and in ``exc.data`` (a plain dict, safe to log: it
never holds a token, a secret or a code verifier).

Hierarchy (``code`` in brackets)::

    ThaiDError [thaid_error]
      ConfigError [config_invalid]
      NetworkError [network_error]
      ResponseTooLarge [response_too_large]       an answer over ``max_response_bytes`` (any endpoint)
      DiscoveryError [discovery_failed]
        IssuerMismatch [discovery_issuer_mismatch]
      CallbackIssuerMismatch [callback_wrong_issuer]
      ProviderError [provider_error]              HTTP error answer from an endpoint
      ProviderResponseError [provider_bad_response]  a 2xx answer that is not what the spec says
      TokenResponseError [token_response_invalid]
        IDTokenMissing [id_token_missing]
      AuthorizationError [authorization_error]    ``error=`` on the callback
        UserDenied [user_denied]
      StateError [state_error]
        StateMissing [state_missing] / StateMismatch [state_mismatch] / StateUnknown [state_unknown]
        StateExpired [state_expired] / StateReused [state_reused]
      CodeMissing [code_missing]
      JWKSError [jwks_fetch_failed]
      IDTokenError [id_token_invalid]             (errors/idtoken.py)
        IDTokenMalformed, IDTokenTooLarge, IDTokenUnsupportedAlg, IDTokenBadKid,
        IDTokenCritUnsupported, IDTokenInvalidSignature, IDTokenUnknownKid, IDTokenKidAmbiguous,
        IDTokenWrongIssuer, IDTokenWrongAudience, IDTokenWrongAzp, IDTokenExpired,
        IDTokenNotYetValid, IDTokenMissingClaim, IDTokenInvalidTime, IDTokenPidMismatch,
        IDTokenNonceMissing, IDTokenNonceMismatch, IDTokenAtHashMismatch, IDTokenSubMismatch
      UserinfoError [userinfo_invalid]
        UserinfoSubMismatch [userinfo_sub_mismatch]
      IdentityError [identity_invalid]
        IdentityPidMismatch [identity_pid_mismatch]
      LogoutRejected [logout_not_same_origin]
      LoginRefused [login_refused]                 raised by an on_login hook to refuse the person

Nothing else leaves rp_client while it reads what a provider sent: a JSON, JWT, HTTP or
number-conversion failure inside it becomes one of these (tests/rp_client/test_hostile.py
feeds it random headers, claims and bodies to keep it so).
"""
from __future__ import annotations

from .base import ThaiDError
from .idtoken import *  # noqa: F401,F403  (the ID token's errors)
from .idtoken import IDTokenError


class ConfigError(ThaiDError):
    """The configuration is incomplete or contradictory (``field``)."""
    code = "config_invalid"


class NetworkError(ThaiDError):
    """The provider could not be reached (``url``, ``reason``)."""
    code = "network_error"
    message_th = "ติดต่อ ThaiD ไม่ได้ กรุณาลองใหม่"
    message_en = "ThaiD could not be reached. Please try again."


class ResponseTooLarge(ThaiDError):
    """An answer (any status, any endpoint) is longer than ``ThaiDConfig.max_response_bytes``;
    reading stopped there (``endpoint``, ``url``, ``limit``)."""
    code = "response_too_large"


class DiscoveryError(ThaiDError):
    """The discovery document could not be used (``url``)."""
    code = "discovery_failed"


class IssuerMismatch(DiscoveryError):
    """The discovery document names another issuer (``expected``, ``actual``)."""
    code = "discovery_issuer_mismatch"


class CallbackIssuerMismatch(ThaiDError):
    """The callback's RFC 9207 ``iss`` parameter names another issuer (``expected``, ``actual``)."""
    code = "callback_wrong_issuer"


class ProviderError(ThaiDError):
    """An endpoint answered with an error: ``error``, ``error_description``, ``status``, ``endpoint``."""
    code = "provider_error"
    error: str
    error_description: str | None
    status: int
    endpoint: str


class ProviderResponseError(ThaiDError):
    """An endpoint answered 2xx with something that is not the expected JSON (``endpoint``, ``status``)."""
    code = "provider_bad_response"


class TokenResponseError(ThaiDError):
    """The token response lacks something required (``missing``)."""
    code = "token_response_invalid"


class AuthorizationError(ThaiDError):
    """The callback carried ``error=``: ``error``, ``error_description``, ``state``."""
    code = "authorization_error"
    error: str
    error_description: str | None
    state: str | None


class StateError(ThaiDError):
    """The callback's ``state`` does not belong to a pending login of this session."""
    code = "state_error"
    message_th = "คำขอเข้าสู่ระบบหมดอายุหรือไม่ถูกต้อง กรุณาเริ่มใหม่"
    message_en = "This sign-in request is expired or not valid. Please start again."


class JWKSError(ThaiDError):
    """The provider's key set could not be fetched or read (``url``)."""
    code = "jwks_fetch_failed"


class UserinfoError(ThaiDError):
    """The userinfo answer is unusable (not JSON, no ``sub``)."""
    code = "userinfo_invalid"


class IdentityError(ThaiDError):
    """A claim has the wrong shape, e.g. a date that is not ``YYYY-MM-DD`` (``claim``, ``value``)."""
    code = "identity_invalid"


class LogoutRejected(ThaiDError):
    """A logout POST that is not provably same-origin (``origin``, ``sec_fetch_site``, ``reason``)."""
    code = "logout_not_same_origin"
    message_th = "ออกจากระบบไม่สำเร็จ: คำขอไม่ได้มาจากหน้าของบริการนี้"
    message_en = "Logging out did not work: the request did not come from this site's own page."


class IDTokenMissing(TokenResponseError):
    """The scope has openid but the token response has no id_token."""
    code = "id_token_missing"


class UserDenied(AuthorizationError):
    """The person refused (error=user_denied, or access_denied)."""
    code = "user_denied"
    message_th = "คุณไม่ได้ยืนยันการเข้าสู่ระบบด้วย ThaiD"
    message_en = "You did not confirm the sign-in with ThaiD."


class StateMissing(StateError):
    """The callback has no state."""
    code = "state_missing"


class StateMismatch(StateError):
    """The callback's state is not the pending login's state."""
    code = "state_mismatch"


class StateUnknown(StateError):
    """No pending login with this state (used already, or never started here)."""
    code = "state_unknown"


class StateExpired(StateError):
    """The pending login is older than the state lifetime (``age``, ``ttl``)."""
    code = "state_expired"


class StateReused(StateError):
    """This pending login was completed (or tried) already."""
    code = "state_reused"


class CodeMissing(ThaiDError):
    """The callback has neither code nor error."""
    code = "code_missing"


class UserinfoSubMismatch(UserinfoError):
    """userinfo's ``sub`` differs from the ID token's (``expected``, ``actual``)."""
    code = "userinfo_sub_mismatch"


class IdentityPidMismatch(IdentityError):
    """Claims (userinfo, ThaiD's flat claims) whose ``pid`` is not their ``sub``: they name two
    people. The values are not carried (they are citizen IDs)."""
    code = "identity_pid_mismatch"


class LoginRefused(ThaiDError):
    """Raised by a Flask ``on_login`` hook to refuse a person ThaiD identified (``reason``):
    nothing of the login stays in the session."""
    code = "login_refused"
    message_th = "บริการนี้ไม่อนุญาตให้คุณเข้าสู่ระบบ"
    message_en = "This service does not let you sign in."


__all__ = ["ThaiDError", *(name for name, value in list(globals().items())
             if isinstance(value, type) and issubclass(value, ThaiDError) and name != "ThaiDError")]
