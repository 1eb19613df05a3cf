"""What relying parties sent to the protocol endpoints and what they got (the inspector's data)."""
from __future__ import annotations

import queue
import threading

from sqlalchemy import JSON, Float, Integer, String, Text, delete, func, insert, select
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


_written = 0


def write_batch(engine, rows: list[dict]) -> None:
    """Insert rows in one short transaction (Core, not the ORM); now and then trim the table."""
    global _written
    with engine.begin() as conn:
        conn.execute(insert(ProtocolEvent.__table__), rows)
        _written += len(rows)
        if _written >= 100:
            _written = 0
            newest = conn.execute(select(func.max(ProtocolEvent.id))).scalar() or 0
            conn.execute(delete(ProtocolEvent.__table__).where(ProtocolEvent.id <= newest - KEEP))


class EventWriter:
    """Writes inspector events from a background thread, in batches, so a protocol request
    never waits for them. ``flush()`` waits until everything put so far is written (the
    inspector calls it before reading). Started lazily, so it works after a fork."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def put(self, row: dict) -> None:
        with self._cond:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="inspector-events", daemon=True)
                self._thread.start()
        self._queue.put(row)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < 200:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                write_batch(self.engine, batch)
            except Exception:  # a reset dropped the table, or the database is busy: events are best effort
                pass
            with self._cond:
                self._pending -= len(batch)
                self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._pending == 0, timeout=timeout)


class SyncEventWriter:
    """For an in-memory database: its one shared connection must not be used from a second
    thread, so events are written at once."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def put(self, row: dict) -> None:
        try:
            write_batch(self.engine, [row])
        except Exception:  # best effort, like the background writer
            pass

    def flush(self, timeout: float = 5.0) -> None:
        return None


def writer_for(engine):
    from sqlalchemy.pool import StaticPool

    return SyncEventWriter(engine) if isinstance(engine.pool, StaticPool) else EventWriter(engine)


def recent(s: Session, limit: int = 100, client_id: str | None = None) -> list[ProtocolEvent]:
    q = select(ProtocolEvent).order_by(ProtocolEvent.id.desc()).limit(limit)
    if client_id:
        q = q.where(ProtocolEvent.client_id == client_id)
    return list(s.scalars(q))
