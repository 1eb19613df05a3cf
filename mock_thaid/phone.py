"""Whose phone this is (the ThaiD app simulation's session): set when a person picks their
phone or finishes registering on it; a later registration of the same person on another
phone signs this one out."""
from __future__ import annotations

from flask import session

from .store import citizens


def remember_phone(pid: str, now: float) -> None:
    """This phone is ``pid``'s, since ``now`` (a later registration elsewhere signs it out)."""
    session["phone_pid"], session["phone_since"] = pid, now


def phone_owner(s) -> tuple[str | None, bool]:
    """Whose phone this is, and whether it was just signed out because that person registered
    again from another phone after this phone was set up."""
    owner = session.get("phone_pid")
    if not owner:
        return None, False
    acc = citizens.account(s, owner)
    since = session.get("phone_since")
    if acc is not None and isinstance(since, (int, float)) and acc.registered_at > since:
        session.pop("phone_pid", None)
        session.pop("phone_since", None)
        return None, True
    return owner, False
