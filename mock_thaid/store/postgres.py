"""PostgreSQL takes less than SQLite: text cannot hold NUL and VARCHAR(n) lengths are enforced.
The mock stores whatever it is sent the same on both (hostile input included), so on PostgreSQL:

* the tables are created with the declared VARCHAR(n) lengths dropped (SQLite never enforced
  them, so they are documentation; e.g. a 100-character title or a long client_id is stored);
* with the psycopg driver, every string sent is escaped and every text read back unescaped,
  so NUL round-trips: U+0000 is stored as U+E000 U+E002, and U+E000 itself as U+E000 U+E001.
  The escape is one-to-one, so equality lookups behave as on SQLite.
"""
from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import MetaData, String
from sqlalchemy.engine import Engine

_ESC = "\ue000"
_TO_DB = {"\x00": _ESC + "\ue002", _ESC: _ESC + "\ue001"}
_FROM_DB = {v: k for k, v in _TO_DB.items()}
_TO_DB_RE = re.compile("[\x00\ue000]")
_FROM_DB_RE = re.compile("\ue000[\ue001\ue002]")


def escape(text: str) -> str:
    if "\x00" in text or _ESC in text:
        return _TO_DB_RE.sub(lambda m: _TO_DB[m.group()], text)
    return text


def unescape(text: str) -> str:
    return _FROM_DB_RE.sub(lambda m: _FROM_DB[m.group()], text) if _ESC in text else text


@lru_cache(maxsize=None)
def schema(metadata: MetaData) -> MetaData:
    """A copy of ``metadata`` for create_all/drop_all, its VARCHAR(n) columns without n (the
    ORM keeps using the original tables: names and columns are the same)."""
    copy = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    for table in copy.tables.values():
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length is not None:
                column.type = String(collation=column.type.collation)
    return copy


def install_text_adapters(engine: Engine) -> None:
    """Escape NUL in the strings psycopg sends, unescape the text it reads (each new connection)."""
    if engine.dialect.driver != "psycopg":
        return
    from psycopg.types.string import StrDumperUnknown, TextLoader
    from sqlalchemy import event

    class Dumper(StrDumperUnknown):
        def dump(self, obj: str):
            return super().dump(escape(obj))

    class Loader(TextLoader):
        def load(self, data):
            return unescape(super().load(data))

    @event.listens_for(engine, "connect")
    def _adapters(dbapi_conn, _record):
        dbapi_conn.adapters.register_dumper(str, Dumper)
        for name in ("text", "varchar", "bpchar"):
            dbapi_conn.adapters.register_loader(name, Loader)
