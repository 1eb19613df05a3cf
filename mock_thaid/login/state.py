"""QR login state machine (pure): waiting -> scanned -> approved | denied | expired."""
from __future__ import annotations

WAITING, SCANNED, APPROVED, DENIED, EXPIRED = "waiting", "scanned", "approved", "denied", "expired"
OPEN = frozenset({WAITING, SCANNED})
FINAL = frozenset({APPROVED, DENIED, EXPIRED})

_ALLOWED = {
    WAITING: {SCANNED, APPROVED, DENIED, EXPIRED},
    SCANNED: {SCANNED, APPROVED, DENIED, EXPIRED},
    APPROVED: set(),
    DENIED: set(),
    EXPIRED: {WAITING},  # "new QR" reopens an expired session
}


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"login cannot go from {current} to {target}")
        self.current, self.target = current, target


def effective(status: str, expires_at: float, now: float) -> str:
    """The status as seen now: an open session past its expiry is expired."""
    return EXPIRED if status in OPEN and now >= expires_at else status


def advance(current: str, target: str) -> str:
    if target not in _ALLOWED.get(current, set()):
        raise InvalidTransition(current, target)
    return target
