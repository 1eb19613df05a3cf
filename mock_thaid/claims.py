"""ThaiD scope → claims table (shared/reference/thaid-api.md §5). Pure, no Flask.

Each ThaiD scope releases one claim of the same name, except ``openid`` (it asks for an
ID token and releases nothing by itself). Formats:

- ``name`` = ``"title given [middle ]family"`` in Thai, e.g. ``"นาย ทดสอบ ระบบ"``;
  ``name_en`` = ``"Mr. Test System"`` (single spaces; an empty middle name is skipped);
- ``middle_name`` / ``middle_name_en`` are ``""`` when the person has none;
- dates (``birthdate``, ``date_of_issuance``, ``date_of_expiry``) are Gregorian
  ``YYYY-MM-DD`` strings;
- ``address`` is ``{"formatted": "..."}``;
- ``ial`` is a string, ``"2.3"`` by default (set per registration channel by the caller);
- ``house_address`` is production-only and its format is unknown [1]: **our guess** is the
  same ``{"formatted": ...}`` object as ``address``, built from the same address.

One real v2 token named five claims differently; ``naming="camel"`` reproduces that
(see :data:`CAMEL_NAMES`). Unknown scopes are ignored, as ThaiD ignores them here (the
authorize endpoint, not this table, decides whether a scope is allowed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["CAMEL_NAMES", "NAMINGS", "SCOPES", "claims_for", "parse_scope"]

#: Every scope ThaiD knows, in the order of the discovery document's ``scopes_supported``.
SCOPES: tuple[str, ...] = (
    "pid",
    "name",
    "name_en",
    "title",
    "title_en",
    "given_name",
    "middle_name",
    "family_name",
    "given_name_en",
    "middle_name_en",
    "family_name_en",
    "birthdate",
    "gender",
    "address",
    "smartcard_code",
    "ial",
    "date_of_issuance",
    "date_of_expiry",
    "house_address",
    "openid",
)

#: The claim names of ``naming="camel"`` that differ from the ThaiD manual's names.
CAMEL_NAMES: dict[str, str] = {
    "title": "titleTh",
    "title_en": "titleEn",
    "smartcard_code": "smartCardCode",
    "date_of_issuance": "cardCreated",
    "date_of_expiry": "cardExpired",
}

#: Accepted values of ``naming``.
NAMINGS: tuple[str, ...] = ("thaid", "camel")

_DATE_CLAIMS = frozenset({"birthdate", "date_of_issuance", "date_of_expiry"})
_PLAIN_CLAIMS = frozenset({
    "pid", "title", "title_en", "given_name", "middle_name", "family_name",
    "given_name_en", "middle_name_en", "family_name_en", "gender", "smartcard_code",
})
_SCOPE_SPLIT = re.compile(r"[\s+]+")


def _text(value: Any) -> str:
    """A claim string: ``None`` becomes ``""``, surrounding whitespace goes."""
    return "" if value is None else str(value).strip()


def _iso_date(value: Any) -> str:
    """``YYYY-MM-DD`` from a ``date``, ``datetime`` or ISO string; ``None`` → ``""``."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return dt.date.fromisoformat(str(value).strip()).isoformat()


def _full_name(*parts: Any) -> str:
    return " ".join(p for p in (_text(x) for x in parts) if p)


def _address(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {"formatted": _text(value.get("formatted"))}
    return {"formatted": _text(value)}


def _claim(scope: str, c: Mapping[str, Any], ial: str) -> Any:
    if scope in _PLAIN_CLAIMS:
        return _text(c.get(scope))
    if scope in _DATE_CLAIMS:
        return _iso_date(c.get(scope))
    if scope == "name":
        return _full_name(c.get("title"), c.get("given_name"), c.get("middle_name"),
                          c.get("family_name"))
    if scope == "name_en":
        return _full_name(c.get("title_en"), c.get("given_name_en"),
                          c.get("middle_name_en"), c.get("family_name_en"))
    if scope in ("address", "house_address"):
        return _address(c.get("address"))
    if scope == "ial":
        return str(ial)
    raise KeyError(scope)  # pragma: no cover - every non-openid scope is handled above


def claims_for(
    citizen: Mapping[str, Any],
    scopes: Iterable[str],
    *,
    naming: str = "thaid",
    ial: str = "2.3",
) -> dict[str, Any]:
    """The claims ThaiD releases about ``citizen`` for the granted ``scopes``.

    ``citizen`` has the keys ``pid``, ``title``, ``title_en``, ``given_name``,
    ``middle_name``, ``family_name``, ``given_name_en``, ``middle_name_en``,
    ``family_name_en``, ``birthdate``, ``gender``, ``address``, ``smartcard_code``,
    ``date_of_issuance``, ``date_of_expiry``. ``scopes`` may also be a scope string
    (``"pid name"``). ``naming`` is ``"thaid"`` (the manual) or ``"camel"``
    (:data:`CAMEL_NAMES`). Unknown scopes and ``openid`` yield nothing.
    """
    if naming not in NAMINGS:
        raise ValueError(f"naming must be one of {NAMINGS}, got {naming!r}")
    if isinstance(scopes, str):
        scopes = parse_scope(scopes)
    out: dict[str, Any] = {}
    for scope in scopes:
        if scope not in SCOPES or scope == "openid":
            continue
        key = CAMEL_NAMES.get(scope, scope) if naming == "camel" else scope
        out[key] = _claim(scope, citizen, ial)
    return out


def parse_scope(s: str) -> list[str]:
    """Split a scope string on spaces and ``+``; drop empties and repeats, keep the order."""
    return list(dict.fromkeys(p for p in _SCOPE_SPLIT.split(s or "") if p))
