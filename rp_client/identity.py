"""ThaiDIdentity: the person, typed, from ThaiD's claims in either naming (thaid-api.md §5).

ThaiD's manual names five claims ``title``, ``title_en``, ``smartcard_code``,
``date_of_issuance`` and ``date_of_expiry``; one real v2 token called them ``titleTh``,
``titleEn``, ``smartCardCode``, ``cardCreated`` and ``cardExpired``. Both are read.
Dates are Gregorian ``YYYY-MM-DD`` and become ``datetime.date``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import IdentityError, IdentityPidMismatch

#: Our field name -> the claim names that may carry it, first match wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "titleTh"),
    "title_en": ("title_en", "titleEn"),
    "smartcard_code": ("smartcard_code", "smartCardCode"),
    "date_of_issuance": ("date_of_issuance", "cardCreated"),
    "date_of_expiry": ("date_of_expiry", "cardExpired"),
}
_TEXT = ("name", "name_en", "title", "title_en", "given_name", "middle_name", "family_name", "given_name_en",
         "middle_name_en", "family_name_en", "gender", "smartcard_code", "ial")
_DATES = ("birthdate", "date_of_issuance", "date_of_expiry")


def _pick(claims: Mapping[str, Any], name: str) -> Any:
    for key in ALIASES.get(name, (name,)):
        if key in claims and claims[key] is not None:
            return claims[key]
    return None


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "ial":
        return str(value)
    if not isinstance(value, str):
        raise IdentityError(f"claim {name} is not a string", claim=name, value=repr(value)[:80])
    return value


def _date(name: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    text = value.strip() if isinstance(value, str) else ""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise IdentityError(f"claim {name} is not a Gregorian YYYY-MM-DD date: {value!r}"[:200],
                            claim=name, value=repr(value)[:80]) from None


def _address(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        formatted = value.get("formatted")
        return formatted if isinstance(formatted, str) else None
    if isinstance(value, str):
        return value
    raise IdentityError("claim address is neither an object nor a string", claim="address",
                        value=repr(value)[:80])


@dataclass(frozen=True)
class ThaiDIdentity:
    """A person as ThaiD describes them. Fields the scope did not ask for are ``None``.

    ``pid`` is the 13-digit citizen ID (the ``pid`` claim, else ``sub``, which ThaiD sets to
    the PID). ``address`` is the formatted address text. ``claims`` keeps every claim seen.
    """

    pid: str
    sub: str | None = None
    name: str | None = None
    name_en: str | None = None
    title: str | None = None
    title_en: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    family_name: str | None = None
    given_name_en: str | None = None
    middle_name_en: str | None = None
    family_name_en: str | None = None
    birthdate: dt.date | None = None
    gender: str | None = None
    address: str | None = None
    smartcard_code: str | None = None
    ial: str | None = None
    date_of_issuance: dt.date | None = None
    date_of_expiry: dt.date | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> "ThaiDIdentity":
        """Build from ID token claims, ThaiD's flat token-response claims or userinfo."""
        sub = claims.get("sub")
        if claims.get("pid") is not None and sub is not None and claims["pid"] != sub:
            raise IdentityPidMismatch("the claims' pid is not their sub: they name two people")
        pid = claims.get("pid") or sub
        if not isinstance(pid, str) or not pid:
            raise IdentityError("neither a pid nor a sub claim names the person", claim="pid", value=None)
        values: dict[str, Any] = {"pid": pid, "sub": sub if isinstance(sub, str) else None}
        for name in _TEXT:
            values[name] = _text(name, _pick(claims, name))
        for name in _DATES:
            values[name] = _date(name, _pick(claims, name))
        values["address"] = _address(claims.get("address"))
        return cls(**values, claims=dict(claims))

    @property
    def display_name(self) -> str:
        """The Thai full name, else the English one, else the PID."""
        return self.name or self.name_en or self.pid

    def card_valid_on(self, day: dt.date) -> bool | None:
        """Whether the ID card is valid on ``day`` (``None`` without card dates)."""
        if self.date_of_expiry is None:
            return None
        starts = self.date_of_issuance or dt.date.min
        return starts <= day <= self.date_of_expiry

    def to_dict(self) -> dict[str, Any]:
        """JSON-able (dates as ISO strings, no raw claims); ``from_dict`` reverses it."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name == "claims":
                continue
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, dt.date) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ThaiDIdentity":
        """The identity a ``to_dict()`` described (without the raw claims)."""
        values: dict[str, Any] = {f.name: data.get(f.name) for f in dataclasses.fields(cls) if f.name != "claims"}
        for name in _DATES:
            if values.get(name):
                values[name] = dt.date.fromisoformat(values[name])
        return cls(**values)
