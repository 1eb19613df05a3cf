"""Identity assurance level (IAL) of a ThaiD identity: it follows the channel the person
registered through (the app alone, or a district officer who checked a fingerprint)."""
from __future__ import annotations


def ial_of(channel: str | None, *, default: str, self_: str, officer: str) -> str:
    """``self_`` / ``officer`` for that channel; ``default`` when there is no account, an unknown
    channel, or the channel's setting is left empty."""
    return {"self": self_, "officer": officer}.get(channel or "") or default
