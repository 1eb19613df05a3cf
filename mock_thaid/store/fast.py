"""Plain SQL on the hot paths (a login's authorize and token requests, the QR page's polling,
the inspector's writer), run on the DBAPI cursor of the session's own connection, inside its
transaction.

A SQLAlchemy statement costs about 100 µs of Python per execution (compile-cache lookup,
parameter processing, result metadata); the same statement on the driver's cursor costs
about 6 µs. A login runs ~10 statements, so this is most of its server CPU. Everything else
(pages, the control API, registration) keeps the ORM.

Statements are written with ``?`` placeholders (SQLite's qmark style) and rewritten once to
``%s`` for psycopg (PostgreSQL). Values read back are the driver's: JSON columns come back as
text from SQLite and already parsed from psycopg (``json_value`` takes either); booleans as
0/1 from SQLite. psycopg's NUL escaping (store/postgres.py) is installed on the connection, so
it applies here too.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Sequence

from sqlalchemy.orm import Session


@lru_cache(maxsize=256)
def _for(paramstyle: str, sql: str) -> str:
    return sql if paramstyle == "qmark" else sql.replace("?", "%s")


@lru_cache(maxsize=256)
def is_write(sql: str) -> bool:
    return sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")


class Tx:
    """One transaction on a pooled connection's driver, without an ORM Session: what the two
    requests of a headless login need (every function of this module takes it where it takes a
    Session). Committed when the block ends, rolled back on error; ``commit()`` inside keeps
    what was done so far (a replayed code's revocation) and goes on in a new transaction."""

    def __init__(self, engine) -> None:
        from .db import write_gate

        self._fairy = engine.raw_connection()
        self._driver = (self, self._fairy.dbapi_connection, engine.dialect.paramstyle, self._fairy.info,
                        write_gate(engine), False)

    def commit(self) -> None:
        self._fairy.commit()

    def __enter__(self) -> "Tx":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._fairy.commit()
            else:
                self._fairy.rollback()
        finally:
            self._fairy.close()  # back to the pool (its write gate, if taken, is given back)


class LocalTx:
    """The same for a SQLite file, on the connection of the thread's own that also reads the
    per-request sync check (store/db.py): no pool checkout and return, one page cache less to
    refresh after other connections' commits. That connection runs in autocommit mode; as with
    SQLAlchemy's pysqlite default, reads before the first write run outside a transaction and
    ``BEGIN IMMEDIATE`` comes just before the first write (after the process's write gate), so
    a transaction never has to turn a stale read snapshot into a write."""

    def __init__(self, conn, gate, release) -> None:
        self._conn, self._gate, self._release = conn, gate, release
        self._info: dict = {}
        self._driver = (self, conn, "qmark", self._info, gate, True)

    def _end(self, how: str) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute(how)
        finally:
            if self._gate is not None:
                self._gate.leave(self._info)

    def commit(self) -> None:
        self._end("COMMIT")

    def __enter__(self) -> "LocalTx":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self._end("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self._release()


def _driver(s) -> tuple:
    """(transaction, driver connection, paramstyle, connection info, write gate) for the
    session's current transaction: looked up once per transaction (``Session.connection()``
    costs more than the statement)."""
    if type(s) is Tx or type(s) is LocalTx:
        return s._driver
    tx = s.get_transaction()
    cached = s.info.get("_fast")
    if tx is not None and cached is not None and cached[0] is tx:
        return cached
    conn = s.connection()  # begins the session's transaction if none is open
    from .db import write_gate

    found = (s.get_transaction(), conn.connection.dbapi_connection, conn.dialect.paramstyle, conn.info,
             write_gate(conn.engine), False)
    s.info["_fast"] = found
    return found


def cursor(s: Session):
    """The driver's cursor on the session's connection (its transaction begins as usual)."""
    return _driver(s)[1].cursor()


def _ready(s: Session, sql: str):
    """The driver connection and its paramstyle, with a write's gate and transaction taken:
    a write first takes the process's write gate (store/db.py WriteGate), as SQLAlchemy's
    statements do."""
    _, conn, style, info, gate, explicit = _driver(s)
    if is_write(sql):
        if gate is not None:
            gate.enter(info)
        if explicit and not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
    return conn, style


def execute(s: Session, sql: str, params: Sequence[Any] = ()):
    """Run one statement; returns the cursor (rowcount, fetch*)."""
    conn, style = _ready(s, sql)
    cur = conn.cursor()
    cur.execute(_for(style, sql), tuple(params))
    return cur


def executemany(s: Session, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    conn, style = _ready(s, sql)
    conn.cursor().executemany(_for(style, sql), [tuple(r) for r in rows])


def one(s: Session, sql: str, params: Sequence[Any] = ()) -> dict | None:
    """The first row as a dict keyed by column name, or None."""
    cur = execute(s, sql, params)
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row))


def scalar(s: Session, sql: str, params: Sequence[Any] = ()):
    row = execute(s, sql, params).fetchone()
    return row[0] if row is not None else None


def json_value(value):
    """A JSON column's value as Python, whichever driver read it."""
    if isinstance(value, (str, bytes)):
        return json.loads(value)
    return value


def json_param(value) -> str:
    """What to send for a JSON column (SQLAlchemy's JSON type stores the same text)."""
    return json.dumps(value)
