"""Register a view under a ThaiD path both with and without its trailing slash."""
from __future__ import annotations

from flask import Blueprint

from ..domain.endpoints import ENDPOINTS


def endpoint(bp: Blueprint, name: str):
    """Register a view for one of ThaiD's endpoints (domain/endpoints.py): its path and methods."""
    e = ENDPOINTS[name]
    return both(bp, e.path, methods=list(e.methods))


def both(bp: Blueprint, path: str, **options):
    def deco(view):
        bp.add_url_rule(path, view_func=view, strict_slashes=True, **options)
        bp.add_url_rule(path.rstrip("/"), endpoint=view.__name__ + "_noslash", view_func=view,
                        strict_slashes=True, **options)
        return view
    return deco
