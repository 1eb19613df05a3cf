"""The audit log: append-only and hash-chained.

Each row stores ``hash = sha256(prev_hash + canonical_json(row))`` where the row is every
column but ``hash`` (its id included), and ``prev_hash`` is the previous row's hash (64
zeros for the first). Changing, deleting or reordering any row breaks the chain from there
on; :func:`verify` names the first bad row. Rows are appended under a process-wide lock
(the chain needs one writer at a time); the database session is committed with the row,
so a change and its audit entry are stored together or not at all.

Personal identifiers are never logged: actors and subjects are public ids, never PIDs.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update

from .models import AuditEntry

GENESIS = "0" * 64
HASHED = ("id", "at", "actor", "actor_role", "action", "outcome", "subject", "object_type", "object_id",
          "ip", "user_agent", "detail", "prev_hash")
_LOCK = threading.Lock()


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def row_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(fields)).hexdigest()


def record(s, action: str, *, outcome: str = "ALLOW", actor: str | None = None, actor_role: str | None = None,
           subject: str | None = None, object_type: str | None = None, object_id: str | None = None,
           ip: str | None = None, user_agent: str | None = None, detail: dict | None = None,
           commit: bool = True) -> AuditEntry:
    """Append one entry (and, by default, commit the session it shares with the change)."""
    if outcome not in ("ALLOW", "DENY", "ERROR"):
        raise ValueError("outcome must be ALLOW, DENY or ERROR")
    _become_writer(s)
    with _LOCK:
        last = s.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
        prev = last.hash if last else GENESIS
        fields = {"id": (last.id + 1) if last else 1,
                  "at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                  "actor": actor, "actor_role": actor_role, "action": action, "outcome": outcome,
                  "subject": subject, "object_type": object_type, "object_id": object_id, "ip": ip,
                  "user_agent": (user_agent or "")[:300] or None, "detail": detail or {}, "prev_hash": prev}
        entry = AuditEntry(**fields, hash=row_hash(prev, fields))
        s.add(entry)
        if commit:
            s.commit()
        else:
            s.flush()
    return entry


def _become_writer(s) -> None:
    """On SQLite, make the session's transaction the database's one writer *before* taking
    ``_LOCK``. A request that has already written (so holds SQLite's write lock) and then
    audits waits for ``_LOCK``; if ``_LOCK`` were held by a request waiting for the write lock,
    both would wait until the 30 s busy timeout and fail. Holding the write lock also means the
    last row read below is the last row there is (no uncommitted row of another request)."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(update(AuditEntry).where(AuditEntry.id == -1).values(id=AuditEntry.id)
                  .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rows: int
    bad_id: int | None = None
    reason: str = ""


def verify(s) -> Verdict:
    prev, n = GENESIS, 0
    for entry in s.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        n += 1
        fields = {k: getattr(entry, k) for k in HASHED}
        if entry.prev_hash != prev:
            return Verdict(False, n, entry.id, "prev_hash does not match the previous row's hash")
        if row_hash(prev, fields) != entry.hash:
            return Verdict(False, n, entry.id, "hash does not match the row's contents")
        prev = entry.hash
    return Verdict(True, n)


def recent(s, *, subject: str | None = None, limit: int = 100) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if subject is not None:
        q = q.where(AuditEntry.subject == subject)
    return list(s.scalars(q))
