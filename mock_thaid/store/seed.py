"""Load the synthetic population register and the demo clients into an empty database."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..pinhash import hash_pin
from . import citizens, clients
from .models import Account, Citizen


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (the register parses ~10x faster: start-up time)."""


class DataFileError(ValueError):
    """A data file the settings name is missing, unreadable or empty: the mock refuses to start
    rather than serve nobody. The message is Thai and English and names the setting."""

    def __init__(self, path: Path, key: str, problem_en: str, problem_th: str) -> None:
        setting = f"{key}_file"
        super().__init__(f"{key} file {path}: {problem_en} (setting {setting}, env MOCK_THAID_{setting.upper()}; "
                         f"`mock-thaid init DIR` writes editable copies) / ไฟล์ {path}: {problem_th}")
        self.path, self.key = path, key


def load_yaml(path: str | Path, key: str) -> list[dict]:
    """The list under ``key`` in a YAML data file. An empty ``path`` means "no file" (``[]``);
    a named file that is missing, not YAML or holds no entries raises DataFileError."""
    if not str(path):
        return []
    p = Path(path)
    if not p.is_file():
        raise DataFileError(p, key, "does not exist", "ไม่พบไฟล์ข้อมูล")
    try:
        doc = yaml.load(p.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise DataFileError(p, key, f"is not valid YAML ({e.__class__.__name__})", "ไม่ใช่ YAML ที่ถูกต้อง") from None
    items = doc.get(key) if isinstance(doc, dict) else None
    if items is None or items == []:
        raise DataFileError(p, key, f"has no '{key}' entries", f"ไม่มีรายการ '{key}' ในไฟล์")
    if not isinstance(items, list):
        raise DataFileError(p, key, f"'{key}' must be a list", f"'{key}' ต้องเป็นรายการ (list)")
    return items


def with_issuer(client: dict, issuer: str) -> dict:
    """``{issuer}`` in a client's redirect URIs becomes the mock's issuer (e.g. the built-in
    ``{issuer}/_mock/callback`` page), so the shipped file works on any host and port."""
    uris = client.get("redirect_uris")
    if not issuer or not isinstance(uris, list):
        return client
    return {**client, "redirect_uris": [u.replace("{issuer}", issuer) if isinstance(u, str) else u for u in uris]}


def seed(s: Session, *, citizens_file: str, clients_file: str, demo_pin: str, now: float,
         kdf_n: int, issuer: str = "") -> dict[str, int]:
    """Seed only what is empty. Registered citizens share one hash of the documented demo PIN
    (computed once, so start-up stays fast)."""
    counts = {"citizens": 0, "accounts": 0, "clients": 0}
    if not s.scalar(select(func.count()).select_from(Citizen)):
        # scrypt lets go of the GIL: hash the demo PIN on another core while the register loads.
        with ThreadPoolExecutor(1, thread_name_prefix="seed-pin") as pool:
            demo_hash_job = pool.submit(hash_pin, demo_pin, n=kdf_n)
            items = load_yaml(citizens_file, "citizens")
            for item in items:
                citizens.upsert(s, item)
                counts["citizens"] += 1
            demo_hash = demo_hash_job.result()
        for item in items:
            if item.get("registered"):
                s.add(Account(pid=str(item["pid"]), pin_hash=demo_hash,
                              channel=item.get("channel") or "self", registered_at=now,
                              failed_pins=0, locked_until=0.0))
                counts["accounts"] += 1
    if not clients.list_all(s):
        for item in load_yaml(clients_file, "clients"):
            clients.upsert(s, with_issuer(item, issuer))
            counts["clients"] += 1
    s.flush()
    return counts
