"""Register a view under a ThaiD path both with and without its trailing slash."""
from __future__ import annotations

from flask import Blueprint


def both(bp: Blueprint, path: str, **options):
    def deco(view):
        bp.add_url_rule(path, view_func=view, strict_slashes=True, **options)
        bp.add_url_rule(path.rstrip("/"), endpoint=view.__name__ + "_noslash", view_func=view,
                        strict_slashes=True, **options)
        return view
    return deco
