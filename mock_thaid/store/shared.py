"""State every worker process must agree on: the Flask secret, the signing keys and the
clock offset. A version number tells a worker when to reload its copies."""
from __future__ import annotations

from sqlalchemy import Boolean, Float, String, Text, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base


class MetaValue(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StoredKey(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(128), primary_key=True)
    pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    """No longer published; kept so its kid is never given to another key."""


SYNC_SQL = "SELECT key, value FROM meta WHERE key IN ('version', 'faults')"
SYNC_QUERY = text(SYNC_SQL)


def get(s: Session, key: str) -> str | None:
    row = s.get(MetaValue, key)
    return row.value if row else None


def put(s: Session, key: str, value: str) -> None:
    row = s.get(MetaValue, key)
    if row is None:
        s.add(MetaValue(key=key, value=value))
    else:
        row.value = value
    s.flush()


def setdefault(s: Session, key: str, value: str) -> str:
    current = get(s, key)
    if current is not None:
        return current
    put(s, key, value)
    return value


def version(s: Session) -> int:
    return int(s.scalar(select(MetaValue.value).where(MetaValue.key == "version")) or 0)


def bump(s: Session) -> None:
    if s.execute(update(MetaValue).where(MetaValue.key == "version")
                 .values(value=str(version(s) + 1))).rowcount == 0:
        put(s, "version", "1")


def keys(s: Session) -> list[StoredKey]:
    """Published keys, oldest first."""
    return list(s.scalars(select(StoredKey).where(StoredKey.retired.is_(False))
                          .order_by(StoredKey.created_at, StoredKey.kid)))


def all_kids(s: Session) -> set[str]:
    return set(s.scalars(select(StoredKey.kid)))


def add_key(s: Session, kid: str, pem: str, created_at: float) -> None:
    s.add(StoredKey(kid=kid, pem=pem, created_at=created_at, retired=False))
    s.flush()


def retire_keys(s: Session, kids: list[str]) -> None:
    for k in kids:
        row = s.get(StoredKey, k)
        if row is not None:
            row.retired = True
