"""The relying-party side of ThaiD: discovery, JWKS, authorize, token, introspect, revoke, userinfo."""
