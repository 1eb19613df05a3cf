"""Engine and session factory. SQLite gets WAL and a busy timeout; ``sqlite://`` is in-memory.

PostgreSQL (``postgresql+psycopg://``; a bare ``postgresql://`` or ``postgres://`` URL gets the
psycopg 3 driver too) stores what SQLite stores: see store/postgres.py.

Engines hide statement parameters (PIDs, PIN hashes, tokens) from their error messages and logs."""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from . import events as _events  # noqa: F401  (registers the protocol_events table)
from . import shared as _shared  # noqa: F401  (registers meta and signing_keys)
from . import faults as _faults  # noqa: F401  (registers the faults table)
from . import postgres
from .models import Base


class SerializedStaticPool(StaticPool):
    """The one connection of an in-memory database, lent to one thread at a time.

    ``sqlite://`` lives in a single connection, so every thread shares it; two threads inside
    their own transactions on it interleave their BEGINs and COMMITs ("cannot commit - no
    transaction is active"). A re-entrant lock is taken when the connection is checked out and
    given back when it is returned (after the pool's rollback-on-return), so a thread's session
    or ``engine.connect()`` block has the connection to itself; the same thread may nest them,
    as it always could."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self._turn = threading.RLock()

    def _do_get(self):
        self._turn.acquire()
        try:
            return super()._do_get()
        except BaseException:
            self._turn.release()
            raise

    def _do_return_conn(self, record) -> None:
        try:
            super()._do_return_conn(record)
        finally:
            try:
                self._turn.release()
            except RuntimeError:  # returned by another thread (garbage collection): nothing held here
                pass


_GATE_KEY = "mock_thaid_write_gate"


class WriteGate:
    """One writing transaction at a time within this process, queued on a Python lock.

    SQLite has one writer; a second connection that tries to write waits in SQLite's busy
    handler, which sleeps 1, 2, 5, 10, ... ms between tries. With eight server threads that
    sleeping, not the work, made the tail (c=8 p95 several times p50). So a transaction takes
    this gate just before its first write (INSERT/UPDATE/DELETE) and gives it back when its
    connection returns to the pool (after COMMIT or ROLLBACK): the next writer starts the moment
    the last one ends. Other processes (``--workers``) still meet in SQLite's busy handler.

    A thread that already holds the gate and writes on a second connection is let through
    (SQLite decides, as before), and an acquire gives up after ``timeout`` (then SQLite's busy
    timeout decides): the gate only orders writers, it never adds a way to fail."""

    def __init__(self, timeout: float = 35.0) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self.timeout = timeout

    def enter(self, info: dict) -> None:
        if info.get(_GATE_KEY):
            return
        me = threading.get_ident()
        if self._owner == me:  # nested: a second connection of the same thread
            self._depth += 1
            info[_GATE_KEY] = True
            return
        if not self._lock.acquire(timeout=self.timeout):
            return
        self._owner, self._depth = me, 1
        info[_GATE_KEY] = True

    def leave(self, info: dict | None) -> None:
        if not info or not info.pop(_GATE_KEY, False):
            return
        self._depth -= 1
        if self._depth <= 0:
            self._owner, self._depth = None, 0
            self._lock.release()


def write_gate(engine: Engine) -> WriteGate | None:
    return getattr(engine, "_mock_thaid_gate", None)


def _install_gate(engine: Engine) -> None:
    gate = WriteGate()
    engine._mock_thaid_gate = gate  # type: ignore[attr-defined]

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, _cursor, _statement, _params, context, _many):
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            gate.enter(conn.info)

    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_conn, record):
        gate.leave(record.info if record is not None else None)

    @event.listens_for(engine.pool, "invalidate")
    def _invalidate(_dbapi_conn, record, _exc):
        gate.leave(record.info if record is not None else None)


def make_engine(url: str) -> Engine:
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(
            "sqlite://", connect_args={"check_same_thread": False}, poolclass=SerializedStaticPool,
            hide_parameters=True,
        )
    elif url.startswith("sqlite:///"):
        db_file = Path(url.removeprefix("sqlite:///"))
        db_file.parent.mkdir(parents=True, exist_ok=True)
        # The file holds the session secret and the signing keys: owner-only (SQLite gives its
        # -wal and -shm files the same mode).
        os.close(os.open(db_file, os.O_CREAT | os.O_RDWR, 0o600))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
    else:
        u = make_url(url)
        if u.drivername in ("postgresql", "postgres"):  # psycopg 3, the driver this project installs
            u = u.set(drivername="postgresql+psycopg")
        engine = create_engine(u, pool_pre_ping=True, hide_parameters=True)
        if engine.dialect.name == "postgresql":
            postgres.install_text_adapters(engine)
    if engine.dialect.name == "sqlite" and url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        _install_gate(engine)  # a SQLite file: its writers queue in this process, not in SQLite's sleeps
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


#: pg_advisory_lock key for start-up ("thaid" in ASCII): one process at a time creates the
#: schema, stores keys and seeds, so replicas that start together do not race.
_PG_STARTUP_LOCK = 0x7468616964


class Database:
    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._schema: MetaData = (postgres.schema(Base.metadata) if self.engine.dialect.name == "postgresql"
                                  else Base.metadata)
        if create:
            with self.startup_lock():
                self.create_schema()
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        db_file = self.engine.url.database
        self._reader_file = (db_file if self.engine.dialect.name == "sqlite" and db_file and db_file != ":memory:"
                             else None)
        self._readers = threading.local()

    def create_schema(self) -> None:
        self._schema.create_all(self.engine)

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        """Serialise start-up work across processes sharing this database: a PostgreSQL advisory
        lock, or an exclusive lock on ``<file>.lock`` beside a SQLite file (in-memory: none)."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_STARTUP_LOCK})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_STARTUP_LOCK})
                    conn.commit()
            return
        db_file = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not db_file or db_file == ":memory:":
            yield
            return
        import fcntl

        with open(db_file + ".lock", "a+b") as fh:
            os.chmod(fh.name, 0o600)
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on error."""
        s = self._factory()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def fast_tx(self):
        """A plain transaction for the hot paths, no ORM Session: on a SQLite file, the thread's
        own connection (store/fast.py LocalTx); otherwise a pooled one (Tx)."""
        from .fast import LocalTx, Tx

        if self._reader_file is not None and not getattr(self._readers, "busy", False):
            conn = self._thread_conn()
            self._readers.busy = True
            return LocalTx(conn, write_gate(self.engine), self._release_thread_conn)
        return Tx(self.engine)

    def _release_thread_conn(self) -> None:
        self._readers.busy = False

    def _thread_conn(self) -> sqlite3.Connection:
        """This thread's own connection to the SQLite file (autocommit mode; opened again after a
        fork), with the pragmas the engine's connections get."""
        conn = getattr(self._readers, "conn", None)
        if conn is None or self._readers.pid != os.getpid():
            conn = sqlite3.connect(self._reader_file, timeout=30, isolation_level=None, check_same_thread=True)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._readers.conn, self._readers.pid, self._readers.busy = conn, os.getpid(), False
        return conn

    def raw_rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of one read-only statement (``?`` placeholders) on a driver cursor, without a
        Session: for the per-request sync check. A SQLite file is read on a connection of the
        thread's own (no pool checkout, no rollback on return: ~5 µs instead of ~40); other
        databases use a pooled connection."""
        from .fast import _for

        if self._reader_file is not None:
            return self._thread_conn().execute(sql, params).fetchall()
        conn = self.engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(_for(self.engine.dialect.paramstyle, sql), params)
            rows = cur.fetchall()
            cur.close()
            conn.rollback()  # nothing to keep; ends PostgreSQL's implicit transaction
            return rows
        finally:
            conn.close()

    def reset(self) -> None:
        self._schema.drop_all(self.engine)
        self._schema.create_all(self.engine)
