"""Wrong officer passwords, counted per office in the shared database (every worker sees the
same count): after ``officer_max_attempts`` the office's console locks for ``lockout_minutes``."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..store import shared


def _keys(office: str) -> tuple[str, str]:
    return f"officer_fail:{office}"[:64], f"officer_lock:{office}"[:64]


def locked_until(s: Session, office: str, now: float) -> float:
    until = float(shared.get(s, _keys(office)[1]) or 0.0)
    return until if until > now else 0.0


def failed(s: Session, office: str, now: float, *, max_attempts: int, lockout_s: float) -> int:
    """Count one wrong password; returns how many tries are left (0: now locked)."""
    fail_key, lock_key = _keys(office)
    count = int(shared.get(s, fail_key) or 0) + 1
    if count >= max_attempts:
        shared.put(s, lock_key, repr(now + lockout_s))
        shared.put(s, fail_key, "0")
        return 0
    shared.put(s, fail_key, str(count))
    return max_attempts - count


def succeeded(s: Session, office: str) -> None:
    shared.put(s, _keys(office)[0], "0")
