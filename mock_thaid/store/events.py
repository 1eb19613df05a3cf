"""What relying parties sent to the protocol endpoints and what they got (the inspector's data)."""
from __future__ import annotations

import threading

from sqlalchemy import JSON, Float, Integer, String, Text, select
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
_COLUMNS = ("at", "client_id", "endpoint", "method", "status", "error", "explanation", "request", "response")
_INSERT = f"INSERT INTO protocol_events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


def write_batch(engine, rows: list[dict]) -> None:
    """Insert rows in one short transaction on the driver's cursor (plain SQL, as the hot paths:
    store/fast.py); now and then trim the table to the newest KEEP."""
    global _written
    from .fast import _for, json_param

    style = engine.dialect.paramstyle
    values = [tuple(json_param(r.get(c) or {}) if c in ("request", "response") else r.get(c) for c in _COLUMNS)
              for r in rows]
    from .db import write_gate

    gate = write_gate(engine)
    conn = engine.raw_connection()
    try:
        if gate is not None:
            gate.enter(conn.info)  # given back when the connection returns to the pool
        cur = conn.cursor()
        cur.executemany(_for(style, _INSERT), values)
        _written += len(rows)
        if _written >= 100:
            _written = 0
            cur.execute("SELECT max(id) FROM protocol_events")
            newest = cur.fetchone()[0] or 0
            cur.execute(_for(style, "DELETE FROM protocol_events WHERE id <= ?"), (newest - KEEP,))
        cur.close()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


class EventWriter:
    """Writes inspector events from a background thread, in batches, so a protocol request
    never waits for them. A batch waits up to ``linger`` seconds for more events (one
    transaction for many logins, not one each), unless someone is reading: ``flush()`` (the
    inspector calls it before reading) has everything put so far written at once, and waits
    for it. Started lazily, so it works after a fork."""

    BATCH = 200
    IDLE_AFTER = 20
    """Empty polls (of ``linger`` each) before the writer sleeps until a put wakes it."""

    def __init__(self, engine, linger: float = 0.05) -> None:
        self.engine = engine
        self.linger = linger
        self._rows: list[dict] = []
        self._pending = 0
        self._flushing = 0
        self._idle = True
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def put(self, row: dict) -> None:
        with self._cond:
            self._rows.append(row)
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._idle = True
                self._thread = threading.Thread(target=self._run, name="inspector-events", daemon=True)
                self._thread.start()
            if self._idle or len(self._rows) >= self.BATCH:  # under steady load the writer wakes by itself
                self._idle = False
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                quiet = 0
                while not self._rows:  # poll a while (a put wakes nobody), then sleep until woken
                    quiet += 1
                    self._idle = quiet > self.IDLE_AFTER
                    self._cond.wait(None if self._idle else self.linger)
                self._idle = False
                self._cond.wait_for(lambda: self._flushing or len(self._rows) >= self.BATCH, timeout=self.linger)
                batch, self._rows = self._rows[:self.BATCH], self._rows[self.BATCH:]
            try:
                write_batch(self.engine, batch)
            except Exception:  # a reset dropped the table, or the database is busy: events are best effort
                pass
            with self._cond:
                self._pending -= len(batch)
                self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._flushing += 1
            self._cond.notify_all()
            try:
                self._cond.wait_for(lambda: self._pending == 0, timeout=timeout)
            finally:
                self._flushing -= 1


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
