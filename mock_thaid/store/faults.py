"""Active faults, in the database so every worker sees the same ones."""
from __future__ import annotations

from sqlalchemy import JSON, Float, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import shared
from .models import Base


class ActiveFault(Base):
    __tablename__ = "faults"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    point: Mapped[str] = mapped_column(String(16), index=True)
    client_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Requests left; None = until cleared."""
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "point": self.point, "client_id": self.client_id,
                "remaining": self.remaining, "params": self.params}


def _count(s: Session) -> None:
    """Keep meta 'faults' = how many are armed, so requests can skip the lookup when none."""
    s.flush()
    shared.put(s, "faults", str(len(active(s))))


def add(s: Session, **fields) -> ActiveFault:
    f = ActiveFault(**fields)
    s.add(f)
    _count(s)
    return f


def active(s: Session) -> list[ActiveFault]:
    return list(s.scalars(select(ActiveFault).order_by(ActiveFault.id)))


def take(s: Session, point: str, client_id: str | None) -> ActiveFault | None:
    """The oldest fault for this hook point (and client), counting one use of it."""
    q = select(ActiveFault).where(ActiveFault.point == point).order_by(ActiveFault.id)
    for f in s.scalars(q):
        if f.client_id and f.client_id != client_id:
            continue
        if f.remaining is not None:
            f.remaining -= 1
            if f.remaining <= 0:
                s.delete(f)
                _count(s)
        s.flush()
        return f
    return None


def remove(s: Session, fault_id: int) -> bool:
    """Clear one fault by its id (a run clears only what it armed itself)."""
    f = s.get(ActiveFault, fault_id)
    if f is None:
        return False
    s.delete(f)
    _count(s)
    return True


def clear(s: Session, name: str | None = None) -> int:
    n = 0
    for f in active(s):
        if name is None or f.name == name:
            s.delete(f)
            n += 1
    _count(s)
    return n
