"""Engine and sessions: SQLite file with WAL by default, ``sqlite://`` in memory for tests."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool


class Database:
    def __init__(self, url: str) -> None:
        u = make_url(url)
        kwargs: dict = {}
        self.is_sqlite = u.get_backend_name() == "sqlite"
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if not u.database or u.database == ":memory:":
                kwargs["poolclass"] = StaticPool  # one shared in-memory database
            else:
                Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, hide_parameters=True, **kwargs)  # no PIDs in error messages or logs
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        from .models import Base
        from . import kp7  # noqa: F401  (registers the history tables)

        Base.metadata.create_all(self.engine)

    def drop_all(self) -> None:
        from .models import Base
        from . import kp7  # noqa: F401

        Base.metadata.drop_all(self.engine)

    @contextmanager
    def session(self):
        s: Session = self.Session()
        try:
            yield s
            s.commit()
        except Exception:
            s.rollback()
            raise
        finally:
            s.close()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")  # ignored (stays 'memory') for in-memory databases
    finally:
        cur.close()
