"""The two token-response shapes of thaid-api.md §4 and the ID token of §6."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .. import faults
from ..claims import claims_for, parse_scope
from ..ial import ial_for
from ..services import Services
from ..store import citizens, grants
from ..store.clients import ClientView


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6 for ES256: the left half of the token's SHA-256, base64url (Authlib).
    Imported when the first token is made, not at start-up (the module costs ~20 ms to import)."""
    from authlib.oidc.core.util import create_half_hash

    return create_half_hash(access_token, "ES256").decode("ascii")


def identity_claims(services: Services, s: Session, pid: str, scopes: list[str]) -> dict:
    source, channel = citizens.claims_and_channel(s, pid)  # one statement for both
    if source is None:
        return {"pid": pid} if "pid" in scopes else {}
    return claims_for(source, scopes, naming=services.settings.claim_naming,
                      ial=ial_for(services, s, pid, channel or ""))


def id_token(services: Services, s: Session, *, client_id: str, pid: str, scopes: list[str],
             auth_time: int, nonce: str | None, access_token: str, now: int) -> str:
    claims = identity_claims(services, s, pid, scopes)
    claims.update({
        "iss": services.settings.issuer,
        "aud": client_id,
        "sub": pid,
        "iat": now,
        "exp": now + services.settings.token_lifetime,
        "auth_time": auth_time,
        "at_hash": at_hash(access_token),
        "version": 2,
    })
    if nonce:
        claims["nonce"] = nonce
    # A forged token instead, when one is armed: counted in this transaction, not committed here.
    return faults.at_id_token(services, s, client_id, claims) or services.keys.sign(claims)


def token_response(services: Services, s: Session, *, client: ClientView, pid: str, scope: str,
                   auth_time: int, nonce: str | None, family: str) -> dict:
    st = services.settings
    now = services.clock.now_int()
    access, refresh = grants.issue_pair(s, family=family, client_id=client.client_id, pid=pid, scope=scope,
                                        auth_time=auth_time, now=now, access_lifetime=st.token_lifetime,
                                        refresh_lifetime=st.refresh_lifetime)
    body: dict = {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
    }
    if st.profile == "oidc":
        body["expires_in"] = st.token_lifetime
    else:
        expiry = now + st.token_lifetime  # ThaiD: an absolute Unix time, not a duration
        if st.expires_in_field in ("expires_in", "both"):
            body["expires_in"] = expiry
        if st.expires_in_field in ("expire_in", "both"):
            body["expire_in"] = expiry
    body["scope"] = scope
    scopes = parse_scope(scope)
    if "openid" in scopes:
        body["id_token"] = id_token(services, s, client_id=client.client_id, pid=pid,
                                    scopes=scopes, auth_time=auth_time, nonce=nonce,
                                    access_token=access, now=now)
    else:
        body.update(identity_claims(services, s, pid, scopes))
    return body
