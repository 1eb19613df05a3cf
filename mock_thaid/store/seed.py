"""Load the synthetic population register and the demo clients into an empty database."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..pinhash import hash_pin
from . import citizens, clients
from .models import Account, Citizen


def load_yaml(path: str | Path, key: str) -> list[dict]:
    p = Path(path)
    if not p.exists():
        return []
    doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    items = doc.get(key, [])
    if not isinstance(items, list):
        raise ValueError(f"{p}: '{key}' must be a list")
    return items


def seed(s: Session, *, citizens_file: str, clients_file: str, demo_pin: str, now: float,
         kdf_n: int) -> dict[str, int]:
    """Seed only what is empty. Registered citizens share one hash of the documented demo PIN
    (computed once, so start-up stays fast)."""
    counts = {"citizens": 0, "accounts": 0, "clients": 0}
    if not s.scalar(select(func.count()).select_from(Citizen)):
        demo_hash = hash_pin(demo_pin, n=kdf_n)
        for item in load_yaml(citizens_file, "citizens"):
            citizens.upsert(s, item)
            counts["citizens"] += 1
            if item.get("registered"):
                s.add(Account(pid=str(item["pid"]), pin_hash=demo_hash,
                              channel=item.get("channel") or "self", registered_at=now,
                              failed_pins=0, locked_until=0.0))
                counts["accounts"] += 1
    if not clients.list_all(s):
        for item in load_yaml(clients_file, "clients"):
            clients.upsert(s, item)
            counts["clients"] += 1
    s.flush()
    return counts
