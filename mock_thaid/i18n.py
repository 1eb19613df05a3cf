"""Thai-first wording of the human pages, with English beside it.

The language comes from ``?lang=`` (remembered in a cookie) and defaults to Thai.
"""
from __future__ import annotations

from flask import request

from .messages import MESSAGES

LANGS = ("th", "en")


def current_lang() -> str:
    lang = request.args.get("lang") or request.cookies.get("lang") or "th"
    return lang if lang in LANGS else "th"


def t(key: str, **kw) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry[0] if current_lang() == "th" else entry[1]
    return text.format(**kw) if kw else text


def remember_lang(response):
    lang = request.args.get("lang")
    if lang in LANGS:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response
