"""What relying parties sent to the protocol endpoints and what they got (the inspector's data)."""
from __future__ import annotations

from sqlalchemy import JSON, Float, Integer, String, Text, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base

KEEP = 500


class ProtocolEvent(Base):
    __tablename__ = "protocol_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    client_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    endpoint: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    status: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(64), nullable=True)
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    request: Mapped[dict] = mapped_column(JSON, default=dict)
    response: Mapped[dict] = mapped_column(JSON, default=dict)

    def as_dict(self) -> dict:
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}


def add(engine, **fields) -> None:
    """One insert in its own short transaction (Core, not the ORM: this runs on every request)."""
    with engine.begin() as conn:
        new_id = conn.execute(insert(ProtocolEvent.__table__).values(**fields)).inserted_primary_key[0]
        if new_id % 50 == 0:  # keep the table small
            conn.execute(delete(ProtocolEvent.__table__).where(ProtocolEvent.id <= new_id - KEEP))


def recent(s: Session, limit: int = 100, client_id: str | None = None) -> list[ProtocolEvent]:
    q = select(ProtocolEvent).order_by(ProtocolEvent.id.desc()).limit(limit)
    if client_id:
        q = q.where(ProtocolEvent.client_id == client_id)
    return list(s.scalars(q))
