"""The ID token's errors: one class per check of ``rp_client.idtoken`` (OIDC Core §3.1.3.7
plus the header and claim-shape rules ThaiD's tokens must meet)."""
from __future__ import annotations

from .base import ThaiDError


class IDTokenError(ThaiDError):
    """The ID token failed verification; subclasses say which check."""
    code = "id_token_invalid"


class IDTokenMalformed(IDTokenError):
    """Not a JWS compact token."""
    code = "id_token_malformed"


class IDTokenUnsupportedAlg(IDTokenError):
    """``alg`` is not in the configured allow-list (``alg``, ``allowed``)."""
    code = "id_token_unsupported_alg"


class IDTokenInvalidSignature(IDTokenError):
    """The signature does not verify with the provider's key."""
    code = "id_token_invalid_signature"


class IDTokenUnknownKid(IDTokenError):
    """No key with this ``kid`` in the provider's key set, even after a refetch."""
    code = "id_token_unknown_kid"


class IDTokenKidAmbiguous(IDTokenError):
    """The token has no ``kid`` and the key set holds more than one usable key."""
    code = "id_token_kid_ambiguous"


class IDTokenWrongIssuer(IDTokenError):
    """``iss`` is not the configured issuer (``expected``, ``actual``)."""
    code = "id_token_wrong_issuer"


class IDTokenWrongAudience(IDTokenError):
    """``aud`` does not hold this client id (``expected``, ``actual``)."""
    code = "id_token_wrong_audience"


class IDTokenWrongAzp(IDTokenError):
    """``azp`` is present and is not this client id, or missing with several audiences."""
    code = "id_token_wrong_azp"


class IDTokenExpired(IDTokenError):
    """``exp`` is past (with leeway)."""
    code = "id_token_expired"


class IDTokenNotYetValid(IDTokenError):
    """``iat`` or ``nbf`` is in the future (with leeway) (``claim``)."""
    code = "id_token_not_yet_valid"


class IDTokenMissingClaim(IDTokenError):
    """A required claim is absent or has the wrong type (``claim``)."""
    code = "id_token_missing_claim"


class IDTokenNonceMissing(IDTokenError):
    """A nonce was sent but the token has none."""
    code = "id_token_nonce_missing"


class IDTokenNonceMismatch(IDTokenError):
    """The token's nonce is not the one sent."""
    code = "id_token_nonce_mismatch"


class IDTokenAtHashMismatch(IDTokenError):
    """``at_hash`` does not match the access token."""
    code = "id_token_at_hash_mismatch"


class IDTokenSubMismatch(IDTokenError):
    """A refreshed ID token names another subject (``expected``, ``actual``)."""
    code = "id_token_sub_mismatch"



class IDTokenTooLarge(IDTokenError):
    """The ID token is longer than the configured limit (``size``, ``limit``); not even its
    header is read."""
    code = "id_token_too_large"


class IDTokenBadKid(IDTokenError):
    """The header's ``kid`` is present but not a non-empty string, e.g. ``7`` or ``""`` (``kid_type``)."""
    code = "id_token_bad_kid"


class IDTokenCritUnsupported(IDTokenError):
    """The header has ``crit`` (or ``b64``): ThaiD defines no critical extension, so any is
    refused rather than ignored (RFC 7515 §4.1.11) (``crit``)."""
    code = "id_token_crit_unsupported"


class IDTokenInvalidTime(IDTokenError):
    """``exp``, ``iat`` or ``nbf`` is present but not a finite number of seconds between 1970 and
    9999, e.g. ``NaN``, ``1e999``, ``"900"`` or ``true`` (``claim``)."""
    code = "id_token_invalid_time"


class IDTokenPidMismatch(IDTokenError):
    """The ``pid`` claim is not the ``sub`` (ThaiD's ``sub`` is the PID): the token names two people.
    The values are not carried (they are citizen IDs)."""
    code = "id_token_pid_mismatch"


__all__ = [name for name, value in list(globals().items())
           if isinstance(value, type) and issubclass(value, IDTokenError)]
