"""Peer for `make bench`: PyPI oidc-provider-mock under waitress, in its strongest configuration.

As shipped, every token request re-imports the RSA signing key from a dict (~45 ms of CPU);
here ``OpenIDCode.resolve_client_private_key`` returns a joserfc key imported once per process.
Its debugger middleware (app.debug) is taken off too, as nobody would serve it with one.
``--stock`` keeps both as shipped. Usage: python opm_fast.py PORT [--stock]
"""
import sys

from joserfc.jwk import RSAKey
from oidc_provider_mock import _app, app
from waitress import serve

_imported: dict[int, RSAKey] = {}


def resolve_client_private_key(self, client):
    jwk = _app.storage.jwk
    if id(jwk) not in _imported:
        _imported[id(jwk)] = RSAKey.import_key(jwk.as_dict(is_private=True))
    return _imported[id(jwk)]


if __name__ == "__main__":
    stock = "--stock" in sys.argv
    if not stock:
        _app.OpenIDCode.resolve_client_private_key = resolve_client_private_key
    provider = app()
    if not stock:
        provider.debug, provider.wsgi_app = False, provider.wsgi_app.app
    port = int(sys.argv[1])
    print(f"oidc-provider-mock ({'stock' if stock else 'key imported once'}): http://127.0.0.1:{port}", flush=True)
    serve(provider, host="127.0.0.1", port=port, threads=8, ident="oidc-provider-mock")
