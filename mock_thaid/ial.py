"""The IAL a person's tokens and digital card show, from the settings and their account's channel."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .domain.ial import ial_of
from .services import Services
from .store import citizens


def ial_for(services: Services, s: Session, pid: str, channel: str | None = None) -> str:
    """The IAL of the channel the person registered through (settings ial_self / ial_officer),
    falling back to ``ial`` (no account, or the channel's setting left empty). ``channel``:
    already read by the caller."""
    st = services.settings
    if channel is None:
        channel = citizens.channel(s, pid)
    return ial_of(channel, default=st.ial, self_=st.ial_self, officer=st.ial_officer)
